// The software PCI function (SoftPciDevice) driven by hand from the host thread: raw BAR stores, queues
// laid out in its DMA memory, the worker-thread controller behind it.
import { firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { GenericSc, MediaSc, NvmOpc, nvmeStatus, Sct, SoftPciDevice } from "../../src/index.js";
import { putAddr, RawHost, rw, sleep } from "./raw-host.js";

async function withDevice(fn: (dev: SoftPciDevice, host: RawHost) => Promise<void>, options = {}) {
  const dev = await SoftPciDevice.start(options);
  try {
    await fn(dev, new RawHost(dev));
  } finally {
    await dev.close();
  }
}

const ascii = (b: Uint8Array, off: number, len: number) =>
  String.fromCharCode(...b.subarray(off, off + len)).trimEnd();

test("the PCI function: BAR0 only, NVMe class, an address in domain fffe", () =>
  withDevice(async (dev) => {
    assert.is(dev.address, "fffe:00:00.0");
    assert.is(dev.classCode, 0x010802);
    assert.is(dev.bar(0)!.size, 16384);
    assert.is(dev.bar(1), null);
    assert.is(dev.msixVectors, 8);
    assert.throws(() => dev.enableInterrupts(9), /9 vectors asked, 8 offered/);
  }));

test("CAP and VS are readable at once; CSTS.RDY follows CC.EN both ways", () =>
  withDevice(async (dev, host) => {
    const cap = host.cap();
    assert.is(Number(cap & 0xffffn), 1023, "MQES");
    assert.is(Number((cap >> 37n) & 1n), 1, "CSS: NVM");
    assert.is(host.bar[0x08 / 4], 0x0001_0400, "VS 1.4");
    assert.is(host.bar[0x1c / 4], 0, "not ready before enable");
    await host.enable(8);
    assert.is(host.bar[0x1c / 4]! & 1, 1);
    host.bar[0x14 / 4] = 0;
    await host.waitCsts(1, 0);
    assert.equal((await dev.control.status()).diagnostics, []);
  }));

test("Identify Controller through an admin queue laid out by hand", () =>
  withDevice(
    async (dev, host) => {
      const admin = await host.enable();
      const data = dev.dma.alloc(4096);
      const id = new Uint32Array(16);
      id[0] = 0x06;
      putAddr(id, 6, data.iova);
      id[10] = 1; // CNS 01h
      const c = await admin.run(id);
      assert.is(c.status, 0);
      assert.is(ascii(data.bytes, 4, 20), "SN-SOFT-1");
      assert.is(ascii(data.bytes, 24, 40), "nvmekit soft controller");
      assert.is(data.bytes[77], 3, "MDTS from the options");
    },
    { serial: "SN-SOFT-1", mdts: 3 },
  ));

test("an I/O queue pair: a 16 KiB write and read through PRP lists, with an interrupt", () =>
  withDevice(async (dev, host) => {
    const admin = await host.enable();
    const [, v1] = dev.enableInterrupts(2);
    const io = await host.createQueuePair(admin, 1, 32, 1);
    const out = dev.dma.alloc(16384);
    for (let i = 0; i < out.bytes.length; i++) out.bytes[i] = (i * 7 + 3) & 0xff;
    // PRP1 = first page, PRP2 = a list of the other three pages.
    const list = dev.dma.alloc(4096);
    const entries = new Uint32Array(list.bytes.buffer, list.bytes.byteOffset, 6);
    for (let p = 1; p < 4; p++) putAddr(entries, 2 * (p - 1), out.iova + 4096 * p);
    await v1!.wait(0); // consume anything earlier
    const w = await io.run(rw(NvmOpc.Write, 1, 100, 32, out.iova, list.iova));
    assert.is(w.status, 0);
    assert.ok(await v1!.wait(1000), "vector 1 fired for the write's completion");
    const back = dev.dma.alloc(16384);
    for (let p = 1; p < 4; p++) putAddr(entries, 2 * (p - 1), back.iova + 4096 * p);
    const r = await io.run(rw(NvmOpc.Read, 1, 100, 32, back.iova, list.iova));
    assert.is(r.status, 0);
    assert.equal(back.bytes, out.bytes);
    assert.is((await dev.control.status()).commandCount, 4, "2 creates, 1 write, 1 read");
  }));

test("an interrupt vector times out when nothing completes, without blocking the event loop", () =>
  withDevice(async (dev, host) => {
    await host.enable();
    const [v0] = dev.enableInterrupts(1);
    await v0!.wait(0);
    // A wait that blocked the thread would resolve before this macrotask could run.
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    assert.is(await v0!.wait(60), false);
    assert.ok(turned, "the event loop turned while waiting");
  }));

test("a command pointing outside DMA memory is a DMA fault, completed with Data Transfer Error", () =>
  withDevice(async (dev, host) => {
    const admin = await host.enable();
    const io = await host.createQueuePair(admin, 1, 8);
    const c = await io.run(rw(NvmOpc.Read, 1, 0, 1, 0x7_0000_0000));
    assert.is(c.status, nvmeStatus(Sct.Generic, GenericSc.DataTransferError, { dnr: true }));
    const s = await dev.control.status();
    assert.is(s.dmaFaults.length, 1);
    assert.is(s.dmaFaults[0]!.iova, 0x7_0000_0000);
    const buf = dev.dma.alloc(512);
    assert.is((await io.run(rw(NvmOpc.Read, 1, 0, 1, buf.iova))).status, 0, "the controller lives on");
  }));

test("memory from a region the pool grew after the controller started is reachable", () =>
  withDevice(
    async (dev, host) => {
      const admin = await host.enable();
      const io = await host.createQueuePair(admin, 1, 8);
      dev.dma.alloc(2 * 1024 * 1024 - 4096); // fills the first region
      const far = dev.dma.alloc(4096);
      assert.ok(dev.dma.reservedBytes > 2 * 1024 * 1024, "a second region");
      far.bytes.fill(0x5a);
      assert.is((await io.run(rw(NvmOpc.Write, 2, 7, 1, far.iova))).status, 0);
      const back = dev.dma.alloc(4096);
      assert.is((await io.run(rw(NvmOpc.Read, 2, 7, 1, back.iova))).status, 0);
      assert.ok(back.bytes.every((b) => b === 0x5a));
    },
    { dma: { regionSize: 2 * 1024 * 1024 } },
  ));

test("fault injection from the host: an error on a chosen LBA, a delayed and a held completion", () =>
  withDevice(async (dev, host) => {
    const admin = await host.enable();
    const io = await host.createQueuePair(admin, 1, 8);
    const buf = dev.dma.alloc(4096);
    const unrecovered = nvmeStatus(Sct.Media, MediaSc.UnrecoveredReadError);
    await dev.control.failLba(1, 9, unrecovered, 1);
    assert.is((await io.run(rw(NvmOpc.Read, 1, 8, 2, buf.iova))).status, unrecovered);
    assert.is((await io.run(rw(NvmOpc.Read, 1, 8, 2, buf.iova))).status, 0, "once only");
    await dev.control.delayCompletions({ qid: 1, opcode: NvmOpc.Flush }, 30);
    const flush = new Uint32Array(16);
    flush[1] = 1;
    assert.is((await io.run(flush)).status, 0, "a delayed completion still arrives");
    await dev.control.holdCompletions(1);
    io.submit(rw(NvmOpc.Read, 1, 0, 1, buf.iova));
    await sleep(20);
    assert.is(io.poll(), undefined, "held");
    assert.is(await dev.control.releaseCompletions(1), 1);
    assert.is((await io.completion()).status, 0);
  }));

test("controller fatal status shows in CSTS.CFS until a reset", () =>
  withDevice(async (dev, host) => {
    await host.enable();
    await dev.control.fatal("test");
    assert.is((await host.waitCsts(2, 2)) & 2, 2);
    host.bar[0x14 / 4] = 0;
    await host.waitCsts(3, 0);
  }));

test("a function-level reset brings the registers back to power-on", () =>
  withDevice(async (dev, host) => {
    await host.enable();
    assert.ok(await dev.reset());
    assert.is(host.bar[0x14 / 4], 0, "CC");
    assert.is(host.bar[0x24 / 4], 0, "AQA");
    await host.waitCsts(1, 0);
    await host.enable();
  }));

test("surprise removal: removed$ emits and every register reads all ones", () =>
  withDevice(async (dev, host) => {
    await host.enable();
    const removed = firstValueFrom(dev.removed$, { defaultValue: "completed" });
    await dev.control.surpriseRemove();
    assert.is(await removed, undefined, "emitted");
    assert.is(host.bar[0x1c / 4], 0xffff_ffff, "CSTS");
    assert.is(host.cap(), 0xffff_ffff_ffff_ffffn, "CAP");
    host.bar[0x14 / 4] = 0; // the host writes into the void...
    await sleep(10);
    assert.is(host.bar[0x14 / 4], 0xffff_ffff, "...and still reads ones");
  }));

test("an idle controller thread does not spin", () =>
  withDevice(async (dev, host) => {
    await host.enable();
    await sleep(100); // past the spin after the last work
    const before = process.cpuUsage();
    const polls = (await dev.control.status()).loop.polls;
    await sleep(1000);
    const used = process.cpuUsage(before);
    const after = (await dev.control.status()).loop;
    // A spinning thread would use a whole core (~1,000,000 µs here) and poll millions of times.
    assert.ok(used.user + used.system < 250_000, `process CPU ${(used.user + used.system) / 1000} ms in 1 s`);
    assert.ok(after.polls - polls < 20_000, `${after.polls - polls} polls in 1 s`);
  }));

test.run();
