/**
 * The test device: softnvme's in-thread controller at `soft0`, namespace 1 of `blocks` 512-byte blocks
 * backed by memory the test keeps (so it can look at the device's bytes, and reopen on the same
 * backend after detaching), and its command log to see what was (or was not) submitted.
 */
import { type InThreadRig, inThreadRig } from "@nvmekit/softnvme";
import { type NVMED, nvmed_open } from "../../src/index.js";

/** The transport ID of the test device's namespace 1. */
export const SOFT_PATH = "trtype:SOFT traddr:soft0 ns:1";

/** NVMe I/O opcodes as the command log records them. */
export const OPC = { flush: 0x00, write: 0x01, read: 0x02, dsm: 0x09 } as const;

/** A rig and its backend. */
export interface SoftDevice {
  rig: InThreadRig;
  /** Namespace 1's bytes, as the device holds them. */
  backend: Uint8Array;
}

/** Options of the test device. */
export interface SoftDeviceOpts {
  blocks?: number;
  blockSize?: number;
  mdts?: number;
  vwc?: boolean;
  backend?: ArrayBuffer;
}

/** Builds the test device. */
export function softDevice(o: SoftDeviceOpts = {}): SoftDevice {
  const blocks = o.blocks ?? 2048;
  const blockSize = o.blockSize ?? 512;
  const memory = o.backend ?? new ArrayBuffer(blocks * blockSize);
  const rig = inThreadRig({
    namespaces: [{ nsid: 1, blockSize, blocks, memory }],
    mdts: o.mdts ?? 5,
    vwc: o.vwc ?? true,
  });
  return { rig, backend: new Uint8Array(memory) };
}

/** Opens namespace 1 of `dev` (throws if nvmed_open returns null). */
export async function openSoft(dev: SoftDevice, flags = 0): Promise<NVMED> {
  const nvmed = await nvmed_open(SOFT_PATH, flags, { driver: dev.rig.driver });
  if (nvmed === null) throw new Error("nvmed_open returned null");
  return nvmed;
}

/** I/O commands (qid > 0) logged since `from`, as [opcode, qid] pairs. */
export function ioCommands(
  dev: SoftDevice,
  from = 0,
): Array<{ opcode: number; qid: number; dwords: Uint32Array }> {
  return dev.rig.device.commands.slice(from).filter((c) => c.qid > 0);
}

/** Deterministic bytes. */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
