/**
 * Reading a Discovery Log Page completely and consistently: its size comes from the header, and the
 * whole is re-read while the target's generation counter changes underneath (a subsystem or port
 * added between reads), as nvme-cli and SPDK do.
 * @module
 */
import { NvmeError } from "../errors/errors.js";
import {
  DISCOVERY_LOG_HEADER_SIZE,
  type DiscoveryLog,
  decodeDiscoveryLog,
  decodeDiscoveryLogHeader,
  discoveryLogSize,
} from "../nvme-spec/discovery-log.js";

/** Reads `size` bytes of the log from byte `offset`. */
export type LogReader = (size: number, offset: number) => Promise<Uint8Array>;

/** Attempts before giving up on a log that keeps changing. */
const MAX_ATTEMPTS = 10;
/** Bytes read per Get Log Page, within any target's transfer limit. */
const CHUNK = 4096;
/** Most entries believed: the count comes from the peer, and sizes an allocation. */
const MAX_ENTRIES = 4096;

/**
 * The whole log, with every entry from one generation.
 * @throws NvmeError when the generation counter changed on every one of 10 attempts, or the log
 *   claims more than 4096 entries; the reader's errors
 */
export async function readDiscoveryLog(read: LogReader): Promise<DiscoveryLog> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const first = decodeDiscoveryLogHeader(await read(DISCOVERY_LOG_HEADER_SIZE, 0));
    if (first.numrec > MAX_ENTRIES) {
      throw new NvmeError(
        "ERR_NVME_DISCOVERY_TOO_LARGE",
        `the discovery log claims ${first.numrec} entries; nvmekit reads at most ${MAX_ENTRIES}`,
      );
    }
    const size = discoveryLogSize(Number(first.numrec));
    const whole = new Uint8Array(size);
    for (let at = 0; at < size; at += CHUNK) whole.set(await read(Math.min(CHUNK, size - at), at), at);
    const log = decodeDiscoveryLog(whole);
    const after = decodeDiscoveryLogHeader(await read(DISCOVERY_LOG_HEADER_SIZE, 0));
    if (log.genctr === first.genctr && after.genctr === first.genctr) return log;
  }
  throw new NvmeError(
    "ERR_NVME_DISCOVERY_CHANGING",
    `the discovery log changed on each of ${MAX_ATTEMPTS} reads: the target's configuration is being edited`,
  );
}
