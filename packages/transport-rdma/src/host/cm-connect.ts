/**
 * The connection-manager steps of one NVMe-oF RDMA queue: resolve the target's address and route,
 * then connect with the NVMe-oF private data (record format 0, queue ID, host receive and send queue
 * sizes) and read the target's accept (its receive queue size) or reject (the NVMe-oF reason).
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIPv4, isIPv6 } from "node:net";
import { NativeError, TransportError } from "@nvmekit/core";
import koffi from "koffi";
import { type CmEvent, type CmId, cmEventName } from "../native/cm-channel.js";
import { AF_INET, AF_INET6, CmEventType, RdmaConnParam } from "../native/layouts.js";
import { rdmaLibraries } from "../native/libraries.js";
import type { NativeBlock } from "../native/native-block.js";

/** How long address and route resolution may take each, as SPDK and Linux allow. */
const RESOLVE_TIMEOUT_MS = 2000;
/** Size of the NVMe-oF RDMA CM request private data. */
const REQUEST_PRIVATE_DATA = 32;
/** Retries of a lost packet and of a receiver not ready (7: forever, so a slow repost never fails I/O). */
const RETRY_COUNT = 7;
const RNR_RETRY_COUNT = 7;

/** The NVMe-oF reject reasons (the `sts` of the CM reject private data). */
const REJECT_REASONS: Readonly<Record<number, string>> = {
  1: "invalid private data length",
  2: "invalid record format",
  3: "invalid queue ID",
  4: "invalid host send queue size (the admin queue takes at most 32 entries on Linux)",
  5: "invalid host receive queue size",
  6: "the target has no resources for the queue",
  7: "invalid IRD",
  8: "invalid ORD",
};

/**
 * The sockaddr (IPv4 or IPv6) of `host` (an address or a name) and `port`.
 * @throws TransportError when the name does not resolve
 */
export async function socketAddress(host: string, port: number): Promise<Uint8Array> {
  let address = host;
  if (!isIPv4(host) && !isIPv6(host)) {
    try {
      address = (await lookup(host)).address;
    } catch (e) {
      throw new TransportError(`RDMA target "${host}" does not resolve: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  if (isIPv4(address)) {
    const sa = new Uint8Array(16); // sockaddr_in
    const v = new DataView(sa.buffer);
    v.setUint16(0, AF_INET, true);
    v.setUint16(2, port, false);
    sa.set(address.split(".").map(Number), 4);
    return sa;
  }
  const sa = new Uint8Array(28); // sockaddr_in6
  const v = new DataView(sa.buffer);
  v.setUint16(0, AF_INET6, true);
  v.setUint16(2, port, false);
  const groups = expandIPv6(address);
  for (let i = 0; i < 8; i++) v.setUint16(8 + 2 * i, groups[i]!, false);
  return sa;
}

/** The eight 16-bit groups of an IPv6 address (with `::` expanded). */
function expandIPv6(address: string): number[] {
  const [head, tail] = address.split("::") as [string, string | undefined];
  const part = (s: string | undefined) =>
    s === undefined || s === "" ? [] : s.split(":").map((g) => parseInt(g, 16));
  const front = part(head);
  const back = part(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function expect(event: CmEvent, wanted: CmEventType, step: string, where: string): void {
  if (event.type === wanted) return;
  const why = event.status < 0 ? ` (${new NativeError(step, -event.status).errnoName})` : "";
  throw new TransportError(`RDMA ${step} to ${where}: ${cmEventName(event.type)}${why}`);
}

/**
 * Resolves `address` and the route to it on `id`, which then knows its device (`id->verbs`).
 * @throws TransportError naming the step that failed (no route: is an RDMA device up on a matching
 *   network interface?)
 */
export async function resolveRoute(id: CmId, address: Uint8Array, where: string): Promise<void> {
  const lib = rdmaLibraries();
  if (lib.rdma_resolve_addr(id.id, null, address, RESOLVE_TIMEOUT_MS) !== 0)
    throw new NativeError(
      `rdma_resolve_addr(${where})`,
      koffi.errno(),
      "no RDMA device reaches it (check `rdma link` and the interface's address)",
    );
  expect(
    await id.next("address resolution", RESOLVE_TIMEOUT_MS * 2),
    CmEventType.AddrResolved,
    "address resolution",
    where,
  );
  if (lib.rdma_resolve_route(id.id, RESOLVE_TIMEOUT_MS) !== 0)
    throw new NativeError(`rdma_resolve_route(${where})`, koffi.errno());
  expect(
    await id.next("route resolution", RESOLVE_TIMEOUT_MS * 2),
    CmEventType.RouteResolved,
    "route resolution",
    where,
  );
}

/** What a queue asks for when it connects. */
export interface QueueConnectRequest {
  /** Queue ID (0: admin). */
  qid: number;
  /** Entries of the queue: the host posts this many receives (HRQSIZE) and sends at most this minus one (HSQSIZE, 0's based). */
  depth: number;
  /** RDMA reads the target may have outstanding towards us (the adapter's limit). */
  responderResources: number;
  /** RDMA reads we may have outstanding (the adapter's limit). */
  initiatorDepth: number;
}

/**
 * Connects `id` (its queue pair created and its receives posted) with the NVMe-oF private data and
 * waits for the target's answer.
 * @param scratch native memory for the connection parameters (at least 64 bytes, unused otherwise)
 * @returns the target's receive queue size from the accept (0 when it sent none)
 * @throws TransportError with the NVMe-oF reject reason, or the event that came instead
 */
export async function establish(
  id: CmId,
  scratch: NativeBlock,
  request: QueueConnectRequest,
  where: string,
  timeoutMs: number,
): Promise<number> {
  const bytes = scratch.bytes;
  bytes.fill(0, 0, RdmaConnParam.size + REQUEST_PRIVATE_DATA);
  const privateAt = RdmaConnParam.size;
  const pd = new DataView(bytes.buffer, bytes.byteOffset + privateAt, REQUEST_PRIVATE_DATA);
  pd.setUint16(0, 0, true); // recfmt
  pd.setUint16(2, request.qid, true);
  pd.setUint16(4, request.depth, true); // hrqsize
  pd.setUint16(6, request.depth - 1, true); // hsqsize, 0's based
  const param = new DataView(bytes.buffer, bytes.byteOffset, RdmaConnParam.size);
  param.setBigUint64(RdmaConnParam.privateData, scratch.pointer(privateAt), true);
  param.setUint8(RdmaConnParam.privateDataLen, REQUEST_PRIVATE_DATA);
  param.setUint8(RdmaConnParam.responderResources, Math.min(255, request.responderResources));
  param.setUint8(RdmaConnParam.initiatorDepth, Math.min(255, request.initiatorDepth));
  param.setUint8(RdmaConnParam.retryCount, RETRY_COUNT);
  param.setUint8(RdmaConnParam.rnrRetryCount, RNR_RETRY_COUNT);
  if (rdmaLibraries().rdma_connect(id.id, scratch.address) !== 0)
    throw new NativeError(`rdma_connect(${where}, queue ${request.qid})`, koffi.errno());
  const event = await id.next(`connect of queue ${request.qid}`, timeoutMs);
  if (event.type === CmEventType.Rejected) {
    const data = event.privateData;
    const sts = data.length >= 4 ? new DataView(data.buffer, data.byteOffset).getUint16(2, true) : -1;
    const reason =
      REJECT_REASONS[sts] ??
      (sts < 0 ? "no NVMe-oF reason given (is this an NVMe-oF RDMA port?)" : `reason ${sts}`);
    throw new TransportError(
      `RDMA target ${where} rejected queue ${request.qid} (${request.depth} entries): ${reason}`,
    );
  }
  expect(event, CmEventType.Established, `connect of queue ${request.qid}`, where);
  const data = event.privateData;
  return data.length >= 4 ? new DataView(data.buffer, data.byteOffset).getUint16(2, true) : 0;
}
