// rig-config: metadata
// Metadata and protection information against QEMU's controller: a separate metadata buffer round
// trips; on an extended-LBA PI type 1 namespace the controller inserts protection information with
// PRACT, and the reference tag it wrote is the LBA.
import { IoFlags } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "./rig.js";

test("separate metadata buffer: data and metadata read back byte-exact", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(3)!;
  assert.equal([ns.sectorSize, ns.metadataSize, ns.extendedLba, ns.piType], [512, 16, false, 0]);
  const qp = await ctrlr.allocIoQpair();
  const data = ctrlr.allocBuffer(8 * 512);
  const md = ctrlr.allocBuffer(8 * 16);
  randomFill(data.bytes, 1);
  randomFill(md.bytes, 2);
  await ns.writeWithMd(qp, data.bytes, md.bytes, 40, 8);
  const data2 = ctrlr.allocBuffer(8 * 512);
  const md2 = ctrlr.allocBuffer(8 * 16);
  await ns.readWithMd(qp, data2.bytes, md2.bytes, 40, 8);
  assert.equal(Buffer.compare(data.bytes, data2.bytes), 0);
  assert.equal(Buffer.compare(md.bytes, md2.bytes), 0);
  await driver.detach(ctrlr);
});

test("extended LBA with PI type 1: PRACT inserts protection information whose reference tag is the LBA", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  assert.equal([ns.sectorSize, ns.metadataSize, ns.extendedLba, ns.piType], [512, 8, true, 1]);
  const qp = await ctrlr.allocIoQpair();
  const data = ctrlr.allocBuffer(4 * 512);
  randomFill(data.bytes, 3);
  const lba = 77;
  await ns.write(qp, data.bytes, lba, 4, IoFlags.Pract | IoFlags.PrchkGuard | IoFlags.PrchkReftag);
  const stripped = ctrlr.allocBuffer(4 * 512);
  await ns.read(qp, stripped.bytes, lba, 4, IoFlags.Pract | IoFlags.PrchkGuard | IoFlags.PrchkReftag);
  assert.equal(Buffer.compare(data.bytes, stripped.bytes), 0);
  const raw = ctrlr.allocBuffer(4 * 520);
  await ns.read(qp, raw.bytes, lba, 4);
  const view = new DataView(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
  for (let b = 0; b < 4; b++) {
    assert.equal(
      Buffer.compare(raw.bytes.subarray(b * 520, b * 520 + 512), data.bytes.subarray(b * 512, (b + 1) * 512)),
      0,
    );
    // Protection information (big-endian): guard 0-1, application tag 2-3, reference tag 4-7.
    assert.equal(view.getUint32(b * 520 + 512 + 4, false), lba + b, `reference tag of block ${b}`);
  }
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
