import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  createMemoryDomain,
  DmaDeviceType,
  destroyMemoryDomain,
  EINVAL,
  getSystemMemoryDomain,
  type MemoryDomain,
  memzeroByFill,
  pullByCopy,
  pushByCopy,
  transferByCopy,
} from "../../../src/memdomain/index.js";
import { Completions, gather, seq, split } from "./fixtures.js";

/** A bounce-style domain: memory the CPU sees, moved by the ready-made copy callbacks. */
function withBounce(body: (d: MemoryDomain) => void): () => void {
  return () => {
    const d = createMemoryDomain(DmaDeviceType.VendorSpecificStart + 500, null, "bounce");
    d.setPull(pullByCopy);
    d.setPush(pushByCopy);
    d.setDataTransfer(transferByCopy);
    d.setMemzero(memzeroByFill);
    try {
      body(d);
    } finally {
      destroyMemoryDomain(d);
    }
  };
}

test(
  "pull by copy: foreign 3-way split into a 2-way local split, completion before the 0 returns",
  withBounce((d) => {
    const c = new Completions();
    const foreign = split(seq(9, 0x40), [4, 0, 5]);
    const local = split(new Uint8Array(9), [6, 3]);
    assert.is(d.pullData(null, foreign, 3, local, 2, c.cb, "pulled"), 0);
    assert.equal(c.calls, [["pulled", 0]]);
    assert.equal(gather(local), [0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]);
  }),
);

test(
  "push by copy: local bytes land in the domain's iovecs in order",
  withBounce((d) => {
    const c = new Completions();
    const foreign = split(new Uint8Array(5), [1, 1, 3]);
    assert.is(d.pushData(null, foreign, 3, split(seq(5, 9), [5]), 1, c.cb, "pushed"), 0);
    assert.equal(gather(foreign), [9, 10, 11, 12, 13]);
    assert.equal(c.calls, [["pushed", 0]]);
  }),
);

test(
  "transfer by copy from the system domain; memzero by fill",
  withBounce((d) => {
    const c = new Completions();
    const out = new Uint8Array(6);
    const outIov = split(out, [2, 4]);
    assert.is(
      d.transferData(
        null,
        outIov,
        2,
        getSystemMemoryDomain(),
        null,
        split(seq(6), [3, 3]),
        2,
        null,
        c.cb,
        "t",
      ),
      0,
    );
    assert.equal([...out], [1, 2, 3, 4, 5, 6]);
    assert.is(d.memzero(null, split(out, [2, 1], 1), 2, c.cb, "z"), 0);
    assert.equal([...out], [1, 0, 0, 0, 5, 6]);
    assert.equal(c.calls, [
      ["t", 0],
      ["z", 0],
    ]);
  }),
);

test(
  "copy callbacks: an iovec without bytes is -EINVAL, nothing moved, no completion",
  withBounce((d) => {
    const c = new Completions();
    const out = new Uint8Array(4);
    assert.is(d.pullData(null, [{ addr: 0x1000, length: 4 }], 1, split(out, [4]), 1, c.cb, ""), -EINVAL);
    assert.is(
      d.pushData(null, split(out, [2]).concat([{ length: 2 }]), 2, split(seq(4), [4]), 1, c.cb, ""),
      -EINVAL,
    );
    assert.is(d.memzero(null, [{ length: 4 }], 1, c.cb, ""), -EINVAL);
    assert.equal([...out], [0, 0, 0, 0]);
    assert.equal(c.calls, []);
  }),
);

test(
  "destination shorter through a copy domain: -EINVAL and the destination untouched",
  withBounce((d) => {
    const c = new Completions();
    const out = new Uint8Array(7).fill(0xaa);
    assert.is(d.pullData(null, split(seq(8), [8]), 1, split(out, [3, 4]), 2, c.cb, ""), -EINVAL);
    assert.equal([...out], new Array(7).fill(0xaa));
    assert.equal(c.calls, []);
  }),
);

test.run();
