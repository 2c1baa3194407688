import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  CommandSpecificStatus,
  GenericStatus,
  isRetryableStatus,
  MediaStatus,
  PathStatus,
  StatusCodeType,
  statusName,
} from "../../../src/nvme-spec/status.js";

test("status code types", () => {
  assert.is(StatusCodeType.Generic, 0);
  assert.is(StatusCodeType.CommandSpecific, 1);
  assert.is(StatusCodeType.MediaDataIntegrity, 2);
  assert.is(StatusCodeType.Path, 3);
  assert.is(StatusCodeType.VendorSpecific, 7);
});

test("code values from the specification's figures", () => {
  assert.is(GenericStatus.InvalidField, 0x02);
  assert.is(GenericStatus.SglOffsetInvalid, 0x16);
  assert.is(GenericStatus.HostIdentifierInconsistentFormat, 0x18);
  assert.is(GenericStatus.AdminCommandMediaNotReady, 0x24);
  assert.is(GenericStatus.LbaOutOfRange, 0x80);
  assert.is(GenericStatus.FormatInProgress, 0x84);
  assert.is(CommandSpecificStatus.InvalidQueueIdentifier, 0x01);
  assert.is(CommandSpecificStatus.AsyncEventRequestLimitExceeded, 0x05);
  assert.is(CommandSpecificStatus.NamespaceAlreadyAttached, 0x18);
  assert.is(CommandSpecificStatus.IdentifierUnavailable, 0x2d);
  assert.is(CommandSpecificStatus.ConflictingAttributes, 0x80);
  assert.is(CommandSpecificStatus.AttemptedWriteToReadOnlyRange, 0x82);
  assert.is(MediaStatus.WriteFault, 0x80);
  assert.is(MediaStatus.DeallocatedOrUnwrittenBlock, 0x87);
  assert.is(PathStatus.AsymmetricAccessTransition, 0x03);
  assert.is(PathStatus.ControllerPathingError, 0x60);
  assert.is(PathStatus.CommandAbortedByHost, 0x71);
});

test("statusName gives the spec's names", () => {
  assert.is(statusName(0, 0x00), "Successful Completion");
  assert.is(statusName(0, 0x02), "Invalid Field in Command");
  assert.is(statusName(0, 0x80), "LBA Out of Range");
  assert.is(statusName(0, 0x83), "Reservation Conflict");
  assert.is(statusName(1, 0x00), "Completion Queue Invalid");
  assert.is(statusName(1, 0x02), "Invalid Queue Size");
  assert.is(statusName(1, 0x81), "Invalid Protection Information");
  assert.is(statusName(2, 0x81), "Unrecovered Read Error");
  assert.is(statusName(2, 0x85), "Compare Failure");
  assert.is(statusName(2, 0x82), "End-to-end Guard Check Error");
  assert.is(statusName(3, 0x00), "Internal Path Error");
  assert.is(statusName(3, 0x71), "Command Aborted By Host");
});

test("statusName of unknown and vendor codes", () => {
  assert.is(statusName(1, 0x7e), "Unknown status (SCT 0x1, SC 0x7e)");
  assert.is(statusName(0, 0x17), "Unknown status (SCT 0x0, SC 0x17)");
  assert.is(statusName(5, 0x01), "Unknown status (SCT 0x5, SC 0x01)");
  assert.is(statusName(7, 0xc0), "Vendor specific status (SC 0xc0)");
});

test("retry rules of SPDK nvme_completion_is_retry", () => {
  assert.ok(isRetryableStatus(0, 0x82, false), "Namespace Not Ready retries");
  assert.ok(isRetryableStatus(0, 0x84, false), "Format In Progress retries");
  assert.not.ok(isRetryableStatus(0, 0x82, true), "DNR prevents");
  assert.ok(isRetryableStatus(3, 0x00, false), "Internal Path Error retries");
  assert.not.ok(isRetryableStatus(3, 0x00, true));
  assert.not.ok(isRetryableStatus(3, 0x03, false));
  for (const sc of [0x01, 0x02, 0x04, 0x06, 0x07, 0x08, 0x80, 0x81])
    assert.not.ok(isRetryableStatus(0, sc, false));
  assert.not.ok(isRetryableStatus(1, 0x01, false));
  assert.not.ok(isRetryableStatus(2, 0x81, false));
  assert.not.ok(isRetryableStatus(7, 0x00, false));
});

test.run();
