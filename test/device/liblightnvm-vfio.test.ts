// rig-config: zoned
// liblightnvm's API (@nvmekit/liblightnvm-compat) on QEMU's zoned namespace through real VFIO, checked
// with what nvme-cli on the kernel's driver reports for the same device: the geometry against
// `nvme zns id-ns`, the chunk report against `nvme zns report-zones`; then writes at the write pointer
// and elsewhere, append, async depth, the active-zone limit, erase; and the kernel reads back on the
// zoned block device what the compat layer wrote. It shares its guest with core's zoned suite, so it
// works in zones that suite does not use and leaves them empty.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import * as n from "@nvmekit/liblightnvm-compat";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bind, dmarFaults } from "./rig-guest.js";
import { fill } from "./seeded-bytes.js";

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: "utf8" });

/** The kernel's block device of namespace 1 (binding the function to the nvme driver first). */
function kernelNs1(): string {
  const bdf = bind("nvme");
  return `/dev/${sh("ls", [`/sys/bus/pci/devices/${bdf}/nvme`]).trim()}n1`;
}

/** nvme-cli's zone report. */
const cliReport = (ns1: string): { nr_zones: number; zone_list: Record<string, number | string>[] } =>
  JSON.parse(sh("nvme", ["zns", "report-zones", ns1, "-o", "json"]));

/** Open-Channel chunk states of nvme-cli's zone state names, as the compat layer maps them. */
const chunkState: Record<string, number> = {
  EMPTY: n.NVM_CHUNK_STATE_FREE,
  IMP_OPENED: n.NVM_CHUNK_STATE_OPEN,
  EXP_OPENED: n.NVM_CHUNK_STATE_OPEN,
  CLOSED: n.NVM_CHUNK_STATE_OPEN,
  FULL: n.NVM_CHUNK_STATE_CLOSED,
  READONLY: n.NVM_CHUNK_STATE_CLOSED,
  OFFLINE: n.NVM_CHUNK_STATE_OFFLINE,
};

/** The chunks this suite uses (core's zoned suite uses 0-13). */
const FIRST = 40;
const USED = 8;
/** What the kernel must read back: LBA → bytes. */
const expected: { lba: number; bytes: Uint8Array }[] = [];
let driver: NvmeDriver | null = null;

test("geometry and chunk report agree with nvme-cli; writes, append, async, limits and erase on the device", async () => {
  const ns1 = kernelNs1();
  const kzns = JSON.parse(sh("nvme", ["zns", "id-ns", ns1, "-o", "json"]));
  const knvm = JSON.parse(sh("nvme", ["id-ns", ns1, "-o", "json"]));
  const kreport = cliReport(ns1);
  const bdf = bind("vfio");
  const container = new Container();
  container.load(coreModule, pcieTransportModule, vfioModule);
  driver = container.get(NvmeDriver);
  const faultsBefore = dmarFaults().length;

  const dev = await n.nvm_dev_open(`trtype:PCIe traddr:${bdf} ns:1`, { driver });
  assert.ok(dev !== null, String(n.nvm_last_error()));
  assert.is(n.nvm_dev_get_be_id(dev), n.NVM_BE_ZNS);
  const lbaf = knvm.lbafs[knvm.flbas & 0xf];
  const zsze = kzns.lbafe[knvm.flbas & 0xf].zsze;
  const cap = Number(kreport.zone_list[0]!.cap);
  const geo = n.nvm_dev_get_geo(dev)!;
  assert.equal(
    [geo.npugrp, geo.npunit, geo.nchunk, geo.nsectr, geo.nbytes, geo.nbytes_oob, geo.verid],
    [1, 1, knvm.nsze / zsze, cap, 2 ** lbaf.ds, lbaf.ms, 2],
  );
  assert.is(geo.nchunk, kreport.nr_zones);
  assert.is(geo.tbytes, geo.nchunk * cap * geo.nbytes);
  assert.is(dev.chunkStride, zsze);
  assert.is(n.nvm_dev_get_nsid(dev), 1);

  // The chunk report is the zone report nvme-cli printed, in Open-Channel's terms.
  const rprt = (await n.nvm_cmd_rprt(dev, null, 0))!;
  assert.ok(rprt !== null, String(n.nvm_last_error()));
  assert.is(rprt.nchunks, kreport.nr_zones);
  for (const [i, d] of rprt.descr.entries()) {
    const k = kreport.zone_list[i]!;
    const full = k.state === "FULL";
    assert.equal(
      [d.cs, d.slba, d.cnlb, d.wp],
      [chunkState[k.state as string], k.slba, k.cap, full ? Number(k.slba) + Number(k.cap) : k.wp],
      `chunk ${i}`,
    );
  }

  const A = (chunk: number, sectr = 0) => n.nvm_addr({ chunk, sectr });
  const lbaOf = (chunk: number, sectr = 0) => chunk * zsze + sectr;
  const bs = geo.nbytes;
  const mine = Array.from({ length: USED }, (_, i) => A(FIRST + i));
  assert.is(await n.nvm_cmd_erase(dev, mine, USED, null, n.NVM_CMD_SYNC), 0, String(n.nvm_last_error()));

  // Sync scalar write at the write pointer; one elsewhere fails with Zone Invalid Write in nvm_ret.
  const ret = new n.nvm_ret();
  const w = fill(n.nvm_buf_alloc(dev, 8 * bs)!, 1);
  assert.is(await n.nvm_cmd_write(dev, [A(FIRST)], 8, w, null, n.NVM_CMD_SCALAR, ret), 0);
  expected.push({ lba: lbaOf(FIRST), bytes: w.slice() });
  assert.is(await n.nvm_cmd_write(dev, [A(FIRST, 16)], 1, w, null, n.NVM_CMD_SCALAR, ret), -1);
  assert.is(ret.status & 0x7ff, 0x1bc, `status 0x${ret.status.toString(16)}`);
  assert.is(n.nvm_last_error()?.code, "EIO");
  const back = n.nvm_buf_alloc(dev, 8 * bs)!;
  assert.is(await n.nvm_cmd_read(dev, [A(FIRST)], 8, back, null, n.NVM_CMD_SCALAR), 0);
  assert.ok(Buffer.compare(back, w) === 0, "read back");

  // Async vector writes at depth 4 to the next chunk: EAGAIN at depth, poke and wait drain them.
  const ctx = (await n.nvm_async_init(dev, 4, 0))!;
  assert.ok(ctx !== null, String(n.nvm_last_error()));
  const v = fill(n.nvm_buf_alloc(dev, 32 * bs)!, 2);
  const done: number[] = [];
  let submitted = 0;
  let sawEagain = false;
  while (submitted < 8) {
    const r = new n.nvm_ret();
    r.async = { ctx, cb: (x, i) => done.push(x.status === 0 ? (i as number) : -1), cb_arg: submitted };
    const addrs = Array.from({ length: 4 }, (_, s) => A(FIRST + 1, submitted * 4 + s));
    const rc = n.nvm_cmd_write(dev, addrs, 4, v.subarray(submitted * 4 * bs), null, n.NVM_CMD_ASYNC, r);
    if (rc === 0) {
      submitted++;
      continue;
    }
    assert.is(n.nvm_errno(), n.EAGAIN, String(n.nvm_last_error()));
    assert.is(n.nvm_async_get_outstanding(ctx), 4);
    sawEagain = true;
    n.nvm_async_poke(dev, ctx, 0);
  }
  assert.ok(sawEagain, "eight submissions at depth 4 met EAGAIN");
  await n.nvm_async_wait(dev, ctx);
  // Each once, successfully; in any order: NVMe does not order completions, and with the doorbell rung
  // once for a batch QEMU works on the batch's writes at once.
  assert.equal(
    [...done].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  expected.push({ lba: lbaOf(FIRST + 1), bytes: v.slice() });
  assert.is(await n.nvm_async_term(dev, ctx), 0);

  // Append: QEMU picks the LBA at the write pointer and nvm_ret carries it.
  const a = fill(n.nvm_buf_alloc(dev, 4 * bs)!, 3);
  assert.is(await n.nvm_cmd_append(dev, [A(FIRST + 2)], 4, a, 0, ret), 0, String(n.nvm_last_error()));
  assert.is(ret.result, lbaOf(FIRST + 2));
  assert.is(await n.nvm_cmd_append(dev, [A(FIRST + 2)], 4, a, 0, ret), 0);
  assert.is(ret.result, lbaOf(FIRST + 2, 4));
  expected.push({ lba: lbaOf(FIRST + 2), bytes: Buffer.concat([a, a]) });

  const after = (await n.nvm_cmd_rprt(dev, null))!;
  assert.equal(
    [0, 1, 2].map((i) => after.descr[FIRST + i]!.wp),
    [lbaOf(FIRST, 8), lbaOf(FIRST + 1, 32), lbaOf(FIRST + 2, 8)],
  );

  // The active-zone limit: partly written chunks count whether open or closed; one more is refused.
  const active = after.descr.filter((d) => d.cs === n.NVM_CHUNK_STATE_OPEN).length;
  const limit = dev.ns.maxActiveZones;
  assert.ok(limit > 0 && FIRST + 3 + (limit - active) < FIRST + USED, `active ${active}, limit ${limit}`);
  let c = FIRST + 3;
  for (; c < FIRST + 3 + (limit - active); c++)
    assert.is(await n.nvm_cmd_write(dev, [A(c)], 1, w, null, 0, ret), 0, `chunk ${c}`);
  assert.is(await n.nvm_cmd_write(dev, [A(c)], 1, w, null, 0, ret), -1);
  assert.is(ret.status & 0x7ff, 0x1bd, "Too Many Active Zones");
  assert.is(await n.nvm_cmd_erase(dev, mine.slice(3), USED - 3, null, 0), 0);

  await n.nvm_dev_close(dev);
  assert.is(driver.controllers.length, 0, "the last close detached the controller");
  assert.is(dmarFaults().length, faultsBefore, "no IOMMU faults");
});

test("the kernel reads back what the compat layer wrote, and reports the same write pointers; then the chunks are reset", () => {
  assert.ok(expected.length > 0, "the first test wrote data");
  const ns1 = kernelNs1();
  const bs = 4096;
  for (const { lba, bytes } of expected) {
    const got = execFileSync("dd", [
      `if=${ns1}`,
      `bs=${bs}`,
      `skip=${lba}`,
      `count=${bytes.length / bs}`,
      "iflag=direct",
      "status=none",
    ]);
    assert.ok(Buffer.compare(got, bytes) === 0, `dd iflag=direct at LBA ${lba}`);
  }
  const report = cliReport(ns1).zone_list;
  for (const { lba, bytes } of expected) {
    const zone = report.find((z) => Number(z.slba) === lba)!;
    assert.is(Number(zone.wp), lba + bytes.length / bs, `zone at ${lba}`);
    sh("nvme", ["zns", "reset-zone", ns1, "-s", String(lba)]);
  }
  const left = cliReport(ns1).zone_list.slice(FIRST, FIRST + USED);
  assert.ok(
    left.every((z) => z.state === "EMPTY"),
    "this suite's zones are empty again",
  );
});

test.after(async () => {
  await driver?.detachAll().catch(() => undefined);
});
test.run();
