/**
 * NVMe/TCP wire constants (NVMe/TCP Transport Specification 1.0; the same values as Linux's
 * `include/linux/nvme-tcp.h`). Pure values: no buffers, no state, usable from any thread.
 * @module
 */

/** PDU types, the first byte of every PDU's common header. */
export enum PduType {
  /** Initialize Connection Request (host → controller), the first PDU. */
  ICReq = 0,
  /** Initialize Connection Response (controller → host). */
  ICResp = 1,
  /** Host to Controller Terminate Connection Request. */
  H2CTermReq = 2,
  /** Controller to Host Terminate Connection Request. */
  C2HTermReq = 3,
  /** A command capsule: the SQE and optional in-capsule data. */
  CapsuleCmd = 4,
  /** A response capsule: the CQE. */
  CapsuleResp = 5,
  /** Host to controller data, answering an R2T. */
  H2CData = 6,
  /** Controller to host data of a read. */
  C2HData = 7,
  // 8 is reserved by the specification.
  /** Ready to Transfer: the controller asks for write data. */
  R2T = 9,
}

/** Bits of the common header's `flags` byte. */
export enum PduFlag {
  /** A header digest follows the header. */
  HDGSTF = 0x1,
  /** A data digest follows the data. */
  DDGSTF = 0x2,
  /** H2CData / C2HData: the last data PDU of the transfer (of the R2T, for H2CData). */
  DATA_LAST = 0x4,
  /** C2HData only, only with DATA_LAST: the command succeeded and no CapsuleResp follows. */
  DATA_SUCCESS = 0x8,
}

/**
 * Bits of the ICReq / ICResp `digest` byte and of the `digests` argument every encoder and the
 * reader take. They equal {@link PduFlag.HDGSTF} and {@link PduFlag.DDGSTF} on purpose, so a
 * negotiated value can be or-ed into a PDU's flags.
 */
export enum DigestBit {
  /** Header digests (HDGST_ENABLE). */
  Header = 0x1,
  /** Data digests (DDGST_ENABLE). */
  Data = 0x2,
}

/** Fatal Error Status of an H2CTermReq / C2HTermReq. */
export enum TermReqFes {
  /** FEI is the byte offset of the offending field in the offending PDU header. */
  InvalidHeaderField = 1,
  /** A PDU arrived that is not allowed in the current state. */
  PduSequenceError = 2,
  /** A header digest did not match (also used for data digests, which have no FES of their own). */
  HeaderDigestError = 3,
  /** Data offset / length outside the command's data or the R2T. */
  DataTransferOutOfRange = 4,
  /** Also "R2T limit exceeded" in older revisions (Linux names both 5). */
  DataTransferLimitExceeded = 5,
  /** FEI is the byte offset of the unsupported field (e.g. in ICReq). */
  UnsupportedParameter = 6,
}

/** Protocol format version 1.0, the only one defined (ICReq / ICResp `pfv`). */
export const PFV_1_0 = 0;

/** NVMe-oF default I/O port (IANA; also the RDMA one). */
export const NVME_TCP_PORT = 4420;

/** NVMe/TCP discovery controller port. */
export const NVME_TCP_DISCOVERY_PORT = 8009;

/** Length of the common header `{type, flags, hlen, pdo, plen}`. */
export const COMMON_HEADER_LENGTH = 8;

/** Length of a header or data digest (CRC32C, little-endian). */
export const DIGEST_LENGTH = 4;

/** Header length of ICReq / ICResp. */
export const IC_HEADER_LENGTH = 128;
/** Header length of H2CTermReq / C2HTermReq. */
export const TERM_REQ_HEADER_LENGTH = 24;
/** Header length of CapsuleCmd: 8-byte common header + 64-byte SQE. */
export const CAPSULE_CMD_HEADER_LENGTH = 72;
/** Header length of CapsuleResp: 8-byte common header + 16-byte CQE. */
export const CAPSULE_RESP_HEADER_LENGTH = 24;
/** Header length of H2CData / C2HData. */
export const DATA_HEADER_LENGTH = 24;
/** Header length of R2T. */
export const R2T_HEADER_LENGTH = 24;

/** The largest header of any PDU type (ICReq / ICResp), which never carries a header digest. */
export const MAX_HEADER_LENGTH = 128;

/** A TermReq PDU is at most this long (header + the offending header it quotes). */
export const MAX_TERM_REQ_PDU_LENGTH = 152;

/** The most offending-header bytes a TermReq can quote. */
export const MAX_TERM_REQ_DATA_LENGTH = MAX_TERM_REQ_PDU_LENGTH - TERM_REQ_HEADER_LENGTH;

/** Linux and SPDK use 8 KiB of in-capsule data on the admin queue (`NVME_TCP_ADMIN_CCSZ`). */
export const ADMIN_IN_CAPSULE_DATA_SIZE = 8192;

/** The smallest MAXH2CDATA an ICResp may announce. */
export const MIN_MAXH2CDATA = 4096;

// Indexed by type; 0 marks a reserved or unknown type.
const HEADER_LENGTHS: readonly number[] = [
  IC_HEADER_LENGTH,
  IC_HEADER_LENGTH,
  TERM_REQ_HEADER_LENGTH,
  TERM_REQ_HEADER_LENGTH,
  CAPSULE_CMD_HEADER_LENGTH,
  CAPSULE_RESP_HEADER_LENGTH,
  DATA_HEADER_LENGTH,
  DATA_HEADER_LENGTH,
  0,
  R2T_HEADER_LENGTH,
];

/**
 * The header length (`hlen`) a PDU type must carry, or 0 for a reserved or unknown type.
 * Never throws.
 */
export function pduHeaderLength(type: number): number {
  return HEADER_LENGTHS[type] ?? 0;
}

/** Whether PDUs of this type carry a header digest when header digests are negotiated on. */
export function pduTypeHasHeaderDigest(type: number): boolean {
  // IC and TermReq PDUs never do: they are exchanged before (or regardless of) negotiation.
  return type >= PduType.CapsuleCmd && type <= PduType.R2T && type !== 8;
}

/** Whether PDUs of this type carry a data digest (when they have data and data digests are on). */
export function pduTypeHasDataDigest(type: number): boolean {
  return type === PduType.CapsuleCmd || type === PduType.H2CData || type === PduType.C2HData;
}
