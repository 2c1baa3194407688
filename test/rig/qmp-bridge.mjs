/**
 * Lets a guest drive QEMU's monitor: the guest (guest/qmp.sh) drops `NAME.req` files holding one QMP
 * command into /run/rig/qmp; the host sends each to QEMU's QMP socket and writes the answer to
 * `NAME.resp`. Asynchronous QMP events (e.g. DEVICE_DELETED) are appended to `events`, one per line.
 */
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";

/** A minimal QMP client: one command at a time, answers matched in order. */
class QmpClient {
  /** @param {string} socketPath @param {(event: string) => void} onEvent */
  constructor(socketPath, onEvent) {
    this.waiting = [];
    this.buffered = "";
    this.socket = createConnection(socketPath);
    this.socket.setEncoding("utf8");
    this.socket.on("data", (text) => this.#receive(text, onEvent));
    this.socket.on("error", (err) => this.#failAll(err));
    this.socket.on("close", () => this.#failAll(new Error("QMP socket closed")));
    this.ready = new Promise((resolve, reject) => this.waiting.push({ resolve, reject })) // the greeting
      .then(() => this.execute('{"execute":"qmp_capabilities"}'));
  }

  #receive(text, onEvent) {
    this.buffered += text;
    let nl = this.buffered.indexOf("\n");
    for (; nl >= 0; nl = this.buffered.indexOf("\n")) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (!line) continue;
      if (line.includes('"event"')) onEvent(line);
      else this.waiting.shift()?.resolve(line);
    }
  }

  #failAll(err) {
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Sends one command (a JSON text) and resolves to QEMU's answer line. */
  execute(json) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(`${json.trim()}\n`);
    });
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * Serves the guest's QMP requests for one run.
 * @param {string} socketPath QEMU's QMP socket
 * @param {string} dir the run share's qmp folder
 */
export function startQmpBridge(socketPath, dir) {
  mkdirSync(dir, { recursive: true });
  let client;
  let busy = false;
  return {
    /** Handles any pending request files; call it periodically while the guest runs. */
    async poll() {
      if (busy) return;
      const requests = readdirSync(dir)
        .filter((f) => f.endsWith(".req"))
        .sort();
      if (requests.length === 0) return;
      busy = true;
      try {
        client ??= new QmpClient(socketPath, (event) => appendFileSync(join(dir, "events"), `${event}\n`));
        for (const req of requests) {
          const path = join(dir, req);
          const command = readFileSync(path, "utf8");
          const answer = await client.ready
            .then(() => client.execute(command))
            .catch((err) =>
              JSON.stringify({ error: { class: "RigBridgeError", desc: String(err.message) } }),
            );
          rmSync(path);
          const resp = path.replace(/\.req$/, ".resp");
          writeFileSync(`${resp}.tmp`, `${answer}\n`);
          renameSync(`${resp}.tmp`, resp);
        }
      } finally {
        busy = false;
      }
    },
    close() {
      client?.close();
    },
  };
}
