// rig-config: fabrics
// nvmekit's NVMe-oF RDMA host against the Linux kernel's nvmet-rdma target on soft-RoCE in the rig's
// guest (a null_blk and a file-backed subsystem on 10.66.0.1:4420): identify agrees with nvme-cli
// through the kernel's nvme-rdma host, random data round-trips byte-exact (in-capsule and keyed
// writes, sizes up to the MDTS), discovery lists what nvme discover lists, and what one host writes
// the other reads.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Controller,
  ControllerState,
  coreModule,
  createMemoryDomain,
  type DmaBuffer,
  DmaDeviceType,
  destroyMemoryDomain,
  memoryIoVec,
  NvmeDriver,
  NvmeStatusError,
  type RdmaMemoryDomainContext,
  TransportError,
} from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { createBounceMemoryDomain } from "@nvmekit/memdomain";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  dataPathCalls,
  deregisterMemory,
  NativeBlock,
  rdmaTransportModule,
  registerMemory,
} from "../../src/index.js";

const TRADDR = "10.66.0.1";
const TRSVCID = "4420";
const NULL_NQN = "nqn.2024-01.io.nvmekit:null";
const FILE_NQN = "nqn.2024-01.io.nvmekit:file";
const trid = (nqn: string): string =>
  `trtype:RDMA adrfam:IPv4 traddr:${TRADDR} trsvcid:${TRSVCID} subnqn:${nqn}`;
const sh = (cmd: string, ...args: string[]): string => execFileSync(cmd, args, { encoding: "utf8" });

function driver(): NvmeDriver {
  const c = new Container();
  c.load(coreModule, rdmaTransportModule());
  return c.get(NvmeDriver);
}

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

/** Connects through the kernel's nvme-rdma host; returns the controller's device name. */
function kernelConnect(nqn: string): string {
  sh("modprobe", "nvme-rdma");
  return JSON.parse(sh("nvme", "connect", "-t", "rdma", "-a", TRADDR, "-s", TRSVCID, "-n", nqn, "-o", "json"))
    .device as string;
}

/**
 * Writes random data at random LBAs and reads each back: sizes from one block (in-capsule) to the
 * controller's largest transfer (keyed SGL, split by the core beyond it).
 */
async function roundTrips(ctrlr: Controller, rounds: number): Promise<void> {
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const maxBlocks = Math.min(ctrlr.maxTransferSize / ns.sectorSize, 2048);
  const sizes = [1, 8, 32, 64, 256, maxBlocks];
  const data = ctrlr.allocBuffer(maxBlocks * ns.sectorSize);
  const back = ctrlr.allocBuffer(maxBlocks * ns.sectorSize);
  try {
    for (let i = 0; i < rounds; i++) {
      const blocks = sizes[i % sizes.length]!;
      const lba = randomInt(0, ns.numSectors - blocks);
      const bytes = blocks * ns.sectorSize;
      data.bytes.set(randomBytes(bytes));
      back.bytes.fill(0);
      await ns.write(qp, data.bytes.subarray(0, bytes), lba, blocks);
      await ns.read(qp, back.bytes.subarray(0, bytes), lba, blocks);
      assert.ok(
        Buffer.from(back.bytes.subarray(0, bytes)).equals(data.bytes.subarray(0, bytes)),
        `round trip ${i}: ${blocks} blocks at LBA ${lba}`,
      );
    }
  } finally {
    ctrlr.freeBuffer(data);
    ctrlr.freeBuffer(back);
    await ctrlr.freeIoQpair(qp);
  }
}

test("connect and identify: the fields agree with nvme-cli through the kernel's nvme-rdma host", async () => {
  const device = kernelConnect(FILE_NQN);
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
      await roundTrips(ctrlr, 24);
    } finally {
      await d.detach(ctrlr);
    }
  });
}

test("discovery over RDMA lists what nvme discover lists", async () => {
  const kernel = JSON.parse(sh("nvme", "discover", "-t", "rdma", "-a", TRADDR, "-s", TRSVCID, "-o", "json"));
  const d = driver();
  const discovery = await d.connect(`trtype:RDMA adrfam:IPv4 traddr:${TRADDR} trsvcid:${TRSVCID}`);
  const log = await discovery.getDiscoveryLog();
  await d.detach(discovery);
  const ours = log.entries.map((e) => `${e.subnqn} ${e.traddr}:${e.trsvcid}`).sort();
  const theirs = kernel.records
    .map((r: Record<string, string>) => `${r.subnqn} ${r.traddr}:${r.trsvcid}`)
    .sort();
  assert.equal(ours, theirs);
});

test("reset: the controller reconnects every queue over RDMA and the same queue pair works", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(NULL_NQN));
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(4096);
  try {
    await ns.read(qp, buf.bytes, 0, 8);
    await ctrlr.reset();
    assert.is(ctrlr.state, ControllerState.Ready);
    await ns.read(qp, buf.bytes, 8, 8);
    await roundTrips(ctrlr, 2);
  } finally {
    await d.detach(ctrlr);
  }
});

test("at QD 32 the commands a reap's completions resubmit leave together: fewer verbs calls than I/Os", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(NULL_NQN));
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const total = 2000;
  const blocks = 4096 / ns.sectorSize;
  const buffers = Array.from({ length: 32 }, () => ctrlr.allocBuffer(4096));
  let submitted = 0;
  let completed = 0;
  let errors = 0;
  const submit = (buffer: DmaBuffer): void => {
    const lba = ((submitted++ * 7919) % 4096) * blocks;
    assert.is(ns.cmdRead(qp, buffer.bytes, lba, blocks, done, buffer), 0);
  };
  const done = (buffer: DmaBuffer, cpl: Completion): void => {
    completed++;
    if (cpl.isError) errors++;
    if (submitted < total) submit(buffer);
  };
  try {
    const before = dataPathCalls.count;
    for (const buffer of buffers) submit(buffer);
    while (completed < total) {
      const n = qp.processCompletions(0);
      assert.ok(n >= 0, `processCompletions: ${n}`);
      if (n === 0) await qp.waitForCompletions(5);
    }
    const calls = dataPathCalls.count - before;
    assert.is(errors, 0);
    // One post per completion (and a poll per reap) would make it more than one per I/O.
    assert.ok(calls < total, `${calls} verbs calls for ${total} I/Os`);
  } finally {
    for (const buffer of buffers) ctrlr.freeBuffer(buffer);
    await d.detach(ctrlr);
  }
});

test("idle longer than the keep-alive timeout: the controller stays and I/O works", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(NULL_NQN), { keepAliveTimeoutMs: 2000 });
  try {
    await sleep(5000);
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
  const bs = ns.sectorSize;
  const qp = await ctrlr.allocIoQpair();
  const ours = ctrlr.allocBuffer(16 * bs);
  ours.bytes.set(randomBytes(16 * bs));
  const expected = Buffer.from(ours.bytes);
  await ns.write(qp, ours.bytes, 300, 16);
  await ctrlr.freeIoQpair(qp);
  await d.detach(ctrlr);

  const device = kernelConnect(FILE_NQN);
  const theirs = randomBytes(16 * bs);
  try {
    const block = `/dev/${device}n1`;
    for (let i = 0; i < 50 && !existsSync(block); i++) await sleep(100);
    const read = execFileSync("dd", [
      `if=${block}`,
      `bs=${bs}`,
      "skip=300",
      "count=16",
      "iflag=direct",
      "status=none",
    ]);
    assert.ok(read.equals(expected), "the kernel host reads what nvmekit wrote");
    writeFileSync("/tmp/theirs.bin", theirs);
    sh(
      "dd",
      "if=/tmp/theirs.bin",
      `of=${block}`,
      `bs=${bs}`,
      "seek=400",
      "count=16",
      "oflag=direct",
      "status=none",
    );
  } finally {
    sh("nvme", "disconnect", "-d", device);
  }
  const again = await d.connect(trid(FILE_NQN));
  const qp2 = await again.allocIoQpair();
  const back = again.allocBuffer(16 * bs);
  try {
    await again.getNamespace(1)!.read(qp2, back.bytes, 400, 16);
    assert.ok(Buffer.from(back.bytes).equals(theirs), "nvmekit reads what the kernel host wrote");
  } finally {
    await d.detach(again);
  }
});

test("memory domains: memory registered under its own keys by a translating domain, and a bouncing one, byte-exact", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(FILE_NQN));
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const rdma = ctrlr.memoryDomain;
  assert.is(rdma.getDmaDeviceType(), DmaDeviceType.Rdma);
  // "Device memory" of another domain: native memory outside the controller's, registered on the
  // controller's protection domain by the domain's translation, as SPDK's RDMA translations do.
  const pd = (rdma.getContext() as RdmaMemoryDomainContext).rdma.pd as bigint;
  const block = new NativeBlock(4 << 20);
  const region = registerMemory(pd, block.address, block.length);
  let translations = 0;
  const device = createMemoryDomain(DmaDeviceType.VendorSpecificStart, null, "test-device-memory");
  device.setTranslation((_src, _srcCtx, dst, _dstCtx, iov, result) => {
    if (dst !== rdma) return -22;
    translations++;
    result.iovCount = 1;
    result.iov.addr = block.base + iov.bytes!.byteOffset - block.bytes.byteOffset + (iov.offset ?? 0);
    result.iov.length = iov.length;
    result.rdma = { lkey: region.lkey, rkey: region.rkey };
    return 0;
  });
  const heap = createBounceMemoryDomain("test-heap");
  try {
    for (const blocks of [8, 256]) {
      const bytes = blocks * ns.sectorSize;
      const data = randomBytes(bytes);
      block.bytes.set(data, 4096);
      await ns.writeExt(qp, [memoryIoVec(block.bytes.subarray(4096, 4096 + bytes))], 1000, blocks, {
        memoryDomain: device,
      });
      const plain = new Uint8Array(bytes);
      await ns.readExt(qp, [memoryIoVec(plain, 0, 1000), memoryIoVec(plain, 1000)], 1000, blocks, {
        memoryDomain: heap,
      });
      assert.ok(
        Buffer.from(plain).equals(data),
        `${blocks} blocks: written from the translated domain, read by bounce`,
      );
      block.bytes.fill(0);
      const again = randomBytes(bytes);
      await ns.writeExt(qp, [memoryIoVec(again)], 1000, blocks, { memoryDomain: heap });
      await ns.readExt(qp, [memoryIoVec(block.bytes.subarray(2 << 20, (2 << 20) + bytes))], 1000, blocks, {
        memoryDomain: device,
      });
      assert.ok(
        Buffer.from(block.bytes.subarray(2 << 20, (2 << 20) + bytes)).equals(again),
        `${blocks} blocks: read into the translated domain`,
      );
    }
    assert.is(translations, 4, "every transfer from or to the device domain went by its translation");
  } finally {
    destroyMemoryDomain(device);
    destroyMemoryDomain(heap);
    await ctrlr.freeIoQpair(qp);
    await d.detach(ctrlr);
    deregisterMemory(region);
  }
});

const PORT = "/sys/kernel/config/nvmet/ports/2"; // the RDMA port (test/rig/guest/fabrics-up.sh)

test("the target's port removed and re-added: I/O fails, the controller fails, then reconnects", async () => {
  const d = driver();
  const ctrlr = await d.connect(trid(NULL_NQN), { reconnectDelayMs: 300, ctrlLossTimeoutMs: 60_000 });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(8 * 4096);
  let lost = 0;
  ctrlr.connectionLost$.subscribe(() => lost++);
  const states: ControllerState[] = [];
  ctrlr.state$.subscribe((s) => states.push(s));
  try {
    // Commands in flight when the port goes: each completes once, with an error or its data.
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      ns.read(qp, buf.bytes.subarray(i * 4096, i * 4096 + 512), i * 8, 1).then(
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
      () => ns.read(qp, buf.bytes.subarray(0, 512), 0, 1),
      (e: unknown) => e instanceof Error,
    );
    await sleep(1000); // a few reconnect attempts fail while the subsystem is off the port
    assert.is.not(ctrlr.state, ControllerState.Ready, "no controller to come back to yet");
    symlinkSync(`/sys/kernel/config/nvmet/subsystems/${NULL_NQN}`, `${PORT}/subsystems/${NULL_NQN}`);
    for (let i = 0; i < 200 && ctrlr.state !== ControllerState.Ready; i++) await sleep(50);
    assert.is(ctrlr.state, ControllerState.Ready);
    assert.ok(states.includes(ControllerState.Resetting));
    await ns.read(qp, buf.bytes, 0, 64); // the same queue pair works again
  } finally {
    if (!existsSync(`${PORT}/subsystems/${NULL_NQN}`))
      symlinkSync(`/sys/kernel/config/nvmet/subsystems/${NULL_NQN}`, `${PORT}/subsystems/${NULL_NQN}`);
    await d.detach(ctrlr);
  }
});

test("bad input: a wrong subnqn is refused by Connect, an unreachable address fails with a clear error", async () => {
  const d = driver();
  await rejects(
    () => d.connect(trid("nqn.2024-01.io.nvmekit:nonexistent")),
    (e) => e instanceof Error && /subnqn|subsystem/i.test(e.message),
  );
  await rejects(
    () => d.connect(`trtype:RDMA adrfam:IPv4 traddr:10.66.1.1 trsvcid:${TRSVCID} subnqn:${NULL_NQN}`),
    (e) => e instanceof TransportError && /RDMA/.test(e.message),
  );
});

test.run();
