// The "soft" PCI device provider: addresses in domain fffe, opening and reopening controllers, and
// storage that outlives a controller thread (shared memory held by the provider, or a file).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { NvmOpc, SoftControllerProvider, softPciAddress } from "../../src/index.js";
import { RawHost, rw } from "./raw-host.js";

test("addresses, ownership and scan", async () => {
  const p = new SoftControllerProvider([{}, { serial: "TWO" }]);
  assert.is(p.name, "soft");
  assert.ok(p.available());
  assert.equal(await p.scan(), { usable: ["fffe:00:00.0", "fffe:00:01.0"], unusable: [] });
  assert.ok(p.owns("fffe:00:05.0"));
  assert.not.ok(p.owns("0000:00:04.0"));
  assert.is(softPciAddress(10), "fffe:00:0a.0");
  try {
    await p.open("fffe:00:07.0");
    assert.unreachable("opened a controller that is not configured");
  } catch (e) {
    assert.match((e as Error).message, /no software controller at fffe:00:07\.0/);
  }
});

// Writes one block of `fill` at LBA 3 of namespace 1, or reads it back, through a fresh bring-up.
async function block(p: SoftControllerProvider, fill?: number): Promise<Uint8Array> {
  const dev = await p.open("fffe:00:00.0");
  try {
    const host = new RawHost(dev);
    const io = await host.createQueuePair(await host.enable(), 1, 4);
    const buf = dev.dma.alloc(512);
    if (fill !== undefined) buf.bytes.fill(fill);
    const c = await io.run(rw(fill === undefined ? NvmOpc.Read : NvmOpc.Write, 1, 3, 1, buf.iova));
    assert.is(c.status, 0);
    return buf.bytes.slice();
  } finally {
    await dev.close();
  }
}

test("a memory-backed controller keeps its data across close and reopen; one opener at a time", async () => {
  const p = new SoftControllerProvider();
  await block(p, 0xc3);
  const dev = await p.open("fffe:00:00.0");
  try {
    await p.open("fffe:00:00.0");
    assert.unreachable("opened twice");
  } catch (e) {
    assert.match((e as Error).message, /already open/);
  }
  await dev.close();
  assert.ok((await block(p)).every((b) => b === 0xc3));
});

test("a file-backed namespace writes through to its file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "softnvme-"));
  const file = join(dir, "ns1.img");
  try {
    const p = new SoftControllerProvider([{ namespaces: [{ nsid: 1, blockSize: 512, blocks: 64, file }] }]);
    await block(p, 0x7e);
    const image = readFileSync(file);
    assert.is(image.length, 64 * 512);
    assert.ok(image.subarray(3 * 512, 4 * 512).every((b) => b === 0x7e));
    assert.ok(image.subarray(0, 3 * 512).every((b) => b === 0));
    const again = new SoftControllerProvider([
      { namespaces: [{ nsid: 1, blockSize: 512, blocks: 64, file }] },
    ]);
    assert.ok(
      (await block(again)).every((b) => b === 0x7e),
      "a new provider reads the file",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
