/**
 * Fuzz tier: the command line. Random argv built from the program's own commands, flags and
 * arguments (with good, bad and absurd values, flags of other commands, unknown flags and noise) is
 * parsed by the real `nvmekit` program with every command's action replaced by a recorder, so no
 * device is opened. Every argv must either reach an action with well-formed values or end in a
 * commander error or an error the CLI reports as a user error: never another exception, which the
 * CLI would print as "internal error". fast-check prints the seed and the shrunk counterexample
 * when a property fails.
 */
import { type Command, CommanderError } from "commander";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildProgram } from "../../src/program.js";
import { ExitCode, reportError } from "../../src/runtime/cli-error.js";

const RUNS = 10_000;

/** A command of the tree with its path from the program, e.g. ["zns", "report"]. */
interface Node {
  path: string[];
  cmd: Command;
}

/** Every command of `root` (depth first), with its path. */
function walkCommands(root: Command, path: string[] = []): Node[] {
  return root.commands.flatMap((c) => [
    { path: [...path, c.name()], cmd: c },
    ...walkCommands(c, [...path, c.name()]),
  ]);
}

/** The program, silent, with every action replaced by one that records what it was given. */
function stubbedProgram(calls: unknown[][]): Command {
  const program = buildProgram();
  for (const c of [program, ...walkCommands(program).map((n) => n.cmd)]) {
    c.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    if (c !== program && c.commands.length === 0) c.action((...args: unknown[]) => void calls.push(args));
  }
  return program;
}

const tree = walkCommands(buildProgram());
const allFlags = [...new Set(tree.flatMap((n) => n.cmd.options.flatMap((o) => [o.long, o.short])))].filter(
  (f): f is string => f !== undefined,
);

const value = fc.oneof(
  fc.constantFrom(
    "0",
    "1",
    "7",
    "512",
    "4096",
    "4k",
    "128KiB",
    "1m",
    "0x10",
    "0xFFFFFFFF",
    "-1",
    "1.5",
    "1e3",
  ),
  fc.constantFrom(
    "9007199254740993",
    "99999999999999999999999",
    "NaN",
    "Infinity",
    "",
    " ",
    "json",
    "normal",
  ),
  fc.constantFrom("trtype:PCIe traddr:0000:01:00.0", "trtype:TCP traddr:10.0.0.1 trsvcid:4420", "x", "--"),
  fc.nat().map(String),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);

/** One argv token sequence for `node` (its flags, others' flags, values, noise). */
function tokensFor(node: Node) {
  const own = node.cmd.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => f !== undefined);
  const flag = fc.oneof(
    ...(own.length > 0 ? [fc.constantFrom(...own), fc.constantFrom(...own)] : []),
    fc.constantFrom(...allFlags),
    fc.constantFrom("--help", "-h", "--version", "--bogus", "-", "--", "--no-json"),
  );
  const token = fc.oneof(
    fc.tuple(flag, value).map(([f, v]) => [f, v]),
    fc.tuple(flag, value).map(([f, v]) => [`${f}=${v}`]),
    flag.map((f) => [f]),
    value.map((v) => [v]),
  );
  // What the command needs to get as far as its action: its mandatory flags and arguments, plainly.
  const needed = [
    ...node.cmd.options.filter((o) => o.mandatory).flatMap((o) => [o.long ?? o.short!, "1"]),
    ...node.cmd.registeredArguments.filter((a) => a.required).map(() => "1"),
  ];
  return fc
    .tuple(fc.boolean(), fc.array(token, { maxLength: 8 }))
    .map(([complete, ts]) => [...node.path, ...(complete ? needed : []), ...ts.flat()]);
}

const argv = fc.oneof(fc.constantFrom(...tree).chain(tokensFor), fc.array(value, { maxLength: 6 }));

/** Every number an action received is a finite one (parsers never let NaN or Infinity through). */
function checkValues(args: unknown[]): void {
  for (const a of args) {
    if (a === null || typeof a !== "object" || !("constructor" in a) || a.constructor !== Object) continue;
    for (const [key, v] of Object.entries(a)) {
      if (typeof v === "number") assert.ok(Number.isFinite(v), `--${key} reached the action as ${v}`);
    }
  }
}

test(`nvmekit argv: an action with finite values, a commander error, or a user error (${RUNS} command lines)`, async () => {
  const outcomes = { parsed: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(argv, async (args) => {
      const calls: unknown[][] = [];
      try {
        await stubbedProgram(calls).parseAsync(args, { from: "user" });
        for (const call of calls) checkValues(call);
        outcomes.parsed++;
      } catch (e) {
        if (!(e instanceof CommanderError)) {
          const report = reportError(e);
          assert.ok(report.exitCode !== ExitCode.Internal, `an unexpected error: ${report.text}`);
        }
        outcomes.refused++;
      }
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
  assert.ok(outcomes.parsed > RUNS / 20 && outcomes.refused > RUNS / 20, JSON.stringify(outcomes));
});

test.run();
