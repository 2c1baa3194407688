/**
 * The NVMe/TCP PDU layer: wire constants, CRC32C digests, allocation-free encoders and the
 * streaming reader.
 * @module
 */
export { CQE_LENGTH, encodeCapsuleCmd, encodeCapsuleResp, SQE_LENGTH } from "./capsule.js";
export * from "./constants.js";
export { encodeC2HData, encodeH2CData, encodeR2T } from "./data.js";
export { appendDigest, crc32c, crc32cContinue, readDigest, writeDigest } from "./digest.js";
export { PduField, readU16le, readU32le, writeU16le, writeU32le } from "./fields.js";
export { writeCommonHeader } from "./header.js";
export { encodeICReq, encodeICResp } from "./ic.js";
export { pduAlignment, pduDataOffset, pduLength } from "./layout.js";
export {
  DEFAULT_MAX_PDU_LENGTH,
  type PduHandler,
  type PduHeaderView,
  PduReader,
  type PduReaderOptions,
} from "./reader.js";
export { encodeC2HTermReq, encodeH2CTermReq } from "./term.js";
