/**
 * The libc calls the PCIe transport needs, bound once with koffi, each wrapped so that failure
 * throws a {@link NativeError} carrying errno. Pointers are koffi's BigInt addresses. Nothing here
 * is on the per-I/O path: these are set-up, mapping and interrupt calls.
 * @module
 */

import { NativeError } from "@nvmekit/core";
import koffi from "koffi";
import {
  _SC_PAGESIZE,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  MAP_FAILED,
  O_CLOEXEC,
  POLLIN,
  RLIMIT_MEMLOCK,
} from "./constants.js";

const libc = koffi.load("libc.so.6");

const cOpen = libc.func("int open(const char *path, int flags)");
const cClose = libc.func("int close(int fd)");
// ioctl is variadic in C; on x86-64 calling it with a fixed third argument is ABI-compatible and
// lets koffi prepare each signature once instead of per call.
const cIoctlValue = libc.func("ioctl", "int", ["int", "unsigned long", "uintptr_t"]);
const cIoctlBuffer = libc.func("ioctl", "int", ["int", "unsigned long", "void *"]);
const cIoctlString = libc.func("ioctl", "int", ["int", "unsigned long", "const char *"]);
const cMmap = libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)");
const cMmapFixed = libc.func("mmap", "void *", ["uintptr_t", "size_t", "int", "int", "int", "int64_t"]);
const cMunmap = libc.func("int munmap(uintptr_t addr, size_t len)");
const cMadvise = libc.func("int madvise(uintptr_t addr, size_t len, int advice)");
const cEventfd = libc.func("int eventfd(unsigned int initval, int flags)");
const cRead = libc.func("intptr_t read(int fd, void *buf, size_t count)");
const cWrite = libc.func("intptr_t write(int fd, const void *buf, size_t count)");
const cPread = libc.func("intptr_t pread(int fd, void *buf, size_t count, int64_t offset)");
const cPwrite = libc.func("intptr_t pwrite(int fd, const void *buf, size_t count, int64_t offset)");
const cPoll = libc.func("int poll(void *fds, unsigned long nfds, int timeout)");
const cGetuid = libc.func("uint32_t getuid()");
const cSysconf = libc.func("long sysconf(int name)");
const cGetrlimit = libc.func("int getrlimit(int resource, void *rlim)");

/** Throws a NativeError built from errno when a libc call returned a negative value. */
function check(what: string, result: number, hint?: (errno: number) => string | undefined): number {
  if (result < 0) {
    const errno = koffi.errno();
    throw new NativeError(what, errno, hint?.(errno));
  }
  return result;
}

/** Opens `path` with `flags` (O_CLOEXEC is always added); returns the fd. */
export function open(path: string, flags: number, hint?: (errno: number) => string | undefined): number {
  return check(`open(${path})`, cOpen(path, flags | O_CLOEXEC), hint);
}

/** Closes `fd`, ignoring errors (there is nothing useful to do about a failed close). */
export function close(fd: number): void {
  cClose(fd);
}

/** ioctl with an integer (or no) argument; returns the ioctl's non-negative result. */
export function ioctlValue(fd: number, request: number, what: string, value = 0): number {
  return check(`ioctl(${what})`, cIoctlValue(fd, request, value));
}

/** ioctl whose argument points at `buffer` (read and written in place by the kernel). */
export function ioctlBuffer(
  fd: number,
  request: number,
  what: string,
  buffer: Uint8Array,
  hint?: (errno: number) => string | undefined,
): number {
  return check(`ioctl(${what})`, cIoctlBuffer(fd, request, buffer), hint);
}

/** ioctl whose argument is a NUL-terminated string. */
export function ioctlString(fd: number, request: number, what: string, value: string): number {
  return check(`ioctl(${what})`, cIoctlString(fd, request, value));
}

/** ioctl with an integer argument, run on the thread pool (for calls that sleep, e.g. a reset). */
export function ioctlValueAsync(fd: number, request: number, what: string, value = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    cIoctlValue.async(fd, request, value, (err: unknown, result: number) => {
      if (err) reject(err);
      // errno is per thread: the pool thread's value is not ours to read, so report the call only.
      else if (result < 0) reject(new NativeError(`ioctl(${what})`, 0));
      else resolve(result);
    });
  });
}

/** mmap; returns the address. */
export function mmap(
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number | bigint,
): bigint {
  const address = cMmap(null, length, prot, flags, fd, BigInt(offset)) as bigint;
  if (address === MAP_FAILED) throw new NativeError("mmap", koffi.errno());
  return address;
}

/** mmap with MAP_FIXED semantics at `address` (the caller includes MAP_FIXED in `flags`). */
export function mmapAt(
  address: bigint,
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number | bigint,
): bigint {
  const result = cMmapFixed(address, length, prot, flags, fd, BigInt(offset)) as bigint;
  if (result === MAP_FAILED) throw new NativeError("mmap(MAP_FIXED)", koffi.errno());
  return result;
}

/** munmap. */
export function munmap(address: bigint, length: number): void {
  check("munmap", cMunmap(address, length));
}

/** madvise. */
export function madvise(address: bigint, length: number, advice: number): void {
  check("madvise", cMadvise(address, length, advice));
}

/** A new non-blocking, close-on-exec eventfd with counter 0. */
export function eventfd(): number {
  return check("eventfd", cEventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

const counter = new BigUint64Array(1);
const counterBytes = new Uint8Array(counter.buffer);

/** Reads and resets a non-blocking eventfd's counter; 0 when nothing was signalled. */
export function eventfdConsume(fd: number): number {
  // EAGAIN (nothing pending) is the common answer, not an error.
  return cRead(fd, counterBytes, 8) === 8 ? Number(counter[0]) : 0;
}

/** Adds 1 to an eventfd's counter (wakes pollers). */
export function eventfdSignal(fd: number): void {
  counter[0] = 1n;
  check("write(eventfd)", cWrite(fd, counterBytes, 8));
}

/** pread of exactly `buffer.length` bytes at `offset`. */
export function pread(fd: number, buffer: Uint8Array, offset: number | bigint, what: string): void {
  const n = check(`pread(${what})`, cPread(fd, buffer, buffer.length, BigInt(offset)));
  if (n !== buffer.length) throw new NativeError(`pread(${what}): short read ${n}/${buffer.length}`, 0);
}

/** pwrite of exactly `buffer.length` bytes at `offset`. */
export function pwrite(fd: number, buffer: Uint8Array, offset: number | bigint, what: string): void {
  const n = check(`pwrite(${what})`, cPwrite(fd, buffer, buffer.length, BigInt(offset)));
  if (n !== buffer.length) throw new NativeError(`pwrite(${what}): short write ${n}/${buffer.length}`, 0);
}

/**
 * Waits on the thread pool until `fd` is readable or `timeoutMs` passes (-1: forever); resolves
 * whether it became readable. The event loop keeps running meanwhile; one pool thread is busy.
 */
export function pollReadable(fd: number, timeoutMs: number): Promise<boolean> {
  const pollfd = new Int32Array(2); // struct pollfd { int fd; short events; short revents; }
  pollfd[0] = fd;
  pollfd[1] = POLLIN;
  return new Promise((resolve, reject) => {
    cPoll.async(pollfd, 1, timeoutMs, (err: unknown, result: number) => {
      if (err) reject(err);
      else resolve(result > 0);
    });
  });
}

/** The process's real user id. */
export function getuid(): number {
  return cGetuid() as number;
}

/** The CPU page size. */
export const systemPageSize: number = cSysconf(_SC_PAGESIZE) as number;

/** The soft and hard RLIMIT_MEMLOCK in bytes (Infinity for unlimited). */
export function memlockLimit(): { soft: number; hard: number } {
  const rlim = new BigUint64Array(2);
  check("getrlimit(RLIMIT_MEMLOCK)", cGetrlimit(RLIMIT_MEMLOCK, new Uint8Array(rlim.buffer)));
  const toNumber = (v: bigint) => (v === 0xffff_ffff_ffff_ffffn ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: toNumber(rlim[0]), hard: toNumber(rlim[1]) };
}
