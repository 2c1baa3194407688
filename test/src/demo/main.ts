/**
 * The main job until the `nvmekit` CLI lands: compose the core with the fake transport from test/
 * (a third-party-style plugin the core knows nothing about), probe, attach, identify, write and read
 * back through an I/O queue pair, and print each step.
 * @module
 */
import "reflect-metadata";
import { type Completion, coreModule, formatTransportId, NvmeDriver } from "@nvmekit/core";
import { Container } from "inversify";
import { fakeTransportModule } from "../fake/index.js";

const container = new Container();
container.load(coreModule, fakeTransportModule());
const driver = container.get(NvmeDriver);

console.log("nvmekit demo: core + the fake transport from test/ (no real device is used)");
await driver.probe(undefined, {
  attach: (trid, ctrlr, opts) =>
    console.log(
      `attached ${formatTransportId(trid)}: ${ctrlr.data.mn} sn ${ctrlr.data.sn} fw ${ctrlr.data.fr}, ` +
        `NVMe ${ctrlr.vs.major}.${ctrlr.vs.minor}, ${opts.numIoQueues} I/O queues of ${opts.ioQueueSize}, ` +
        `max transfer ${ctrlr.maxTransferSize / 1024} KiB`,
    ),
});

for (const ctrlr of driver.controllers) {
  for (const nsid of ctrlr.activeNamespaceIds()) {
    const ns = ctrlr.getNamespace(nsid)!;
    console.log(
      `  namespace ${nsid}: ${ns.numSectors} blocks of ${ns.sectorSize} bytes (${ns.size / 2 ** 20} MiB)`,
    );
  }
}

const ctrlr = driver.controllers[0]!;
const ns = ctrlr.getNamespace(ctrlr.activeNamespaceIds()[0]!)!;
const qp = await ctrlr.allocIoQpair();
const blocks = 16;
const out = ctrlr.allocBuffer(blocks * ns.sectorSize);
const back = ctrlr.allocBuffer(blocks * ns.sectorSize);
for (let i = 0; i < out.bytes.length; i++) out.bytes[i] = (i * 7 + 3) & 0xff;

await ns.write(qp, out.bytes, 100, blocks);
await ns.read(qp, back.bytes, 100, blocks);
const same = Buffer.compare(out.bytes, back.bytes) === 0;
console.log(
  `wrote and read back ${blocks} blocks at LBA 100 on qpair ${qp.id}: ${same ? "identical" : "MISMATCH"}`,
);

// The callback face: a fixed number of 4 KiB reads at queue depth 32, no allocation per I/O.
const total = 20_000;
let done = 0;
let submitted = 0;
const perIo = ctrlr.allocBuffer(32 * 4096);
const slots = Array.from({ length: 32 }, (_, i) => perIo.bytes.subarray(i * 4096, (i + 1) * 4096));
const onRead = (_arg: null, cpl: Completion): void => {
  if (cpl.isError) throw new Error(`read failed: status 0x${cpl.status.toString(16)}`);
  done++;
};
const sectorsPer4k = 4096 / ns.sectorSize;
const started = performance.now();
while (done < total) {
  while (submitted < total && submitted - done < 32) {
    const lba = (submitted * 97) % (ns.numSectors - sectorsPer4k);
    if (ns.cmdRead(qp, slots[submitted % 32]!, lba, sectorsPer4k, onRead, null) !== 0) break;
    submitted++;
  }
  qp.processCompletions();
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${total} reads of 4 KiB at QD 32 through the callback face: ${Math.round(total / seconds)} IOPS (in-process fake device)`,
);

await ctrlr.freeIoQpair(qp);
await driver.detachAll();
console.log(`detached: ${ctrlr.state}`);
if (!same) process.exit(1);
