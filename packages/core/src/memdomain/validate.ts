/**
 * Argument checks shared by both faces: the SPDK-shaped functions turn a problem into -EINVAL, the
 * convenience faces into an `InvalidArgumentError`. A check allocates only when it finds a
 * problem, so the success path of the callback face stays allocation-free.
 * @module
 */
import { isDmaDeviceType } from "./device-type.js";
import { iovTotalLength, type MemoryIoVec } from "./iovec.js";

/** What is wrong with an argument: its name and why. */
export interface ArgProblem {
  /** Name of the offending argument, e.g. "dstIov". */
  readonly argument: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

function problem(argument: string, message: string): ArgProblem {
  return { argument, message };
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/** The element count of an iovec array, 0 for anything that is not an array (then its check reports it). */
export function countOf(iov: readonly MemoryIoVec[]): number {
  return Array.isArray(iov) ? iov.length : 0;
}

/** Checks one iovec: integer length and offset >= 0, and inside `bytes` when there is a view. */
export function checkIov(v: MemoryIoVec | undefined, name: string): ArgProblem | null {
  if (v === null || typeof v !== "object") return problem(name, "is not an iovec object");
  if (!isCount(v.length)) return problem(name, `length ${v.length} is not a byte count`);
  const offset = v.offset ?? 0;
  if (!isCount(offset)) return problem(name, `offset ${offset} is not a byte count`);
  const bytes = v.bytes;
  if (bytes !== null && bytes !== undefined) {
    if (!(bytes instanceof Uint8Array)) return problem(name, "bytes is not a Uint8Array");
    if (offset + v.length > bytes.byteLength) {
      return problem(
        name,
        `offset ${offset} + length ${v.length} runs past its ${bytes.byteLength}-byte view`,
      );
    }
  }
  return null;
}

/** Checks `iov[0..cnt)`: a real array, a count inside it, and every element by {@link checkIov}. */
export function checkIovs(iov: readonly MemoryIoVec[], cnt: number, name: string): ArgProblem | null {
  if (!Array.isArray(iov)) return problem(name, "is not an array of iovecs");
  if (!isCount(cnt) || cnt > iov.length) {
    return problem(`${name}Cnt`, `${cnt} is not a count within the ${iov.length}-element array`);
  }
  for (let i = 0; i < cnt; i++) {
    const p = checkIov(iov[i], name);
    if (p !== null) return problem(`${name}[${i}]`, p.message);
  }
  return null;
}

/**
 * Checks a data movement from `src[0..srcCnt)` into `dst[0..dstCnt)`: both arrays valid and the
 * destination at least as long as the source, so a failing move never starts.
 */
export function checkMove(
  src: readonly MemoryIoVec[],
  srcCnt: number,
  srcName: string,
  dst: readonly MemoryIoVec[],
  dstCnt: number,
  dstName: string,
): ArgProblem | null {
  const p = checkIovs(src, srcCnt, srcName) ?? checkIovs(dst, dstCnt, dstName);
  if (p !== null) return p;
  const srcLen = iovTotalLength(src, srcCnt);
  const dstLen = iovTotalLength(dst, dstCnt);
  if (dstLen < srcLen) {
    return problem(dstName, `holds ${dstLen} bytes, less than the ${srcLen} bytes of ${srcName}`);
  }
  return null;
}

/** Checks the iovecs of a memzero: valid, and at least one (SPDK asserts a non-zero count). */
export function checkMemzero(iov: readonly MemoryIoVec[], cnt: number): ArgProblem | null {
  return (
    checkIovs(iov, cnt, "iov") ?? (cnt === 0 ? problem("iovCnt", "memzero needs at least one iovec") : null)
  );
}

/** Checks that `value` is an object (a domain, a translation result): the callback face's asserts. */
export function checkObject(value: unknown, name: string): ArgProblem | null {
  return value !== null && typeof value === "object" ? null : problem(name, "is required");
}

/** Checks the arguments of a domain creation: a known device type, an optional context and id. */
export function checkCreate(type: number, ctx: unknown, id: unknown): ArgProblem | null {
  if (!isDmaDeviceType(type)) {
    return problem("type", `${type} is not a DmaDeviceType (0..2, or vendor-specific 1000..1999)`);
  }
  if (id !== null && id !== undefined && typeof id !== "string")
    return problem("id", "must be a string or null");
  if (ctx === null || ctx === undefined) return null;
  if (typeof ctx !== "object") return problem("ctx", "must be an object or null");
  const user = (ctx as { userCtx?: unknown }).userCtx;
  if (user !== undefined && !ArrayBuffer.isView(user))
    return problem("ctx.userCtx", "must be an ArrayBufferView");
  return null;
}
