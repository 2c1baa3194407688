// submitPrechecked, the submission the compat layers use once their own checks passed: the same command
// as the callback face's, the checks a caller cannot make still made, and splits still done.

import { StateError } from "@nvmekit/core";
import { type Completion, NvmOpcode } from "@nvmekit/core/nvme-spec";
import { submitPrechecked } from "@nvmekit/core/transport";
import { attachInThread } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pattern } from "./harness.js";

/** Counts completions and remembers the last status. */
class Done {
  count = 0;
  status = -1;
}
function onDone(done: Done, cpl: Completion): void {
  done.count++;
  done.status = cpl.status;
}

test("the same command as cmdWrite/cmdRead gives, and the data round-trips", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(8 * 512);
  const back = ctrlr.allocBuffer(8 * 512);
  pattern(out.bytes, 7);
  const done = new Done();
  assert.is(ns.cmdWrite(qp, out.bytes, 40, 8, onDone, done), 0);
  assert.is(submitPrechecked(ns, qp, NvmOpcode.Write, out.bytes, out.iova, 48, 8, onDone, done), 0);
  assert.is(submitPrechecked(ns, qp, NvmOpcode.Read, back.bytes, back.iova, 48, 8, onDone, done), 0);
  while (done.count < 3) qp.processCompletions(0);
  assert.is(done.status, 0);
  assert.equal(back.bytes, out.bytes);
  const [viaFace, viaPrechecked, read] = device.commandsOn(qp.id);
  const withoutCid = (dw: Uint32Array) => [dw[0]! & 0xffff, ...dw.subarray(1, 10), ...dw.subarray(11)];
  const faceDw = viaFace!.dwords.slice();
  faceDw[10] = 48; // the only difference asked for: the LBA
  assert.equal(withoutCid(viaPrechecked!.dwords), withoutCid(faceDw));
  assert.equal([read!.opcode, read!.dwords[10], read!.dwords[12]], [NvmOpcode.Read, 48, 7]);
  await driver.detach(ctrlr);
});

test("a closed queue pair throws StateError and takes nothing", async () => {
  const { driver, ctrlr } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const free = qp.freeRequests;
  await ctrlr.freeIoQpair(qp);
  assert.throws(
    () => submitPrechecked(ns, qp, NvmOpcode.Read, buf.bytes, buf.iova, 0, 1, onDone, new Done()),
    (e: unknown) => e instanceof StateError,
  );
  assert.is(qp.freeRequests, free);
  await driver.detach(ctrlr);
});

test("a transfer past MDTS is still split", async () => {
  const { driver, ctrlr, device } = await attachInThread({ mdts: 5 }); // 128 KiB
  const ns = ctrlr.getNamespace(2)!; // 4096-byte blocks
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(48 * 4096);
  const back = ctrlr.allocBuffer(48 * 4096);
  pattern(out.bytes, 9);
  const done = new Done();
  submitPrechecked(ns, qp, NvmOpcode.Write, out.bytes, out.iova, 0, 48, onDone, done);
  while (done.count < 1) qp.processCompletions(0);
  submitPrechecked(ns, qp, NvmOpcode.Read, back.bytes, back.iova, 0, 48, onDone, done);
  while (done.count < 2) qp.processCompletions(0);
  assert.is(done.status, 0);
  assert.equal(back.bytes, out.bytes);
  const writes = device.commandsOn(qp.id).filter((c) => c.opcode === NvmOpcode.Write);
  assert.equal(
    writes.map((c) => c.dwords[12]! + 1),
    [32, 16],
  );
  await driver.detach(ctrlr);
});

test("fitsOneCommand: the caller's word that the range fits one command gives the same single command", async () => {
  const { driver, ctrlr, device } = await attachInThread({ mdts: 5 }); // 128 KiB: 32 blocks of 4096
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(32 * 4096);
  pattern(out.bytes, 11);
  const done = new Done();
  submitPrechecked(ns, qp, NvmOpcode.Write, out.bytes, out.iova, 64, 32, onDone, done, true);
  submitPrechecked(ns, qp, NvmOpcode.Write, out.bytes, out.iova, 96, 32, onDone, done);
  while (done.count < 2) qp.processCompletions(0);
  assert.is(done.status, 0);
  const writes = device.commandsOn(qp.id).filter((c) => c.opcode === NvmOpcode.Write);
  assert.equal(
    writes.map((c) => [c.dwords[10], c.dwords[12]! + 1]),
    [
      [64, 32],
      [96, 32],
    ],
  );
  await driver.detach(ctrlr);
});

test.run();
