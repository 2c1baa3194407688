// rig-config: default
// The NVMeDirect API (@nvmekit/nvmed-compat) on QEMU's NVMe controller through real VFIO: open by
// transport ID with the application's driver, queues, direct / buffered / multi-queue handles,
// nvmed_get_buffer memory, unaligned buffered I/O, flush, discard, AIO (polled, and on MSI-X
// interrupts), the seed's error codes; then
// the kernel's nvme driver reads back (dd iflag=direct) what nvmed wrote.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import * as n from "@nvmekit/nvmed-compat";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bind, dmarFaults } from "./rig-guest.js";
import { fill } from "./seeded-bytes.js";

/** Interrupts the guest took on vfio-pci's MSI-X vectors of I/O queues (1 and up; 0 is the admin queue's), all CPUs. */
const vfioInterrupts = (): number =>
  readFileSync("/proc/interrupts", "utf8")
    .split("\n")
    .filter((l) => /vfio-msix\[[1-9][0-9]*\]/.test(l))
    .reduce((sum, l) => {
      let n = 0;
      for (const field of l.trim().split(/\s+/).slice(1)) {
        if (!/^[0-9]+$/.test(field)) break;
        n += Number(field);
      }
      return sum + n;
    }, 0);

const same = (a: Uint8Array, b: Uint8Array, what: string): void =>
  assert.ok(Buffer.compare(a, b) === 0, `${what}: bytes differ`);

let driver: NvmeDriver | null = null;
let bdf = "";
/** What the kernel must read back at the end: byte offset → expected bytes (namespace 1). */
const expected: { at: number; bytes: Uint8Array }[] = [];

test("nvmed on QEMU's controller through VFIO: queues, handles, buffers, I/O, flush, discard, AIO, errors", async () => {
  bdf = bind("vfio");
  const container = new Container();
  container.load(coreModule, pcieTransportModule, vfioModule);
  driver = container.get(NvmeDriver);
  const faultsBefore = dmarFaults().length;

  // Open: a missing namespace is null with NVMED_NOENTRY; ns:1 opens.
  assert.is(await n.nvmed_open(`trtype:PCIe traddr:${bdf} ns:9`, 0, { driver }), null);
  assert.is(n.nvmed_last_error()?.code, -n.NVMED_NOENTRY);
  assert.is(await n.nvmed_open(`trtype:PCIe traddr:${bdf} ns:1`, 0x80, { driver }), null);
  assert.is(n.nvmed_last_error()?.code, -n.NVMED_INVALID);
  const nvmed = await n.nvmed_open(`trtype:PCIe traddr:${bdf} ns:1`, 0, { driver });
  assert.ok(nvmed !== null, String(n.nvmed_last_error()));
  const ss = nvmed.sectorSize;
  assert.is(ss, 512);
  assert.is(nvmed.capacity, 128 * 1024 * 1024);

  // Queues: two real I/O queue pairs (an unknown flag is refused: null, NVMED_INVALID).
  assert.is(await n.nvmed_queue_create(nvmed, 0x40), null);
  assert.is(nvmed.lastError?.code, -n.NVMED_INVALID);
  const q = await n.nvmed_queue_create(nvmed, 0);
  const q2 = await n.nvmed_queue_create(nvmed, 0);
  assert.ok(q !== null && q2 !== null, String(nvmed.lastError));
  assert.is.not(q.qid, q2.qid);

  const direct = n.nvmed_handle_create(q, n.HANDLE_DIRECT_IO | n.HANDLE_HINT_DMEM)!;
  const buffered = n.nvmed_handle_create(q, 0)!;
  assert.ok(direct !== null && buffered !== null);
  assert.is(n.nvmed_handle_feature_get(direct, n.HANDLE_DIRECT_IO), 1);
  assert.is(n.nvmed_handle_feature_get(buffered, n.HANDLE_DIRECT_IO), 0);

  // HINT_DMEM buffers, direct I/O through lseek + read/write (offset advances).
  const out = n.nvmed_get_buffer(nvmed, 4)!;
  const back = n.nvmed_get_buffer(nvmed, 4)!;
  assert.is(out.byteLength, 16384);
  fill(out, 1);
  assert.is(n.nvmed_lseek(direct, 1 << 20, n.SEEK_SET), 1 << 20);
  assert.is(await n.nvmed_write(direct, out, 16384), 16384);
  assert.is(n.nvmed_lseek(direct, 0, n.SEEK_CUR), (1 << 20) + 16384);
  assert.is(n.nvmed_lseek(direct, -16384, n.SEEK_CUR), 1 << 20);
  assert.is(await n.nvmed_read(direct, back, 16384), 16384);
  same(out, back, "direct write/read");
  expected.push({ at: 1 << 20, bytes: out.slice() });

  // lseek: SEEK_END is capacity minus offset; out of range is -1.
  assert.is(n.nvmed_lseek(buffered, 0, n.SEEK_END), nvmed.capacity);
  assert.is(n.nvmed_lseek(buffered, 4096, n.SEEK_END), nvmed.capacity - 4096);
  assert.is(n.nvmed_lseek(buffered, -1, n.SEEK_SET), -1);
  assert.is(n.nvmed_lseek(buffered, nvmed.capacity, n.SEEK_SET), -1);
  assert.is(n.nvmed_lseek(buffered, 0, 7), -1);

  // Buffered handle: unaligned offsets and lengths, plain (non-DMA) memory, write-back cache.
  const at = (2 << 20) + 1234;
  const data = fill(new Uint8Array(10007), 2);
  assert.is(n.nvmed_lseek(buffered, at, n.SEEK_SET), at);
  assert.is(await n.nvmed_write(buffered, data, data.length), data.length);
  const got = new Uint8Array(10007);
  assert.is(n.nvmed_lseek(buffered, at, n.SEEK_SET), at);
  assert.is(await n.nvmed_read(buffered, got, got.length), got.length);
  same(data, got, "buffered read of a buffered write");
  // A direct read sees the dirty cached bytes before any flush (coherence).
  const dirAt = 2 << 20;
  const dirLen = 12288;
  const dview = back.subarray(0, dirLen);
  assert.is(await n.nvmed_pread(direct, dview, dirLen, dirAt), dirLen);
  same(dview.subarray(1234, 1234 + data.length), data, "direct read over dirty cache pages");
  // A short buffered read at an odd offset inside it.
  const small = new Uint8Array(333);
  assert.is(await n.nvmed_pread(buffered, small, 333, at + 4001), 333);
  same(small, data.subarray(4001, 4334), "buffered pread at an odd offset");
  assert.is(await n.nvmed_flush(buffered), 0);
  // After the flush the device has it: a direct read (clean cache, nothing overlaid) agrees.
  back.fill(0);
  assert.is(await n.nvmed_pread(direct, dview, dirLen, dirAt), dirLen);
  same(dview.subarray(1234, 1234 + data.length), data, "direct read after nvmed_flush");
  expected.push({ at, bytes: data });

  // Discard: sector-aligned range deallocated; misaligned or past the end is -1.
  fill(out, 3);
  assert.is(await n.nvmed_pwrite(direct, out, 8192, 4 << 20), 8192);
  assert.is(await n.nvmed_discard(direct, 4 << 20, 8192), 0);
  assert.is(await n.nvmed_discard(direct, (4 << 20) + 100, 512), -1);
  assert.is(await n.nvmed_discard(direct, nvmed.capacity - 512, 1024), -1);
  assert.is(await n.nvmed_discard(direct, 0, 0), 0);
  const ns = nvmed.ns;
  if ((ns.data.dlfeat & 7) === 1) {
    back.fill(0xee);
    assert.is(await n.nvmed_pread(direct, back, 8192, 4 << 20), 8192);
    assert.ok(
      back.subarray(0, 8192).every((b) => b === 0),
      "deallocated blocks read zeroes (DLFEAT says so)",
    );
  }

  // AIO: 8 writes then 8 reads of 4 KiB, callbacks inline in nvmed_aio_handle_complete.
  const N = 8;
  const wbuf = n.nvmed_get_buffer(nvmed, N)!;
  const rbuf = n.nvmed_get_buffer(nvmed, N)!;
  fill(wbuf, 4);
  const aioBase = 6 << 20;
  const called: number[] = [];
  const cb = (c: n.NVMED_AIO_CTX, user: unknown): void => {
    assert.is(c.status, n.AIO_COMPLETE);
    called.push(user as number);
  };
  const ctxs = Array.from({ length: N }, (_, i) =>
    n.nvmed_aio_ctx({
      handle: direct,
      start_lba: aioBase + i * 4096,
      len: 4096,
      buf: wbuf.subarray(i * 4096, (i + 1) * 4096),
      aio_callback: cb,
      cb_userdata: i,
    }),
  );
  const reap = (want: number): void => {
    let done = 0;
    for (let spins = 0; done < want; spins++) {
      const r = n.nvmed_aio_handle_complete(direct);
      assert.ok(r >= 0, String(direct.lastError));
      done += r;
      assert.ok(spins < 5_000_000, `AIO: ${done} of ${want} completed`);
    }
    assert.is(done, want);
  };
  for (const c of ctxs) assert.is(n.nvmed_aio_write(c), 0, String(c.error));
  for (const c of ctxs) assert.is(c.status, n.AIO_PROCESS);
  assert.is(n.nvmed_aio_queue_submit(direct), N);
  assert.is(direct.aioInFlight, N);
  assert.is(n.nvmed_handle_destroy(direct), -1); // in flight
  reap(N);
  assert.equal(
    called.sort((a, b) => a - b),
    [...Array(N).keys()],
  );
  for (const c of ctxs) {
    assert.is(c.status, n.AIO_COMPLETE);
    assert.is(c.result, 0);
    assert.is(c.num_complete_io, 1);
  }
  called.length = 0;
  for (const [i, c] of ctxs.entries()) {
    c.buf = rbuf.subarray(i * 4096, (i + 1) * 4096);
    assert.is(n.nvmed_aio_read(c), 0, String(c.error));
  }
  assert.is(n.nvmed_aio_queue_submit(direct), N);
  reap(N);
  assert.is(called.length, N);
  same(wbuf, rbuf, "AIO write then AIO read");
  expected.push({ at: aioBase, bytes: wbuf.slice() });
  // AIO bad input: misaligned, past the end, foreign buffer on HINT_DMEM: -1, nothing submitted.
  const bad = n.nvmed_aio_ctx({ handle: direct, start_lba: 100, len: 4096, buf: rbuf });
  assert.is(n.nvmed_aio_read(bad), -1);
  assert.ok(bad.error !== null);
  bad.start_lba = nvmed.capacity - 512;
  assert.is(n.nvmed_aio_read(bad), -1);
  bad.start_lba = 0;
  bad.buf = new Uint8Array(4096);
  assert.is(n.nvmed_aio_read(bad), -1);
  assert.is(direct.aioInFlight, 0);

  // Multi-queue handle: reads on q2, writes on q, chosen per I/O; a null choice makes the I/O return 0.
  const chosen: [number, number][] = [];
  let refuse = false;
  const mq = n.nvmed_handle_create_mq([q, q2], 2, n.HANDLE_DIRECT_IO, (_h, opcode) => {
    const pick = refuse ? null : opcode === n.NVME_CMD_READ ? q2 : q;
    chosen.push([opcode, pick?.qid ?? -1]);
    return pick;
  })!;
  assert.ok(mq !== null, String(n.nvmed_last_error()));
  fill(out, 5);
  assert.is(await n.nvmed_pwrite(mq, out, 4096, 8 << 20), 4096);
  back.fill(0);
  assert.is(await n.nvmed_pread(mq, back, 4096, 8 << 20), 4096);
  same(out.subarray(0, 4096), back.subarray(0, 4096), "multi-queue write/read");
  assert.equal(chosen, [
    [n.NVME_CMD_WRITE, q.qid],
    [n.NVME_CMD_READ, q2.qid],
  ]);
  expected.push({ at: 8 << 20, bytes: out.slice(0, 4096) });
  refuse = true;
  assert.is(await n.nvmed_pread(mq, back, 4096, 8 << 20), 0);
  refuse = false;
  assert.is(n.nvmed_handle_destroy_mq(direct), -1); // not a multi-queue handle
  assert.is(
    n.nvmed_handle_create_mq([q, q2], 3, 0, () => q),
    null,
  );

  // Bad input: the seed's codes, nothing submitted.
  assert.is(await n.nvmed_pread(direct, out, 4096, 100), -1); // misaligned offset
  assert.is(await n.nvmed_pread(direct, out, 1000, 0), -1); // misaligned count
  assert.is(await n.nvmed_pread(direct, out, 4096, nvmed.capacity - 512), -1); // past the end
  assert.is(await n.nvmed_pread(direct, new Uint8Array(4096), 4096, 0), -1); // foreign buffer, HINT_DMEM
  assert.is(await n.nvmed_pread(buffered, got, 16, nvmed.capacity - 8), -1); // past the end, buffered
  assert.is(n.nvmed_handle_feature_set(direct, n.HANDLE_INTERRUPT, 1), -n.NVMED_INVALID);
  assert.is(n.nvmed_feature_get(nvmed, 99), -n.NVMED_INVALID);
  assert.is(n.nvmed_feature_set(nvmed, n.NVMED_CACHE_SIZE, 0), -n.NVMED_FAULT);
  assert.is(n.nvmed_put_buffer(new Uint8Array(4096)), -n.NVMED_NOENTRY);
  assert.is(await n.nvmed_queue_destroy(q), -n.NVMED_FAULT); // handles remain
  assert.is(await n.nvmed_close(nvmed), -n.NVMED_FAULT); // queues remain

  // QUEUE_INTERRUPT | QUEUE_DELAYED_DOORBELL: a queue pair with an MSI-X vector through VFIO, rung at
  // nvmed_aio_queue_submit; a HANDLE_INTERRUPT handle's AIO completes on the interrupt, with no
  // nvmed_aio_handle_complete (which then counts it), and the guest saw the vector fire.
  const iq = await n.nvmed_queue_create(nvmed, n.QUEUE_INTERRUPT | n.QUEUE_DELAYED_DOORBELL);
  assert.ok(iq !== null, String(nvmed.lastError));
  const ih = n.nvmed_handle_create(iq, n.HANDLE_DIRECT_IO | n.HANDLE_HINT_DMEM | n.HANDLE_INTERRUPT)!;
  assert.is(n.nvmed_handle_feature_get(ih, n.HANDLE_INTERRUPT), 1);
  const ibuf = fill(n.nvmed_get_buffer(nvmed, 4)!, 7);
  const irqBefore = vfioInterrupts();
  const completed = Array.from({ length: 4 }, (_, i) => {
    const c = n.nvmed_aio_ctx({ handle: ih, start_lba: (12 << 20) + i * 4096, len: 4096 });
    c.buf = ibuf.subarray(i * 4096, (i + 1) * 4096);
    const done = new Promise<n.NVMED_AIO_CTX>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no completion on the interrupt in 10 s")), 10_000);
      c.aio_callback = (x) => {
        clearTimeout(timer);
        resolve(x);
      };
    });
    assert.is(n.nvmed_aio_write(c), 0, String(c.error));
    return done;
  });
  assert.is(n.nvmed_aio_queue_submit(ih), 4);
  for (const c of await Promise.all(completed)) assert.is(c.result, 0, String(c.error));
  assert.ok(vfioInterrupts() > irqBefore, "an I/O queue's MSI-X vector fired");
  assert.is(n.nvmed_aio_handle_complete(ih), 4);
  expected.push({ at: 12 << 20, bytes: ibuf.slice() });
  assert.is(n.nvmed_handle_destroy(ih), 0);
  assert.is(await n.nvmed_queue_destroy(iq), 0);

  // Last writes through nvmed: one buffered write left dirty (nvmed_flush writes it), one direct.
  const last = fill(new Uint8Array(5000), 6);
  assert.is(await n.nvmed_pwrite(buffered, last, last.length, (10 << 20) + 77), last.length);
  expected.push({ at: (10 << 20) + 77, bytes: last });
  assert.is(await n.nvmed_flush(buffered), 0);

  assert.is(n.nvmed_handle_destroy_mq(mq), 0);
  assert.is(n.nvmed_handle_destroy(direct), 0);
  assert.is(n.nvmed_handle_destroy(buffered), 0);
  assert.is(n.nvmed_handle_destroy(buffered), -n.NVMED_NOENTRY);
  assert.is(await n.nvmed_pread(buffered, got, 16, 0), -1); // destroyed handle
  assert.is(n.nvmed_put_buffer(back), 0);
  assert.is(n.nvmed_put_buffer(back), -n.NVMED_NOENTRY);
  assert.is(await n.nvmed_queue_destroy(q), 0);
  assert.is(await n.nvmed_queue_destroy(q), -n.NVMED_NOENTRY);
  assert.is(await n.nvmed_queue_destroy(q2), 0);
  assert.is(await n.nvmed_close(nvmed), 0);
  assert.is(await n.nvmed_close(nvmed), -n.NVMED_NOENTRY);
  assert.is(driver.controllers.length, 0, "the last close detached the controller");
  assert.equal(dmarFaults().slice(faultsBefore), [], "no IOMMU faults");
});

test("the kernel's nvme driver reads back what nvmed wrote", () => {
  assert.ok(expected.length >= 5, "the first test wrote its data");
  bind("nvme");
  const ctrl = readdirSync(`/sys/bus/pci/devices/${bdf}/nvme`)[0]!;
  const dev = `/dev/${ctrl}n1`;
  for (const { at, bytes } of expected) {
    const first = Math.floor(at / 4096);
    const blocks = Math.ceil((at + bytes.length) / 4096) - first;
    const raw = execFileSync(
      "dd",
      [`if=${dev}`, "iflag=direct", "bs=4096", `skip=${first}`, `count=${blocks}`, "status=none"],
      { maxBuffer: 1 << 24 },
    );
    const off = at - first * 4096;
    same(raw.subarray(off, off + bytes.length), bytes, `kernel read of ${bytes.length} bytes at ${at}`);
  }
});

test.after(async () => {
  await driver?.detachAll().catch(() => undefined);
});
test.run();
