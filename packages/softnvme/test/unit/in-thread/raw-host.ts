/**
 * A minimal hand-written host for the software controller's own unit tests: programs the admin queue registers,
 * enables the controller, and runs raw commands to completion — no core controller code involved.
 * @module
 */

import type { DmaBuffer } from "@nvmekit/core";
import type { AdminChannel, QueuePort } from "@nvmekit/core/transport";
import type { InThreadConnection } from "../../../src/index.js";

/** A completion as four dwords plus its decoded status field. */
export interface RawCompletion {
  /** DW0..DW3. */
  dw: Uint32Array;
  /** 15-bit status (DW3 bits 31:17). */
  status: number;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls CSTS until `(csts & mask) === want` or a second has passed. */
export async function waitCsts(conn: InThreadConnection, mask: number, want: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const csts = await conn.registers.read32(0x1c);
    if ((csts & mask) === want) return csts;
    await sleep(5);
  }
  throw new Error(`CSTS never reached (csts & 0x${mask.toString(16)}) == 0x${want.toString(16)}`);
}

/** Creates the admin queue, programs AQA/ASQ/ACQ and CC by hand, and waits for CSTS.RDY. */
export async function enableByHand(conn: InThreadConnection, depth = 16): Promise<QueuePort> {
  const setup = await conn.createAdminQueue(depth);
  await conn.registers.write32(0x24, ((depth - 1) << 16) | (depth - 1)); // AQA: ACQS 27:16, ASQS 11:0
  await conn.registers.write64(0x28, BigInt(setup.rings!.sqIova)); // ASQ
  await conn.registers.write64(0x30, BigInt(setup.rings!.cqIova)); // ACQ
  await conn.registers.write32(0x14, 1 | (6 << 16) | (4 << 20)); // CC: EN, IOSQES 6, IOCQES 4
  await waitCsts(conn, 1, 1);
  return setup.port;
}

let nextCid = 1;

/** Posts `dw` (CID filled in), rings, and returns the completion the controller produced synchronously. */
export function runRaw(port: QueuePort, dw: Uint32Array): RawCompletion | undefined {
  dw[0] = ((dw[0]! & 0xffff) | (nextCid++ << 16)) >>> 0;
  if (nextCid > 0xffff) nextCid = 1;
  port.post(dw);
  port.ringSubmission();
  return pollOne(port);
}

/** Takes one completion off `port` if there is one, and rings the CQ head doorbell. */
export function pollOne(port: QueuePort): RawCompletion | undefined {
  const out = new Uint32Array(4);
  if (!port.poll(out)) return undefined;
  port.ringCompletion();
  return { dw: out, status: out[3]! >>> 17 };
}

/** Puts a 64-bit address into dwords `lo`, `lo + 1`. */
export function putAddr(dw: Uint32Array, lo: number, iova: number): void {
  dw[lo] = (iova % 0x1_0000_0000) >>> 0;
  dw[lo + 1] = Math.floor(iova / 0x1_0000_0000);
}

/** An AdminChannel over a raw admin port: PRP1 = data buffer (one page at most), synchronous completion. */
export function rawAdminChannel(port: QueuePort): AdminChannel {
  return {
    async execute(cmd, data?: DmaBuffer) {
      if (data !== undefined) putAddr(cmd.dw, 6, data.iova);
      const c = runRaw(port, cmd.dw);
      if (c === undefined) throw new Error("no completion");
      if (c.status !== 0) throw new Error(`status 0x${c.status.toString(16)}`);
      return c.dw[0]!;
    },
  };
}
