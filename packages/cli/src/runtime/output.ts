/**
 * Where the CLI writes: results to stdout (so `--json` and `read` output can be piped), notices and
 * progress to stderr.
 * @module
 */

/** Writes a line of results to stdout. */
export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a notice (the embedded-controller line, what a command did) to stderr. */
export function notice(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Writes a value as indented JSON to stdout; bigints become decimal strings, as nvme-cli prints them. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
}
