/**
 * JavaScript's floor on the host for issue 17's target, with the core's checks: `bench:engine`'s loop
 * (4 KiB reads at QD 32 over the same loopback queue and DMA allocator) written as lean as
 * straightforward JavaScript allows: per-command state in typed arrays by tracker index, one submit
 * function and one completion loop, no request or tracker objects. It still makes every check the
 * core makes per I/O: the queue pair's and controller's state, the LBA range and I/O flags, whether
 * the I/O needs a split, the buffer's IOVA, size and alignment, a one-page PRP, the request count,
 * the CID and its generation, the SQ ID and head, the doorbell having announced the command, the
 * status and the time limits. No split, retry, waiting or time limit is implemented: those cases
 * throw, and none occurs here. So it shows how close to the C twin a JavaScript driver that checks
 * what the core checks can come, printed beside the core's figure. Run by `bench:engine` as a child
 * (`node --expose-gc checked-floor.js IOS`); prints one line of JSON. A benchmark, not a test.
 * @module
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DmaAllocator } from "@nvmekit/core";
import { IO_FLAGS_MASK } from "@nvmekit/core";
import { NvmOpcode } from "@nvmekit/core/nvme-spec";
import type { QueuePort } from "@nvmekit/core/transport";
import {
  ENGINE_READS,
  engineLba,
  LOOPBACK_MAX_TRANSFER,
  LOOPBACK_QUEUE,
  LoopbackQueue,
  loopbackDevice,
  Slot,
} from "./loopback.js";

/** Runs the loop as a child process for `ios` I/Os (after a tenth as many to warm up): ns per I/O. */
export function runCheckedFloor(ios: number): number {
  const out = execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), String(ios)], {
    encoding: "utf8",
  });
  return (JSON.parse(out) as { nsPerIo: number }).nsPerIo;
}

const PAGE = 4096;
const { depth: DEPTH, blockSize: BLOCK, blocks: BLOCKS, blocksPerRead, bufferBytes } = ENGINE_READS;
const MAX_BLOCKS_PER_IO = LOOPBACK_MAX_TRANSFER / BLOCK;
const REQUESTS = LOOPBACK_QUEUE.requests;
const TWO_POW_32 = 2 ** 32;

/** A case this floor does not implement (none occurs in the benchmark). */
function unimplemented(what: string): Error {
  return new Error(`checked floor: ${what}`);
}

type Callback = (arg: Slot, cpl: Uint32Array) => void;

/** One queue pair's engine: the core's per-I/O work on typed arrays indexed by tracker. */
class CheckedQueue {
  closed = false;
  private requestsFree: number = REQUESTS;
  /** Commands submitted and not completed, as the core's `QueuePair.outstanding`. */
  outstanding = 0;
  private waiting = 0;
  private posted = 0;
  private rung = 0;
  private readonly timeoutMs = 0;
  private readonly trackers: number;
  private readonly commands: Uint32Array;
  /** The commands' views, for the port's post(). */
  private readonly commandViews: Uint32Array[] = [];
  private readonly callbacks: (Callback | null)[];
  private readonly args: (Slot | null)[];
  private readonly postedAt: Int32Array;
  private readonly free: Int32Array;
  private top: number;
  private readonly busy: Uint8Array;
  private readonly cids: Uint16Array;
  private readonly cqe = new Uint32Array(4);
  private readonly cpl = new Uint32Array(4);
  unknownCid = 0;
  foreign = 0;

  constructor(private readonly port: QueuePort) {
    const n = port.depth - 1;
    this.trackers = n;
    this.commands = new Uint32Array(n * 16);
    for (let i = 0; i < n; i++) this.commandViews.push(this.commands.subarray(i * 16, i * 16 + 16));
    this.callbacks = new Array<Callback | null>(n).fill(null);
    this.args = new Array<Slot | null>(n).fill(null);
    this.postedAt = new Int32Array(n);
    this.free = new Int32Array(n);
    this.top = n;
    for (let i = 0; i < n; i++) this.free[i] = n - 1 - i;
    this.busy = new Uint8Array(n);
    this.cids = new Uint16Array(n);
    for (let i = 0; i < n; i++) this.cids[i] = i;
  }

  /** A one-page Read, Write or Compare, as the core's `submitReadWrite`. */
  submit(
    opcode: number,
    iova: number,
    length: number,
    lba: number,
    count: number,
    flags: number,
    cb: Callback,
    arg: Slot,
  ): void {
    if (this.closed || this.waiting > 0 || this.requestsFree === 0 || this.top === 0)
      throw unimplemented("closed, waiting or full");
    const offset = iova & (PAGE - 1);
    if (
      !(
        Number.isSafeInteger(iova) &&
        iova >= 0 &&
        (offset & 3) === 0 &&
        length > 0 &&
        offset + length <= PAGE
      )
    )
      throw unimplemented("a PRP list");
    const index = this.free[--this.top]!;
    this.requestsFree--;
    const c = this.commands;
    const o = index << 4;
    c[o] = opcode | (this.cids[index]! << 16);
    c[o + 1] = 1;
    c[o + 2] = 0;
    c[o + 3] = 0;
    c[o + 4] = 0;
    c[o + 5] = 0;
    c[o + 6] = iova;
    c[o + 7] = iova > 0xffff_ffff ? Math.floor(iova / TWO_POW_32) : 0;
    c[o + 8] = 0;
    c[o + 9] = 0;
    c[o + 10] = lba;
    c[o + 11] = lba > 0xffff_ffff ? Math.floor(lba / TWO_POW_32) : 0;
    c[o + 12] = ((count - 1) & 0xffff) | (flags & IO_FLAGS_MASK);
    c[o + 13] = 0;
    c[o + 14] = 0;
    c[o + 15] = 0;
    this.busy[index] = 1;
    this.callbacks[index] = cb;
    this.args[index] = arg;
    this.outstanding++;
    this.port.post(this.commandViews[index]!);
    this.posted = (this.posted + 1) | 0;
    this.postedAt[index] = this.posted;
    this.port.ringSubmission();
    this.rung = this.posted;
  }

  /** The core's `processCompletions` with the checks it makes on a queue in host memory. */
  processCompletions(): number {
    if (this.closed) return -6;
    const port = this.port;
    const cqe = this.cqe;
    const max = port.depth - 1;
    let n = 0;
    while (n < max && port.poll(cqe)) {
      n++;
      const dw3 = cqe[3]!;
      const cid = dw3 & 0xffff;
      const index = cid & 0xff;
      if (index >= this.trackers || this.busy[index] !== 1 || this.cids[index] !== cid) {
        this.unknownCid++;
        continue;
      }
      const dw2 = cqe[2]!;
      if (
        dw2 >>> 16 !== port.qid ||
        (dw2 & 0xffff) >= port.depth ||
        ((this.postedAt[index]! - this.rung) | 0) > 0
      ) {
        this.foreign++;
        continue;
      }
      const status = dw3 >>> 17;
      if (status !== 0) throw unimplemented("a retry");
      this.busy[index] = 0;
      const next = (cid + 256) & 0xffff;
      this.cids[index] = next === 0xffff ? index : next;
      this.free[this.top++] = index;
      const cb = this.callbacks[index]!;
      const arg = this.args[index]!;
      this.callbacks[index] = null;
      this.args[index] = null;
      this.requestsFree++;
      this.outstanding--;
      const cpl = this.cpl;
      cpl[0] = cqe[0]!;
      cpl[1] = cqe[1]!;
      cpl[2] = dw2;
      cpl[3] = ((dw3 & 0x1ffff) | (status << 17)) >>> 0;
      cb(arg, cpl);
    }
    if (n > 0) port.ringCompletion();
    if (this.timeoutMs > 0) throw unimplemented("time limits");
    return n;
  }
}

/** The controller's state, which `Namespace.cmdRead` checks before the queue pair's. */
const controller = { closed: false };

/** The namespace's Read with the core's checks, as `Namespace.cmdRead`. */
function cmdRead(
  dma: DmaAllocator,
  q: CheckedQueue,
  view: Uint8Array,
  lba: number,
  count: number,
  cb: Callback,
  arg: Slot,
  flags = 0,
): void {
  if (controller.closed || q.closed) throw unimplemented("closed");
  if (
    !(Number.isSafeInteger(lba) && lba >= 0 && Number.isInteger(count) && count >= 1 && lba + count <= BLOCKS)
  )
    throw unimplemented("a bad range");
  if ((flags & ~IO_FLAGS_MASK) !== 0) throw unimplemented("bad flags");
  if (count > MAX_BLOCKS_PER_IO) throw unimplemented("a split");
  const iova = dma.iovaOf(view);
  const length = count * BLOCK;
  if (iova < 0 || view.length < length || (iova & 3) !== 0) throw unimplemented("a bad buffer");
  q.submit(NvmOpcode.Read, iova, length, lba, count, flags, cb, arg);
}

function main(ios: number): void {
  const { dma } = loopbackDevice(BLOCK, BigInt(BLOCKS));
  const q = new CheckedQueue(new LoopbackQueue(LOOPBACK_QUEUE.entries));
  let done = 0;
  const onRead = (slot: Slot, _cpl: Uint32Array): void => {
    done++;
    cmdRead(dma, q, slot.view, engineLba(done), blocksPerRead, onRead, slot);
  };
  for (let i = 0; i < DEPTH; i++) {
    const slot = new Slot(dma.alloc(bufferBytes).bytes);
    cmdRead(dma, q, slot.view, 0, blocksPerRead, onRead, slot);
  }
  const warmup = Math.ceil(ios / 10);
  while (done < warmup) q.processCompletions();
  (globalThis as { gc?: () => void }).gc?.();
  const before = done;
  const started = performance.now();
  while (done - before < ios) q.processCompletions();
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ nsPerIo: (ms * 1e6) / (done - before) })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(Number(process.argv[2] ?? 5_000_000));
