/**
 * Fuzz tier: a core Controller initialising over the soft controller in chaos mode with corrupt
 * Identify data (absurd NN and MDTS, nonsense queue entry sizes and versions, namespace lists that
 * never end or repeat themselves, zero or huge LBA data sizes and format counts, sizes past 2^53,
 * noise). Each connect must either give a controller whose values are bounded (every size a safe
 * integer, blocks of at least 512 bytes, transfers that fit MDTS) or fail with a typed error
 * (NvmeError); never another exception, and never hang: a host that keeps paging an endless list
 * gets Internal Error at the controller's last page (so the assertion that it stopped by itself
 * fails instead of the run hanging), and init has its admin timeout. At init (a fresh controller per case: Identify
 * Controller too) and on the namespace rescans that attaching and detaching a namespace make on one
 * controller (10,000 cases). fast-check prints the
 * seed and the shrunk counterexample when a property fails.
 */
import { type Controller, NvmeError } from "@nvmekit/core";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EMBEDDED_SOFT_TRID, type InThreadController, inThreadRig } from "../../src/index.js";

const CONNECTS = 300;
const RESCANS = 10_000;

const isPowerOfTwo = (n: number) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** The values a host may work with after reading corrupt identify data: all bounded. */
function checkBounded(ctrlr: Controller): void {
  assert.ok(Number.isSafeInteger(ctrlr.maxTransferSize) && ctrlr.maxTransferSize > 0, "maximum transfer");
  for (const [nsid, ns] of ctrlr.namespaces) {
    assert.ok(nsid >= 1 && nsid <= 0xffff_fffe, `NSID ${nsid}`);
    const what = `namespace ${nsid}`;
    assert.ok(isPowerOfTwo(ns.sectorSize) && ns.sectorSize >= 512, `${what}: block size ${ns.sectorSize}`);
    assert.ok(Number.isSafeInteger(ns.numSectors) && ns.numSectors > 0, `${what}: ${ns.numSectors} blocks`);
    assert.ok(Number.isSafeInteger(ns.size), `${what}: ${ns.size} bytes`);
    assert.ok(Number.isSafeInteger(ns.extendedBlockSize), `${what}: extended block ${ns.extendedBlockSize}`);
    assert.ok(
      ns.maxBlocksPerIo >= 1 && ns.maxBlocksPerIo * ns.extendedBlockSize <= ctrlr.maxTransferSize,
      `${what}: ${ns.maxBlocksPerIo} blocks per I/O do not fit MDTS`,
    );
  }
}

/** Runs `step`, which must succeed or fail with an NvmeError; returns whether it succeeded. */
async function typed<T>(step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (e) {
    if (!(e instanceof NvmeError)) throw e;
    return null;
  }
}

/** Adds what the controller's chaos corrupted to `into`; returns how many responses that was. */
function countCorrupt(device: InThreadController, into: Record<string, number>): number {
  let n = 0;
  for (const [k, v] of Object.entries(device.chaos!.stats.identify)) {
    into[k] = (into[k] ?? 0) + v;
    n += v;
  }
  return n;
}

const OPTIONS = { adminTimeoutMs: 50, keepAliveTimeoutMs: 0 };

test(`corrupt identify data at init: bounded values or a typed error, never a hang (${CONNECTS} connects)`, async () => {
  const outcomes = { connected: 0, refused: 0 };
  const seen: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(fc.integer(), fc.constantFrom(0.3, 0.6, 0.9), async (seed, identifyRate) => {
      const { driver, device } = inThreadRig({
        chaos: { seed, identifyRate, completionRate: 0, deferRate: 0 },
        readyDelayMs: 0,
        shutdownDelayMs: 0,
        recordData: false,
      });
      const ctrlr = await typed(() => driver.connect(EMBEDDED_SOFT_TRID, OPTIONS));
      countCorrupt(device, seen);
      assert.not.ok(device.chaos!.stats.listExhausted, "the host paged an endless namespace list to its end");
      if (ctrlr === null) {
        outcomes.refused++;
        return;
      }
      try {
        checkBounded(ctrlr);
        outcomes.connected++;
      } finally {
        await typed(() => driver.detach(ctrlr));
      }
    }),
    { numRuns: CONNECTS, includeErrorInReport: true, endOnFailure: true },
  );
  console.log(
    `chaos identify at init: ${JSON.stringify(outcomes)}, corrupt responses ${JSON.stringify(seen)}`,
  );
  assert.ok(outcomes.connected > 0, "clean or tolerable identify data still connects");
});

test(`corrupt identify data on namespace rescans (attach/detach): bounded values or a typed error, never a hang (${RESCANS} rescans)`, async () => {
  const { driver, device } = inThreadRig({
    readyDelayMs: 0,
    shutdownDelayMs: 0,
    recordData: false,
    chaos: { seed: 1 },
  });
  const ctrlr = await driver.connect(EMBEDDED_SOFT_TRID, OPTIONS);
  const chaos = device.chaos!;
  const outcomes = { ok: 0, refused: 0 };
  const seen: Record<string, number> = {};
  try {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.constantFrom(0.2, 0.5, 1), async (seed, identifyRate) => {
        chaos.reseed(seed);
        chaos.identifyRate = identifyRate;
        // Namespace 2 attached or detached: the host rescans its namespaces either way.
        const rescan = device.namespaces.get(2)!.attached
          ? () => ctrlr.detachNamespace(2)
          : () => ctrlr.attachNamespace(2);
        if ((await typed(rescan)) === null) outcomes.refused++;
        else outcomes.ok++;
        assert.not.ok(chaos.stats.listExhausted, "the host paged an endless namespace list to its end");
        checkBounded(ctrlr);
      }),
      {
        numRuns: RESCANS,
        includeErrorInReport: true,
        endOnFailure: true,
        // Once served a size whose blocks counted exactly but whose bytes did not (past 2^53).
        examples: [[1696625969, 1]],
      },
    );
  } finally {
    await typed(() => driver.detach(ctrlr));
  }
  const corrupt = countCorrupt(device, seen);
  console.log(
    `chaos identify on rescans: ${JSON.stringify(outcomes)}, ${corrupt} corrupt responses ${JSON.stringify(seen)}`,
  );
  assert.ok(corrupt >= RESCANS / 10, `only ${corrupt} corrupt identify responses served`);
});

test.run();
