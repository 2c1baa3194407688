/**
 * Parsers for numeric flags, as commander argument parsers: a bad value stops the command before
 * anything is opened, with the flag named by commander and what to give instead.
 * @module
 */
import { InvalidArgumentError } from "commander";

/** Parses a whole number (decimal or 0x hex) from `min` to `max`. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const text = value.trim();
    const n = /^0x[0-9a-f]+$/i.test(text)
      ? Number.parseInt(text, 16)
      : /^\d+$/.test(text)
        ? Number(text)
        : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min} to ${max}`;
      throw new InvalidArgumentError(`give a whole number, ${range}.`);
    }
    return n;
  };
}

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a byte size: `4096`, `4k`, `4K`, `4KiB`, `1m`, `128KB` (binary units, as SPDK perf's -o). */
export function byteSize(min = 1, max = 1024 ** 3): (value: string) => number {
  return (value) => {
    const m = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(value.trim());
    const n = m === null ? NaN : Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`give a size in bytes such as 4096 or 4k (${min} to ${max}).`);
    }
    return n;
  };
}

/** Parses a duration in seconds (fractions allowed, e.g. 0.5): positive, or with `allowZero` also 0. */
export function seconds(max = 86_400, allowZero = false): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!((n > 0 || (allowZero && n === 0)) && n <= max))
      throw new InvalidArgumentError(
        `give a time in seconds, ${allowZero ? "from 0" : "more than 0"} and at most ${max}.`,
      );
    return n;
  };
}

/** Accepts one of `choices` (case-insensitive) and returns it as listed. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((c) => c.toLowerCase() === value.trim().toLowerCase());
    if (found === undefined) throw new InvalidArgumentError(`give one of ${choices.join(", ")}.`);
    return found;
  };
}
