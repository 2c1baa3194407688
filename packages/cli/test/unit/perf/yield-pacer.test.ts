// The perf loop's pacer: turns of the event loop come about every YIELD_INTERVAL_MS whatever a
// polling round costs, with the clock read once per turn.
import { YIELD_INTERVAL_MS, YieldPacer } from "@nvmekit/cli";
import { test } from "uvu";
import * as assert from "uvu/assert";

/** Rounds the pacer lets pass before its next turn. */
function roundsToTurn(pacer: YieldPacer): number {
  let n = 1;
  while (!pacer.due()) n++;
  return n;
}

test("cheap rounds: the rounds per turn double until turns are YIELD_INTERVAL_MS apart", () => {
  const roundMs = 0.001;
  let now = 0;
  const pacer = new YieldPacer(now);
  let rounds = roundsToTurn(pacer);
  assert.is(rounds, 256);
  for (let turn = 0; turn < 30; turn++) {
    now += rounds * roundMs;
    pacer.yielded(now);
    rounds = roundsToTurn(pacer);
  }
  const gap = rounds * roundMs;
  assert.ok(gap >= YIELD_INTERVAL_MS / 2 && gap <= YIELD_INTERVAL_MS * 2, `${gap} ms between turns`);
});

test("dear rounds (a QD 1 loop waiting on an emulated device): the rounds per turn halve, to at least 16", () => {
  let now = 0;
  const pacer = new YieldPacer(now);
  let rounds = roundsToTurn(pacer);
  for (let turn = 0; turn < 30; turn++) {
    now += rounds * 1; // 1 ms per round
    pacer.yielded(now);
    rounds = roundsToTurn(pacer);
  }
  assert.is(rounds, 16);
});

test.run();
