/**
 * The data of `write` and `compare` (from `--data FILE`, else stdin) and of `read` (to `--data
 * FILE`, else stdout), sized to the blocks the command covers.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { buffer } from "node:stream/consumers";
import { UsageError } from "../runtime/cli-error.js";
import { notice } from "../runtime/output.js";

/**
 * The input for `bytes` bytes of blocks: a shorter input is padded with zeroes (and said so), a
 * longer one is refused, since its tail would be dropped silently.
 */
export async function readInput(file: string | undefined, bytes: number): Promise<Uint8Array> {
  // stdin is read as a stream: a pipe may be non-blocking, where a synchronous read gets EAGAIN.
  const data = file !== undefined ? readFileSync(file) : await buffer(process.stdin);
  const source = file ?? "stdin";
  if (data.length > bytes) {
    throw new UsageError(
      `${source} holds ${data.length} bytes, more than the ${bytes} of --count blocks: raise --count or trim the input`,
    );
  }
  if (data.length < bytes) notice(`${source}: ${data.length} bytes, padded with zeroes to ${bytes}`);
  const out = new Uint8Array(bytes);
  out.set(data);
  return out;
}

/** Writes what was read to `file`, or to stdout. */
export function writeOutput(file: string | undefined, data: Uint8Array): void {
  if (file !== undefined) writeFileSync(file, data);
  else process.stdout.write(data);
}
