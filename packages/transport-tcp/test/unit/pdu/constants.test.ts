import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  DigestBit,
  MAX_HEADER_LENGTH,
  MAX_TERM_REQ_PDU_LENGTH,
  NVME_TCP_DISCOVERY_PORT,
  NVME_TCP_PORT,
  PduFlag,
  PduType,
  PFV_1_0,
  pduHeaderLength,
  pduTypeHasDataDigest,
  pduTypeHasHeaderDigest,
  TermReqFes,
} from "../../../src/pdu/constants.js";

test("PDU type values are the spec's", () => {
  assert.equal(
    [
      PduType.ICReq,
      PduType.ICResp,
      PduType.H2CTermReq,
      PduType.C2HTermReq,
      PduType.CapsuleCmd,
      PduType.CapsuleResp,
      PduType.H2CData,
      PduType.C2HData,
      PduType.R2T,
    ],
    [0, 1, 2, 3, 4, 5, 6, 7, 9],
  );
});

test("flags, digest bits, FES, PFV, ports, limits", () => {
  assert.equal([PduFlag.HDGSTF, PduFlag.DDGSTF, PduFlag.DATA_LAST, PduFlag.DATA_SUCCESS], [1, 2, 4, 8]);
  assert.is(DigestBit.Header, PduFlag.HDGSTF);
  assert.is(DigestBit.Data, PduFlag.DDGSTF);
  assert.equal(
    [
      TermReqFes.InvalidHeaderField,
      TermReqFes.PduSequenceError,
      TermReqFes.HeaderDigestError,
      TermReqFes.DataTransferOutOfRange,
      TermReqFes.DataTransferLimitExceeded,
      TermReqFes.UnsupportedParameter,
    ],
    [1, 2, 3, 4, 5, 6],
  );
  assert.is(PFV_1_0, 0);
  assert.is(NVME_TCP_PORT, 4420);
  assert.is(NVME_TCP_DISCOVERY_PORT, 8009);
  assert.is(MAX_TERM_REQ_PDU_LENGTH, 152);
  assert.is(MAX_HEADER_LENGTH, 128);
});

test("header length per type; 0 for reserved and unknown types", () => {
  assert.equal(
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255, -1].map(pduHeaderLength),
    [128, 128, 24, 24, 72, 24, 24, 24, 0, 24, 0, 0, 0],
  );
});

test("which types carry digests", () => {
  const types = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  assert.equal(types.filter(pduTypeHasHeaderDigest), [4, 5, 6, 7, 9]);
  assert.equal(types.filter(pduTypeHasDataDigest), [4, 6, 7]);
});

test.run();
