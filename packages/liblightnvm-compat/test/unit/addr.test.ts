import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AddressSpace } from "../../src/addr.js";
import * as n from "../../src/index.js";

/** A zoned geometry like the test device's: 16 chunks of 48 sectors, 64 LBAs apart, 4 KiB sectors. */
const space: AddressSpace = {
  chunkStride: 64,
  geo: {
    npugrp: 1,
    npunit: 1,
    nchunk: 16,
    nsectr: 48,
    nbytes: 4096,
    nbytes_oob: 0,
    tbytes: 16 * 48 * 4096,
    verid: 2,
    lbaf: { pugrp: 0, punit: 0, chunk: 4, sectr: 6 },
  },
};

test("gen2dev / dev2gen / gen2off / off2gen: chunks lie a zone apart", () => {
  const a = n.nvm_addr({ chunk: 2, sectr: 5 });
  assert.equal(a, { pugrp: 0, punit: 0, chunk: 2, sectr: 5 });
  assert.is(n.nvm_addr_gen2dev(space, a), 2 * 64 + 5);
  assert.equal(n.nvm_addr_dev2gen(space, 133), a);
  assert.is(n.nvm_addr_gen2off(space, a), 133 * 4096);
  assert.equal(n.nvm_addr_off2gen(space, 133 * 4096 + 17), a);
  // An LBA in the gap past a zone's capacity converts, and nvm_addr_check says the sector is out.
  assert.equal(n.nvm_addr_dev2gen(space, 60), { pugrp: 0, punit: 0, chunk: 0, sectr: 60 });
  assert.is(n.nvm_addr_check(space, n.nvm_addr_dev2gen(space, 60)), n.NVM_BOUNDS_SECTR);
});

test("nvm_addr_check: one bit per field out of range", () => {
  assert.is(n.nvm_addr_check(space, n.nvm_addr({ chunk: 15, sectr: 47 })), 0);
  assert.is(n.nvm_addr_check(space, n.nvm_addr({ pugrp: 1 })), n.NVM_BOUNDS_PUGRP);
  assert.is(
    n.nvm_addr_check(space, n.nvm_addr({ punit: 1, chunk: 16 })),
    n.NVM_BOUNDS_PUNIT | n.NVM_BOUNDS_CHUNK,
  );
  assert.is(n.nvm_addr_check(space, n.nvm_addr({ sectr: 1.5 })), n.NVM_BOUNDS_SECTR);
  assert.is(n.nvm_addr_check(space, n.nvm_addr({ sectr: -1 })), n.NVM_BOUNDS_SECTR);
});

test("nvm_addr_val: liblightnvm's bit layout (sector 31:0, chunk 47:32, unit 55:48, group 63:56)", () => {
  assert.is(n.nvm_addr_val(n.nvm_addr({ sectr: 1 })), 0x1n);
  assert.is(n.nvm_addr_val(n.nvm_addr({ chunk: 1 })), 0x1_0000_0000n);
  assert.is(n.nvm_addr_val(n.nvm_addr({ punit: 1 })), 0x1_0000_0000_0000n);
  assert.is(n.nvm_addr_val(n.nvm_addr({ pugrp: 1 })), 0x0100_0000_0000_0000n);
  assert.equal(n.nvm_addr_from_val(0x0203_0004_0000_0005n), { pugrp: 2, punit: 3, chunk: 4, sectr: 5 });
});

test("property: every valid address survives gen2dev then dev2gen, and val then from_val", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 47 }), (chunk, sectr) => {
      const a = n.nvm_addr({ chunk, sectr });
      assert.equal(n.nvm_addr_dev2gen(space, n.nvm_addr_gen2dev(space, a)), a);
      assert.equal(n.nvm_addr_from_val(n.nvm_addr_val(a)), a);
    }),
  );
});

test.run();
