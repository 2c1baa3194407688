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

/**
 * A 64-bit unsigned field that {@link printJson} writes as a bare JSON number with every digit, as
 * nvme-cli writes its 64-bit fields (a write pointer of all ones is 18446744073709551615, which a
 * JavaScript number would round).
 */
export class ExactUint64 {
  /** @param value the field's value, 0 to 2^64 - 1 */
  constructor(readonly value: bigint) {}
}

// Stands in for an ExactUint64 in JSON.stringify's output until the digits replace it (a NUL
// character cannot occur unescaped in JSON text, so no real string matches).
const EXACT = "\u0000";
const EXACT_PLACEHOLDER = /"\\u0000(\d+)"/g;

/**
 * Writes a value as indented JSON to stdout; bigints become decimal strings, as nvme-cli prints its
 * 128-bit fields, and {@link ExactUint64} values bare numbers.
 */
export function printJson(value: unknown): void {
  const exact: string[] = [];
  const text = JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof ExactUint64) return `${EXACT}${exact.push(v.value.toString()) - 1}`;
      return v;
    },
    2,
  );
  print(exact.length === 0 ? text : text.replace(EXACT_PLACEHOLDER, (_m, i: string) => exact[Number(i)]!));
}
