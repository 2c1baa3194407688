/**
 * Opening the TCP connection of one NVMe/TCP queue, with errors that say what to check.
 * @module
 */
import { connect, type Socket } from "node:net";
import { TransportError } from "@nvmekit/core/transport";

/** Bytes each read from the socket lands in: one buffer per socket, reused for every read. */
const READ_BUFFER_BYTES = 256 * 1024;

/** Where a socket's received bytes go; valid only during the call (the buffer is reused). */
export type ReceiveSink = (bytes: Uint8Array) => void;

/**
 * Connects to `host`:`port`. Received bytes are read into one buffer of the socket's own and handed
 * to `sink` (no Buffer allocated per read, as a 'data' listener would have).
 * @throws TransportError naming the address and the likely fix (refused, unreachable, no answer in `timeoutMs`)
 */
export function openSocket(
  host: string,
  port: number,
  timeoutMs: number,
  sink: ReceiveSink,
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const socket = connect({
      host,
      port,
      onread: {
        buffer,
        callback: (n: number) => {
          sink(buffer.subarray(0, n));
          return true;
        },
      },
    });
    const where = `${host}:${port}`;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new TransportError(
          `no answer from the NVMe/TCP target at ${where} within ${timeoutMs} ms: check traddr and trsvcid`,
        ),
      );
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new TransportError(`cannot reach the NVMe/TCP target at ${where}: ${describe(e)}`, { cause: e }),
      );
    });
  });
}

function describe(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ECONNREFUSED":
      return "connection refused (is a target listening there? `nvmekit target` starts one; check traddr and trsvcid)";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no route to the address (check traddr)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the name does not resolve (check traddr)";
    default:
      return e.message;
  }
}
