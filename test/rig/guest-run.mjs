/**
 * Runs one command in a fresh QEMU guest and reports what happened. The guest sees the host root
 * read-only (with a tmpfs overlay), so node and the checkout are at the same paths; a per-run folder,
 * shared read-write as /run/rig, carries the command in and its output and exit status out.
 * A guest that fails to boot, panics, or runs out of time is a failure, never a pass.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { getConfig } from "./configs.mjs";
import { checkoutDir } from "./paths.mjs";
import { qemuArgs } from "./qemu-args.mjs";
import { startQmpBridge } from "./qmp-bridge.mjs";
import { ensureRig } from "./setup.mjs";

/** Runs in progress (QEMU process -> temp folder), ended and removed if this process stops early. */
const live = new Map();
process.on("exit", () => {
  for (const [child, dir] of live) {
    child.kill("SIGTERM"); // `timeout` passes it on to QEMU, which exits at once
    rmSync(dir, { recursive: true, force: true });
  }
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

/** Quotes one word for sh. */
const shQuote = (word) => `'${String(word).replaceAll("'", "'\\''")}'`;

/** Follows a file the guest appends to, handing new bytes to `sink`. */
function follower(path, sink) {
  let offset = 0;
  const buf = Buffer.alloc(1 << 16);
  return () => {
    if (!existsSync(path)) return;
    const fd = openSync(path, "r");
    try {
      let n = readSync(fd, buf, 0, buf.length, offset);
      while (n > 0) {
        offset += n;
        sink(Buffer.from(buf.subarray(0, n)));
        n = readSync(fd, buf, 0, buf.length, offset);
      }
    } finally {
      closeSync(fd);
    }
  };
}

/** The last lines of a text file, or '' when it does not exist. */
function tail(path, lines) {
  if (!existsSync(path)) return "";
  return readFileSync(path, "utf8").replace(/\r/g, "").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Says why a guest that left no exit status failed. */
/** Whether QEMU's exit status says it crashed: killed by SIGSEGV, SIGBUS or SIGABRT. */
function crashStatus(qemuStatus) {
  return [constants.signals.SIGSEGV, constants.signals.SIGBUS, constants.signals.SIGABRT].some(
    (n) => qemuStatus === 128 + n,
  );
}

function diagnose(qemuStatus, timeoutSeconds, consoleLog, qemuStderr) {
  const log = existsSync(consoleLog) ? readFileSync(consoleLog, "utf8") : "";
  if (qemuStatus === 124 || qemuStatus === 137) return `guest timed out after ${timeoutSeconds} s`;
  if (crashStatus(qemuStatus)) return `QEMU crashed (signal ${qemuStatus - 128})`;
  if (/Kernel panic/.test(log)) return "guest kernel panicked";
  if (qemuStatus !== 0) return `QEMU failed (exit ${qemuStatus}): ${qemuStderr.trim()}`;
  return "guest stopped without reporting an exit status";
}

/**
 * Boots a guest with configuration `config`, runs `command` in `cwd`, and powers it off.
 * @param {object} options
 * @param {string[]} options.command argv to run in the guest
 * @param {string} [options.config] name of a device configuration in configs.mjs
 * @param {number} [options.timeoutSeconds] limit for the whole guest, boot included
 * @param {string} [options.cwd] working folder in the guest (default: the checkout)
 * @param {Record<string, string>} [options.env] extra environment variables for the command
 * @param {(chunk: Buffer) => void} [options.onStdout] receives the command's stdout as it comes
 * @param {(chunk: Buffer) => void} [options.onStderr] receives the command's stderr as it comes
 * @returns {Promise<{ exitCode: number | null, failure: string | null, seconds: number, emulatorCrashed: boolean }>}
 *   exitCode is the command's; failure says why the guest failed, in which case exitCode is null;
 *   emulatorCrashed, whether QEMU itself crashed (not the guest, not a time limit).
 */
export async function runInGuest({
  command,
  config = "default",
  timeoutSeconds = 300,
  cwd = checkoutDir,
  env = {},
  onStdout = (chunk) => process.stdout.write(chunk),
  onStderr = (chunk) => process.stderr.write(chunk),
}) {
  const started = Date.now();
  const device = getConfig(config);
  const rig = ensureRig({ kernel: device.kernel });
  const dir = mkdtempSync(join(tmpdir(), "nvmekit-rig-"));
  try {
    const share = join(dir, "share");
    mkdirSync(share);
    const vars = { RIG_CONFIG: config, ...fabricVars(device.fabrics), ...env };
    writeFileSync(
      join(share, "env.sh"),
      Object.entries(vars)
        .map(([k, v]) => `export ${k}=${shQuote(v)}\n`)
        .join(""),
    );
    writeFileSync(
      join(share, "command.sh"),
      `cd ${shQuote(cwd)} || exit 126\nexec ${command.map(shQuote).join(" ")}\n`,
    );
    const consoleLog = join(dir, "console.log");
    const args = qemuArgs({ config: device, rig, dir, share, consoleLog, qmpSocket: join(dir, "qmp.sock") });
    const qemu = spawn("timeout", ["--kill-after=5", String(timeoutSeconds), "qemu-system-x86_64", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    live.set(qemu, dir);
    let qemuStderr = "";
    qemu.stderr.on("data", (d) => {
      qemuStderr += d;
    });
    const exited = new Promise((resolve) =>
      // `timeout` re-raises on itself the signal that ended QEMU (SIGSEGV when QEMU crashed).
      qemu.on("close", (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 15))),
    );
    const followStdout = follower(join(share, "stdout"), onStdout);
    const followStderr = follower(join(share, "stderr"), onStderr);
    const qmp = device.qmp ? startQmpBridge(join(dir, "qmp.sock"), join(share, "qmp")) : null;
    const poll = setInterval(() => {
      followStdout();
      followStderr();
      qmp?.poll().catch(() => {}); // a failed request is answered with an error inside poll
    }, 100);
    const qemuStatus = await exited;
    clearInterval(poll);
    live.delete(qemu);
    qmp?.close();
    followStdout();
    followStderr();
    const seconds = (Date.now() - started) / 1000;
    const statusFile = join(share, "status");
    if (existsSync(statusFile) && qemuStatus === 0) {
      return {
        exitCode: Number(readFileSync(statusFile, "utf8").trim()),
        failure: null,
        seconds,
        emulatorCrashed: false,
      };
    }
    const guestError = join(share, "guest-error");
    const failure = existsSync(guestError)
      ? `guest set-up failed: ${readFileSync(guestError, "utf8").trim()}`
      : diagnose(qemuStatus, timeoutSeconds, consoleLog, qemuStderr);
    const lastLines = tail(consoleLog, 30);
    const report = lastLines ? `${failure}\n--- guest console (last lines) ---\n${lastLines}` : failure;
    return { exitCode: null, failure: report, seconds, emulatorCrashed: crashStatus(qemuStatus) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Environment variables that tell the guest which NVMe-oF targets to start (guest/fabrics-up.sh). */
function fabricVars(fabrics) {
  if (!fabrics) return {};
  return {
    RIG_FABRICS: "1",
    RIG_TCP_ADDR: fabrics.tcp.traddr,
    RIG_TCP_PORT: fabrics.tcp.trsvcid,
    RIG_RDMA_ADDR: fabrics.rdma.traddr,
    RIG_RDMA_PORT: fabrics.rdma.trsvcid,
    RIG_NULL_NQN: fabrics.nullNqn,
    RIG_FILE_NQN: fabrics.fileNqn,
  };
}
