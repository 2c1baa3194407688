/**
 * The data of `write`, `compare` and `zns zone-append` (from `--data FILE`, else stdin) and of
 * `read` (to `--data FILE`, else stdout), sized to the blocks the command covers.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { buffer } from "node:stream/consumers";
import { UsageError } from "../runtime/cli-error.js";
import { notice } from "../runtime/output.js";

/** What a command was given to write, and where it came from (a file name, or "stdin"). */
export interface Input {
  /** The bytes. */
  data: Uint8Array;
  /** The file, or "stdin". */
  source: string;
}

/** Reads `file`, or stdin when it is undefined, whole. */
export async function readSource(file: string | undefined): Promise<Input> {
  // stdin is read as a stream: a pipe may be non-blocking, where a synchronous read gets EAGAIN.
  const data = file !== undefined ? readFileSync(file) : await buffer(process.stdin);
  return { data, source: file ?? "stdin" };
}

/**
 * `input` sized to `bytes`: a shorter input is padded with zeroes (and said so), a longer one is
 * refused, since its tail would be dropped silently. `sizeFlag` names what set the size.
 */
export function fitInput({ data, source }: Input, bytes: number, sizeFlag = "--count"): Uint8Array {
  if (data.length > bytes) {
    throw new UsageError(
      `${source} holds ${data.length} bytes, more than the ${bytes} bytes of ${sizeFlag}: raise ${sizeFlag} or trim the input`,
    );
  }
  if (data.length < bytes) notice(`${source}: ${data.length} bytes, padded with zeroes to ${bytes}`);
  const out = new Uint8Array(bytes);
  out.set(data);
  return out;
}

/** The input (`file`, else stdin) for `bytes` bytes of blocks, as {@link fitInput} sizes it. */
export async function readInput(file: string | undefined, bytes: number): Promise<Uint8Array> {
  return fitInput(await readSource(file), bytes);
}

/** Writes what was read to `file`, or to stdout. */
export function writeOutput(file: string | undefined, data: Uint8Array): void {
  if (file !== undefined) writeFileSync(file, data);
  else process.stdout.write(data);
}
