// `nvmekit perf` on the built-in software controller, run as a child process: the result table,
// the JSON figures per namespace and in total, the HTML report, --verify and several queue pairs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nvmekit, tempDir } from "./run-cli.js";

test("perf prints SPDK perf's table with percentiles per namespace and the total", () => {
  const r = nvmekit(["perf", "-q", "8", "-o", "4096", "-w", "randread", "-t", "1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Latency in microseconds\nDevice\s+IOPS\s+MiB\/s\s+Average\s+min\s+max\s+p50\s+p90\s+p99\s+p99\.9\s+p99\.99\n/,
  );
  assert.match(r.stdout, /\ntrtype:PCIe traddr:fffe:00:00\.0 NSID 1\s+[\d,]+\.\d\d/);
  assert.match(r.stdout, /\ntrtype:PCIe traddr:fffe:00:00\.0 NSID 2\s+[\d,]+\.\d\d/);
  assert.match(
    r.stdout,
    /\ntrtype:PCIe traddr:fffe:00:00\.0 NSID 3\s+[\d,]+\.\d\d/,
    "reads run on the zoned one",
  );
  assert.match(r.stdout, /\nTotal\s+[\d,]+\.\d\d/);
});

test("perf --json --report: figures per namespace and in total, and one self-contained HTML page", () => {
  const report = join(tempDir("report"), "perf.html");
  const r = nvmekit([
    "perf",
    "-q",
    "16",
    "-o",
    "4k",
    "-w",
    "randrw",
    "-M",
    "70",
    "-t",
    "1.5",
    "--json",
    "--report",
    report,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.trid, "trtype:PCIe traddr:fffe:00:00.0");
  assert.equal(out.workload, {
    pattern: "randrw",
    readPercent: 70,
    ioSize: 4096,
    queueDepth: 16,
    seconds: 1.5,
    warmupSeconds: 1,
    verify: false,
    qpairs: 1,
  });
  // Namespace 3 is zoned: writes go only to a zone's write pointer, so a workload with writes skips it.
  assert.match(
    r.stderr,
    /skipping namespace 3: pattern: namespace 3 is zoned and writes only at each zone's write pointer/,
  );
  assert.equal(
    out.namespaces.map((n: { nsid: number }) => n.nsid),
    [1, 2],
  );
  const t = out.total;
  assert.ok(t.ios > 0 && t.iops > 0 && t.mibps > 0, JSON.stringify(t));
  assert.equal(t.ios, out.namespaces[0].ios + out.namespaces[1].ios, "the total adds the namespaces up");
  const share = t.reads / t.ios;
  assert.ok(share > 0.6 && share < 0.8, `read share ${share}`);
  const l = t.latencyUs;
  assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.p9999);
  // Percentiles are bucket upper bounds: within the histogram's 3 significant digits of the maximum.
  assert.ok(l.p9999 <= l.max * 1.001 + 1 && l.avg >= l.min && l.avg <= l.max);
  assert.ok(t.iopsSamples.length >= 5, "100 ms samples for the chart");
  assert.equal(t.errors, 0);

  const html = readFileSync(report, "utf8");
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 2, "the histogram and the IOPS chart");
  assert.match(html, /Latency histogram/);
  assert.match(html, /IOPS over time/);
  assert.match(html, /<polyline points="/);
  assert.ok(html.includes(Math.round(t.iops).toLocaleString("en-US")), "the page shows the IOPS figure");
  assert.not.match(html, /<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "nothing external");
  assert.match(r.stderr, /report written to /);
});

test("perf --verify checks every read; --qpairs spreads the depth over queue pairs", () => {
  const r = nvmekit([
    "perf",
    "--ns",
    "1",
    "-q",
    "8",
    "-P",
    "2",
    "-w",
    "randrw",
    "-M",
    "50",
    "-t",
    "1",
    "-a",
    "0", // no warm-up: its reads are checked too but not counted, and this compares the two
    "--verify",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.workload.qpairs, 2);
  assert.equal(out.namespaces.length, 1);
  assert.ok(out.total.reads > 0);
  assert.equal(out.total.verify.checked, out.total.reads, "every read was checked against the model");
  assert.equal([out.total.verifyFailures, out.total.errors], [0, 0]);
});

test("perf --workers 2: each worker thread runs -q per namespace on its own queue pairs", () => {
  const r = nvmekit(["perf", "-q", "8", "-w", "randrw", "-M", "50", "-t", "1", "--workers", "2", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.workload.workers, 2);
  assert.equal(
    out.namespaces.map((n: { nsid: number; worker: number }) => [n.worker, n.nsid]),
    [
      [0, 1],
      [0, 2],
      [1, 1],
      [1, 2],
    ],
  );
  for (const n of out.namespaces) assert.ok(n.ios > 0 && n.reads > 0 && n.iops > 0, JSON.stringify(n));
  const t = out.total;
  assert.equal(
    t.ios,
    out.namespaces.reduce((sum: number, n: { ios: number }) => sum + n.ios, 0),
  );
  assert.equal(t.errors, 0);
  assert.ok(t.latencyUs.p50 > 0 && t.cpuUsPerIo > 0, JSON.stringify(t.latencyUs));
});

test("perf --workers with --verify checks every read in every worker", () => {
  const r = nvmekit([
    "perf",
    "--ns",
    "1",
    "-q",
    "4",
    "-w",
    "randrw",
    "-M",
    "50",
    "-t",
    "1",
    "--workers",
    "2",
    "-a",
    "0", // as above: every read counted is every read checked
    "--verify",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.namespaces.length, 2);
  for (const n of out.namespaces) {
    assert.ok(n.reads > 0, JSON.stringify(n));
    assert.equal(n.verify.checked, n.reads, `worker ${n.worker} checked every read`);
  }
  assert.equal([out.total.verifyFailures, out.total.errors], [0, 0]);
});

test("perf --workers asks for no more I/O queues than the controller grants", () => {
  const r = nvmekit(["perf", "-P", "4", "--workers", "200", "-t", "1"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.errors.join("\n"), /3 namespaces × --qpairs 4 × --workers 200 needs 2400 I\/O queues/);
});

test("perf skips the namespaces the I/O size does not fit, as SPDK perf does", () => {
  const r = nvmekit(["perf", "-o", "512", "-q", "4", "-t", "0.5", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipping namespace 2: ioSize: 512: give a multiple of the 4096-byte block/);
  assert.match(r.stderr, /skipping namespace 3: ioSize: 512: give a multiple of the 4096-byte block/);
  assert.equal(
    JSON.parse(r.stdout).namespaces.map((n: { nsid: number }) => n.nsid),
    [1],
  );
});

test("perf on the zoned namespace: reads run, a workload with writes is refused before it starts", () => {
  const reads = nvmekit(["perf", "--ns", "3", "-q", "4", "-o", "8k", "-w", "read", "-t", "0.5", "--json"]);
  assert.equal(reads.code, 0, reads.stderr);
  const out = JSON.parse(reads.stdout);
  assert.equal(
    out.namespaces.map((n: { nsid: number }) => n.nsid),
    [3],
  );
  assert.ok(out.total.reads > 0 && out.total.errors === 0, JSON.stringify(out.total));
  for (const args of [
    ["-w", "randwrite"],
    ["-w", "randread", "--verify"],
  ]) {
    const r = nvmekit(["perf", "--ns", "3", "-t", "0.5", ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.errors, [
      "nvmekit: pattern: namespace 3 is zoned and writes only at each zone's write pointer: " +
        "perf runs reads on it (-w read or randread, without --verify)",
    ]);
  }
});

test.run();
