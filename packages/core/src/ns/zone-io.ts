/**
 * The Zoned Namespace commands of a namespace, as one request each: Zone Management Send (a zone
 * action, optionally on every zone), Zone Management Receive (a report into the caller's buffer) and
 * Zone Append (never split: the device picks where the data goes inside one zone). Checks come before
 * anything is taken from the queue pair; positional arguments keep the path free of allocation.
 * @module
 */
import { ENOMEM } from "../errors/errno.js";
import { InvalidArgumentError, StateError } from "../errors/errors.js";
import {
  type ZoneReportOptions,
  type ZoneSendAction,
  zoneAppend,
  zoneManagementReceive,
  zoneManagementSend,
} from "../nvme-spec/zns.js";
import type { QueuePair } from "../qpair/queue-pair.js";
import type { CommandCallback } from "../rq/request.js";
import { checkIoFlags, checkRange, payloadIova, transferBlockSize } from "./io.js";
import type { Namespace } from "./namespace.js";

/** Throws unless `ns` is a zoned namespace and both the controller and `qp` are usable. */
function checkZoned(ns: Namespace, qp: QueuePair): void {
  ns.owner.assertUsable();
  qp.assertUsable();
  if (!ns.isZoned) {
    throw new StateError(
      `namespace ${ns.id} is not zoned (or the controller was not enabled with all its I/O command sets)`,
    );
  }
}

/**
 * Zone Management Send of `action` on the zone holding `lba`, or on every zone when `selectAll`
 * (then `lba` is not used). Returns 0 or -ENOMEM.
 * @throws StateError when the namespace is not zoned or `qp`/the controller is closed
 * @throws InvalidArgumentError for an LBA outside the namespace
 */
export function submitZoneSend(
  ns: Namespace,
  qp: QueuePair,
  lba: number,
  action: ZoneSendAction,
  selectAll: boolean,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
): number {
  checkZoned(ns, qp);
  if (!selectAll) checkRange(ns, lba, 1, 1);
  const req = qp.takeRequest();
  if (req === null) return -ENOMEM;
  req.cb = cb;
  req.cbArg = cbArg;
  zoneManagementSend(req.cmd, ns.id, selectAll ? 0 : lba, action, selectAll);
  qp.submit(req, null);
  return 0;
}

/**
 * Zone Management Receive of the zones from the one holding `lba`, into `buffer` (its whole length,
 * at least the 64-byte header, a multiple of 4). Returns 0 or -ENOMEM.
 * @throws StateError when the namespace is not zoned or `qp`/the controller is closed
 * @throws InvalidArgumentError for an LBA outside the namespace, or a bad buffer
 */
export function submitZoneReceive(
  ns: Namespace,
  qp: QueuePair,
  buffer: ArrayBufferView,
  lba: number,
  opts: ZoneReportOptions,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
): number {
  checkZoned(ns, qp);
  checkRange(ns, lba, 1, 1);
  const bytes = buffer.byteLength;
  if (bytes < 64 || bytes % 4 !== 0 || bytes > ns.maxIoTransferSize) {
    throw new InvalidArgumentError(
      "buffer",
      `${bytes} bytes: give at least 64, a multiple of 4, at most ${ns.maxIoTransferSize}`,
    );
  }
  const iova = payloadIova(ns, buffer, bytes, "buffer");
  const req = qp.takeRequest();
  if (req === null) return -ENOMEM;
  req.cb = cb;
  req.cbArg = cbArg;
  zoneManagementReceive(req.cmd, ns.id, lba, bytes, opts);
  req.payload.setContiguous(buffer, iova, bytes);
  qp.submit(req, null);
  return 0;
}

/**
 * Zone Append of `count` blocks from `buffer` to the zone starting at `zslba`: one command, never
 * split. Returns 0 or -ENOMEM.
 * @throws StateError when the namespace is not zoned or `qp`/the controller is closed
 * @throws InvalidArgumentError when `zslba` is not a zone's first LBA, the append is above the zone
 *   append size limit or the zone size, or for bad I/O flags or buffer
 */
export function submitZoneAppend(
  ns: Namespace,
  qp: QueuePair,
  buffer: ArrayBufferView,
  zslba: number,
  count: number,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
  ioFlags: number,
): number {
  checkZoned(ns, qp);
  checkRange(ns, zslba, count, Math.min(ns.zoneAppendMaxBlocks, ns.zoneSize));
  if (zslba % ns.zoneSize !== 0) {
    throw new InvalidArgumentError(
      "zslba",
      `${zslba} is not the first LBA of a zone (zone size ${ns.zoneSize})`,
    );
  }
  checkIoFlags(ioFlags);
  const length = count * transferBlockSize(ns, ioFlags);
  const iova = payloadIova(ns, buffer, length, "buffer");
  const req = qp.takeRequest();
  if (req === null) return -ENOMEM;
  req.cb = cb;
  req.cbArg = cbArg;
  zoneAppend(req.cmd, ns.id, zslba, count, ioFlags);
  req.payload.setContiguous(buffer, iova, length);
  qp.submit(req, null);
  return 0;
}
