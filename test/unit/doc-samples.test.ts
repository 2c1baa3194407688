// Every code sample in the README and docs is true as written (issue #18): each ```ts / ```js fence
// in README.md, docs/*.md and packages/*/README.md is type-checked with the repo's compiler settings,
// and run unless its fence says why it cannot be. Fence info after the language:
//   (nothing)                 type-checked, then run on node against the software controller
//   check-only <why>          type-checked only: needs hardware or a remote target, named in <why>
//   excerpt <path>            a shortened excerpt of <path> (which `tsc -b` compiles): its lines
//                             appear there in order; a comment line holding "..." stands for cut code
// Shell fences are not checked here (they run pnpm, npm or nvmekit against devices and rigs).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The markdown files that hold samples and at least how many each holds, so that a fence this test
 * stops recognising (a renamed language, a broken marker) fails instead of vanishing from the check.
 */
const MIN_SAMPLES: Record<string, number> = {
  "README.md": 2,
  "docs/io-path.md": 1,
  "docs/transports.md": 4,
  "packages/liblightnvm-compat/README.md": 1,
  "packages/nvmed-compat/README.md": 1,
  "packages/softnvme/README.md": 1,
  "packages/transport-rdma/README.md": 1,
  "packages/transport-tcp/README.md": 1,
};

type Mode = "run" | "check-only" | "excerpt";

interface Sample {
  /** Where it is, as `file.md:line` of the opening fence. */
  where: string;
  lang: "ts" | "js";
  mode: Mode;
  /** The reason (check-only) or the excerpted file (excerpt). */
  arg: string;
  code: string;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  const packages = readdirSync(join(root, "packages"))
    .map((p) => `packages/${p}/README.md`)
    .filter((f) => {
      try {
        readFileSync(join(root, f));
        return true;
      } catch {
        return false;
      }
    });
  return ["README.md", ...docs, ...packages];
}

const FENCE = /^```(ts|typescript|js|javascript)\b[ \t]*(.*)$/;

function extract(file: string): Sample[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]!);
    if (m === null) continue;
    const where = `${file}:${i + 1}`;
    const [, language, info] = m;
    const [marker = "", ...rest] = info!.trim().split(/\s+/);
    const arg = rest.join(" ");
    let mode: Mode;
    if (marker === "") mode = "run";
    else if (marker === "check-only" || marker === "excerpt") mode = marker;
    else throw new Error(`${where}: unknown fence marker "${marker}" (none, check-only or excerpt)`);
    if (mode !== "run" && arg === "") throw new Error(`${where}: "${marker}" must say why, or of what`);
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${where}: the fence is not closed`);
    const lang = language!.startsWith("t") ? "ts" : "js";
    samples.push({ where, lang, mode, arg, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return samples;
}

/** A line's code without a trailing `// comment` and surrounding blanks. */
function codeOf(line: string): string {
  return line.replace(/\s\/\/.*$/, "").trim();
}

/** Null when every line of the excerpt appears in the file, in order; else the first line that does not. */
function missingFromFile(sample: Sample): string | null {
  const source = readFileSync(join(root, sample.arg), "utf8").split("\n").map(codeOf);
  let at = 0;
  for (const line of sample.code.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || (trimmed.startsWith("//") && trimmed.includes("..."))) continue;
    const found = source.indexOf(codeOf(line), at);
    if (found < 0) return line;
    at = found + 1;
  }
  return null;
}

/** The repo's compiler settings, for samples: no output, and unused names allowed (a sample may end on one). */
function compilerOptions(): ts.CompilerOptions {
  const base = ts.readConfigFile(join(root, "tsconfig.base.json"), ts.sys.readFile);
  const { options, errors } = ts.convertCompilerOptionsFromJson(base.config.compilerOptions, root);
  assert.equal(errors, [], "tsconfig.base.json parses");
  return {
    ...options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
    allowJs: true,
    checkJs: true,
  };
}

const exec = promisify(execFile);

const samples = markdownFiles().flatMap(extract);

test("every markdown file known to hold samples still holds them", () => {
  for (const [file, min] of Object.entries(MIN_SAMPLES)) {
    const n = samples.filter((s) => s.where.startsWith(`${file}:`)).length;
    assert.ok(n >= min, `${file}: ${n} code samples found, at least ${min} expected`);
  }
});

test("excerpts appear, line by line and in order, in the file they are taken from", () => {
  const excerpts = samples.filter((s) => s.mode === "excerpt");
  assert.ok(excerpts.length > 0);
  for (const s of excerpts) {
    const missing = missingFromFile(s);
    assert.is(missing, null, `${s.where}: not in ${s.arg}: ${missing}`);
  }
});

test("every other sample type-checks as written, and every runnable one runs", async () => {
  const checked = samples.filter((s) => s.mode !== "excerpt");
  const runnable = checked.filter((s) => s.mode === "run");
  assert.ok(runnable.length > 0 && checked.length > runnable.length);
  // Beside test/ (and test/dist/ for the transpiled ones), so that @nvmekit/* resolve through
  // test/node_modules and `../examples/...` reaches the example transport as the docs say.
  const srcDir = mkdtempSync(join(root, "test", ".doc-samples-"));
  const runDir = join(root, "test", "dist", basename(srcDir));
  mkdirSync(runDir, { recursive: true });
  try {
    const files = new Map<string, Sample>();
    checked.forEach((s, i) => {
      const name = `${s.where.replace(/[^A-Za-z0-9]+/g, "-")}-${i}.${s.lang === "ts" ? "mts" : "mjs"}`;
      writeFileSync(join(srcDir, name), s.code);
      files.set(join(srcDir, name), s);
    });

    const program = ts.createProgram([...files.keys()], compilerOptions());
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (d.file === undefined) return text;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const sample = files.get(d.file.fileName);
      const at = sample === undefined ? relative(root, d.file.fileName) : `${sample.where} (+${line + 1})`;
      return `${at}: ${text}`;
    });
    assert.equal(problems, [], "type errors in samples");

    for (const s of runnable) {
      const js = ts.transpileModule(s.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const file = join(runDir, `${s.where.replace(/[^A-Za-z0-9]+/g, "-")}.mjs`);
      writeFileSync(file, js);
      // A sample that leaves a worker or a socket open never exits: the time limit catches that too.
      await exec(process.execPath, [file], { cwd: dirname(file), timeout: 20_000 }).catch((e: unknown) => {
        const err = e as { code?: unknown; signal?: unknown; stderr?: string };
        assert.unreachable(`${s.where} failed (${err.signal ?? err.code}): ${err.stderr ?? e}`);
      });
    }
    console.log(`doc samples: ${runnable.length} run, ${checked.length - runnable.length} type-checked only`);
  } finally {
    rmSync(srcDir, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  }
});

test.run();
