/**
 * Waiting on controller registers during initialisation and shutdown: poll every millisecond until
 * a condition holds, or fail with a time-out that names what was awaited.
 * @module
 */
import { NvmeTimeoutError } from "../errors/errors.js";
import type { RegisterAccess } from "../transport/contract.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the 32-bit register at `offset` until `done(value)` is true and returns that value; throws
 * NvmeTimeoutError after `timeoutMs`, or whatever `fatal(value)` returns when it returns an error.
 */
export async function waitForRegister(
  regs: RegisterAccess,
  offset: number,
  done: (value: number) => boolean,
  timeoutMs: number,
  what: string,
  fatal: (value: number) => Error | null = () => null,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await regs.read32(offset);
    if (done(v)) return v;
    const err = fatal(v);
    if (err) throw err;
    if (performance.now() > deadline) {
      throw new NvmeTimeoutError(
        `${what}: not done after ${timeoutMs} ms (register 0x${offset.toString(16)} = 0x${v.toString(16)})`,
      );
    }
    await sleep(1);
  }
}
