/** Layouts and ioctl numbers checked against include/uapi/linux/vfio.h by hand. */
import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeStruct, encodeStruct } from "../../../src/native/structs.js";
import {
  DeviceInfo,
  DmaMap,
  DmaUnmap,
  GroupStatus,
  IommuType1Info,
  IovaRangeCap,
  IovaRangeEntry,
  IrqInfo,
  IrqSet,
  RegionInfo,
  VfioIoctl,
} from "../../../src/native/vfio-uapi.js";

test("ioctl numbers are _IO(';', 100 + n)", () => {
  assert.is(VfioIoctl.GET_API_VERSION, 0x3b64);
  assert.is(VfioIoctl.GROUP_GET_DEVICE_FD, 0x3b6a);
  assert.is(VfioIoctl.DEVICE_SET_IRQS, 0x3b6e);
  assert.is(VfioIoctl.DEVICE_RESET, 0x3b6f);
  assert.is(VfioIoctl.IOMMU_GET_INFO, 0x3b70);
  assert.is(VfioIoctl.IOMMU_MAP_DMA, 0x3b71);
  assert.is(VfioIoctl.IOMMU_UNMAP_DMA, 0x3b72);
});

test("struct sizes and u64 field offsets match the C layouts", () => {
  assert.is(koffi.sizeof(GroupStatus), 8);
  assert.is(koffi.sizeof(DeviceInfo), 24);
  assert.is(koffi.sizeof(RegionInfo), 32);
  assert.is(koffi.offsetof(RegionInfo, "size"), 16);
  assert.is(koffi.sizeof(IrqInfo), 16);
  assert.is(koffi.sizeof(IrqSet), 20, "data[] starts at byte 20");
  assert.is(koffi.sizeof(IommuType1Info), 24);
  assert.is(koffi.offsetof(IommuType1Info, "iova_pgsizes"), 8);
  assert.is(koffi.sizeof(IovaRangeCap), 16);
  assert.is(koffi.sizeof(IovaRangeEntry), 16);
  assert.is(koffi.sizeof(DmaMap), 32);
  assert.is(koffi.offsetof(DmaMap, "vaddr"), 8);
  assert.is(koffi.sizeof(DmaUnmap), 24);
});

test("encoding is little-endian at those offsets, with room for trailing data", () => {
  const buffer = encodeStruct(
    DmaMap,
    { argsz: 32, flags: 3, vaddr: 0x7f00_1234_5000n, iova: 0x20_0000, size: 4096 },
    40,
  );
  assert.is(buffer.length, 40);
  const view = new DataView(buffer.buffer);
  assert.is(view.getUint32(0, true), 32);
  assert.is(view.getUint32(4, true), 3);
  assert.is(view.getBigUint64(8, true), 0x7f00_1234_5000n);
  assert.is(view.getBigUint64(16, true), 0x20_0000n);
  assert.is(view.getBigUint64(24, true), 4096n);
  assert.equal(decodeStruct<{ size: number }>(buffer, DmaMap).size, 4096);
});

test.run();
