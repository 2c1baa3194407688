/**
 * Byte offsets, sizes and constants of the libibverbs and librdmacm structures this transport reads
 * and writes (rdma-core's verbs.h and rdma_cma.h, x86-64 LP64). They are ABI: stable across
 * rdma-core releases, which is what lets us write them without compiling against the headers.
 * @module
 */

/** `struct ibv_context`: the data-path function pointers in `ops` (slots of `ibv_context_ops`). */
export const IbvContext = {
  pollCq: 96,
  reqNotifyCq: 104,
  postSend: 208,
  postRecv: 216,
} as const;

/** `struct ibv_qp`. */
export const IbvQp = { context: 0, qpNum: 52 } as const;

/** `struct ibv_cq`. */
export const IbvCq = { context: 0 } as const;

/** `struct ibv_mr`. */
export const IbvMr = { lkey: 36, rkey: 40 } as const;

/** `struct ibv_comp_channel`. */
export const IbvCompChannel = { fd: 8 } as const;

/** `struct ibv_sge`: 16 bytes. */
export const IbvSge = { size: 16, addr: 0, length: 8, lkey: 12 } as const;

/** `struct ibv_send_wr`: 128 bytes. */
export const IbvSendWr = {
  size: 128,
  wrId: 0,
  next: 8,
  sgList: 16,
  numSge: 24,
  opcode: 28,
  sendFlags: 32,
} as const;

/** `struct ibv_recv_wr`: 32 bytes. */
export const IbvRecvWr = { size: 32, wrId: 0, next: 8, sgList: 16, numSge: 24 } as const;

/** `struct ibv_wc`: 48 bytes. */
export const IbvWc = { size: 48, wrId: 0, status: 8, opcode: 12, byteLen: 20 } as const;

/** `struct ibv_qp_init_attr`: 64 bytes; `cap` is five u32 (send/recv WRs, send/recv SGEs, inline). */
export const IbvQpInitAttr = {
  size: 64,
  sendCq: 8,
  recvCq: 16,
  capMaxSendWr: 32,
  capMaxRecvWr: 36,
  capMaxSendSge: 40,
  capMaxRecvSge: 44,
  capMaxInlineData: 48,
  qpType: 52,
  sqSigAll: 56,
} as const;

/** `struct ibv_device_attr` (what ibv_query_device fills): 232 bytes. */
export const IbvDeviceAttr = {
  size: 232,
  maxQpWr: 112,
  maxSge: 120,
  maxCqe: 132,
  maxQpRdAtom: 144,
  maxQpInitRdAtom: 156,
} as const;

/** `struct rdma_cm_id`. */
export const RdmaCmId = { verbs: 0, qp: 24 } as const;

/** `struct rdma_conn_param`: 24 bytes. */
export const RdmaConnParam = {
  size: 24,
  privateData: 0,
  privateDataLen: 8,
  responderResources: 9,
  initiatorDepth: 10,
  flowControl: 11,
  retryCount: 12,
  rnrRetryCount: 13,
} as const;

/** `struct rdma_cm_event`: `param.conn` starts with the peer's private data pointer and length. */
export const RdmaCmEvent = { id: 0, event: 16, status: 20, privateData: 24, privateDataLen: 32 } as const;

/** `struct rdma_event_channel`. */
export const RdmaEventChannel = { fd: 0 } as const;

/** `enum rdma_cm_event_type`. */
export enum CmEventType {
  AddrResolved = 0,
  AddrError = 1,
  RouteResolved = 2,
  RouteError = 3,
  ConnectRequest = 4,
  ConnectResponse = 5,
  ConnectError = 6,
  Unreachable = 7,
  Rejected = 8,
  Established = 9,
  Disconnected = 10,
  DeviceRemoval = 11,
  TimewaitExit = 15,
}

/** `RDMA_PS_TCP`: the reliable-connected port space NVMe-oF uses. */
export const RDMA_PS_TCP = 0x106;
/** `IBV_QPT_RC`. */
export const IBV_QPT_RC = 2;
/** `IBV_WR_SEND`. */
export const IBV_WR_SEND = 2;
/** `IBV_SEND_SIGNALED`: every send completes in the CQ (the SQE buffer is reusable only then). */
export const IBV_SEND_SIGNALED = 2;
/** `IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ`. */
export const IBV_ACCESS_ALL_REMOTE = 1 | 2 | 4;
/** `IBV_WC_SUCCESS`. */
export const IBV_WC_SUCCESS = 0;
/** `IBV_WC_WR_FLUSH_ERR`: the QP went to error (disconnect) and flushed this request. */
export const IBV_WC_WR_FLUSH_ERR = 5;
/** `ibv_wc.opcode` of a receive (`IBV_WC_RECV`); sends are below it. */
export const IBV_WC_RECV = 128;

/** Address families (`sockaddr.sa_family`). */
export const AF_INET = 2;
/** IPv6. */
export const AF_INET6 = 10;

/** `fcntl` F_SETFL, and O_NONBLOCK: the event fds are read without blocking. */
export const F_SETFL = 4;
/** O_NONBLOCK. */
export const O_NONBLOCK = 0o4000;
/** `poll` POLLIN. */
export const POLLIN = 1;
