// A zoned namespace's geometry from its Identify data, and splitting that never lets a command cross a
// zone boundary (worked by hand: zone size 100 blocks, MDTS 64 blocks).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Namespace, type NamespaceOwner } from "../../../src/ns/namespace.js";
import { nextChildBlocks } from "../../../src/ns/split.js";
import { decodeIdentifyNamespace } from "../../../src/nvme-spec/identify-namespace.js";
import { decodeZnsIdentifyNamespace } from "../../../src/nvme-spec/zns.js";

function namespace(zsze: number, noiob: number, mor: number, mar: number): Namespace {
  const id = new Uint8Array(4096);
  const v = new DataView(id.buffer);
  v.setBigUint64(0, 1050n, true); // NSZE: 10.5 zones of 100
  v.setUint16(46, noiob, true);
  id[25] = 0; // one LBA format
  v.setUint32(128, 9 << 16, true); // 512-byte blocks
  const zns = new Uint8Array(4096);
  const z = new DataView(zns.buffer);
  z.setUint32(4, mar, true);
  z.setUint32(8, mor, true);
  z.setBigUint64(2816, BigInt(zsze), true);
  const owner = { maxTransferSize: 64 * 512, zoneAppendSizeLimit: 16 * 512 } as unknown as NamespaceOwner;
  return new Namespace(owner, 1, decodeIdentifyNamespace(id), decodeZnsIdentifyNamespace(zns, 1));
}

/** The children's [lba, blocks] pieces, by repeated nextChildBlocks, as io.ts cuts them. */
function pieces(ns: Namespace, lba: number, blocks: number): [number, number][] {
  const out: [number, number][] = [];
  while (blocks > 0) {
    const n = nextChildBlocks(lba, blocks, ns.maxBlocksPerIo, ns.splitBoundary);
    out.push([lba, n]);
    lba += n;
    blocks -= n;
  }
  return out;
}

test("geometry: zone size, whole zones, limits (0-based MOR/MAR; all ones = none), append limit", () => {
  const ns = namespace(100, 0, 3, 0xffff_ffff);
  assert.ok(ns.isZoned);
  assert.equal([ns.zoneSize, ns.zoneCount, ns.maxOpenZones, ns.maxActiveZones], [100, 10, 4, 0]);
  assert.is(ns.zoneAppendMaxBlocks, 16);
  assert.is(ns.zoneCapacity, 0, "unknown until a report was read");
  assert.is(ns.splitBoundary, 100);
});

test("a write straddling zones is cut at the boundary (and by MDTS within a zone)", () => {
  const ns = namespace(100, 0, 0xffff_ffff, 0xffff_ffff);
  assert.equal(pieces(ns, 90, 20), [
    [90, 10],
    [100, 10],
  ]);
  assert.equal(pieces(ns, 50, 200), [
    [50, 50],
    [100, 64],
    [164, 36],
    [200, 50],
  ]);
  for (const [lba, n] of pieces(ns, 7, 700)) {
    assert.is(Math.floor(lba / 100), Math.floor((lba + n - 1) / 100), `piece ${lba}+${n} stays in one zone`);
  }
});

test("NOIOB is kept when it divides the zone size, else the zone size rules", () => {
  assert.is(namespace(100, 25, 0, 0).splitBoundary, 25);
  assert.is(namespace(100, 30, 0, 0).splitBoundary, 100);
  const plain = namespace(0, 30, 0, 0); // ZSZE 0: not zoned
  assert.ok(!plain.isZoned);
  assert.is(plain.splitBoundary, 30);
});

test.run();
