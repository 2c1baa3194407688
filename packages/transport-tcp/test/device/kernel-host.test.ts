// rig-config: fabrics
// The Linux kernel's nvme-tcp host against nvmekit's built-in NVMe/TCP target (over an in-thread
// software controller) on 127.0.0.1:4430 in the rig's guest (Linux's nvmet has 4420): nvme discover
// lists the subsystem, nvme connect creates a controller with the backend's namespaces and the
// fields nvmekit's own host reads, a verified fio run (in-capsule and R2T writes, multi-PDU reads)
// passes, data crosses between the kernel's block device and nvmekit's host, and nvme disconnect
// leaves no controller or connection behind.
//
// The target lives in this process, so every external tool runs through the asynchronous execFile:
// a synchronous one would block the event loop the target answers the kernel from (a deadlock).
import "reflect-metadata";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type Controller, coreModule, NvmeDriver } from "@nvmekit/core";
import { type AttachedInThreadRig, attachInThread } from "@nvmekit/softnvme";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { NvmeTcpTarget, type TargetEvent, tcpTransportModule } from "../../src/index.js";

const TRADDR = "127.0.0.1";
const PORT = 4430;
const SUBNQN = "nqn.2024-01.io.nvmekit:kernel-host";
const DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";
const TRID = `trtype:TCP adrfam:IPv4 traddr:${TRADDR} trsvcid:${PORT} subnqn:${SUBNQN}`;
/** I/O in-capsule data: 16 KiB (IOCCSZ 1028); MAXH2CDATA 128 KiB; MDTS 256 KiB (see the backend). */
const IN_CAPSULE = 16 * 1024;

const execFileAsync = promisify(execFile);

/** Runs a tool without blocking the event loop (the target answers from it). */
async function run(cmd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(cmd, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Runs a tool and returns its stdout as bytes. */
async function runBytes(cmd: string, ...args: string[]): Promise<Buffer> {
  const { stdout } = await execFileAsync(cmd, args, { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

const json = async (cmd: string, ...args: string[]): Promise<Record<string, unknown>> =>
  JSON.parse(await run(cmd, ...args)) as Record<string, unknown>;

/** A test that, when it fails, adds the guest's latest kernel messages and the target's complaints. */
function deviceTest(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      const dmesg = await run("dmesg").catch(() => "");
      const complaints = events
        .filter((ev) => ev.type === "protocol-error" || ev.type === "error" || ev.type === "connect-rejected")
        .map((ev) => JSON.stringify(ev, (_k, v) => (v instanceof Error ? v.message : v)));
      if (e instanceof Error) {
        e.message +=
          `\n--- dmesg (last 30 lines) ---\n${dmesg.split("\n").slice(-31).join("\n")}` +
          `\n--- target complaints ---\n${complaints.join("\n") || "(none)"}`;
      }
      throw e;
    }
  });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const sysfs = (path: string): string => readFileSync(path, "utf8").trim();

let rig: AttachedInThreadRig;
let target: NvmeTcpTarget;
const events: TargetEvent[] = [];
/** The kernel's controller (nvmeN) once connected. */
let device = "";
/** The kernel's block devices of our namespaces, by NSID. */
const blocks = new Map<number, string>();

function hostDriver(): NvmeDriver {
  const c = new Container();
  c.load(coreModule, tcpTransportModule);
  return c.get(NvmeDriver);
}

/** The block devices of controller `ctrl`: under its nvme-subsystem (native multipath) or under it. */
function blockDevices(ctrl: string): Map<number, string> {
  const dirs = [`/sys/class/nvme/${ctrl}`];
  for (const s of existsSync("/sys/class/nvme-subsystem") ? readdirSync("/sys/class/nvme-subsystem") : []) {
    const dir = `/sys/class/nvme-subsystem/${s}`;
    if (readdirSync(dir).includes(ctrl)) dirs.push(dir);
  }
  const found = new Map<number, string>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      if (!/^nvme\d+n\d+$/.test(name)) continue;
      found.set(Number(sysfs(`/sys/block/${name}/nsid`)), name);
    }
  }
  return found;
}

test.before(async () => {
  // The backend: two namespaces (512-byte and 4 KiB blocks), MDTS 256 KiB so that a read needs two
  // C2HData PDUs of the target's 128 KiB; no command log (fio moves tens of MiB).
  rig = await attachInThread({
    mdts: 6,
    recordCommands: false,
    recordData: false,
    namespaces: [
      { nsid: 1, blockSize: 512, blocks: 65536 },
      { nsid: 2, blockSize: 4096, blocks: 4096 },
    ],
  });
  target = new NvmeTcpTarget({
    backend: rig.ctrlr,
    subnqn: SUBNQN,
    allowedHosts: "any",
    address: TRADDR,
    port: PORT,
    inCapsuleDataSize: IN_CAPSULE,
  });
  target.events$.subscribe((e) => events.push(e));
  await target.listen();
  await run("modprobe", "nvme-tcp");
});

test.after(async () => {
  if (device !== "") await run("nvme", "disconnect", "-d", device).catch(() => undefined);
  await target?.close();
  await rig?.driver.detachAll();
});

deviceTest("nvme discover lists our subsystem and the discovery subsystem, then leaves", async () => {
  const log = await json("nvme", "discover", "-t", "tcp", "-a", TRADDR, "-s", String(PORT), "-o", "json");
  const records = log.records as Record<string, unknown>[];
  assert.is(records.length, 2, JSON.stringify(log));
  const ours = records.find((r) => r.subnqn === SUBNQN);
  assert.ok(ours, `no record of ${SUBNQN}: ${JSON.stringify(records)}`);
  assert.is(ours.trtype, "tcp");
  assert.is(ours.adrfam, "ipv4");
  assert.is(ours.traddr, TRADDR);
  assert.is(String(ours.trsvcid).trim(), String(PORT));
  assert.is(ours.subtype, "nvme subsystem");
  const disc = records.find((r) => r.subnqn === DISCOVERY_NQN);
  assert.ok(disc, "the discovery subsystem lists itself");
  assert.is(disc.subtype, "current discovery subsystem");
  // nvme discover disconnects when done: the discovery controller and its connection are gone.
  await until("the discovery controller to go", () => target.controllerCount === 0);
  await until("the discovery connection to close", () => target.connectionCount === 0);
  const created = events.filter((e) => e.type === "controller-created");
  assert.is(created.length, 1);
  assert.is(created[0]!.type === "controller-created" && created[0]!.subnqn, DISCOVERY_NQN);
});

deviceTest("nvme connect: a live TCP controller of our subsystem with the backend's namespaces", async () => {
  const out = await json(
    "nvme",
    "connect",
    "-t",
    "tcp",
    "-a",
    TRADDR,
    "-s",
    String(PORT),
    "-n",
    SUBNQN,
    "-o",
    "json",
  );
  device = String(out.device);
  assert.match(device, /^nvme\d+$/);
  const cls = `/sys/class/nvme/${device}`;
  await until("the controller to be live", () => sysfs(`${cls}/state`) === "live");
  assert.is(sysfs(`${cls}/transport`), "tcp");
  assert.is(sysfs(`${cls}/subsysnqn`), SUBNQN);
  assert.match(sysfs(`${cls}/address`), `traddr=${TRADDR},trsvcid=${PORT}`);
  const wanted = rig.ctrlr.activeNamespaceIds();
  await until("the namespaces to appear", () => blockDevices(device).size === wanted.length);
  for (const [nsid, name] of blockDevices(device)) blocks.set(nsid, name);
  assert.equal([...blocks.keys()].sort(), wanted);
  for (const nsid of wanted) {
    const ns = rig.ctrlr.getNamespace(nsid)!;
    const name = blocks.get(nsid)!;
    assert.is(Number(sysfs(`/sys/block/${name}/queue/logical_block_size`)), ns.sectorSize, name);
    assert.is(Number(sysfs(`/sys/block/${name}/size`)) * 512, ns.numSectors * ns.sectorSize, name);
    await until(`/dev/${name}`, () => existsSync(`/dev/${name}`));
  }
  // One controller on the target, created for the kernel's host; its admin and I/O queues connected.
  assert.is(target.controllerCount, 1);
  const created = events.filter((e) => e.type === "controller-created" && e.subnqn === SUBNQN);
  assert.is(created.length, 1);
  const cntlid = created[0]!.type === "controller-created" ? created[0]!.cntlid : -1;
  assert.is(Number(sysfs(`${cls}/cntlid`)), cntlid);
  const ioQueues = events.filter((e) => e.type === "queue-connected" && e.cntlid === cntlid && e.qid > 0);
  assert.ok(ioQueues.length >= 1, "the kernel connected I/O queues");
  assert.is(target.connectionCount, 1 + ioQueues.length);
});

deviceTest(
  "nvme id-ctrl and nvme list agree with what nvmekit's own host reads from the target",
  async () => {
    const kernel = await json("nvme", "id-ctrl", `/dev/${device}`, "-o", "json");
    const list = await json("nvme", "list", "-o", "json");
    const d = hostDriver();
    const ctrlr: Controller = await d.connect(TRID);
    try {
      const id = ctrlr.data;
      assert.is(String(kernel.sn).trim(), id.sn);
      assert.is(String(kernel.mn).trim(), id.mn);
      assert.is(String(kernel.fr).trim(), id.fr);
      assert.is(kernel.subnqn, SUBNQN);
      for (const f of [
        "ver",
        "ioccsz",
        "iorcsz",
        "icdoff",
        "msdbd",
        "cntrltype",
        "kas",
        "sgls",
        "mdts",
        "maxcmd",
        "nn",
        "oncs",
        "vwc",
        "cmic",
        "oacs",
        "aerl",
        "sqes",
        "cqes",
      ] as const) {
        assert.is(kernel[f], id[f], f);
      }
      assert.is(kernel.ioccsz, IN_CAPSULE / 16 + 4);
      assert.is(kernel.cntrltype, 1, "an I/O controller");
      assert.is(kernel.mdts, 6);
      // Each host has its own controller.
      assert.is.not(kernel.cntlid, ctrlr.data.cntlid);
      assert.is(target.controllerCount, 2);
      const devices = (list.Devices as Record<string, unknown>[]).filter((x) =>
        [...blocks.values()].some((b) => x.DevicePath === `/dev/${b}`),
      );
      assert.is(devices.length, blocks.size, JSON.stringify(list));
      for (const x of devices) {
        const nsid = Number(x.NameSpace);
        const ns = ctrlr.getNamespace(nsid);
        assert.ok(ns !== undefined, `nvmekit sees namespace ${nsid}`);
        assert.is(x.SectorSize, ns.sectorSize);
        assert.is(x.MaximumLBA, ns.numSectors);
        assert.is(x.PhysicalSize, ns.numSectors * ns.sectorSize);
        assert.is(String(x.SerialNumber).trim(), id.sn);
        assert.is(String(x.ModelNumber).trim(), id.mn);
      }
    } finally {
      await d.detach(ctrlr);
    }
    await until("nvmekit's controller to go", () => target.controllerCount === 1);
  },
);

deviceTest("fio with verification: in-capsule and R2T writes, multi-PDU reads, no errors", async () => {
  const dev = `/dev/${blocks.get(1)}`;
  const out = await run(
    "fio",
    "--name=verify",
    `--filename=${dev}`,
    "--ioengine=io_uring",
    "--direct=1",
    "--rw=randwrite",
    // 4 and 16 KiB go in the capsule, 64 KiB by one R2T, 256 KiB by an R2T answered with two
    // H2CData PDUs (MAXH2CDATA 128 KiB) and read back in two C2HData PDUs.
    "--bssplit=4k/30:16k/20:64k/25:256k/25",
    "--size=24M",
    "--iodepth=16",
    "--verify=crc32c",
    "--do_verify=1",
    "--verify_fatal=1",
    "--output-format=json",
  );
  const report = JSON.parse(out.slice(out.indexOf("{"))) as {
    jobs: { error: number; write: Record<string, number>; read: Record<string, number> }[];
  };
  const job = report.jobs[0]!;
  assert.is(job.error, 0);
  assert.is(job.write.io_bytes, 24 * 1024 * 1024);
  assert.is(job.read.io_bytes, 24 * 1024 * 1024, "every byte written was read back and verified");
  console.log(
    `  fio: write ${Math.round(job.write.iops)} IOPS (${(job.write.bw / 1024).toFixed(1)} MiB/s), ` +
      `verify read ${Math.round(job.read.iops)} IOPS (${(job.read.bw / 1024).toFixed(1)} MiB/s)`,
  );
  assert.not.ok(
    events.some((e) => e.type === "protocol-error" || e.type === "error"),
    "the target saw no protocol or backend error",
  );
});

deviceTest("what the kernel's block device writes nvmekit reads, and the other way round", async () => {
  const nsid = 2;
  const name = blocks.get(nsid)!;
  const bs = rig.ctrlr.getNamespace(nsid)!.sectorSize;
  const theirs = randomBytes(24 * bs); // 96 KiB: an R2T write from the kernel
  const file = "/tmp/kernel-host-theirs.bin";
  writeFileSync(file, theirs);
  await run(
    "dd",
    `if=${file}`,
    `of=/dev/${name}`,
    `bs=${theirs.length}`,
    "seek=1",
    "oflag=direct",
    "status=none",
  );
  rmSync(file);
  const ours = randomBytes(3 * bs); // 12 KiB: in-capsule from nvmekit's host
  const d = hostDriver();
  const ctrlr = await d.connect(TRID);
  try {
    const ns = ctrlr.getNamespace(nsid)!;
    const qp = await ctrlr.allocIoQpair();
    const back = new Uint8Array(theirs.length);
    await ns.read(qp, back, 24, 24);
    assert.ok(Buffer.from(back).equals(theirs), "nvmekit's host reads what the kernel wrote");
    await ns.write(qp, ours, 500, 3);
    await ctrlr.freeIoQpair(qp);
  } finally {
    await d.detach(ctrlr);
  }
  // The backend itself holds both.
  const direct = rig.ctrlr.getNamespace(nsid)!;
  const qp = await rig.ctrlr.allocIoQpair();
  const buf = rig.ctrlr.allocBuffer(theirs.length);
  try {
    const back = buf.bytes.subarray(0, theirs.length);
    await direct.read(qp, back, 24, 24);
    assert.ok(Buffer.from(back).equals(theirs), "the backend holds what the kernel wrote");
    await direct.read(qp, back.subarray(0, ours.length), 500, 3);
    assert.ok(
      Buffer.from(back.subarray(0, ours.length)).equals(ours),
      "the backend holds what nvmekit wrote",
    );
  } finally {
    rig.ctrlr.freeBuffer(buf);
    await rig.ctrlr.freeIoQpair(qp);
  }
  const read = await runBytes(
    "dd",
    `if=/dev/${name}`,
    `bs=${bs}`,
    "skip=500",
    "count=3",
    "iflag=direct",
    "status=none",
  );
  assert.ok(read.equals(ours), "the kernel reads what nvmekit's host wrote");
});

deviceTest("discard (DSM with Linux's 4 KiB range buffer) and write zeroes from the kernel", async () => {
  const dev = `/dev/${blocks.get(1)}`;
  await run("dd", "if=/dev/urandom", `of=${dev}`, "bs=64k", "count=4", "oflag=direct", "status=none");
  await run("blkdiscard", "-o", "0", "-l", "65536", dev);
  await run("blkdiscard", "-z", "-o", "65536", "-l", "131072", dev);
  const back = await runBytes("dd", `if=${dev}`, "bs=64k", "count=4", "iflag=direct", "status=none");
  assert.ok(
    back.subarray(0, 196608).every((x) => x === 0),
    "discarded and zeroed blocks read as zeroes",
  );
  assert.not.ok(
    back.subarray(196608).every((x) => x === 0),
    "the block after them keeps its data",
  );
});

deviceTest("nvme disconnect: the target is left with no controller and no connection", async () => {
  const cntlid = Number(sysfs(`/sys/class/nvme/${device}/cntlid`));
  await run("nvme", "disconnect", "-d", device);
  device = "";
  await until("the controller to go", () => target.controllerCount === 0);
  await until("every connection to close", () => target.connectionCount === 0);
  const gone = events.find((e) => e.type === "controller-destroyed" && e.cntlid === cntlid);
  assert.ok(gone);
  assert.not.ok(
    events.some((e) => e.type === "protocol-error" || e.type === "error" || e.type === "connect-rejected"),
    "no protocol error, backend error or refused Connect all along",
  );
});

test.run();
