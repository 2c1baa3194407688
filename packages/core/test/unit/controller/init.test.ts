// Controller initialisation through the in-thread transport, checked against the exact register values
// and command dwords the NVMe base specification prescribes (worked out by hand below).

import { ControllerState, NvmeTimeoutError } from "@nvmekit/core";
import { ArbitrationMechanism } from "@nvmekit/core/nvme-spec";
import { AdminOpc, attachInThread, inThreadRig, Reg } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hi, lo, rejects } from "./harness.js";

test("enable handshake: CC.EN=0 first, AQA/ASQ/ACQ from the admin rings, then CC with EN, IOSQES 6, IOCQES 4", async () => {
  const { device, driver, ctrlr } = await attachInThread({ initiallyEnabled: true }, { adminQueueSize: 32 });
  const writes = device.registerWrites.map((w) => [w.offset, Number(w.value)]);
  // Found enabled: the first write clears EN (CC = 0x00460001 with bit 0 cleared, whatever it was).
  assert.equal(writes[0]![0], Reg.CC);
  assert.equal(writes[0]![1] & 1, 0);
  // AQA: ASQS = 31 in bits 11:0, ACQS = 31 in bits 27:16 (both 0's based) = 0x001f001f.
  assert.equal(writes[1], [Reg.AQA, 0x001f001f]);
  assert.equal(writes[2]![0], Reg.ASQ);
  assert.equal(writes[3]![0], Reg.ACQ);
  assert.ok(
    writes[2]![1] !== writes[3]![1] && writes[2]![1] % 4096 === 0,
    "rings are distinct, page aligned",
  );
  // CC: EN bit 0, CSS 110b (bits 6:4: all I/O command sets, which CAP.CSS offers because the default
  // namespaces include a zoned one), MPS 0 (4 KiB), AMS 0 (RR), IOSQES 6 (bits 19:16), IOCQES 4 (23:20).
  assert.equal(writes[4], [Reg.CC, 0x00460061]);
  assert.equal(device.diagnostics, []);
  assert.equal(ctrlr.state, ControllerState.Ready);
  await driver.detach(ctrlr);
});

test("admin commands of initialisation, in order, with their exact dwords", async () => {
  const { device, driver, ctrlr } = await attachInThread({}, { numIoQueues: 8, keepAliveTimeoutMs: 3000 });
  const admin = device.commandsOn(0);
  const ops = admin.map((c) => c.opcode);
  // Identify Controller, Set Features (Number of Queues), Identify active NS list, Identify NS 1, 2 and
  // 3 each followed by its descriptor list, the zoned command set's Identify Controller and Identify NS 3
  // (the zoned one), Set Features (Async Event Configuration), AERs, Set/Get Features (Keep Alive Timer).
  assert.equal(ops.slice(0, 12), [0x06, 0x09, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x09]);
  const [idc, nq, list, ns1, desc1, ns2, desc2, ns3, desc3, znsCtrl, zns3, aec] = admin;
  assert.equal(idc!.dwords[10], 0x01, "CNS 1 = controller");
  assert.equal(idc!.dwords[1], 0);
  assert.equal(idc!.dwords[6] !== 0 || idc!.dwords[7] !== 0, true, "PRP1 points at the data buffer");
  assert.equal(nq!.dwords[10], 0x07, "FID 7 = Number of Queues");
  assert.equal(nq!.dwords[11], 0x00070007, "NSQR = NCQR = 8 - 1");
  assert.equal(list!.dwords[10], 0x02, "CNS 2 = active namespace list");
  assert.equal([ns1!.nsid, ns1!.dwords[10], ns2!.nsid, ns3!.nsid], [1, 0, 2, 3]);
  for (const [i, d] of [desc1, desc2, desc3].entries()) {
    assert.equal([d!.nsid, d!.dwords[10]], [i + 1, 0x03], "CNS 3 = namespace identification descriptors");
  }
  // CNS 6 / 5 = I/O command set specific controller / namespace, CSI 2 (Zoned) in CDW11 bits 31:24.
  assert.equal([znsCtrl!.nsid, znsCtrl!.dwords[10], znsCtrl!.dwords[11]], [0, 0x06, 0x02000000]);
  assert.equal([zns3!.nsid, zns3!.dwords[10], zns3!.dwords[11]], [3, 0x05, 0x02000000]);
  assert.equal(aec!.dwords[10], 0x0b, "FID 0Bh = Async Event Configuration");
  assert.equal(aec!.dwords[11] & 0xff, 0xff, "all SMART critical warnings enabled");
  const aers = admin.filter((c) => c.opcode === AdminOpc.AsyncEventRequest);
  assert.ok(aers.length >= 1, "at least one AER outstanding");
  const kato = admin.find((c) => c.opcode === 0x09 && c.dwords[10] === 0x0f);
  assert.ok(kato, "Set Features Keep Alive Timer sent");
  assert.equal(kato!.dwords[11] % 100, 0, "KATO is a multiple of the KAS granularity");
  // Every command carries a distinct CID among those outstanding at once (the AERs).
  assert.equal(new Set(aers.map((c) => c.cid)).size, aers.length);
  await driver.detach(ctrlr);
});

test("options are negotiated and reported back as actually used", async () => {
  const { driver, ctrlr } = await attachInThread(
    { maxIoQueues: 4, mqes: 63 },
    {
      numIoQueues: 16,
      ioQueueSize: 1024,
      ioQueueRequests: 10,
      arbitrationMechanism: ArbitrationMechanism.VendorSpecific,
      useCmbSqs: true,
    },
  );
  assert.equal(ctrlr.options.numIoQueues, 4, "capped by what Number of Queues granted");
  assert.equal(ctrlr.options.ioQueueSize, 64, "capped by CAP.MQES + 1");
  assert.equal(ctrlr.options.ioQueueRequests, 64, "at least the queue size");
  assert.equal(
    ctrlr.options.arbitrationMechanism,
    ArbitrationMechanism.RoundRobin,
    "vendor arbitration not offered",
  );
  assert.equal(ctrlr.options.useCmbSqs, false, "no CMB on this controller");
  await driver.detach(ctrlr);
});

test("identify data, registers and namespaces are exposed as SPDK does", async () => {
  const { driver, ctrlr, device } = await attachInThread({ serial: "SN-1234", mdts: 5 });
  assert.equal(ctrlr.data.sn, "SN-1234");
  assert.equal(ctrlr.vs.major, 1);
  assert.equal(ctrlr.vs.minor, 4);
  assert.equal(ctrlr.getRegsCap().mqes, device.mqes);
  assert.equal((await ctrlr.getRegsCsts()).rdy, true);
  assert.equal(ctrlr.maxTransferSize, 128 * 1024, "MDTS 5 with 4 KiB pages");
  assert.equal(ctrlr.activeNamespaceIds(), [1, 2, 3]);
  const ns1 = ctrlr.getNamespace(1)!;
  const ns2 = ctrlr.getNamespace(2)!;
  const ns3 = ctrlr.getNamespace(3)!;
  assert.equal([ns1.sectorSize, ns2.sectorSize, ns3.sectorSize], [512, 4096, 4096]);
  assert.equal([ns1.isZoned, ns2.isZoned, ns3.isZoned], [false, false, true]);
  assert.equal([ns3.zoneSize, ns3.zoneCount, ns3.maxOpenZones, ns3.maxActiveZones], [256, 8, 4, 6]);
  assert.equal(ns1.size, ns1.numSectors * 512);
  assert.equal(ns2.maxBlocksPerIo, 32);
  const inactive = ctrlr.getNamespace(5)!;
  assert.equal(inactive.isActive, false, "an ID in 1..NN with no namespace is inactive");
  assert.equal(ctrlr.getNamespace(0), undefined);
  assert.equal(ctrlr.getNamespace(ctrlr.numNamespaces + 1), undefined);
  assert.ok(ctrlr.isLogPageSupported(0x02));
  assert.ok(ctrlr.isFeatureSupported(0x07));
  await driver.detach(ctrlr);
});

test("detach deletes I/O queues, then sends the normal shutdown notification (CC.SHN = 01b)", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  await ctrlr.allocIoQpair();
  device.clearLogs();
  await driver.detach(ctrlr);
  const ops = device.commandsOn(0).map((c) => c.opcode);
  assert.equal(ops.slice(0, 2), [0x00, 0x04], "Delete I/O SQ then Delete I/O CQ");
  const shn = device.registerWrites.find((w) => w.offset === Reg.CC);
  assert.ok(shn);
  assert.equal((Number(shn!.value) >> 14) & 3, 1);
  assert.equal(ctrlr.state, ControllerState.Detached);
  assert.throws(() => ctrlr.assertUsable(), /detached/);
});

test("a controller that never becomes ready fails with a time-out of CAP.TO (500 ms), before it is ready", async () => {
  const rig = inThreadRig({ readyDelayMs: 5000, timeoutUnits: 1 });
  const err = await rejects(
    () => rig.driver.connect("trtype:SOFT traddr:soft0"),
    /CSTS.RDY=1 after enabling: not done after 500 ms/,
  );
  assert.instance(err, NvmeTimeoutError);
  assert.not.ok(rig.device.ready, "it gave up while the controller was still getting ready");
});

test("an admin command the controller never completes fails initialisation after adminTimeoutMs", async () => {
  const rig = inThreadRig();
  rig.device.dropCompletions({ qid: 0, opcode: AdminOpc.Identify });
  const err = await rejects(
    () => rig.driver.connect("trtype:SOFT traddr:soft0", { adminTimeoutMs: 300 }),
    /Identify Controller: no completion within 300 ms/,
  );
  assert.instance(err, NvmeTimeoutError);
  assert.ok(
    rig.device.commandsOn(0).some((c) => c.opcode === AdminOpc.Identify),
    "the controller fetched the Identify and never completed it",
  );
});

test("IOVAs above 4 GiB are split into both PRP dwords", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const idc = device.commandsOn(0)[0]!;
  const iova = idc.dwords[6]! + idc.dwords[7]! * 0x1_0000_0000;
  assert.ok(iova >= 0x1_0000_0000, "the in-thread controller's arena lives above 4 GiB");
  assert.equal([idc.dwords[6], idc.dwords[7]], [lo(iova), hi(iova)]);
  await driver.detach(ctrlr);
});

test.run();
