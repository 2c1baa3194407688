// A zoned namespace in a file keeps its zone state in `<file>.zones` across a close and reopen, comes
// back with opened zones Closed, and after a kill (no close) trusts the data over a stale sidecar.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SoftNamespace, type SoftNamespaceOptions, ZoneAction, ZoneState } from "../../src/index.js";

const BS = 512;

/** Each test's folder, removed once all have run. */
const folders: string[] = [];
test.after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function options(): SoftNamespaceOptions {
  const dir = mkdtempSync(join(tmpdir(), "softnvme-zones-"));
  folders.push(dir);
  const file = join(dir, "ns.img");
  return { nsid: 1, blockSize: BS, blocks: 400, file, zoned: { zoneSize: 100, zoneCapacity: 80 } };
}

// A Zone Append of one block holding `text` as the command handler runs it; returns the LBA written.
function append(ns: SoftNamespace, zslba: number, text: string): number {
  const at = ns.zones!.prepareWrite(zslba, 1, true);
  const block = new Uint8Array(BS);
  block.set(Buffer.from(text));
  ns.writeBlocks(at, block);
  ns.zones!.advance(at, 1);
  return at;
}

const zoneStates = (ns: SoftNamespace) => ns.zones!.zones.map((z) => [z.state, z.wp]);
const noZero = () => {};

test("append, close, reopen: the next append lands after the first; opened zones come back Closed", () => {
  const o = options();
  const ns = new SoftNamespace(o);
  assert.is(append(ns, 0, "one"), 0);
  ns.zones!.act(ZoneAction.Open, 200, false, noZero);
  ns.zones!.act(ZoneAction.Finish, 300, false, noZero);
  ns.close();
  assert.ok(existsSync(`${o.file}.zones`));

  const again = new SoftNamespace(o);
  assert.equal(zoneStates(again), [
    [ZoneState.Closed, 1],
    [ZoneState.Empty, 100],
    [ZoneState.Closed, 200],
    [ZoneState.Full, 380],
  ]);
  assert.is(append(again, 0, "two"), 1, "after the first append, which is still there");
  const first = new Uint8Array(BS);
  again.readBlocks(0, first);
  assert.is(Buffer.from(first.subarray(0, 3)).toString(), "one");
  again.close();
});

test("controller shutdown closes opened zones and saves them; in memory nothing is saved", () => {
  const o = options();
  const ns = new SoftNamespace(o);
  append(ns, 100, "x");
  ns.shutdown();
  assert.equal(zoneStates(ns)[1], [ZoneState.Closed, 101]);
  const saved = JSON.parse(readFileSync(`${o.file}.zones`, "utf8"));
  assert.equal([saved.clean, saved.zones[1]], [true, [ZoneState.Closed, 101]]);
  ns.close();
  const inMemory = new SoftNamespace({ ...o, file: undefined });
  assert.equal(zoneStates(inMemory)[1], [ZoneState.Empty, 100], "a fresh namespace in memory");
});

test("killed without a close: the stale sidecar is marked so, and the data sets the pointers", () => {
  const o = options();
  const ns = new SoftNamespace(o);
  append(ns, 0, "saved");
  ns.saveZones();
  append(ns, 0, "after the save");
  for (let i = 0; i < 80; i++) append(ns, 100, `block ${i}`);
  assert.is(JSON.parse(readFileSync(`${o.file}.zones`, "utf8")).clean, false, "marked stale at the change");
  ns.storage.close(); // a kill: no shutdown, no save

  const again = new SoftNamespace(o);
  assert.equal(zoneStates(again).slice(0, 3), [
    [ZoneState.Closed, 2],
    [ZoneState.Full, 180],
    [ZoneState.Empty, 200],
  ]);
  assert.is(append(again, 0, "next"), 2, "nothing written is overwritten");
  again.close();
});

test("a sidecar that does not fit (garbage, another geometry) is ignored for what the data says", () => {
  const o = options();
  const ns = new SoftNamespace(o);
  append(ns, 300, "data");
  ns.close();
  writeFileSync(`${o.file}.zones`, "{not json");
  const recovered = new SoftNamespace(o);
  assert.equal(zoneStates(recovered)[3], [ZoneState.Closed, 301]);
  recovered.close();
  const other = new SoftNamespace({ ...o, zoned: { zoneSize: 100, zoneCapacity: 90 } });
  assert.equal(zoneStates(other)[3], [ZoneState.Closed, 301], "recovered, in its own geometry");
  assert.equal(zoneStates(other)[0], [ZoneState.Empty, 0]);
  other.close();
});

test.run();
