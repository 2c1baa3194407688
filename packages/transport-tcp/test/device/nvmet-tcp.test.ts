// rig-config: fabrics
// nvmekit's NVMe/TCP host against the Linux kernel's nvmet-tcp target in the rig's guest (a null_blk
// and a file-backed subsystem on 127.0.0.1:4420): identify agrees with nvme-cli through the kernel's
// nvme-tcp host, random data round-trips byte-exact (in-capsule and R2T writes), with and without
// digests, and what one host writes the other reads.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdirSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ConnectRejectedError,
  type Controller,
  ControllerState,
  coreModule,
  NvmeDriver,
  NvmeStatusError,
  TransportError,
} from "@nvmekit/core";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tcpTransportModule } from "../../src/index.js";

const TRADDR = "127.0.0.1";
const TRSVCID = "4420";
const NULL_NQN = "nqn.2024-01.io.nvmekit:null";
const FILE_NQN = "nqn.2024-01.io.nvmekit:file";
const trid = (nqn: string): string =>
  `trtype:TCP adrfam:IPv4 traddr:${TRADDR} trsvcid:${TRSVCID} subnqn:${nqn}`;
const sh = (cmd: string, ...args: string[]): string => execFileSync(cmd, args, { encoding: "utf8" });

/** Asserts that `fn` rejects with an error `check` accepts. */
async function rejects(fn: () => Promise<unknown>, check: (e: unknown) => boolean): Promise<void> {
  let error: unknown = null;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== null, "expected a rejection");
  assert.ok(check(error), `unexpected error: ${error}`);
}

function driver(): NvmeDriver {
  const c = new Container();
  c.load(coreModule, tcpTransportModule);
  return c.get(NvmeDriver);
}

/** Writes random data at random LBAs (small and large transfers) and reads each back. */
async function roundTrips(ctrlr: Controller, rounds: number): Promise<void> {
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  for (let i = 0; i < rounds; i++) {
    const blocks = [1, 8, 32, 64, 256][i % 5]!; // up to 128 KiB with 512-byte blocks: beyond in-capsule data
    const lba = randomInt(0, ns.numSectors - blocks);
    const data = randomBytes(blocks * ns.sectorSize);
    await ns.write(qp, data, lba, blocks);
    const back = new Uint8Array(data.length);
    await ns.read(qp, back, lba, blocks);
    assert.ok(Buffer.from(back).equals(data), `round trip ${i}: ${blocks} blocks at LBA ${lba}`);
  }
  await ctrlr.freeIoQpair(qp);
}

test("connect and identify: the fields agree with nvme-cli through the kernel's nvme-tcp host", async () => {
  sh("modprobe", "nvme-tcp");
  const { device } = JSON.parse(
    sh("nvme", "connect", "-t", "tcp", "-a", TRADDR, "-s", TRSVCID, "-n", FILE_NQN, "-o", "json"),
  );
  let kernel: Record<string, unknown>;
  try {
    kernel = JSON.parse(sh("nvme", "id-ctrl", `/dev/${device}`, "-o", "json"));
  } finally {
    sh("nvme", "disconnect", "-d", device);
  }
  const d = driver();
  const ctrlr = await d.connect(trid(FILE_NQN));
  try {
    const id = ctrlr.data;
    assert.is(id.subnqn, FILE_NQN);
    assert.is(id.sn, String(kernel.sn).trim());
    assert.is(id.mn, String(kernel.mn).trim());
    assert.is(id.ver, kernel.ver);
    assert.is(id.ioccsz, kernel.ioccsz);
    assert.is(id.iorcsz, kernel.iorcsz);
    assert.is(id.msdbd, kernel.msdbd);
    assert.is(id.nn, kernel.nn);
    assert.ok(ctrlr.isFabric);
    assert.equal(ctrlr.activeNamespaceIds(), [1]);
  } finally {
    await d.detach(ctrlr);
  }
});

for (const nqn of [NULL_NQN, FILE_NQN]) {
  test(`${nqn}: random data at random LBAs reads back byte-exact`, async () => {
    const d = driver();
    const ctrlr = await d.connect(trid(nqn));
    try {
      await roundTrips(ctrlr, 20);
    } finally {
      await d.detach(ctrlr);
    }
  });
}

test("header and data digests on: round trips still byte-exact", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(FILE_NQN), { headerDigest: true, dataDigest: true });
  try {
    await roundTrips(ctrlr, 10);
  } finally {
    await d.detach(ctrlr);
  }
});

test("discovery: probe of the discovery service attaches both subsystems, as nvme discover lists them", async () => {
  const kernel = JSON.parse(sh("nvme", "discover", "-t", "tcp", "-a", TRADDR, "-s", TRSVCID, "-o", "json"));
  const d = driver();
  const discovery = await d.connect(`trtype:TCP adrfam:IPv4 traddr:${TRADDR} trsvcid:${TRSVCID}`);
  const log = await discovery.getDiscoveryLog();
  await d.detach(discovery);
  const ours = log.entries.map((e) => `${e.subnqn} ${e.traddr}:${e.trsvcid}`).sort();
  const theirs = kernel.records
    .map((r: Record<string, string>) => `${r.subnqn} ${r.traddr}:${r.trsvcid}`)
    .sort();
  assert.equal(ours, theirs);
  const attached: string[] = [];
  const n = await d.probe(`trtype:TCP adrfam:IPv4 traddr:${TRADDR} trsvcid:${TRSVCID}`, {
    attach: (t) => attached.push(t.subnqn),
  });
  assert.is(n, 2);
  assert.equal(attached.sort(), [FILE_NQN, NULL_NQN]);
  await d.detachAll();
});

test("idle longer than the keep-alive timeout: the controller stays and I/O works", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(NULL_NQN), { keepAliveTimeoutMs: 2000 });
  try {
    await sleep(5000); // nvmet drops a controller that sends nothing for KATO
    assert.is(ctrlr.state, ControllerState.Ready);
    await roundTrips(ctrlr, 2);
  } finally {
    await d.detach(ctrlr);
  }
});

test("data written by nvmekit reads back through the kernel's host, and the other way round", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(FILE_NQN));
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const bs = ns.sectorSize;
  const ours = randomBytes(16 * bs);
  await ns.write(qp, ours, 100, 16);
  await ctrlr.freeIoQpair(qp);
  await d.detach(ctrlr);

  const { device } = JSON.parse(
    sh("nvme", "connect", "-t", "tcp", "-a", TRADDR, "-s", TRSVCID, "-n", FILE_NQN, "-o", "json"),
  );
  const theirs = randomBytes(16 * bs);
  try {
    const block = `/dev/${device}n1`;
    for (let i = 0; i < 50 && !existsSync(block); i++) await sleep(100);
    const read = execFileSync("dd", [
      `if=${block}`,
      `bs=${bs}`,
      "skip=100",
      "count=16",
      "iflag=direct",
      "status=none",
    ]);
    assert.ok(read.equals(ours), "the kernel host reads what nvmekit wrote");
    writeFileSync("/run/nvmet/theirs.bin", theirs);
    sh(
      "dd",
      "if=/run/nvmet/theirs.bin",
      `of=${block}`,
      `bs=${bs}`,
      "seek=200",
      "count=16",
      "oflag=direct",
      "status=none",
    );
  } finally {
    sh("nvme", "disconnect", "-d", device);
  }
  const again = await d.connect(trid(FILE_NQN));
  const qp2 = await again.allocIoQpair();
  const back = new Uint8Array(16 * bs);
  try {
    await again.getNamespace(1)!.read(qp2, back, 200, 16);
  } finally {
    await d.detach(again);
  }
  assert.ok(Buffer.from(back).equals(theirs), "nvmekit reads what the kernel host wrote");
});

const PORT = "/sys/kernel/config/nvmet/ports/1";

test("the target's port removed and re-added: I/O fails, the controller fails, then reconnects", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(NULL_NQN), { reconnectDelayMs: 300, ctrlLossTimeoutMs: 60_000 });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = new Uint8Array(4096);
  const states: ControllerState[] = [];
  ctrlr.state$.subscribe((s) => states.push(s));
  let lost = 0;
  ctrlr.connectionLost$.subscribe(() => lost++);
  try {
    // Commands in flight when the port goes: each completes once, with an error.
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      ns.read(qp, buf.subarray(0, 512), i * 8, 1).then(
        () => "ok",
        (e: unknown) => (e instanceof NvmeStatusError ? "aborted" : `other: ${e}`),
      ),
    );
    unlinkSync(`${PORT}/subsystems/${NULL_NQN}`);
    const outcomes = await Promise.all(inFlight);
    assert.ok(
      outcomes.every((o) => o === "ok" || o === "aborted"),
      outcomes.join(", "),
    );
    for (let i = 0; i < 100 && ctrlr.state !== ControllerState.Failed; i++) await sleep(50);
    assert.is(ctrlr.state, ControllerState.Failed);
    assert.ok(lost >= 1);
    await rejects(
      () => ns.read(qp, buf, 0, 1),
      (e: unknown) => e instanceof Error,
    );
    await sleep(1000); // a few reconnect attempts fail while the subsystem is off the port
    assert.is.not(ctrlr.state, ControllerState.Ready, "no controller to come back to yet");
    symlinkSync(`/sys/kernel/config/nvmet/subsystems/${NULL_NQN}`, `${PORT}/subsystems/${NULL_NQN}`);
    for (let i = 0; i < 200 && ctrlr.state !== ControllerState.Ready; i++) await sleep(50);
    assert.is(ctrlr.state, ControllerState.Ready);
    assert.ok(states.includes(ControllerState.Resetting));
    await ns.read(qp, buf, 0, 8); // the same queue pair works again
  } finally {
    if (!existsSync(`${PORT}/subsystems/${NULL_NQN}`))
      symlinkSync(`/sys/kernel/config/nvmet/subsystems/${NULL_NQN}`, `${PORT}/subsystems/${NULL_NQN}`);
    await d.detach(ctrlr);
  }
});

test("bad input: wrong subnqn, a host the subsystem does not allow, nothing listening", async () => {
  const d = driver();
  const wrong = "nqn.2024-01.io.nvmekit:nonexistent";
  await rejects(
    () => d.connect(trid(wrong)),
    (e: unknown) => e instanceof ConnectRejectedError && e.message.includes(wrong),
  );
  const restricted = "nqn.2024-01.io.nvmekit:restricted";
  const subsys = `/sys/kernel/config/nvmet/subsystems/${restricted}`;
  mkdirSync(subsys);
  writeFileSync(`${subsys}/attr_allow_any_host`, "0");
  symlinkSync(subsys, `${PORT}/subsystems/${restricted}`);
  try {
    const hostnqn = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-8000-000000000001";
    await rejects(
      () => d.connect(trid(restricted), { hostnqn, hostid: "00000000-0000-4000-8000-000000000001" }),
      (e: unknown) =>
        e instanceof ConnectRejectedError && e.message.includes(hostnqn) && /allowed hosts/.test(e.message),
    );
  } finally {
    unlinkSync(`${PORT}/subsystems/${restricted}`);
    rmdirSync(subsys);
  }
  await rejects(
    () => d.connect(`trtype:TCP adrfam:IPv4 traddr:${TRADDR} trsvcid:4421 subnqn:${NULL_NQN}`),
    (e: unknown) => e instanceof TransportError && /connection refused/.test(e.message),
  );
  assert.equal(d.controllers.length, 0);
});

test.run();
