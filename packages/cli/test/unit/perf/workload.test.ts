// The perf workload engine against the in-thread software controller: it keeps the queue depth, counts what the
// device really did, records latencies, and --verify catches data that is not what was written.
import { checkWorkload, runWorkload } from "@nvmekit/cli";
import { InvalidArgumentError } from "@nvmekit/core";
import { attachInThread, MediaSc, NvmOpc, nvmeStatus, Sct } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("randread at QD 8: every counted I/O is a real 4 KiB read, aligned, at random LBAs", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  device.clearLogs();
  const spec = checkWorkload(
    { pattern: "randread", readPercent: 0, ioSize: 4096, queueDepth: 8, seconds: 0.3, verify: false },
    ns,
  );
  const r = await runWorkload(ns, qp, spec);
  const reads = device.commandsOn(qp.id).filter((c) => c.opcode === NvmOpc.Read);
  assert.equal(reads.length, r.ios, "every counted I/O reached the device");
  assert.ok(r.ios > 100, `${r.ios} I/Os in 0.3 s`);
  assert.equal(r.reads, r.ios);
  assert.ok(
    reads.every((c) => c.dwords[12] === 7 && c.dwords[10]! % 8 === 0),
    "8 blocks of 512, aligned",
  );
  assert.ok(new Set(reads.map((c) => c.dwords[10])).size > 10, "random LBAs");
  assert.equal(r.histogram.totalCount, r.ios);
  assert.ok(r.latencyUs.p50 >= r.latencyUs.min && r.latencyUs.p99 >= r.latencyUs.p50);
  assert.equal(r.errors, 0);
  await driver.detach(ctrlr);
});

test("rw with -M 70 mixes about 70% reads; sequential LBAs advance by the I/O size", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  device.clearLogs();
  const r = await runWorkload(
    ns,
    qp,
    checkWorkload(
      { pattern: "rw", readPercent: 70, ioSize: 8192, queueDepth: 1, seconds: 0.3, verify: false },
      ns,
    ),
  );
  const share = r.reads / r.ios;
  assert.ok(share > 0.6 && share < 0.8, `read share ${share}`);
  const lbas = device
    .commandsOn(qp.id)
    .slice(0, 5)
    .map((c) => c.dwords[10]);
  assert.equal(lbas, [0, 2, 4, 6, 8]);
  await driver.detach(ctrlr);
});

test("--verify: pre-filled stamps read back clean; a media error is counted, not hidden", async () => {
  const { driver, ctrlr, device } = await attachInThread({
    namespaces: [{ nsid: 1, blocks: 2048, blockSize: 512 }],
  });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const spec = checkWorkload(
    { pattern: "randrw", readPercent: 50, ioSize: 4096, queueDepth: 4, seconds: 0.3, verify: true },
    ns,
  );
  const clean = await runWorkload(ns, qp, spec);
  assert.equal([clean.verifyFailures, clean.errors], [0, 0]);
  assert.equal(clean.verify.checked, clean.reads, "every read was checked");
  assert.ok(clean.reads > 0 && clean.reads < clean.ios);
  device.failCommands(
    { nsid: 1, lba: 8, opcode: NvmOpc.Read },
    nvmeStatus(Sct.Media, MediaSc.UnrecoveredReadError, { dnr: true }),
    3,
  );
  const withError = await runWorkload(ns, qp, {
    ...spec,
    pattern: "randread",
    readPercent: 100,
    seconds: 0.5,
  });
  assert.ok(withError.errors >= 1, "the failed reads are counted as errors");
  await driver.detach(ctrlr);
});

test("a warm-up's I/Os reach the device but not the figures; maxIos counts measured I/Os only", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  device.clearLogs();
  const spec = { pattern: "randread", readPercent: 0, ioSize: 4096, queueDepth: 4, verify: false } as const;
  const r = await runWorkload(
    ns,
    qp,
    checkWorkload({ ...spec, seconds: 60, warmupSeconds: 0.2, maxIos: 500 }, ns),
  );
  const reads = device.commandsOn(qp.id).filter((c) => c.opcode === NvmOpc.Read).length;
  // Submitting stops at 500; the I/Os then in flight still complete and count.
  assert.ok(r.ios >= 500 && r.ios < 500 + spec.queueDepth, `${r.ios} I/Os measured, maxIos 500`);
  assert.ok(reads > r.ios + 100, `${reads} reads reached the device, ${r.ios} counted`);
  assert.is(r.histogram.totalCount, r.ios, "latencies of measured I/Os only");
  assert.is(r.reads, r.ios);
  await driver.detach(ctrlr);
});

test("bad settings are rejected with the argument named", async () => {
  const { driver, ctrlr } = await attachInThread();
  const ns = ctrlr.getNamespace(2)!;
  const base = {
    pattern: "randread" as const,
    readPercent: 0,
    ioSize: 4096,
    queueDepth: 1,
    seconds: 1,
    verify: false,
  };
  for (const [bad, argument] of [
    [{ ioSize: 1000 }, "ioSize"],
    [{ queueDepth: 0 }, "queueDepth"],
    [{ pattern: "randrw", readPercent: 101 }, "readPercent"],
    [{ seconds: 0 }, "seconds"],
    [{ warmupSeconds: -1 }, "warmupSeconds"],
    [{ warmupSeconds: Number.NaN }, "warmupSeconds"],
    [{ pattern: "trim" }, "pattern"],
  ] as const) {
    try {
      checkWorkload({ ...base, ...(bad as object) } as typeof base, ns);
      assert.unreachable(argument);
    } catch (e) {
      assert.instance(e, InvalidArgumentError);
      assert.equal((e as InvalidArgumentError).argument, argument);
    }
  }
  await driver.detach(ctrlr);
});

test.run();
