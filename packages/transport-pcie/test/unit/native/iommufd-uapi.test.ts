/**
 * Layouts and ioctl numbers of the iommufd path, checked against include/uapi/linux/iommufd.h and
 * include/uapi/linux/vfio.h (6.12) by hand: `_IO(';', nr)` is 0x3b00 | nr; __aligned_u64 fields sit at
 * 8-byte offsets; sizes are what `sizeof` gives in C.
 */
import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  IoasAlloc,
  IoasIovaRanges,
  IoasMap,
  IoasMapFlags,
  IoasUnmap,
  IommuDestroy,
  IommufdIoctl,
  IommuIovaRange,
} from "../../../src/native/iommufd-uapi.js";
import { decodeStruct, encodeStruct } from "../../../src/native/structs.js";
import { DeviceAttachIommufdPt, DeviceBindIommufd, VfioIoctl } from "../../../src/native/vfio-uapi.js";

test("iommufd ioctl numbers are _IO(';', IOMMUFD_CMD_*)", () => {
  assert.is(IommufdIoctl.DESTROY, 0x3b80);
  assert.is(IommufdIoctl.IOAS_ALLOC, 0x3b81);
  assert.is(IommufdIoctl.IOAS_IOVA_RANGES, 0x3b84);
  assert.is(IommufdIoctl.IOAS_MAP, 0x3b85);
  assert.is(IommufdIoctl.IOAS_UNMAP, 0x3b86);
});

test("the device cdev's iommufd ioctls are _IO(';', 100 + 18 and 19)", () => {
  assert.is(VfioIoctl.DEVICE_BIND_IOMMUFD, 0x3b76);
  assert.is(VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);
});

test("map flags are the enum's bits", () => {
  assert.is(IoasMapFlags.FIXED_IOVA, 1);
  assert.is(IoasMapFlags.WRITEABLE, 2);
  assert.is(IoasMapFlags.READABLE, 4);
});

test("struct sizes and field offsets match the C layouts", () => {
  assert.is(koffi.sizeof(IommuDestroy), 8);
  assert.is(koffi.sizeof(IoasAlloc), 12);
  assert.is(koffi.offsetof(IoasAlloc, "out_ioas_id"), 8);
  assert.is(koffi.sizeof(IommuIovaRange), 16);
  assert.is(koffi.offsetof(IommuIovaRange, "last"), 8);
  assert.is(koffi.sizeof(IoasIovaRanges), 32);
  assert.is(koffi.offsetof(IoasIovaRanges, "num_iovas"), 8);
  assert.is(koffi.offsetof(IoasIovaRanges, "allowed_iovas"), 16);
  assert.is(koffi.offsetof(IoasIovaRanges, "out_iova_alignment"), 24);
  assert.is(koffi.sizeof(IoasMap), 40);
  assert.is(koffi.offsetof(IoasMap, "user_va"), 16);
  assert.is(koffi.offsetof(IoasMap, "length"), 24);
  assert.is(koffi.offsetof(IoasMap, "iova"), 32);
  assert.is(koffi.sizeof(IoasUnmap), 24);
  assert.is(koffi.offsetof(IoasUnmap, "iova"), 8);
  assert.is(koffi.offsetof(IoasUnmap, "length"), 16);
  assert.is(koffi.sizeof(DeviceBindIommufd), 16);
  assert.is(koffi.offsetof(DeviceBindIommufd, "iommufd"), 8);
  assert.is(koffi.offsetof(DeviceBindIommufd, "out_devid"), 12);
  assert.is(koffi.sizeof(DeviceAttachIommufdPt), 12);
  assert.is(koffi.offsetof(DeviceAttachIommufdPt, "pt_id"), 8);
});

test("an IOAS map request encodes little-endian at those offsets", () => {
  const buffer = encodeStruct(IoasMap, {
    size: 40,
    flags: 7,
    ioas_id: 3,
    reserved: 0,
    user_va: 0x7f12_3456_0000n,
    length: 0x20_0000,
    iova: 0x40_0000,
  });
  assert.is(buffer.length, 40);
  const view = new DataView(buffer.buffer);
  assert.is(view.getUint32(0, true), 40);
  assert.is(view.getUint32(4, true), 7);
  assert.is(view.getUint32(8, true), 3);
  assert.is(view.getUint32(12, true), 0);
  assert.is(view.getBigUint64(16, true), 0x7f12_3456_0000n);
  assert.is(view.getBigUint64(24, true), 0x20_0000n);
  assert.is(view.getBigUint64(32, true), 0x40_0000n);
});

test("the kernel's answers decode from where it writes them", () => {
  const alloc = new Uint8Array(12);
  new DataView(alloc.buffer).setUint32(8, 42, true);
  assert.is(decodeStruct<{ out_ioas_id: number }>(alloc, IoasAlloc).out_ioas_id, 42);
  const bind = new Uint8Array(16);
  new DataView(bind.buffer).setUint32(12, 9, true);
  assert.is(decodeStruct<{ out_devid: number }>(bind, DeviceBindIommufd).out_devid, 9);
  const ranges = new Uint8Array(32);
  const view = new DataView(ranges.buffer);
  view.setUint32(8, 2, true);
  view.setBigUint64(24, 4096n, true);
  const decoded = decodeStruct<{ num_iovas: number; out_iova_alignment: number }>(ranges, IoasIovaRanges);
  assert.is(decoded.num_iovas, 2);
  assert.is(Number(decoded.out_iova_alignment), 4096);
});

test.run();
