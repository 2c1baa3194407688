/**
 * Fuzz tier: data pointers. The core's PRP/SGL builder gets random buffers (offsets, lengths, page
 * sizes, scattered segments, some of them freed memory, spans of two allocations, plain memory or
 * empty), and the software controller's device-side walker (softnvme's resolveData over a DmaArena,
 * whose ownership tags fault on any byte outside a live allocation) reads back what it built. A built
 * pointer must cover exactly the caller's bytes, in order, and nothing else; anything else must fail
 * with a status (the builder) or InvalidArgumentError (the PRP/SGL encoders), never an exception.
 * fast-check prints the seed and the shrunk counterexample when a property fails.
 */
import { DmaArena, resolveData } from "@nvmekit/softnvme";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Payload, PayloadKind, sliceIoVecs } from "../../../src/dataptr/payload.js";
import { mapPrp, mapvPrp, type PrpListPages } from "../../../src/dataptr/prp.js";
import { PrpSglBuilder } from "../../../src/dataptr/prp-sgl-builder.js";
import { mapvSgl, type SglSegment } from "../../../src/dataptr/sgl.js";
import type { IoVec } from "../../../src/dma/dma-memory.js";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";
import { GenericStatus } from "../../../src/nvme-spec/status.js";

const RUNS = 10_000;
const PAGE_SIZES = [4096, 8192, 16384, 65536] as const;
const arenas = new Map(PAGE_SIZES.map((ps) => [ps, new DmaArena({ size: 32 * 2 ** 20, pageSize: ps })]));

/** A half-open byte range of an arena's memory. */
type Range = [start: number, end: number];

/** Ranges sorted as given, with touching neighbours merged. */
function merged(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [s, e] of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === s) last[1] = e;
    else if (e > s) out.push([s, e]);
  }
  return out;
}

/** What the device reaches through `cmd`'s data pointer for `length` bytes, as arena ranges, and the list memory it read. */
function walk(arena: DmaArena, cmd: NvmeCommand, length: number, pageSize: number) {
  const t = resolveData(arena, cmd.dw, length, pageSize, true);
  const data = t.segments.map((s): Range => [s.bytes!.byteOffset, s.bytes!.byteOffset + s.length]);
  return { data: merged(data), lists: t.listIovas };
}

/** A request tracker's list memory: `pages` PRP list pages and an SGL segment of `capacity` descriptors. */
function trackerLists(arena: DmaArena, pageSize: number, pages: number, capacity: number) {
  const prp = Array.from({ length: pages }, () => arena.alloc(pageSize, pageSize));
  const sgl = arena.alloc(capacity * 16, 64);
  const prpPages: PrpListPages = {
    pages: prp.map((b) => new Uint32Array(b.bytes.buffer, b.bytes.byteOffset, pageSize / 4)),
    iovas: prp.map((b) => b.iova),
  };
  const sglSegment: SglSegment = {
    entries: new Uint32Array(sgl.bytes.buffer, sgl.bytes.byteOffset, capacity * 4),
    iova: sgl.iova,
    capacity,
  };
  const inside = (iova: number) =>
    prp.some((b) => iova >= b.iova && iova < b.iova + pageSize) || iova === sgl.iova;
  return {
    lists: { prpPages, sglSegment },
    inside,
    free: () => {
      for (const b of [...prp, sgl]) arena.free(b);
    },
  };
}

/** How a segment the caller hands over is made. */
type PieceKind = "live" | "freed" | "straddle" | "plain" | "empty";
const piece = fc.record({
  kind: fc.constantFrom<PieceKind>(
    "live",
    "live",
    "live",
    "live",
    "live",
    "freed",
    "straddle",
    "plain",
    "empty",
  ),
  size: fc.integer({ min: 1, max: 3 * 65536 + 100 }),
  align: fc.constantFrom(4, 64, 512, 4096, 65536),
  from: fc.nat(),
  length: fc.nat(),
  pageAligned: fc.boolean(),
});
type PieceSpec = typeof piece extends fc.Arbitrary<infer T> ? T : never;

/** Makes the view a piece describes in `arena`; `held` collects what to free after the case. */
function makeView(
  arena: DmaArena,
  spec: PieceSpec,
  pageSize: number,
  held: Array<{ bytes: Uint8Array; iova: number }>,
) {
  if (spec.kind === "plain")
    return { view: new Uint8Array(Math.max(spec.size % 9000, 1)), valid: false, freeLater: undefined };
  const buf = arena.alloc(spec.size, spec.align);
  held.push(buf);
  let from = spec.from % spec.size;
  if (spec.pageAligned && from >= (buf.iova + from) % pageSize) from -= (buf.iova + from) % pageSize;
  const length = spec.kind === "empty" ? 0 : 1 + (spec.length % (spec.size - from));
  if (spec.kind === "straddle") {
    const next = arena.alloc(4096, 64);
    held.push(next);
    const end = next.bytes.byteOffset + 64;
    const start = Math.min(buf.bytes.byteOffset + from, next.bytes.byteOffset - 1);
    return { view: new Uint8Array(buf.bytes.buffer, start, end - start), valid: false, freeLater: undefined };
  }
  const view = buf.bytes.subarray(from, from + length);
  // Freed only once every piece is made (see freeLater), so no later piece gets the memory back.
  return { view, valid: spec.kind === "live", freeLater: spec.kind === "freed" ? held.pop() : undefined };
}

/** Whether PRPs can describe `iov`, by the specification's rules (an oracle written apart from the core's). */
function prpDescribable(iov: readonly IoVec[], pageSize: number, listPages: number): boolean {
  let pagesTouched = 0;
  for (let i = 0; i < iov.length; i++) {
    const { iova, length } = iov[i]!;
    if (i === 0 && iova % 4 !== 0) return false;
    if (i > 0 && iova % pageSize !== 0) return false;
    if (i < iov.length - 1 && (iova + length) % pageSize !== 0) return false;
    pagesTouched += Math.ceil(((iova % pageSize) + length) / pageSize);
  }
  const listed = pagesTouched - 1;
  const perPage = pageSize / 8;
  const needed = listed < 2 ? 0 : listed <= perPage ? 1 : Math.ceil((listed - 1) / (perPage - 1));
  return needed <= listPages;
}

const scenario = fc.record({
  pageSize: fc.constantFrom(...PAGE_SIZES),
  sgl: fc.boolean(),
  kind: fc.constantFrom(PayloadKind.Contiguous, PayloadKind.Scattered, PayloadKind.IoVecs),
  pieces: fc.array(piece, { minLength: 1, maxLength: 6 }),
  listPages: fc.integer({ min: 0, max: 3 }),
  sglCapacity: fc.integer({ min: 1, max: 8 }),
  lengthCut: fc.integer({ min: -3, max: 3 }),
});

test(`PrpSglBuilder: exactly the caller's bytes, or a failure status; never a throw (${RUNS} payloads)`, () => {
  const outcomes = { built: 0, refused: 0 };
  fc.assert(
    fc.property(scenario, (s) => {
      const arena = arenas.get(s.pageSize)!;
      const held: Array<{ bytes: Uint8Array; iova: number }> = [];
      const tracker = trackerLists(arena, s.pageSize, s.listPages, s.sglCapacity);
      try {
        const pieces = (s.kind === PayloadKind.Contiguous ? s.pieces.slice(0, 1) : s.pieces).map((p) =>
          makeView(arena, s.kind === PayloadKind.Scattered ? p : { ...p, kind: "live" }, s.pageSize, held),
        );
        for (const p of pieces) if (p.freeLater !== undefined) arena.free(p.freeLater);
        const total = pieces.reduce((n, p) => n + p.view.byteLength, 0);
        // Short of the segments, exactly them, or past them (a walk that runs out).
        const length = Math.max(1, total + s.lengthCut * (1 + (total >> 3)));
        const payload = new Payload();
        const iovaOf = (v: ArrayBufferView) => arena.iovaOf(v);
        if (s.kind === PayloadKind.Contiguous) {
          payload.setContiguous(pieces[0]!.view, iovaOf(pieces[0]!.view), Math.min(length, total));
        } else if (s.kind === PayloadKind.IoVecs) {
          // As the core makes them (a translation, cut to the command's bytes).
          const whole = pieces.map((p) => ({ iova: iovaOf(p.view), length: p.view.byteLength }));
          payload.kind = PayloadKind.IoVecs;
          payload.length = Math.min(length, total);
          payload.iovs = sliceIoVecs(whole, whole.length, 0, payload.length);
          payload.iovCount = payload.iovs.length;
        } else {
          payload.kind = PayloadKind.Scattered;
          payload.length = length;
          let next = 0;
          payload.sglArg = null;
          payload.resetSgl = (() => {
            next = 0;
          }) as never;
          payload.nextSge = ((_: unknown, out: { view: ArrayBufferView | null }) => {
            if (next === pieces.length) return -1;
            out.view = pieces[next++]!.view;
            return 0;
          }) as never;
        }
        // The segments the walk consumes, and the bytes of each the command uses.
        const used: { iova: number; length: number; valid: boolean; view: Uint8Array }[] = [];
        let left = payload.length;
        for (const p of pieces) {
          if (left <= 0) break;
          const n = Math.min(p.view.byteLength, left);
          used.push({ iova: iovaOf(p.view), length: n, valid: p.valid && n > 0, view: p.view });
          left -= n;
        }
        const usable =
          left <= 0 &&
          used.every((u) => u.valid) &&
          (s.kind === PayloadKind.Contiguous || !s.sgl
            ? prpDescribable(s.kind === PayloadKind.Contiguous ? [used[0]!] : used, s.pageSize, s.listPages)
            : used.length === 1 || used.length <= s.sglCapacity);
        const cmd = new NvmeCommand();
        const status = new PrpSglBuilder(arena, s.sgl).build(cmd, payload, tracker.lists);
        if (!usable) {
          assert.ok(
            status === GenericStatus.DataSglLengthInvalid || status === GenericStatus.PrpOffsetInvalid,
            `refused with a data pointer status, got ${status}`,
          );
          outcomes.refused++;
          return;
        }
        assert.is(status, 0, "a describable payload is built");
        const expected = merged(used.map((u): Range => [u.view.byteOffset, u.view.byteOffset + u.length]));
        const seen = walk(arena, cmd, payload.length, s.pageSize);
        assert.equal(seen.data, expected, "the device reaches exactly the caller's bytes, in order");
        for (const iova of seen.lists) assert.ok(tracker.inside(iova), "lists live in the tracker's memory");
        outcomes.built++;
      } finally {
        tracker.free();
        for (const b of held) arena.free(b);
      }
      assert.is(arena.allocationCount, 0, "the case gave back all it allocated");
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
  assert.ok(outcomes.built > RUNS / 20 && outcomes.refused > RUNS / 20, JSON.stringify(outcomes));
});

/** Whole numbers, bad ones included; those from 0 stay inside the test's buffer. */
const wholeNumber = fc.oneof(
  fc.integer({ min: -8192, max: 300_000 }),
  fc.constantFrom(-0, 2 ** 53, 0x1_0000_0000, -(2 ** 31)),
);
/** Any number: fractions, NaN and infinities too. */
const anyNumber = fc.oneof(wholeNumber, fc.double());
const wholeOffset = fc.integer({ min: 0, max: 300_000 });
const encoder = fc.constantFrom("prp", "prpv", "sgl");
type Encoder = typeof encoder extends fc.Arbitrary<infer T> ? T : never;

/**
 * Runs `fn` over `pairs` (offset into a 600 KiB DMA buffer, length) and returns the elements it used,
 * or null when it refused them with InvalidArgumentError (anything else thrown fails the property).
 */
function encode(
  fn: Encoder,
  pairs: readonly [number, number][],
  niovCut: number,
  ps: number,
  lists: ReturnType<typeof trackerLists>["lists"],
  base: number,
) {
  const iov: IoVec[] = pairs.map(([off, len]) => ({ iova: base + off, length: len }));
  const niov = Math.min(niovCut, iov.length);
  const cmd = new NvmeCommand();
  try {
    if (fn === "prp") mapPrp(cmd, iov[0]?.iova ?? base, iov[0]?.length ?? 0, ps, lists.prpPages);
    else if (fn === "prpv") mapvPrp(cmd, iov, niov, ps, lists.prpPages);
    else mapvSgl(cmd, iov, niov, lists.sglSegment);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    return null;
  }
  return { cmd, used: fn === "prp" ? iov.slice(0, 1) : iov.slice(0, niov) };
}

/** The encoders' property over elements whose offsets come from `offset`. */
function encoderProperty(offset: fc.Arbitrary<number>, length: fc.Arbitrary<number>) {
  const ps = 4096;
  const arena = arenas.get(ps)!;
  const data = arena.alloc(600_000 + 2 * ps, ps); // any whole offset plus length fits
  const tracker = trackerLists(arena, ps, 2, 4);
  const whole = (v: IoVec) =>
    Number.isSafeInteger(v.iova) && v.iova >= data.iova && Number.isInteger(v.length) && v.length > 0;
  try {
    fc.assert(
      fc.property(
        encoder,
        fc.array(fc.tuple(offset, length), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: -1, max: 6 }),
        (fn, pairs, niovCut) => {
          const out = encode(fn, pairs, niovCut, ps, tracker.lists, data.iova);
          if (out === null) return;
          // Accepted: every element must have been a whole, positive one, and the device reaches exactly them.
          assert.ok(
            out.used.every(whole),
            `accepted only whole, positive elements: ${JSON.stringify(out.used)}`,
          );
          const length = out.used.reduce((n, v) => n + v.length, 0);
          const at = (iova: number) => iova - arena.iovaBase;
          const want = merged(out.used.map((v): Range => [at(v.iova), at(v.iova) + v.length]));
          assert.equal(walk(arena, out.cmd, length, ps).data, want);
        },
      ),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  } finally {
    tracker.free();
    arena.free(data);
  }
}

test(`mapPrp / mapvPrp / mapvSgl: whole lengths, good or bad: exactly the bytes, or InvalidArgumentError (${RUNS} calls)`, () => {
  encoderProperty(wholeOffset, wholeNumber);
});

test(`mapPrp / mapvPrp / mapvSgl: fractional, NaN or infinite addresses and lengths: InvalidArgumentError (${RUNS} calls)`, () => {
  const notWhole = fc.double().filter((d) => !Number.isInteger(d));
  encoderProperty(fc.oneof(wholeOffset, notWhole), anyNumber);
});

test.run();
