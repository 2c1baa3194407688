import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../../src/native/constants.js";
import { mmap } from "../../../src/native/libc.js";
import { mappingStats, NativeMapping } from "../../../src/native/mapping.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const SIZE = 64 * 1024;

const anonymous = () =>
  new NativeMapping(mmap(SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), SIZE);

/** Maps, writes, retires; returns only a view. */
function retiredView(): Uint8Array {
  const mapping = anonymous();
  const view = new Uint8Array(mapping.buffer);
  view.fill(9);
  mapping.retire();
  mapping.retire(); // idempotent
  assert.ok(mapping.retired);
  return view;
}

test("a retired mapping still answers its views: fresh zero pages, writable", () => {
  const view = retiredView();
  assert.is(view.length, SIZE);
  assert.is(view[100], 0);
  view[100] = 3;
  assert.is(view[100], 3);
});

test("the address range is munmapped once no view can reach it", async () => {
  // Earlier tests' garbage would otherwise be unmapped during this one and skew the counters.
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const before = mappingStats();
  let view: Uint8Array | null = retiredView();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.is(mappingStats().unmapped, before.unmapped, "a view is alive");
  assert.is(view[0], 0);
  view = null;
  for (let i = 0; i < 50 && mappingStats().unmapped === before.unmapped; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.is(mappingStats().unmapped - before.unmapped, 1);
});

test.run();
