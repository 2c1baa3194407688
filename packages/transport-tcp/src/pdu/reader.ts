/**
 * The streaming PDU reader of one NVMe/TCP socket: it turns the byte stream, cut into chunks any
 * way TCP likes, into header / data / end events, verifies digests and the header fields that frame
 * a PDU, and reports a malformed stream once. It copies only when a header straddles chunks (into
 * one preallocated buffer); data reaches the handler as views of the chunk.
 * @module
 */
import {
  COMMON_HEADER_LENGTH,
  DIGEST_LENGTH,
  DigestBit,
  MAX_HEADER_LENGTH,
  MAX_TERM_REQ_PDU_LENGTH,
  PduFlag,
  PduType,
  pduHeaderLength,
  pduTypeHasDataDigest,
  pduTypeHasHeaderDigest,
  TermReqFes,
} from "./constants.js";
import { crc32c, crc32cContinue } from "./digest.js";
import { PduField, readU32le } from "./fields.js";

/**
 * A received PDU header, handed to {@link PduHandler.onHeader}. The reader reuses one object for
 * every PDU, and `bytes` is a view into the chunk being fed or into the reader's header buffer:
 * both are valid only during the call. Copy what you need to keep.
 */
export interface PduHeaderView {
  /** {@link PduType}. */
  readonly type: number;
  /** {@link PduFlag} bits as received. */
  readonly flags: number;
  /** Header length (the type's, checked). */
  readonly hlen: number;
  /** PDU data offset as received (0 for PDUs without data; for TermReqs 0 or hlen). */
  readonly pdo: number;
  /** Whole PDU length as received. */
  readonly plen: number;
  /** Bytes of data that {@link PduHandler.onData} will deliver: no padding, no digest. */
  readonly dataLength: number;
  /** The `hlen` header bytes (without the header digest), little-endian fields at {@link PduField}. */
  readonly bytes: Uint8Array;
}

/**
 * What a {@link PduReader} calls, on the thread that calls `feed`. Implement it on a long-lived
 * object (the queue's) so no closure is made per PDU. For each PDU the reader calls `onHeader`, then
 * `onData` zero or more times with consecutive pieces, then `onPduEnd` (or `onDataDigestError`).
 * A handler may call `setDigests`, `setMaxPduLength` and `reset` on the reader; it must not call
 * `feed` re-entrantly. An exception thrown by the handler propagates out of `feed` and the rest of
 * that chunk is dropped: treat it as fatal for the connection.
 */
export interface PduHandler {
  /** A complete header whose header digest (when on) matched and whose framing fields are sane. */
  onHeader(header: PduHeaderView): void;
  /**
   * A piece of the PDU's data: a view into the fed chunk, valid only during the call (copy it out,
   * e.g. straight into the user's buffer at `offset`).
   * @param offset byte offset of `piece` within this PDU's data.
   */
  onData(piece: Uint8Array, offset: number): void;
  /** The PDU is complete; its data digest (when it has data and data digests are on) matched. */
  onPduEnd(): void;
  /**
   * The stream is malformed: `fes` is the {@link TermReqFes} and `fei` the field offset to put in
   * the TermReq the connection should end with. The reader ignores all input until `reset()`.
   */
  onError(fes: number, fei: number, message: string): void;
  /**
   * Optional: the data digest of the PDU just delivered did not match. The specification treats
   * this as recoverable (the command completes with a Transient Transport Error) because framing is
   * intact, so when this method exists the reader calls it instead of `onPduEnd` and carries on with
   * the next PDU. Without it the mismatch is reported through `onError` with
   * {@link TermReqFes.HeaderDigestError} (SPDK's target choice: no FES names data digests).
   */
  onDataDigestError?(): void;
}

/** Options of a {@link PduReader}. */
export interface PduReaderOptions {
  /** Largest `plen` accepted; defaults to {@link DEFAULT_MAX_PDU_LENGTH}. At least 152. */
  maxPduLength?: number;
  /** {@link DigestBit} bits in force from the start; defaults to 0 (the IC exchange has none). */
  digests?: number;
}

/** Default largest PDU the reader accepts: 16 MiB, headers, padding and digests included. */
export const DEFAULT_MAX_PDU_LENGTH = 16 * 1024 * 1024;

// Which flags each type may carry; HDGSTF / DDGSTF presence is checked against negotiation apart.
const ALLOWED_FLAGS: readonly number[] = [
  0, // ICReq
  0, // ICResp
  0, // H2CTermReq
  0, // C2HTermReq
  PduFlag.HDGSTF | PduFlag.DDGSTF, // CapsuleCmd
  PduFlag.HDGSTF, // CapsuleResp
  PduFlag.HDGSTF | PduFlag.DDGSTF | PduFlag.DATA_LAST, // H2CData
  PduFlag.HDGSTF | PduFlag.DDGSTF | PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS, // C2HData
  0, // reserved
  PduFlag.HDGSTF, // R2T
];

const S_HEADER = 0;
const S_PAD = 1;
const S_DATA = 2;
const S_DDGST = 3;
const S_FAILED = 4;

const EMPTY = new Uint8Array(0);

class MutableHeaderView implements PduHeaderView {
  type = 0;
  flags = 0;
  hlen = 0;
  pdo = 0;
  plen = 0;
  dataLength = 0;
  bytes: Uint8Array = EMPTY;
}

/**
 * Reads the PDUs of one socket. Feed it every chunk the socket emits, in order; it calls its
 * {@link PduHandler} synchronously from `feed`. Not thread-safe: one reader per socket, used by the
 * socket's owner thread. Peer input never makes `feed` throw: a malformed PDU is reported once
 * through `onError`, after which input is ignored until `reset()`.
 */
export class PduReader {
  private readonly handler: PduHandler;
  private readonly view = new MutableHeaderView();
  // Header plus header digest of the largest header that can carry one (CapsuleCmd 72 + 4), or
  // an IC header (128, never digested): 128 bytes hold every case.
  private readonly hdrBuf = new Uint8Array(MAX_HEADER_LENGTH);
  // Views of hdrBuf per header length, made once so a straddling header costs no allocation.
  private readonly hdrView24 = this.hdrBuf.subarray(0, 24);
  private readonly hdrView72 = this.hdrBuf.subarray(0, 72);
  private readonly hdrView128 = this.hdrBuf.subarray(0, 128);
  private digestBits = 0;
  private maxPduLength = DEFAULT_MAX_PDU_LENGTH;
  private state = S_HEADER;
  /** Bytes of the current header gathered in hdrBuf. */
  private hdrHave = 0;
  /** hlen + header digest of the current header, 0 until its common header was checked. */
  private hdrTotal = 0;
  private padLeft = 0;
  private dataLength = 0;
  private dataDone = 0;
  private dataDigestOn = false;
  private dataCrc = 0;
  private digestHave = 0;
  private digestGot = 0;
  /** Bumped by reset(), so feed() stops when a handler resets the reader mid-chunk. */
  private generation = 0;

  /**
   * @param handler receives the events; kept for the reader's life.
   * @throws RangeError for bad options.
   */
  constructor(handler: PduHandler, options?: PduReaderOptions) {
    this.handler = handler;
    if (options?.maxPduLength !== undefined) this.setMaxPduLength(options.maxPduLength);
    if (options?.digests !== undefined) this.setDigests(options.digests);
  }

  /**
   * Sets the digests in force, {@link DigestBit} bits, once the ICReq / ICResp exchange agreed on
   * them (call it from `onPduEnd` of the IC PDU, or before feeding what follows). Applies from the
   * next PDU header on.
   * @throws RangeError when `digests` has other bits.
   */
  setDigests(digests: number): void {
    if ((digests & ~3) !== 0 || digests < 0)
      throw new RangeError(`digests ${digests} has bits other than 1|2`);
    this.digestBits = digests;
  }

  /** The {@link DigestBit} bits in force. */
  get digests(): number {
    return this.digestBits;
  }

  /**
   * Sets the largest `plen` accepted; a longer PDU is reported with
   * {@link TermReqFes.DataTransferLimitExceeded}. Applies from the next PDU header on.
   * @throws RangeError when `n` is not an integer ≥ 152.
   */
  setMaxPduLength(n: number): void {
    if (!(n >= MAX_TERM_REQ_PDU_LENGTH && Math.floor(n) === n)) {
      throw new RangeError(`maxPduLength ${n} must be an integer ≥ ${MAX_TERM_REQ_PDU_LENGTH}`);
    }
    this.maxPduLength = n;
  }

  /** Whether the reader reported an error and now ignores input. */
  get failed(): boolean {
    return this.state === S_FAILED;
  }

  /**
   * Forgets any partial PDU and any error: the next byte fed starts a PDU. Digest and size settings
   * stay. Called from a handler, it also drops the rest of the chunk being fed.
   */
  reset(): void {
    this.generation++;
    this.state = S_HEADER;
    this.hdrHave = 0;
    this.hdrTotal = 0;
    this.padLeft = 0;
    this.dataLength = 0;
    this.dataDone = 0;
    this.dataDigestOn = false;
    this.digestHave = 0;
  }

  /**
   * Consumes one chunk of the stream, calling the handler for what it completes. The chunk is read
   * only during the call (data views handed out die with the call). Never throws for peer input.
   */
  feed(chunk: Uint8Array): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      switch (this.state) {
        case S_HEADER: {
          // Fast path: the whole header is in this chunk, so hand out a view and copy nothing.
          if (this.hdrHave === 0 && end - pos >= COMMON_HEADER_LENGTH) {
            if (!this.beginHeader(chunk, pos)) return;
            if (end - pos >= this.hdrTotal) {
              const at = pos;
              pos += this.hdrTotal;
              if (!this.finishHeader(chunk, at, true)) return;
              break;
            }
          }
          // The header straddles chunks: gather it in hdrBuf.
          const target = this.hdrTotal === 0 ? COMMON_HEADER_LENGTH : this.hdrTotal;
          let n = target - this.hdrHave;
          if (n > end - pos) n = end - pos;
          const buf = this.hdrBuf;
          for (let i = 0; i < n; i++) buf[this.hdrHave + i] = chunk[pos + i]!;
          this.hdrHave += n;
          pos += n;
          if (this.hdrTotal === 0) {
            if (this.hdrHave === COMMON_HEADER_LENGTH && !this.beginHeader(buf, 0)) return;
          } else if (this.hdrHave === this.hdrTotal) {
            if (!this.finishHeader(buf, 0, false)) return;
          }
          break;
        }
        case S_PAD: {
          // Padding up to pdo carries nothing; skip it unread.
          let n = this.padLeft;
          if (n > end - pos) n = end - pos;
          pos += n;
          this.padLeft -= n;
          if (this.padLeft === 0) this.state = S_DATA;
          break;
        }
        case S_DATA: {
          let n = this.dataLength - this.dataDone;
          if (n > end - pos) n = end - pos;
          const piece = chunk.subarray(pos, pos + n);
          const dd = this.dataDigestOn;
          if (dd) this.dataCrc = crc32cContinue(this.dataCrc, piece);
          const offset = this.dataDone;
          this.dataDone += n;
          pos += n;
          const done = this.dataDone === this.dataLength;
          // Advance before calling out, so a handler sees (and may reset) a consistent reader.
          if (done) {
            if (dd) {
              this.state = S_DDGST;
              this.digestHave = 0;
              this.digestGot = 0;
            } else {
              this.state = S_HEADER;
            }
          }
          const gen = this.generation;
          this.handler.onData(piece, offset);
          if (gen !== this.generation) return;
          if (done && !dd) {
            this.handler.onPduEnd();
            if (gen !== this.generation) return;
          }
          break;
        }
        case S_DDGST: {
          while (this.digestHave < DIGEST_LENGTH && pos < end) {
            this.digestGot |= chunk[pos++]! << (8 * this.digestHave++);
          }
          if (this.digestHave < DIGEST_LENGTH) break;
          this.state = S_HEADER;
          const gen = this.generation;
          if (this.digestGot >>> 0 === this.dataCrc) {
            this.handler.onPduEnd();
          } else if (this.handler.onDataDigestError !== undefined) {
            this.handler.onDataDigestError();
          } else {
            this.fail(
              TermReqFes.HeaderDigestError,
              0,
              `data digest mismatch: received 0x${(this.digestGot >>> 0).toString(16)}, computed 0x${this.dataCrc.toString(16)}`,
            );
            return;
          }
          if (gen !== this.generation) return;
          break;
        }
        default:
          // S_FAILED: ignore everything until reset().
          return;
      }
    }
  }

  private fail(fes: number, fei: number, message: string): false {
    this.state = S_FAILED;
    this.handler.onError(fes, fei, message);
    return false;
  }

  /** Checks the common header at buf[at]; sets hdrTotal. False when it failed. */
  private beginHeader(buf: Uint8Array, at: number): boolean {
    const type = buf[at]!;
    const flags = buf[at + PduField.Flags]!;
    const hlen = buf[at + PduField.Hlen]!;
    const want = pduHeaderLength(type);
    if (want === 0)
      return this.fail(TermReqFes.InvalidHeaderField, PduField.Type, `unknown PDU type ${type}`);
    if (hlen !== want) {
      return this.fail(
        TermReqFes.InvalidHeaderField,
        PduField.Hlen,
        `PDU type ${type}: hlen ${hlen}, expected ${want}`,
      );
    }
    if ((flags & ~ALLOWED_FLAGS[type]!) !== 0) {
      return this.fail(
        TermReqFes.InvalidHeaderField,
        PduField.Flags,
        `PDU type ${type}: flags 0x${flags.toString(16)} not allowed`,
      );
    }
    if ((flags & (PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS)) === PduFlag.DATA_SUCCESS) {
      return this.fail(
        TermReqFes.InvalidHeaderField,
        PduField.Flags,
        "C2HData: DATA_SUCCESS without DATA_LAST",
      );
    }
    // The digest's presence decides where the header ends, so check its flag before waiting for it.
    const hd = pduTypeHasHeaderDigest(type) && (this.digestBits & DigestBit.Header) !== 0;
    if (((flags & PduFlag.HDGSTF) !== 0) !== hd) {
      return this.fail(
        TermReqFes.InvalidHeaderField,
        PduField.Flags,
        `PDU type ${type}: HDGSTF ${hd ? "clear although" : "set although not"} negotiated`,
      );
    }
    this.hdrTotal = hlen + (hd ? DIGEST_LENGTH : 0);
    return true;
  }

  /**
   * Verifies the complete header (+ digest) at buf[at], sets up the data phase and calls out.
   * False when it failed or the handler reset the reader.
   */
  private finishHeader(buf: Uint8Array, at: number, inChunk: boolean): boolean {
    const type = buf[at]!;
    const flags = buf[at + PduField.Flags]!;
    const hlen = buf[at + PduField.Hlen]!;
    const pdo = buf[at + PduField.Pdo]!;
    const plen = readU32le(buf, at + PduField.Plen);
    const headerEnd = this.hdrTotal;
    if (headerEnd !== hlen) {
      const got = readU32le(buf, at + hlen);
      const want = crc32c(buf, at, hlen);
      if (got !== want) {
        return this.fail(
          TermReqFes.HeaderDigestError,
          0,
          `header digest mismatch: received 0x${got.toString(16)}, computed 0x${want.toString(16)}`,
        );
      }
    }
    let dataStart = 0;
    let dataLength = 0;
    let dataDigestOn = false;
    switch (type) {
      case PduType.ICReq:
      case PduType.ICResp:
      case PduType.CapsuleResp:
      case PduType.R2T:
        if (pdo !== 0)
          return this.fail(
            TermReqFes.InvalidHeaderField,
            PduField.Pdo,
            `PDU type ${type}: pdo ${pdo}, expected 0`,
          );
        if (plen !== headerEnd) {
          return this.fail(
            TermReqFes.InvalidHeaderField,
            PduField.Plen,
            `PDU type ${type}: plen ${plen}, expected ${headerEnd}`,
          );
        }
        break;
      case PduType.H2CTermReq:
      case PduType.C2HTermReq:
        // SPDK sends pdo 0; accept hlen too, since the quoted header starts there either way.
        if (pdo !== 0 && pdo !== hlen)
          return this.fail(TermReqFes.InvalidHeaderField, PduField.Pdo, `TermReq: pdo ${pdo}`);
        if (plen < hlen || plen > MAX_TERM_REQ_PDU_LENGTH) {
          return this.fail(
            TermReqFes.InvalidHeaderField,
            PduField.Plen,
            `TermReq: plen ${plen} not in ${hlen}..152`,
          );
        }
        dataStart = hlen;
        dataLength = plen - hlen;
        break;
      default: {
        // CapsuleCmd, H2CData, C2HData: the types that may carry data and a data digest.
        if (type === PduType.CapsuleCmd && pdo === 0) {
          // A command without in-capsule data.
          if (plen !== headerEnd) {
            return this.fail(
              TermReqFes.InvalidHeaderField,
              plen > headerEnd ? PduField.Pdo : PduField.Plen,
              `CapsuleCmd without pdo: plen ${plen}, expected ${headerEnd}`,
            );
          }
          if ((flags & PduFlag.DDGSTF) !== 0) {
            return this.fail(
              TermReqFes.InvalidHeaderField,
              PduField.Flags,
              "CapsuleCmd: DDGSTF without data",
            );
          }
          break;
        }
        if (pdo < headerEnd) {
          return this.fail(
            TermReqFes.InvalidHeaderField,
            PduField.Pdo,
            `PDU type ${type}: pdo ${pdo} inside the header (${headerEnd})`,
          );
        }
        dataDigestOn = pduTypeHasDataDigest(type) && (this.digestBits & DigestBit.Data) !== 0;
        if (((flags & PduFlag.DDGSTF) !== 0) !== dataDigestOn) {
          return this.fail(
            TermReqFes.InvalidHeaderField,
            PduField.Flags,
            `PDU type ${type}: DDGSTF ${dataDigestOn ? "clear although" : "set although not"} negotiated`,
          );
        }
        const tail = dataDigestOn ? DIGEST_LENGTH : 0;
        if (plen <= pdo + tail) {
          return this.fail(
            TermReqFes.InvalidHeaderField,
            PduField.Plen,
            `PDU type ${type}: plen ${plen} leaves no data after pdo ${pdo}`,
          );
        }
        dataStart = pdo;
        dataLength = plen - pdo - tail;
        if (type !== PduType.CapsuleCmd) {
          const datal = readU32le(buf, at + PduField.DataLength);
          if (datal !== dataLength) {
            return this.fail(
              TermReqFes.InvalidHeaderField,
              PduField.DataLength,
              `PDU type ${type}: DATAL ${datal} but plen/pdo frame ${dataLength} bytes`,
            );
          }
        }
      }
    }
    if (plen > this.maxPduLength) {
      return this.fail(
        TermReqFes.DataTransferLimitExceeded,
        0,
        `PDU type ${type}: plen ${plen} exceeds the maximum ${this.maxPduLength}`,
      );
    }

    const v = this.view;
    v.type = type;
    v.flags = flags;
    v.hlen = hlen;
    v.pdo = pdo;
    v.plen = plen;
    v.dataLength = dataLength;
    v.bytes = inChunk
      ? buf.subarray(at, at + hlen)
      : hlen === 24
        ? this.hdrView24
        : hlen === 72
          ? this.hdrView72
          : this.hdrView128;

    // Set up what follows before calling out, so a handler may reset or reconfigure the reader.
    this.hdrHave = 0;
    this.hdrTotal = 0;
    this.dataLength = dataLength;
    this.dataDone = 0;
    this.dataDigestOn = dataDigestOn;
    this.dataCrc = 0;
    this.padLeft = dataLength === 0 ? 0 : dataStart - headerEnd;
    this.state = dataLength === 0 ? S_HEADER : this.padLeft > 0 ? S_PAD : S_DATA;

    const gen = this.generation;
    this.handler.onHeader(v);
    if (gen !== this.generation) return false;
    if (dataLength === 0) {
      this.handler.onPduEnd();
      if (gen !== this.generation) return false;
    }
    return true;
  }
}
