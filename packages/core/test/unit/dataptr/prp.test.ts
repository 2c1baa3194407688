import { test } from "uvu";
import * as assert from "uvu/assert";
import { mapPrp, mapvPrp, type PrpListPages, prpListPagesNeeded } from "../../../src/dataptr/prp.js";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";

const PS = 4096;
const SENTINEL = 0xdeadbeef;
// List pages live above 4 GiB so that the high dword of every pointer is exercised.
const LIST_IOVA = 0x1_2345_0000;

/** `n` list pages filled with a sentinel, at LIST_IOVA, LIST_IOVA + 4 KiB, ... */
function listPages(n: number): PrpListPages {
  const pages: Uint32Array[] = [];
  const iovas: number[] = [];
  for (let p = 0; p < n; p++) {
    pages.push(new Uint32Array(PS / 4).fill(SENTINEL));
    iovas.push(LIST_IOVA + p * PS);
  }
  return { pages, iovas };
}

/** Entry `i` of a list page as a number. */
function entry(page: Uint32Array, i: number): number {
  return page[2 * i + 1]! * 0x1_0000_0000 + page[2 * i]!;
}

function throwsArg(fn: () => void, argument: string, text: string) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, InvalidArgumentError);
    assert.is((e as InvalidArgumentError).argument, argument);
    assert.match((e as Error).message, text);
    return;
  }
  assert.unreachable("accepted");
}

test("list pages needed: 512 entries per 4 KiB page, 511 when chained", () => {
  assert.is(prpListPagesNeeded(0, PS), 0);
  assert.is(prpListPagesNeeded(1, PS), 1);
  assert.is(prpListPagesNeeded(512, PS), 1);
  assert.is(prpListPagesNeeded(513, PS), 2);
  assert.is(prpListPagesNeeded(511 + 512, PS), 2);
  assert.is(prpListPagesNeeded(511 + 512 + 1, PS), 3);
});

test("unaligned buffer within one page: PRP1 only, with its offset and high dword", () => {
  const cmd = new NvmeCommand();
  cmd.prp2 = 0x77; // stale value must be cleared
  mapPrp(cmd, 0x1_0000_0100, 0x200, PS, listPages(1));
  assert.equal([...cmd.dw.subarray(6, 10)], [0x100, 1, 0, 0]);
});

test("exactly one page: PRP2 = 0; PSDT set back to PRP", () => {
  const cmd = new NvmeCommand();
  cmd.psdt = 1;
  mapPrp(cmd, 0x2000, 4096, PS, listPages(1));
  assert.is(cmd.prp1, 0x2000);
  assert.is(cmd.prp2, 0);
  assert.is(cmd.psdt, 0);
});

test("exactly two pages: PRP2 is the second page, also for a short unaligned buffer crossing a page", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(1);
  mapPrp(cmd, 0x2000, 8192, PS, pages);
  assert.is(cmd.prp1, 0x2000);
  assert.is(cmd.prp2, 0x3000);
  mapPrp(cmd, 0x2f00, 0x200, PS, pages); // 0x2f00..0x30ff
  assert.is(cmd.prp1, 0x2f00);
  assert.is(cmd.prp2, 0x3000);
  assert.is(pages.pages[0]![0], SENTINEL); // no list written
});

test("unaligned first page with a list: PRP1 keeps the offset, the list holds the following pages", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(1);
  mapPrp(cmd, 0x10_0800, 3 * 4096, PS, pages); // 0x100800..0x1037ff: 4 pages
  assert.is(cmd.prp1, 0x10_0800);
  assert.is(cmd.prp2, LIST_IOVA);
  assert.equal(
    [...pages.pages[0]!.subarray(0, 8)],
    [0x10_1000, 0, 0x10_2000, 0, 0x10_3000, 0, SENTINEL, SENTINEL],
  );
});

test("list of 511 entries (512 pages)", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(2);
  mapPrp(cmd, 0x10_0000, 512 * 4096, PS, pages);
  assert.is(cmd.prp2, LIST_IOVA);
  const list = pages.pages[0]!;
  assert.is(entry(list, 0), 0x10_1000);
  assert.is(entry(list, 510), 0x10_0000 + 511 * 0x1000);
  assert.is(list[1022], SENTINEL); // last slot unused
  assert.is(pages.pages[1]![0], SENTINEL);
});

test("list of 512 entries (513 pages) fills one list page with data, no chain", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(2);
  mapPrp(cmd, 0x10_0000, 513 * 4096, PS, pages);
  const list = pages.pages[0]!;
  for (let k = 0; k < 512; k++) assert.is(entry(list, k), 0x10_1000 + k * 0x1000);
  assert.is(entry(list, 511), 0x30_0000);
  assert.is(pages.pages[1]![0], SENTINEL);
});

test("513 entries (514 pages) chain: slot 511 of page 0 points to page 1", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(2);
  mapPrp(cmd, 0x10_0000, 514 * 4096, PS, pages);
  assert.is(cmd.prp2, LIST_IOVA);
  const [p0, p1] = pages.pages as Uint32Array[];
  assert.is(entry(p0!, 510), 0x2f_f000);
  assert.is(entry(p0!, 511), LIST_IOVA + 0x1000);
  assert.is(entry(p1!, 0), 0x30_0000);
  assert.is(entry(p1!, 1), 0x30_1000);
  assert.is(p1![4], SENTINEL);
});

test("a three-page chain: 1024 entries", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(3);
  const base = 0x4_0000_0000;
  mapPrp(cmd, base, 1025 * 4096, PS, pages);
  const [p0, p1, p2] = pages.pages as Uint32Array[];
  assert.is(entry(p0!, 0), base + 0x1000);
  assert.is(entry(p0!, 511), LIST_IOVA + 0x1000);
  assert.is(entry(p1!, 0), base + 512 * 0x1000);
  assert.is(entry(p1!, 510), base + 1022 * 0x1000);
  assert.is(entry(p1!, 511), LIST_IOVA + 0x2000);
  assert.is(entry(p2!, 0), base + 1023 * 0x1000);
  assert.is(entry(p2!, 1), base + 1024 * 0x1000);
  assert.is(p2![4], SENTINEL);
});

test("too many entries for the preallocated pages is rejected before anything is written", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(1);
  throwsArg(() => mapPrp(cmd, 0x10_0000, 514 * 4096, PS, pages), "length", "needs 2 PRP list pages");
  assert.is(pages.pages[0]![0], SENTINEL);
  assert.is(cmd.prp1, 0);
});

test("zero length, negative length and a non-dword-aligned address are rejected", () => {
  const cmd = new NvmeCommand();
  throwsArg(() => mapPrp(cmd, 0x1000, 0, PS, listPages(1)), "length", "positive");
  throwsArg(() => mapPrp(cmd, 0x1000, -1, PS, listPages(1)), "length", "positive");
  throwsArg(() => mapPrp(cmd, 0x1002, 16, PS, listPages(1)), "iova", "dword-aligned");
});

test("mapv: unaligned first element, whole pages, short last element", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(1);
  const iov = [
    { iova: 0x10_0800, length: 0x800 },
    { iova: 0x20_0000, length: 0x2000 },
    { iova: 0x30_0000, length: 0x100 },
  ];
  mapvPrp(cmd, iov, 3, PS, pages);
  assert.is(cmd.prp1, 0x10_0800);
  assert.is(cmd.prp2, LIST_IOVA);
  assert.equal(
    [...pages.pages[0]!.subarray(0, 8)],
    [0x20_0000, 0, 0x20_1000, 0, 0x30_0000, 0, SENTINEL, SENTINEL],
  );
});

test("mapv: two one-page elements use PRP2 directly; niov limits the elements used", () => {
  const cmd = new NvmeCommand();
  const iov = [
    { iova: 0x5f00, length: 0x100 },
    { iova: 0x9000, length: 0x80 },
    { iova: 0x3, length: 1 }, // ignored: beyond niov
  ];
  mapvPrp(cmd, iov, 2, PS, listPages(1));
  assert.is(cmd.prp1, 0x5f00);
  assert.is(cmd.prp2, 0x9000);
  mapvPrp(cmd, iov, 1, PS, listPages(1));
  assert.is(cmd.prp2, 0);
});

test("mapv: a list that chains across elements", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(2);
  const iov = [
    { iova: 0x100_0000, length: 300 * 4096 },
    { iova: 0x200_0000, length: 214 * 4096 },
  ];
  mapvPrp(cmd, iov, 2, PS, pages); // 514 pages: 513 entries
  const [p0, p1] = pages.pages as Uint32Array[];
  assert.is(entry(p0!, 298), 0x100_0000 + 299 * 4096);
  assert.is(entry(p0!, 299), 0x200_0000);
  assert.is(entry(p0!, 510), 0x200_0000 + 211 * 4096);
  assert.is(entry(p0!, 511), LIST_IOVA + 0x1000);
  assert.is(entry(p1!, 0), 0x200_0000 + 212 * 4096);
  assert.is(entry(p1!, 1), 0x200_0000 + 213 * 4096);
});

test("mapv: each element rule is enforced, naming the element", () => {
  const cmd = new NvmeCommand();
  const pages = listPages(1);
  throwsArg(
    () =>
      mapvPrp(
        cmd,
        [
          { iova: 0x1800, length: 0x100 },
          { iova: 0x3000, length: 0x1000 },
        ],
        2,
        PS,
        pages,
      ),
    "iov[0]",
    "end on a 4096-byte page boundary",
  );
  throwsArg(
    () =>
      mapvPrp(
        cmd,
        [
          { iova: 0x1800, length: 0x800 },
          { iova: 0x3010, length: 0x1000 },
        ],
        2,
        PS,
        pages,
      ),
    "iov[1]",
    "start on a 4096-byte page boundary",
  );
  throwsArg(
    () =>
      mapvPrp(
        cmd,
        [
          { iova: 0x1000, length: 0x1000 },
          { iova: 0x3000, length: 0x800 },
          { iova: 0x5000, length: 0x1000 },
        ],
        3,
        PS,
        pages,
      ),
    "iov[1]",
    "end on a 4096-byte page boundary",
  );
  throwsArg(() => mapvPrp(cmd, [{ iova: 0x1000, length: 0 }], 1, PS, pages), "iov[0]", "positive");
  throwsArg(() => mapvPrp(cmd, [{ iova: 0x1001, length: 4 }], 1, PS, pages), "iov[0]", "dword-aligned");
  throwsArg(() => mapvPrp(cmd, [], 0, PS, pages), "niov", "must be 1..0");
  throwsArg(() => mapvPrp(cmd, [{ iova: 0x1000, length: 4 }], 2, PS, pages), "niov", "must be 1..1");
});

test.run();
