/**
 * Plain-text tables for terminals: columns as wide as their widest cell, numbers right-aligned.
 * @module
 */

/** A column: its heading and whether its cells are right-aligned (numbers). */
export interface Column {
  /** Heading. */
  title: string;
  /** Right-align the cells (numbers). */
  right?: boolean;
}

/** Lays out `rows` under `columns`, two spaces between columns, a dashed rule under the headings. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => (c.right ? (cells[i] ?? "").padStart(widths[i]!) : (cells[i] ?? "").padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}
