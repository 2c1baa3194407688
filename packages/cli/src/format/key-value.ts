/**
 * `field : value` lines, as nvme-cli prints structures: names padded to one width, chosen numeric
 * fields in hex, an optional note after a value.
 * @module
 */

/**
 * One line per field of `obj` (except `skip`), numbers in `hexKeys` as hex, `notes[k]` in
 * parentheses after the value.
 */
export function keyValueLines(
  obj: Record<string, unknown>,
  hexKeys: ReadonlySet<string> = new Set(),
  notes: Readonly<Record<string, string>> = {},
  skip: ReadonlySet<string> = new Set(),
): string[] {
  const keys = Object.keys(obj).filter((k) => !skip.has(k));
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => {
    const v = obj[k];
    const shown = hexKeys.has(k) && typeof v === "number" ? `0x${v.toString(16)}` : String(v);
    return `${k.padEnd(width)} : ${shown}${notes[k] ? `  (${notes[k]})` : ""}`;
  });
}
