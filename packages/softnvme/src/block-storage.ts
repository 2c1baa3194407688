/**
 * Where a namespace's logical blocks live: in memory (an ArrayBuffer, or a SharedArrayBuffer the
 * host thread can keep across controller restarts) or in a file, read and written synchronously.
 * @module
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";

/** A namespace's block data as a flat byte range. */
export interface BlockStorage {
  /** Size in bytes. */
  readonly byteLength: number;
  /** Copies `into.length` bytes from `offset` into `into`. */
  read(offset: number, into: Uint8Array): void;
  /** Copies `data` to `offset`. */
  write(offset: number, data: Uint8Array): void;
  /** Zeroes `length` bytes from `offset`. */
  zero(offset: number, length: number): void;
  /** Releases what the storage holds open (a file descriptor). */
  close(): void;
}

/** Block data in memory. */
export class MemoryStorage implements BlockStorage {
  /** The bytes. */
  readonly bytes: Uint8Array;

  /** @param bytes the memory (zeroed by the caller when new), or a size in bytes for fresh memory */
  constructor(bytes: Uint8Array | number) {
    this.bytes = typeof bytes === "number" ? new Uint8Array(bytes) : bytes;
  }

  /** Size in bytes. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** Copies out. */
  read(offset: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(offset, offset + into.length));
  }

  /** Copies in. */
  write(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset);
  }

  /** Zeroes a range. */
  zero(offset: number, length: number): void {
    this.bytes.fill(0, offset, offset + length);
  }

  /** Nothing to release. */
  close(): void {}
}

// Zeroing writes go out in pieces of this size.
const ZERO_CHUNK = 1 << 20;

/** Block data in a file (created or grown to `byteLength`; never shrunk). */
export class FileStorage implements BlockStorage {
  private readonly fd: number;
  private zeroes: Uint8Array | undefined;

  /** @param path the file  @param byteLength the namespace's size in bytes */
  constructor(
    readonly path: string,
    readonly byteLength: number,
  ) {
    closeSync(openSync(path, "a")); // creates the file without truncating it
    this.fd = openSync(path, "r+");
    if (fstatSync(this.fd).size < byteLength) ftruncateSync(this.fd, byteLength);
  }

  /** Positioned read; bytes past the end of the file read as zeroes. */
  read(offset: number, into: Uint8Array): void {
    let done = 0;
    while (done < into.length) {
      const n = readSync(this.fd, into, done, into.length - done, offset + done);
      if (n === 0) {
        into.fill(0, done);
        return;
      }
      done += n;
    }
  }

  /** Positioned write. */
  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
  }

  /** Writes zeroes over a range. */
  zero(offset: number, length: number): void {
    this.zeroes ??= new Uint8Array(ZERO_CHUNK);
    for (let at = 0; at < length; at += ZERO_CHUNK) {
      this.write(offset + at, this.zeroes.subarray(0, Math.min(ZERO_CHUNK, length - at)));
    }
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }
}
