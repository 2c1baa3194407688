// The fabrics pieces between the wire formats and the controller: the discovery log read whole and
// consistently, registers as Property Get/Set commands, and Connect on a bare transport queue.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DataPointerBuilder, Payload } from "../../../src/dataptr/payload.js";
import { NvmeError, NvmeTimeoutError, TransportError } from "../../../src/errors/errors.js";
import { readDiscoveryLog } from "../../../src/fabrics/discovery-log-reader.js";
import { PropertyRegisters } from "../../../src/fabrics/property-registers.js";
import { ConnectRejectedError, connectQueue } from "../../../src/fabrics/queue-connect.js";
import type { NvmeCommand } from "../../../src/nvme-spec/command.js";
import {
  DISCOVERY_LOG_ENTRY_SIZE,
  type DiscoveryLogEntry,
  discoveryLogSize,
  encodeDiscoveryLog,
} from "../../../src/nvme-spec/discovery-log.js";
import { decodeConnectData, FabricsCommandType } from "../../../src/nvme-spec/fabrics.js";
import type { QueuePort } from "../../../src/transport/contract.js";
import { RecordingDma } from "../recording-dma.js";

function entry(subnqn: string): DiscoveryLogEntry {
  return {
    trtype: 3,
    adrfam: 1,
    subtype: 2,
    treq: 0,
    portid: 1,
    cntlid: 0xffff,
    asqsz: 32,
    eflags: 0,
    trsvcid: "4420",
    subnqn,
    traddr: "10.0.0.1",
    tsas: new Uint8Array(256),
  };
}

function logBytes(genctr: bigint, names: string[]): Uint8Array {
  const out = new Uint8Array(discoveryLogSize(names.length));
  encodeDiscoveryLog(out, genctr, names.map(entry));
  return out;
}

test("discovery log: read whole in chunks, and again while the generation counter moves", async () => {
  const names = Array.from({ length: 5 }, (_, i) => `nqn.2024-01.io.example:s${i}`); // 6 KiB: two chunks
  let generation = 1n;
  const reads: { size: number; offset: number }[] = [];
  const log = await readDiscoveryLog(async (size, offset) => {
    reads.push({ size, offset });
    const now = logBytes(generation, names);
    if (reads.length === 2) generation = 2n; // changes in the middle of the first whole read
    return now.slice(offset, offset + size);
  });
  assert.is(log.genctr, 2n);
  assert.equal(
    log.entries.map((e) => e.subnqn),
    names,
  );
  assert.ok(reads.length >= 8, `first attempt discarded, second kept: ${reads.length} reads`);
  assert.ok(reads.some((r) => r.offset === 4096 && r.size === discoveryLogSize(5) - 4096));
  assert.ok(DISCOVERY_LOG_ENTRY_SIZE === 1024);
});

test("discovery log: a log that never settles is an error, not a loop", async () => {
  let generation = 0n;
  let thrown: unknown = null;
  try {
    await readDiscoveryLog(async (size, offset) =>
      logBytes(++generation, ["nqn.a:b"]).slice(offset, offset + size),
    );
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof NvmeError && /changed on each of 10 reads/.test(thrown.message));
});

test("discovery log: a header claiming more entries than nvmekit reads is refused before allocating", async () => {
  const header = new Uint8Array(1024);
  new DataView(header.buffer).setBigUint64(8, 1n << 40n, true); // numrec: a trillion entries
  let thrown: unknown = null;
  let reads = 0;
  await readDiscoveryLog(async () => {
    reads++;
    return header;
  }).catch((e) => {
    thrown = e;
  });
  assert.ok(thrown instanceof NvmeError && /at most 4096/.test(thrown.message), String(thrown));
  assert.is(reads, 1, "only the header was read");
});

test("property registers: Get with 4 and 8 bytes, Set carries the value", async () => {
  const sent: { fctype: number; attrib: number; offset: number; value: bigint }[] = [];
  const regs = new PropertyRegisters(async (cmd: NvmeCommand) => {
    const dw = cmd.dw;
    sent.push({
      fctype: dw[1]! & 0xff,
      attrib: dw[10]! & 7,
      offset: dw[11]!,
      value: (BigInt(dw[13]!) << 32n) | BigInt(dw[12]!),
    });
    return { cdw0: 0x0040_07ff, cdw1: 0x0000_0020 };
  });
  assert.is(await regs.read64(0), 0x20_0040_07ffn);
  assert.is(await regs.read32(0x1c), 0x0040_07ff);
  await regs.write32(0x14, 0x0046_0001);
  assert.equal(sent, [
    { fctype: FabricsCommandType.PropertyGet, attrib: 1, offset: 0, value: 0n },
    { fctype: FabricsCommandType.PropertyGet, attrib: 0, offset: 0x1c, value: 0n },
    { fctype: FabricsCommandType.PropertySet, attrib: 0, offset: 0x14, value: 0x0046_0001n },
  ]);
});

/** A bare queue port that answers one command with `answer` (or never). */
function port(
  answer: Uint32Array | null,
  withBuilder = true,
): QueuePort & { sent: Uint32Array[]; data: Uint8Array[] } {
  let pending: Uint32Array | null = null;
  const data: Uint8Array[] = [];
  const builder: DataPointerBuilder = {
    build(_cmd: NvmeCommand, payload: Payload): number {
      data.push(new Uint8Array((payload.view as Uint8Array).slice(0, payload.length)));
      return 0;
    },
  };
  return {
    qid: 3,
    depth: 16,
    sent: [],
    data,
    ...(withBuilder ? { dataPointer: builder } : {}),
    post(cmd: Uint32Array) {
      this.sent.push(cmd.slice());
    },
    ringSubmission() {
      pending = answer;
    },
    poll(out: Uint32Array) {
      if (pending === null) return false;
      out.set(pending);
      pending = null;
      return true;
    },
    ringCompletion() {},
    async release() {},
  };
}

const PARAMS = {
  qid: 3,
  cntlid: 7,
  hostid: Uint8Array.from({ length: 16 }, (_, i) => i),
  hostnqn: "nqn.2014-08.org.nvmexpress:uuid:00010203-0405-0607-0809-0a0b0c0d0e0f",
  subnqn: "nqn.2024-01.io.example:disk",
  katoMs: 0,
};

test("connect: the command names the queue and its size, the data names host and subsystem; cntlid comes back", async () => {
  const p = port(Uint32Array.of(7, 0, 0, 0));
  const dma = new RecordingDma();
  assert.is(await connectQueue(p, dma, PARAMS, 1000), 7);
  const dw = p.sent[0]!;
  assert.is(dw[0]! & 0xff, 0x7f);
  assert.is(dw[1]! & 0xff, FabricsCommandType.Connect);
  assert.is(dw[10]! >>> 16, 3, "QID");
  assert.is(dw[11]! & 0xffff, 15, "SQSIZE is 0's based");
  const data = decodeConnectData(p.data[0]!);
  assert.equal(
    { ...data, hostid: [...data.hostid] },
    {
      hostid: [...PARAMS.hostid],
      cntlid: 7,
      subnqn: PARAMS.subnqn,
      hostnqn: PARAMS.hostnqn,
    },
  );
  assert.is(dma.freed.length, dma.allocated.length, "the Connect data buffer is freed");
});

test("connect: a refusal explains itself; silence times out; a port without a data pointer is refused", async () => {
  // SCT 1, SC 0x84 Connect Invalid Host: status field in DW3 bits 31:17.
  const refused = port(Uint32Array.of(0x1_0200, 0, 0, ((1 << 8) | 0x84) << 17));
  let e1: unknown = null;
  await connectQueue(refused, new RecordingDma(), PARAMS, 1000).catch((e) => {
    e1 = e;
  });
  assert.ok(e1 instanceof ConnectRejectedError, String(e1));
  assert.ok((e1 as Error).message.includes(PARAMS.hostnqn));
  let e2: unknown = null;
  await connectQueue(port(null), new RecordingDma(), PARAMS, 30).catch((e) => {
    e2 = e;
  });
  assert.ok(e2 instanceof NvmeTimeoutError);
  let e3: unknown = null;
  await connectQueue(port(null, false), new RecordingDma(), PARAMS, 30).catch((e) => {
    e3 = e;
  });
  assert.ok(e3 instanceof TransportError);
});

test.run();
