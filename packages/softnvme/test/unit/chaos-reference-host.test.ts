/**
 * Chaos mode is fair: a host that follows the rules passes it. A reference host written here by hand
 * (no core code) gives every command a CID with a generation (CID = generation << 5 | slot) and takes a
 * completion only when its SQ ID is its queue's, its SQ head lies inside the queue, and its CID is the
 * current one of a busy slot. Over the soft controller in chaos mode at QD 32 it sees every command
 * complete exactly once, with success, after its data moved, while rejecting the bogus completions.
 * This is what the chaos-io fuzz test asks of the core; here it shows the chaos leaves a way to pass.
 */
import type { DmaBuffer } from "@nvmekit/core";
import type { QueuePort } from "@nvmekit/core/transport";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHAOS_STATUS, InThreadTransport } from "../../src/index.js";
import { enableByHand, putAddr, rawAdminChannel } from "./in-thread/raw-host.js";

const TRID = { trtype: 4096, adrfam: 0 as const, traddr: "soft0", trsvcid: "", subnqn: "", trstring: "SOFT" };
const DEPTH = 33; // 32 commands in flight
const SLOTS = 32;
const BLOCKS = 8; // 4 KiB per command on namespace 1 (512-byte blocks): PRP1 alone
const COMMANDS = 2_000;

/** The first 8 bytes each block gets: the command's sequence number and its LBA. */
function stamp(buf: Uint8Array, seq: number, lba: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let b = 0; b < BLOCKS; b++) {
    dv.setUint32(b * 512, seq, true);
    dv.setUint32(b * 512 + 4, lba + b, true);
  }
}

/** Runs `COMMANDS` writes (opcode 01h) or reads (02h) at QD 32; returns how many completions it rejected. */
async function workload(
  port: QueuePort,
  held: () => number,
  buffers: DmaBuffer[],
  opcode: number,
  seqOf: (i: number) => number,
) {
  const generation = new Array<number>(SLOTS).fill(0);
  const busy = new Array<number>(SLOTS).fill(-1); // command index in the slot, or -1
  const completions = new Array<number>(COMMANDS).fill(0);
  let next = 0;
  let done = 0;
  let rejected = 0;
  let idle = 0;
  const cqe = new Uint32Array(4);
  const dw = new Uint32Array(16);
  while (done < COMMANDS) {
    for (let slot = 0; slot < SLOTS && next < COMMANDS; slot++) {
      if (busy[slot] !== -1) continue;
      const i = next++;
      const buf = buffers[slot]!;
      if (opcode === 0x01) stamp(buf.bytes, seqOf(i), i * BLOCKS);
      else buf.bytes.fill(0xee);
      generation[slot] = (generation[slot]! + 1) & 0x7ff;
      busy[slot] = i;
      dw.fill(0);
      dw[0] = (opcode | (((generation[slot]! << 5) | slot) << 16)) >>> 0;
      dw[1] = 1; // NSID
      putAddr(dw, 6, buf.iova);
      dw[10] = i * BLOCKS; // SLBA
      dw[12] = BLOCKS - 1; // NLB, 0's based
      port.post(dw);
    }
    port.ringSubmission();
    let n = 0;
    while (port.poll(cqe)) {
      n++;
      const sqid = cqe[2]! >>> 16;
      const head = cqe[2]! & 0xffff;
      const cid = cqe[3]! & 0xffff;
      const slot = cid & 31;
      const i = busy[slot]!;
      if (sqid !== 1 || head >= DEPTH || i === -1 || generation[slot] !== cid >>> 5) {
        rejected++;
        continue;
      }
      busy[slot] = -1;
      done++;
      completions[i]!++;
      assert.is(
        cqe[3]! >>> 17,
        0,
        `command ${i}: a genuine completion with status 0 (not 0x${CHAOS_STATUS.toString(16)})`,
      );
      if (opcode === 0x02) {
        const dv = new DataView(buffers[slot]!.bytes.buffer, buffers[slot]!.bytes.byteOffset, 8);
        assert.equal(
          [dv.getUint32(0, true), dv.getUint32(4, true)],
          [seqOf(i), i * BLOCKS],
          `read ${i} holds its data`,
        );
      }
    }
    if (n > 0) port.ringCompletion();
    const deferred = held();
    await new Promise(setImmediate); // deferred commands run now
    // Nothing held by the controller and nothing to poll twice in a row: nothing more can come.
    idle = n === 0 && deferred === 0 ? idle + 1 : 0;
    assert.ok(idle < 2 || done === COMMANDS, `${COMMANDS - done} commands never completed`);
  }
  assert.ok(
    completions.every((c) => c === 1),
    "every command completed exactly once",
  );
  return rejected;
}

test(`a host with CID generations and SQ ID/head checks passes chaos mode (${COMMANDS} writes + ${COMMANDS} reads per seed)`, async () => {
  let rejected = 0;
  for (const seed of [1, 2, 3, 4]) {
    const transport = new InThreadTransport({
      controllers: {
        soft0: {
          chaos: { seed, completionRate: 0.05, deferRate: 0.2 },
          readyDelayMs: 0,
          recordCommands: false,
        },
      },
    });
    await transport.connect(TRID, {} as never);
    const conn = transport.connection("soft0")!;
    const admin = rawAdminChannel(await enableByHand(conn, 16));
    const port = await conn.createIoQueue(
      { qid: 1, depth: DEPTH, priority: 0, useCmbSq: false, interrupts: false, capsuleDataBytes: 0 },
      admin,
    );
    const buffers = Array.from({ length: SLOTS }, () => conn.dma.alloc(BLOCKS * 512));
    const chaos = transport.controller("soft0").chaos!;
    const held = () => chaos.pending;
    rejected += await workload(port, held, buffers, 0x01, (i) => seed * 100_000 + i);
    rejected += await workload(port, held, buffers, 0x02, (i) => seed * 100_000 + i);
    const s = chaos.stats;
    assert.ok(
      s.duplicate + s.stale + s.random + s.outOfRange > 0 && s.wrongSq + s.badHead > 0 && s.deferred > 0,
    );
    await conn.close();
  }
  assert.ok(rejected > 0, "the host met bogus completions and rejected them");
});

test.run();
