import { test } from "uvu";
import * as assert from "uvu/assert";
import { AdminOpcode, DataTransfer, NvmOpcode, opcodeTransfersData } from "../../../src/nvme-spec/opcodes.js";

test("admin opcodes", () => {
  assert.is(AdminOpcode.DeleteIoSq, 0x00);
  assert.is(AdminOpcode.CreateIoCq, 0x05);
  assert.is(AdminOpcode.Identify, 0x06);
  assert.is(AdminOpcode.AsyncEventRequest, 0x0c);
  assert.is(AdminOpcode.KeepAlive, 0x18);
  assert.is(AdminOpcode.DirectiveReceive, 0x1a);
  assert.is(AdminOpcode.VirtualizationManagement, 0x1c);
  assert.is(AdminOpcode.NvmeMiReceive, 0x1e);
  assert.is(AdminOpcode.CapacityManagement, 0x20);
  assert.is(AdminOpcode.Lockdown, 0x24);
  assert.is(AdminOpcode.DoorbellBufferConfig, 0x7c);
  assert.is(AdminOpcode.FabricsCommands, 0x7f);
  assert.is(AdminOpcode.FormatNvm, 0x80);
  assert.is(AdminOpcode.Sanitize, 0x84);
  assert.is(AdminOpcode.GetLbaStatus, 0x86);
});

test("NVM opcodes", () => {
  assert.is(NvmOpcode.Write, 0x01);
  assert.is(NvmOpcode.Read, 0x02);
  assert.is(NvmOpcode.WriteZeroes, 0x08);
  assert.is(NvmOpcode.DatasetManagement, 0x09);
  assert.is(NvmOpcode.Verify, 0x0c);
  assert.is(NvmOpcode.ReservationAcquire, 0x11);
  assert.is(NvmOpcode.ReservationRelease, 0x15);
  assert.is(NvmOpcode.Copy, 0x19);
});

test("data direction is opcode bits 1:0", () => {
  assert.is(opcodeTransfersData(NvmOpcode.Flush), DataTransfer.None);
  assert.is(opcodeTransfersData(NvmOpcode.Write), DataTransfer.HostToController);
  assert.is(opcodeTransfersData(NvmOpcode.Read), DataTransfer.ControllerToHost);
  assert.is(opcodeTransfersData(AdminOpcode.Identify), 2);
  assert.is(opcodeTransfersData(AdminOpcode.FirmwareImageDownload), 1);
  assert.is(opcodeTransfersData(AdminOpcode.SecurityReceive), 2);
  assert.is(opcodeTransfersData(0x03), 3);
});

test.run();
