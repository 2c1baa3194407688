/**
 * A namespace of an attached controller (spdk_nvme_ns): its geometry from Identify Namespace and
 * every namespace command, in the three faces: `cmd*` (callback, returns 0 or -ENOMEM), Promise
 * (`read`, `write`, ...) and RxJS (`read$`, `write$`, ...). The contract of each face (thread,
 * buffer lifetime, when callbacks run, what is thrown) is on the Namespace class.
 * @module
 */
import { defer, type Observable } from "rxjs";
import type { NextSgeCallback, ResetSglCallback } from "../dataptr/payload.js";
import { bounceIn } from "../dma/bounce.js";
import type { DmaAllocator, DmaBuffer } from "../dma/dma-memory.js";
import { ENOMEM } from "../errors/errno.js";
import { InvalidArgumentError } from "../errors/errors.js";
import type { MemoryDomain } from "../memdomain/domain.js";
import type { MemoryIoVec } from "../memdomain/iovec.js";
import { DSM_RANGE_SIZE, DsmAttribute, encodeDsmRanges } from "../nvme-spec/dsm.js";
import type { IdentifyController } from "../nvme-spec/identify-controller.js";
import type { IdentifyNamespace } from "../nvme-spec/identify-namespace.js";
import * as cmds from "../nvme-spec/nvm-commands.js";
import { NvmOpcode } from "../nvme-spec/opcodes.js";
import {
  encodeReservationAcquireData,
  encodeReservationKeyData,
  encodeReservationRegisterData,
  type ReservationAcquireAction,
  type ReservationRegisterAction,
  type ReservationRegisterCptpl,
  type ReservationReleaseAction,
  type ReservationType,
} from "../nvme-spec/reservations.js";
import {
  decodeZoneReport,
  type ZnsIdentifyNamespace,
  ZONE_DESCRIPTOR_SIZE,
  ZONE_REPORT_HEADER_SIZE,
  type ZoneReport,
  type ZoneReportOptions,
  ZoneSendAction,
  zoneAppendResultLba,
} from "../nvme-spec/zns.js";
import { awaitCompletion, awaitCompletionDwords } from "../qpair/promise.js";
import type { QueuePair } from "../qpair/queue-pair.js";
import type { CommandCallback, Request } from "../rq/request.js";
import {
  checkRange,
  contiguousPayload,
  scatteredPayload,
  submitContiguous,
  submitDataCommand,
} from "./io.js";
import { type ExtIoOptions, extIo } from "./io-ext.js";
import { NamespaceFlags } from "./io-flags.js";
import { submitZoneAppend, submitZoneReceive, submitZoneSend } from "./zone-io.js";

/** What a namespace needs from its controller. */
export interface NamespaceOwner {
  /** The controller's DMA memory. */
  readonly dma: DmaAllocator;
  /** Identify Controller data. */
  readonly data: IdentifyController;
  /** Largest transfer of one command, in bytes (MDTS, capped by the transport). */
  readonly maxTransferSize: number;
  /** Whether I/O commands may describe data with SGLs. */
  readonly sglSupported: boolean;
  /** The domain of memory this controller reaches: the destination of memory-domain translations. */
  readonly memoryDomain: MemoryDomain;
  /** Largest Zone Append in bytes (absent: {@link maxTransferSize}). */
  readonly zoneAppendSizeLimit?: number | undefined;
  /** Throws when the controller is detached, failed or removed. */
  assertUsable(): void;
}

/** One LBA range of a Dataset Management command. */
export interface DsmRange {
  /** First LBA. */
  lba: number;
  /** Number of blocks. */
  count: number;
  /** Context attributes (cdw0 of the range), default 0. */
  attributes?: number;
}

/** The keys of a Reservation Register command. */
export interface ReservationRegisterKeys {
  /** Current reservation key. */
  crkey: bigint;
  /** New reservation key. */
  nrkey: bigint;
}

/** The keys of a Reservation Acquire command. */
export interface ReservationAcquireKeys {
  /** Current reservation key. */
  crkey: bigint;
  /** Preempt reservation key. */
  prkey: bigint;
}

/**
 * An active (or inactive) namespace of a controller.
 *
 * ## Callback face rules
 *
 * Every `cmd*` method (spdk_nvme_ns_cmd_*) submits one command (an I/O too large for one command is
 * split, and `cb` runs once for the whole) and follows these rules; each method names its own
 * differences.
 *
 * - **Threading:** call only on the thread that owns `qp`: the controller's thread for a queue pair
 *   from {@link Controller.allocIoQpair}, the worker for one it opened ({@link AttachedQueuePair}). A queue
 *   pair, its namespaces and its callbacks stay on that one thread; nothing is locked.
 * - **Buffer:** data and metadata buffers are DMA memory of the controller
 *   ({@link Controller.allocBuffer}; in a worker, {@link AttachedQueuePair.dma}), start on a 4-byte
 *   boundary and hold the whole transfer: `count` blocks of {@link extendedBlockSize} bytes
 *   ({@link sectorSize} with PRACT on a namespace whose metadata is only the 8-byte protection
 *   information). Keep a buffer allocated, and neither read nor modify it, until `cb` runs: the
 *   command may be posted later (it waits while no tracker is free, or while the controller resets)
 *   and posted again on a retryable error. When `cb` runs the buffer is the caller's again, aborts
 *   included: {@link Controller.freeIoQpair}, {@link Controller.reset}, a controller failure and a
 *   removal stop the device (queue deleted, controller disabled) before they call back.
 * - **Callback:** `cb(arg, cpl)` runs once, on the owning thread, normally from inside a later
 *   {@link QueuePair.processCompletions} call. That includes the calls the queue pair's
 *   {@link QueuePair.poller} makes from setImmediate or a timer while a Promise-face command on the
 *   same queue pair is pending. It also runs with an abort status from inside
 *   {@link Controller.freeIoQpair}, {@link Controller.reset}, {@link Controller.detach} and the
 *   controller's removal (in a worker: from `processCompletions`, when it sees the reset or failure);
 *   and synchronously from inside the `cmd*` call itself when the payload cannot be mapped (Data SGL
 *   Length Invalid or PRP Offset Invalid; only scattered payloads in practice). `cpl` is the
 *   command's completion queue entry as the controller wrote it (DW0, DW1, SQ head, SQ ID, CID,
 *   phase tag, status), copied into an object the queue pair reuses, so it is valid only during the
 *   call. A split I/O gets its last piece's entry with the first error status among the pieces. A
 *   command completed by the host, with no entry from the controller (an abort, a payload it cannot
 *   map), gets its queue's SQ ID, the CID it was posted with (0 if it never was) and SQ head and
 *   phase 0, as SPDK's manual completion does. The request is free again before `cb` runs, so `cb` may submit; an exception
 *   from `cb` propagates out of the call that ran it.
 * - **Returns** 0 when submitted, or -ENOMEM when `qp` has no free request (an I/O split into n
 *   commands needs n + 1): back-pressure, nothing was submitted and `cb` will not run; call
 *   `qp.processCompletions()` and submit again. A full ring is not ENOMEM: the command waits in
 *   software. Under `delayDoorbell` a submitted command reaches the device at the next
 *   {@link QueuePair.flush} or `processCompletions`.
 * - **Throws**, synchronously, with nothing submitted and no callback: {@link StateError} when `qp`
 *   is closed (freed, or its controller detached, failed or removed) or, on the controller's thread,
 *   when the controller is detached, failed or removed; {@link InvalidArgumentError} for an LBA range
 *   that is not whole numbers or runs past the end, I/O flags outside bits 31:26, or a buffer that is
 *   not the controller's DMA memory, is too short or is misaligned. A transfer above
 *   {@link maxIoTransferSize} is split, not refused. During a controller reset submissions are
 *   accepted and wait.
 *
 * ## Promise and RxJS face rules
 *
 * Each Promise method submits through the callback face on the same thread and polls `qp` with its
 * poller until the command completes; it resolves with the completion's DW0. Buffers follow the
 * callback face's rules until the Promise settles. It never throws synchronously and never fails
 * for ENOMEM (it waits for a free request); it rejects with what the `cmd*` method throws, or with
 * {@link NvmeStatusError} when the command completes with an error status (aborts included). Each
 * command has a time limit (the queue pair's `promiseTimeoutMs`, from the controller's
 * `ioTimeoutMs` option; {@link read}, {@link write}, {@link compare} and {@link writeZeroes} take
 * one per call after `ioFlags`, {@link readExt} and {@link writeExt} in their options): past it the
 * controller aborts it and, if that does not end it, resets, and the Promise rejects with
 * {@link NvmeTimeoutError} once the command has ended, so it always settles with its buffers free.
 * The RxJS methods are the Promise methods deferred: each subscription submits once.
 */
export class Namespace {
  /** Identify Namespace data; replaced when the controller re-identifies (reset, namespace change). */
  data: IdentifyNamespace;

  /**
   * The Zoned Namespace command set's Identify Namespace data when the namespace is zoned (and the
   * controller runs all its I/O command sets), else undefined; replaced with `data`.
   */
  znsData: ZnsIdentifyNamespace | undefined;

  /**
   * @param owner the controller
   * @param id namespace ID (1-based)
   * @param data its Identify Namespace data
   * @param znsData its ZNS Identify Namespace data, when it is zoned
   */
  constructor(
    readonly owner: NamespaceOwner,
    readonly id: number,
    data: IdentifyNamespace,
    znsData?: ZnsIdentifyNamespace,
  ) {
    this.data = data;
    this.znsData = znsData;
    this.numSectors = Number(data.nsze);
    this.geometry();
  }

  /** Number of logical blocks (NSZE). */
  numSectors = 0;
  /** Bytes of data per logical block. */
  sectorSize = 0;
  /** Metadata bytes per logical block (0 if none). */
  metadataSize = 0;
  /** Whether metadata is transferred inline at the end of each block (extended LBA). */
  extendedLba = false;
  /** Bytes per block as transferred: sector size, plus metadata when extended. */
  extendedBlockSize = 0;
  /** Protection information type: 0 none, 1, 2 or 3. */
  piType = 0;
  /** Blocks per command at most. */
  maxBlocksPerIo = 0;
  /** Optimal I/O boundary in blocks (NOIOB), 0 for none: I/O is split so no command crosses it. */
  optimalIoBoundary = 0;
  /**
   * Where reads and writes are split, in blocks (0: nowhere): NOIOB, or on a zoned namespace the zone
   * size, so no command straddles two zones (NOIOB too when it divides the zone size).
   */
  splitBoundary = 0;
  /** Zone size in blocks (ZSZE of the LBA format in use); 0 when not zoned. */
  zoneSize = 0;
  /** Number of zones (NSZE / ZSZE); 0 when not zoned. */
  zoneCount = 0;
  /**
   * Writable blocks of a zone (ZCAP), as the last {@link reportZones} found it in the first zone it
   * returned; 0 until a report was read. With variable zone capacity ({@link ZnsIdentifyNamespace.variableZoneCapacity})
   * zones differ: read each zone's capacity from its descriptor.
   */
  zoneCapacity = 0;
  /** Zones that may be open at once (MOR + 1), 0 for no limit or not zoned. */
  maxOpenZones = 0;
  /** Zones that may be active (open or closed) at once (MAR + 1), 0 for no limit or not zoned. */
  maxActiveZones = 0;
  /** Blocks one Zone Append may carry at most (ZASL, else MDTS); 0 when not zoned. */
  zoneAppendMaxBlocks = 0;

  /** Re-reads the geometry after the controller replaced `data`. */
  geometry(): void {
    const d = this.data;
    this.numSectors = Number(d.nsze);
    this.sectorSize = d.sectorSize;
    this.metadataSize = d.metadataSize;
    this.extendedLba = d.extendedLba;
    this.extendedBlockSize = d.sectorSize + (d.extendedLba ? d.metadataSize : 0);
    this.piType = d.piType;
    this.maxBlocksPerIo = Math.max(1, Math.floor(this.owner.maxTransferSize / this.extendedBlockSize));
    this.optimalIoBoundary = d.noiob;
    this.splitBoundary = d.noiob;
    const z = this.znsData;
    const zsze = z === undefined ? 0 : Number(z.lbafe[d.formattedLbaIndex]?.zsze ?? 0n);
    this.zoneSize = zsze;
    this.zoneCount = zsze > 0 ? Math.floor(this.numSectors / zsze) : 0;
    this.maxOpenZones = z?.maxOpenZones ?? 0;
    this.maxActiveZones = z?.maxActiveZones ?? 0;
    this.zoneAppendMaxBlocks =
      zsze > 0
        ? Math.max(
            1,
            Math.floor(
              (this.owner.zoneAppendSizeLimit ?? this.owner.maxTransferSize) / this.extendedBlockSize,
            ),
          )
        : 0;
    if (zsze > 0 && (d.noiob === 0 || zsze % d.noiob !== 0)) this.splitBoundary = zsze;
  }

  /** Whether the namespace is zoned and its zone commands may be used (a zone size is known). */
  get isZoned(): boolean {
    return this.zoneSize > 0;
  }

  /** Whether the namespace is active (NSZE non-zero); inactive namespaces take no I/O. */
  get isActive(): boolean {
    return this.numSectors > 0;
  }

  /** Size in bytes (spdk_nvme_ns_get_size). */
  get size(): number {
    return this.numSectors * this.sectorSize;
  }

  /** Largest transfer of one command in bytes (spdk_nvme_ns_get_max_io_xfer_size). */
  get maxIoTransferSize(): number {
    return this.owner.maxTransferSize;
  }

  /** Whether the extended LBA format can be used (spdk_nvme_ns_supports_extended_lba). */
  get supportsExtendedLba(): boolean {
    return (this.flags & NamespaceFlags.ExtendedLbaSupported) !== 0;
  }

  /** {@link NamespaceFlags} of this namespace (spdk_nvme_ns_get_flags). */
  get flags(): number {
    const c = this.owner.data;
    const d = this.data;
    let f = 0;
    if (c.oncs & 0x04) f |= NamespaceFlags.DeallocateSupported;
    if (c.vwc & 0x01) f |= NamespaceFlags.FlushSupported;
    if (c.oncs & 0x20) f |= NamespaceFlags.ReservationSupported;
    if (c.oncs & 0x08) f |= NamespaceFlags.WriteZeroesSupported;
    if (d.piType !== 0) f |= NamespaceFlags.DpsPiSupported;
    if (d.extendedLba || (d.mc & 0x01) !== 0) f |= NamespaceFlags.ExtendedLbaSupported;
    return f;
  }

  // ---- callback face (spdk_nvme_ns_cmd_*) --------------------------------------------------

  /**
   * Reads `count` blocks at `lba` into `buffer` (spdk_nvme_ns_cmd_read).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: DMA memory holding `count` blocks; untouched until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range, I/O flags or buffer
   */
  cmdRead<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags = 0,
  ): number {
    return submitContiguous(this, qp, NvmOpcode.Read, buffer, lba, count, cb, arg, ioFlags);
  }

  /**
   * Writes `count` blocks at `lba` from `buffer` (spdk_nvme_ns_cmd_write).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: DMA memory holding `count` blocks; unmodified until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range, I/O flags or buffer
   */
  cmdWrite<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags = 0,
  ): number {
    return submitContiguous(this, qp, NvmOpcode.Write, buffer, lba, count, cb, arg, ioFlags);
  }

  /**
   * Compares `count` blocks at `lba` with `buffer` (spdk_nvme_ns_cmd_compare); a mismatch completes
   * with Compare Failure.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: DMA memory holding `count` blocks; unmodified until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range, I/O flags or buffer
   */
  cmdCompare<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags = 0,
  ): number {
    return submitContiguous(this, qp, NvmOpcode.Compare, buffer, lba, count, cb, arg, ioFlags);
  }

  /**
   * Reads into a scattered payload walked with `resetSgl`/`nextSge` (spdk_nvme_ns_cmd_readv).
   * - Threading: only on the thread that owns `qp`; `resetSgl` and `nextSge` are called there too.
   * - Buffer: `nextSge` yields views of DMA memory. The walk runs whenever a piece of the I/O is
   *   posted: in this call, in a later `processCompletions` when it had to wait, and again on a
   *   retry; so `arg` and every segment stay valid, and untouched, until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`, or synchronously from this call when the walk
   *   fails (segments short of the transfer, not DMA memory, empty, over 512, breaking PRP rules on a
   *   controller without SGLs, or a throw from `resetSgl`/`nextSge`): status Data SGL Length Invalid
   *   or PRP Offset Invalid; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range or I/O flags (segments are checked when
   *   posted, and fail the command instead)
   */
  cmdReadv<A>(
    qp: QueuePair,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags: number,
    resetSgl: ResetSglCallback<A>,
    nextSge: NextSgeCallback<A>,
  ): number {
    return submitDataCommand(
      this,
      qp,
      NvmOpcode.Read,
      scatteredPayload(qp, arg, resetSgl, nextSge),
      lba,
      count,
      cb,
      arg,
      ioFlags,
      0,
      0,
    );
  }

  /**
   * Writes from a scattered payload walked with `resetSgl`/`nextSge` (spdk_nvme_ns_cmd_writev).
   * - Threading: only on the thread that owns `qp`; `resetSgl` and `nextSge` are called there too.
   * - Buffer: `nextSge` yields views of DMA memory. The walk runs whenever a piece of the I/O is
   *   posted: in this call, in a later `processCompletions` when it had to wait, and again on a
   *   retry; so `arg` and every segment stay valid, and unmodified, until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`, or synchronously from this call when the walk
   *   fails (segments short of the transfer, not DMA memory, empty, over 512, breaking PRP rules on a
   *   controller without SGLs, or a throw from `resetSgl`/`nextSge`): status Data SGL Length Invalid
   *   or PRP Offset Invalid; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range or I/O flags (segments are checked when
   *   posted, and fail the command instead)
   */
  cmdWritev<A>(
    qp: QueuePair,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags: number,
    resetSgl: ResetSglCallback<A>,
    nextSge: NextSgeCallback<A>,
  ): number {
    return submitDataCommand(
      this,
      qp,
      NvmOpcode.Write,
      scatteredPayload(qp, arg, resetSgl, nextSge),
      lba,
      count,
      cb,
      arg,
      ioFlags,
      0,
      0,
    );
  }

  /**
   * Compares against a scattered payload walked with `resetSgl`/`nextSge` (spdk_nvme_ns_cmd_comparev).
   * - Threading: only on the thread that owns `qp`; `resetSgl` and `nextSge` are called there too.
   * - Buffer: `nextSge` yields views of DMA memory. The walk runs whenever a piece of the I/O is
   *   posted: in this call, in a later `processCompletions` when it had to wait, and again on a
   *   retry; so `arg` and every segment stay valid, and unmodified, until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`, or synchronously from this call when the walk
   *   fails (segments short of the transfer, not DMA memory, empty, over 512, breaking PRP rules on a
   *   controller without SGLs, or a throw from `resetSgl`/`nextSge`): status Data SGL Length Invalid
   *   or PRP Offset Invalid; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range or I/O flags (segments are checked when
   *   posted, and fail the command instead)
   */
  cmdComparev<A>(
    qp: QueuePair,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags: number,
    resetSgl: ResetSglCallback<A>,
    nextSge: NextSgeCallback<A>,
  ): number {
    return submitDataCommand(
      this,
      qp,
      NvmOpcode.Compare,
      scatteredPayload(qp, arg, resetSgl, nextSge),
      lba,
      count,
      cb,
      arg,
      ioFlags,
      0,
      0,
    );
  }

  /**
   * Reads data and its separate metadata (spdk_nvme_ns_cmd_read_with_md); `metadata` may be null
   * (extended LBA: the metadata is inline in `buffer`). `apptag`/`apptagMask` go to CDW15.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: `buffer` holds `count` blocks, `metadata` `count` times {@link metadataSize} bytes, both
   *   DMA memory, untouched until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range, I/O flags or buffer, or a `metadata`
   *   buffer on a namespace without separate metadata
   */
  cmdReadWithMd<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    metadata: ArrayBufferView | null,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags: number,
    apptagMask: number,
    apptag: number,
  ): number {
    return submitDataCommand(
      this,
      qp,
      NvmOpcode.Read,
      contiguousPayload(qp, buffer, metadata),
      lba,
      count,
      cb,
      arg,
      ioFlags,
      apptagMask,
      apptag,
    );
  }

  /**
   * Writes data and its separate metadata (spdk_nvme_ns_cmd_write_with_md); `metadata` may be null.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: `buffer` holds `count` blocks, `metadata` `count` times {@link metadataSize} bytes, both
   *   DMA memory, unmodified until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range, I/O flags or buffer, or a `metadata`
   *   buffer on a namespace without separate metadata
   */
  cmdWriteWithMd<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    metadata: ArrayBufferView | null,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags: number,
    apptagMask: number,
    apptag: number,
  ): number {
    return submitDataCommand(
      this,
      qp,
      NvmOpcode.Write,
      contiguousPayload(qp, buffer, metadata),
      lba,
      count,
      cb,
      arg,
      ioFlags,
      apptagMask,
      apptag,
    );
  }

  /**
   * Compares data and separate metadata (spdk_nvme_ns_cmd_compare_with_md); `metadata` may be null.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: `buffer` holds `count` blocks, `metadata` `count` times {@link metadataSize} bytes, both
   *   DMA memory, unmodified until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range, I/O flags or buffer, or a `metadata`
   *   buffer on a namespace without separate metadata
   */
  cmdCompareWithMd<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    metadata: ArrayBufferView | null,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags: number,
    apptagMask: number,
    apptag: number,
  ): number {
    return submitDataCommand(
      this,
      qp,
      NvmOpcode.Compare,
      contiguousPayload(qp, buffer, metadata),
      lba,
      count,
      cb,
      arg,
      ioFlags,
      apptagMask,
      apptag,
    );
  }

  /**
   * Writes zeroes to `count` blocks at `lba` (spdk_nvme_ns_cmd_write_zeroes): one command, not split.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a bad LBA range or a `count` above 65536
   */
  cmdWriteZeroes<A>(
    qp: QueuePair,
    lba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags = 0,
  ): number {
    this.owner.assertUsable();
    qp.assertUsable();
    checkRange(this, lba, count, 0x10000);
    const req = qp.takeRequest();
    if (req === null) return -ENOMEM;
    cmds.writeZeroes(req.cmd, this.id, lba, count, ioFlags);
    return this.submitPrepared(qp, req, cb, arg, null);
  }

  /**
   * Flushes the volatile write cache for this namespace (spdk_nvme_ns_cmd_flush).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   */
  cmdFlush<A>(qp: QueuePair, cb: CommandCallback<A> | null, arg: A): number {
    this.owner.assertUsable();
    qp.assertUsable();
    const req = qp.takeRequest();
    if (req === null) return -ENOMEM;
    cmds.flush(req.cmd, this.id);
    return this.submitPrepared(qp, req, cb, arg, null);
  }

  /**
   * Dataset Management over `ranges` with `attributes` ({@link DsmAttribute}, e.g. Deallocate)
   * (spdk_nvme_ns_cmd_dataset_management).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none of the caller's: the ranges are copied, in this call, into DMA memory the core
   *   allocates and frees when the command ends, so `ranges` may be reused at once.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for fewer than 1 or more than 256 ranges, or a bad range
   * @throws what the DMA allocator throws when its memory is exhausted (not -ENOMEM)
   */
  cmdDatasetManagement<A>(
    qp: QueuePair,
    attributes: number,
    ranges: readonly DsmRange[],
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    this.owner.assertUsable();
    qp.assertUsable();
    if (ranges.length < 1 || ranges.length > 256) {
      throw new InvalidArgumentError("ranges", `${ranges.length} ranges: give 1 to 256`);
    }
    for (const r of ranges) checkRange(this, r.lba, r.count, 0xffffffff);
    const buf = this.owner.dma.alloc(ranges.length * DSM_RANGE_SIZE);
    encodeDsmRanges(
      ranges.map((r) => ({ slba: r.lba, nlb: r.count, attributes: r.attributes ?? 0 })),
      buf.bytes,
    );
    const req = this.takeWithBuffer(qp, buf);
    if (req === null) return -ENOMEM;
    cmds.datasetManagement(req.cmd, this.id, ranges.length, attributes);
    return this.submitPrepared(qp, req, cb, arg, buf);
  }

  /**
   * Reservation Register (spdk_nvme_ns_cmd_reservation_register).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none of the caller's: the keys are copied, in this call, into DMA memory the core allocates
   *   and frees when the command ends.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws what the DMA allocator throws when its memory is exhausted (not -ENOMEM)
   */
  cmdReservationRegister<A>(
    qp: QueuePair,
    keys: ReservationRegisterKeys,
    ignoreKey: boolean,
    action: ReservationRegisterAction,
    cptpl: ReservationRegisterCptpl,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    const buf = this.owner.dma.alloc(16);
    encodeReservationRegisterData(keys.crkey, keys.nrkey, buf.bytes);
    const req = this.takeWithBuffer(qp, buf);
    if (req === null) return -ENOMEM;
    cmds.reservationRegister(req.cmd, this.id, action, ignoreKey, cptpl);
    return this.submitPrepared(qp, req, cb, arg, buf);
  }

  /**
   * Reservation Release (spdk_nvme_ns_cmd_reservation_release).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none of the caller's: the key is copied, in this call, into DMA memory the core allocates
   *   and frees when the command ends.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws what the DMA allocator throws when its memory is exhausted (not -ENOMEM)
   */
  cmdReservationRelease<A>(
    qp: QueuePair,
    crkey: bigint,
    ignoreKey: boolean,
    action: ReservationReleaseAction,
    type: ReservationType,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    const buf = this.owner.dma.alloc(8);
    encodeReservationKeyData(crkey, buf.bytes);
    const req = this.takeWithBuffer(qp, buf);
    if (req === null) return -ENOMEM;
    cmds.reservationRelease(req.cmd, this.id, action, ignoreKey, type);
    return this.submitPrepared(qp, req, cb, arg, buf);
  }

  /**
   * Reservation Acquire (spdk_nvme_ns_cmd_reservation_acquire).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none of the caller's: the keys are copied, in this call, into DMA memory the core allocates
   *   and frees when the command ends.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws what the DMA allocator throws when its memory is exhausted (not -ENOMEM)
   */
  cmdReservationAcquire<A>(
    qp: QueuePair,
    keys: ReservationAcquireKeys,
    ignoreKey: boolean,
    action: ReservationAcquireAction,
    type: ReservationType,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    const buf = this.owner.dma.alloc(16);
    encodeReservationAcquireData(keys.crkey, keys.prkey, buf.bytes);
    const req = this.takeWithBuffer(qp, buf);
    if (req === null) return -ENOMEM;
    cmds.reservationAcquire(req.cmd, this.id, action, ignoreKey, type);
    return this.submitPrepared(qp, req, cb, arg, buf);
  }

  /**
   * Reservation Report into `payload`; `extended` asks for the extended data structure with 128-bit
   * host identifiers (spdk_nvme_ns_cmd_reservation_report).
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: `payload`, at least 24 bytes and a multiple of 4, any ArrayBufferView. DMA memory of
   *   the controller (dword-aligned) is used in place (zero copy); other memory goes through DMA
   *   memory the core allocates in this call, copied into `payload` just before `cb` runs, whatever
   *   the status (as SPDK copies). Either way, do not touch `payload` until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for a `payload` of the wrong size
   * @throws what the DMA allocator throws when it has no memory left for the copy (not -ENOMEM)
   */
  cmdReservationReport<A>(
    qp: QueuePair,
    payload: ArrayBufferView,
    extended: boolean,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    this.owner.assertUsable();
    qp.assertUsable();
    if (payload.byteLength < 24 || payload.byteLength % 4 !== 0) {
      throw new InvalidArgumentError(
        "payload",
        `${payload.byteLength} bytes: give at least 24, a multiple of 4`,
      );
    }
    const iova = this.owner.dma.iovaOf(payload);
    if (iova < 0 || iova % 4 !== 0) {
      // Not DMA memory of this controller: through a copy, as SPDK's user-copy request does.
      const buf = bounceIn(this.owner.dma, payload, NvmOpcode.ReservationReport);
      const req = this.takeWithBuffer(qp, buf);
      if (req === null) return -ENOMEM;
      cmds.reservationReport(req.cmd, this.id, payload.byteLength, extended);
      req.copyOut = payload;
      return this.submitPrepared(qp, req, cb, arg, buf);
    }
    const req = qp.takeRequest();
    if (req === null) return -ENOMEM;
    cmds.reservationReport(req.cmd, this.id, payload.byteLength, extended);
    req.payload.setContiguous(payload, iova, payload.byteLength);
    return this.submitPrepared(qp, req, cb, arg, null);
  }

  /**
   * Zone Management Send: `action` on the zone holding `lba`, or with `selectAll` on every zone the
   * action applies to (`lba` is then ignored). Set Zone Descriptor Extension, which carries data, is
   * not offered here.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: none.
   * - Callback: from a later `qp.processCompletions()`; a refused transition completes with a ZNS status
   *   (Invalid Zone State Transition, Too Many Open/Active Zones, ...); see the callback face rules on
   *   {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when the namespace is not zoned, or `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for an LBA outside the namespace
   */
  cmdZoneManagementSend<A>(
    qp: QueuePair,
    lba: number,
    action: ZoneSendAction,
    selectAll: boolean,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    return submitZoneSend(this, qp, lba, action, selectAll, cb as CommandCallback<never> | null, arg);
  }

  /**
   * Zone Management Receive: a zone report (header and 64-byte descriptors, see `decodeZoneReport`)
   * of the zones from the one holding `lba`, filtered and partial as `opts` says, into all of `buffer`.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: DMA memory, at least 64 bytes, a multiple of 4, at most {@link maxIoTransferSize};
   *   untouched until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when the namespace is not zoned, or `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} for an LBA outside the namespace or a bad buffer
   */
  cmdZoneManagementReceive<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    opts: ZoneReportOptions,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    return submitZoneReceive(this, qp, buffer, lba, opts, cb as CommandCallback<never> | null, arg);
  }

  /**
   * Zone Append: writes `count` blocks from `buffer` into the zone that starts at `zslba`, at the
   * zone's write pointer; the device chooses the LBA and returns it in the completion (read it in `cb`
   * with `zoneAppendResultLba(cpl.cdw0, cpl.cdw1)`). One command: never split.
   * - Threading: only on the thread that owns `qp`.
   * - Buffer: DMA memory holding `count` blocks; unmodified until `cb` runs.
   * - Callback: from a later `qp.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qp` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when the namespace is not zoned, or `qp` or the controller is closed
   * @throws {@link InvalidArgumentError} when `zslba` is not a zone start, `count` exceeds
   *   {@link zoneAppendMaxBlocks} or the zone, or for bad I/O flags or buffer
   */
  cmdZoneAppend<A>(
    qp: QueuePair,
    buffer: ArrayBufferView,
    zslba: number,
    count: number,
    cb: CommandCallback<A> | null,
    arg: A,
    ioFlags = 0,
  ): number {
    return submitZoneAppend(
      this,
      qp,
      buffer,
      zslba,
      count,
      cb as CommandCallback<never> | null,
      arg,
      ioFlags,
    );
  }

  // ---- Promise face ---------------------------------------------------------------------------

  /**
   * Reads `count` blocks at `lba` into `buffer`; resolves with DW0 when the data is there.
   * `buffer`: DMA memory, untouched until the Promise settles. Rejects with what {@link cmdRead}
   * throws, or {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  read(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    ioFlags = 0,
    timeoutMs?: number,
  ): Promise<number> {
    return awaitCompletion(
      qp,
      `Read nsid ${this.id} lba ${lba}+${count}`,
      (cb, p) => this.cmdRead(qp, buffer, lba, count, cb, p, ioFlags),
      { commandMs: timeoutMs },
    );
  }

  /**
   * Writes `count` blocks at `lba` from `buffer`. `buffer`: DMA memory, unmodified until the Promise
   * settles. Rejects with what {@link cmdWrite} throws, or {@link NvmeStatusError}; see the Promise face
   * rules on {@link Namespace}.
   */
  write(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    ioFlags = 0,
    timeoutMs?: number,
  ): Promise<number> {
    return awaitCompletion(
      qp,
      `Write nsid ${this.id} lba ${lba}+${count}`,
      (cb, p) => this.cmdWrite(qp, buffer, lba, count, cb, p, ioFlags),
      { commandMs: timeoutMs },
    );
  }

  /**
   * Compares `count` blocks at `lba` with `buffer`. `buffer`: DMA memory, unmodified until the Promise
   * settles. Rejects with what {@link cmdCompare} throws, or {@link NvmeStatusError} (Compare Failure
   * on a mismatch); see the Promise face rules on {@link Namespace}.
   */
  compare(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    ioFlags = 0,
    timeoutMs?: number,
  ): Promise<number> {
    return awaitCompletion(
      qp,
      `Compare nsid ${this.id} lba ${lba}+${count}`,
      (cb, p) => this.cmdCompare(qp, buffer, lba, count, cb, p, ioFlags),
      { commandMs: timeoutMs },
    );
  }

  /**
   * Reads data and separate metadata. Both buffers: DMA memory, untouched until the Promise settles.
   * Rejects with what {@link cmdReadWithMd} throws, or {@link NvmeStatusError}; see the Promise face rules
   * on {@link Namespace}.
   */
  readWithMd(
    qp: QueuePair,
    buffer: ArrayBufferView,
    metadata: ArrayBufferView | null,
    lba: number,
    count: number,
    ioFlags = 0,
    apptagMask = 0,
    apptag = 0,
  ): Promise<number> {
    return awaitCompletion(qp, `Read nsid ${this.id} lba ${lba}+${count}`, (cb, p) =>
      this.cmdReadWithMd(qp, buffer, metadata, lba, count, cb, p, ioFlags, apptagMask, apptag),
    );
  }

  /**
   * Writes data and separate metadata. Both buffers: DMA memory, unmodified until the Promise settles.
   * Rejects with what {@link cmdWriteWithMd} throws, or {@link NvmeStatusError}; see the Promise face rules
   * on {@link Namespace}.
   */
  writeWithMd(
    qp: QueuePair,
    buffer: ArrayBufferView,
    metadata: ArrayBufferView | null,
    lba: number,
    count: number,
    ioFlags = 0,
    apptagMask = 0,
    apptag = 0,
  ): Promise<number> {
    return awaitCompletion(qp, `Write nsid ${this.id} lba ${lba}+${count}`, (cb, p) =>
      this.cmdWriteWithMd(qp, buffer, metadata, lba, count, cb, p, ioFlags, apptagMask, apptag),
    );
  }

  /**
   * Reads into a list of DMA buffers, filled in order (readv over an array instead of callbacks). `buffers`
   * and the array itself: untouched until the Promise settles. Rejects with what {@link cmdReadv} throws,
   * or {@link NvmeStatusError}: a buffer that is not DMA memory, or a list short of the transfer, fails the
   * command with Data SGL Length Invalid; see the Promise face rules on {@link Namespace}.
   */
  readv(
    qp: QueuePair,
    buffers: readonly ArrayBufferView[],
    lba: number,
    count: number,
    ioFlags = 0,
  ): Promise<number> {
    const walk = new SegmentWalk(buffers);
    return awaitCompletion(qp, `Readv nsid ${this.id} lba ${lba}+${count}`, (cb, p) =>
      submitDataCommand(
        this,
        qp,
        NvmOpcode.Read,
        scatteredPayload(qp, walk, SegmentWalk.reset, SegmentWalk.next),
        lba,
        count,
        cb,
        p,
        ioFlags,
        0,
        0,
      ),
    );
  }

  /**
   * Writes from a list of DMA buffers, in order. `buffers` and the array itself: unmodified until the
   * Promise settles. Rejects with what {@link cmdWritev} throws, or {@link NvmeStatusError} (Data SGL
   * Length Invalid for a buffer that is not DMA memory or a list short of the transfer); see the Promise
   * face rules on {@link Namespace}.
   */
  writev(
    qp: QueuePair,
    buffers: readonly ArrayBufferView[],
    lba: number,
    count: number,
    ioFlags = 0,
  ): Promise<number> {
    const walk = new SegmentWalk(buffers);
    return awaitCompletion(qp, `Writev nsid ${this.id} lba ${lba}+${count}`, (cb, p) =>
      submitDataCommand(
        this,
        qp,
        NvmOpcode.Write,
        scatteredPayload(qp, walk, SegmentWalk.reset, SegmentWalk.next),
        lba,
        count,
        cb,
        p,
        ioFlags,
        0,
        0,
      ),
    );
  }

  /**
   * Writes zeroes to `count` blocks at `lba`. No buffer. Rejects with what {@link cmdWriteZeroes}
   * throws, or {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  writeZeroes(qp: QueuePair, lba: number, count: number, ioFlags = 0, timeoutMs?: number): Promise<number> {
    return awaitCompletion(
      qp,
      `Write Zeroes nsid ${this.id} lba ${lba}+${count}`,
      (cb, p) => this.cmdWriteZeroes(qp, lba, count, cb, p, ioFlags),
      { commandMs: timeoutMs },
    );
  }

  /**
   * Deallocates (trims) the given ranges. `ranges` is copied at submission. Rejects with what {@link
   * cmdDatasetManagement} throws, or {@link NvmeStatusError}; see the Promise face rules on {@link
   * Namespace}.
   */
  deallocate(qp: QueuePair, ranges: readonly DsmRange[]): Promise<number> {
    return this.datasetManagement(qp, DsmAttribute.Deallocate, ranges);
  }

  /**
   * Dataset Management with the given attributes. `ranges` is copied at submission. Rejects with what
   * {@link cmdDatasetManagement} throws, or {@link NvmeStatusError}; see the Promise face rules on {@link
   * Namespace}.
   */
  datasetManagement(qp: QueuePair, attributes: number, ranges: readonly DsmRange[]): Promise<number> {
    return awaitCompletion(qp, `Dataset Management nsid ${this.id}`, (cb, p) =>
      this.cmdDatasetManagement(qp, attributes, ranges, cb, p),
    );
  }

  /**
   * Flushes the volatile write cache. No buffer. Rejects with what {@link cmdFlush} throws, or
   * {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  flush(qp: QueuePair): Promise<number> {
    return awaitCompletion(qp, `Flush nsid ${this.id}`, (cb, p) => this.cmdFlush(qp, cb, p));
  }

  /**
   * Reservation Register. No buffer of the caller's. Rejects with what {@link cmdReservationRegister}
   * throws, or {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  reservationRegister(
    qp: QueuePair,
    keys: ReservationRegisterKeys,
    ignoreKey: boolean,
    action: ReservationRegisterAction,
    cptpl: ReservationRegisterCptpl,
  ): Promise<number> {
    return awaitCompletion(qp, `Reservation Register nsid ${this.id}`, (cb, p) =>
      this.cmdReservationRegister(qp, keys, ignoreKey, action, cptpl, cb, p),
    );
  }

  /**
   * Reservation Release. No buffer of the caller's. Rejects with what {@link cmdReservationRelease} throws,
   * or {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  reservationRelease(
    qp: QueuePair,
    crkey: bigint,
    ignoreKey: boolean,
    action: ReservationReleaseAction,
    type: ReservationType,
  ): Promise<number> {
    return awaitCompletion(qp, `Reservation Release nsid ${this.id}`, (cb, p) =>
      this.cmdReservationRelease(qp, crkey, ignoreKey, action, type, cb, p),
    );
  }

  /**
   * Reservation Acquire. No buffer of the caller's. Rejects with what {@link cmdReservationAcquire} throws,
   * or {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  reservationAcquire(
    qp: QueuePair,
    keys: ReservationAcquireKeys,
    ignoreKey: boolean,
    action: ReservationAcquireAction,
    type: ReservationType,
  ): Promise<number> {
    return awaitCompletion(qp, `Reservation Acquire nsid ${this.id}`, (cb, p) =>
      this.cmdReservationAcquire(qp, keys, ignoreKey, action, type, cb, p),
    );
  }

  /**
   * Reservation Report into `payload`. `payload`: DMA memory, untouched until the Promise settles. Rejects
   * with what {@link cmdReservationReport} throws, or {@link NvmeStatusError}; see the Promise face rules
   * on {@link Namespace}.
   */
  reservationReport(qp: QueuePair, payload: ArrayBufferView, extended = false): Promise<number> {
    return awaitCompletion(qp, `Reservation Report nsid ${this.id}`, (cb, p) =>
      this.cmdReservationReport(qp, payload, extended, cb, p),
    );
  }

  /**
   * Reads into buffers of any memory domain (spdk_nvme_ns_cmd_readv_ext with a memory domain):
   * translated to controller addresses when the domain can, else bounced through DMA memory and pushed.
   * Same thread rule as the callback face. `iov`'s buffers (CPU views, or addresses the domain
   * understands): untouched until the Promise settles; without a domain, or with the system domain,
   * they must be views of the controller's DMA memory. Rejects with {@link StateError},
   * {@link InvalidArgumentError} (a bad range, `iov` short of the transfer, a buffer the route cannot
   * reach), the domain's translation or push errors ({@link ShortTranslationError},
   * {@link MemoryDomainError}), the DMA allocator's error for the bounce buffer, or
   * {@link NvmeStatusError}.
   */
  readExt(
    qp: QueuePair,
    iov: readonly MemoryIoVec[],
    lba: number,
    count: number,
    opts: ExtIoOptions = {},
  ): Promise<void> {
    return extIo(this, qp, NvmOpcode.Read, iov, lba, count, opts);
  }

  /**
   * Writes from buffers of any memory domain (spdk_nvme_ns_cmd_writev_ext with a memory domain),
   * pulled into a DMA bounce buffer first when the domain cannot translate them. Same thread rule as
   * the callback face. `iov`'s buffers: unmodified until the Promise settles. Rejects as
   * {@link readExt} does (with the domain's pull errors instead of push).
   */
  writeExt(
    qp: QueuePair,
    iov: readonly MemoryIoVec[],
    lba: number,
    count: number,
    opts: ExtIoOptions = {},
  ): Promise<void> {
    return extIo(this, qp, NvmOpcode.Write, iov, lba, count, opts);
  }

  /**
   * Reports the zones from the one holding `lba` (default 0), decoded; at most `maxZones` of them
   * (default: every zone, bounded by the largest transfer). A DMA buffer is allocated and freed here;
   * {@link zoneCapacity} is updated from a first zone. Rejects with what
   * {@link cmdZoneManagementReceive} throws, the DMA allocator's error, or {@link NvmeStatusError}; see
   * the Promise face rules on {@link Namespace}.
   */
  async reportZones(
    qp: QueuePair,
    lba = 0,
    opts: ZoneReportOptions & { maxZones?: number } = {},
  ): Promise<ZoneReport> {
    const ext = opts.extended ? this.zoneDescriptorExtensionBytes : 0;
    const wanted = Math.max(1, opts.maxZones ?? this.zoneCount);
    const stride = ZONE_DESCRIPTOR_SIZE + ext;
    const fit = Math.floor((this.maxIoTransferSize - ZONE_REPORT_HEADER_SIZE) / stride);
    const bytes = ZONE_REPORT_HEADER_SIZE + Math.max(1, Math.min(wanted, fit)) * stride;
    const buf = this.owner.dma.alloc(bytes);
    try {
      await awaitCompletion(qp, `Zone Management Receive nsid ${this.id} lba ${lba}`, (cb, p) =>
        this.cmdZoneManagementReceive(qp, buf.bytes, lba, opts, cb, p),
      );
      const report = decodeZoneReport(buf.bytes, ext);
      const first = report.zones[0];
      if (first !== undefined) this.zoneCapacity = first.capacity;
      return report;
    } finally {
      this.owner.dma.free(buf);
    }
  }

  /**
   * Resets the zone holding `lba`, or every zone with `selectAll`: its write pointer goes back to the
   * zone start. No buffer. Rejects with what {@link cmdZoneManagementSend} throws, or
   * {@link NvmeStatusError}; see the Promise face rules on {@link Namespace}.
   */
  resetZone(qp: QueuePair, lba: number, selectAll = false): Promise<number> {
    return this.zoneAction(qp, lba, ZoneSendAction.Reset, selectAll, "reset");
  }

  /** Opens the zone holding `lba` (or every closed zone with `selectAll`) explicitly; as {@link resetZone}. */
  openZone(qp: QueuePair, lba: number, selectAll = false): Promise<number> {
    return this.zoneAction(qp, lba, ZoneSendAction.Open, selectAll, "open");
  }

  /** Closes the zone holding `lba` (or every open zone with `selectAll`); as {@link resetZone}. */
  closeZone(qp: QueuePair, lba: number, selectAll = false): Promise<number> {
    return this.zoneAction(qp, lba, ZoneSendAction.Close, selectAll, "close");
  }

  /** Finishes the zone holding `lba` (or every open or closed zone with `selectAll`); as {@link resetZone}. */
  finishZone(qp: QueuePair, lba: number, selectAll = false): Promise<number> {
    return this.zoneAction(qp, lba, ZoneSendAction.Finish, selectAll, "finish");
  }

  /** Takes the zone holding `lba` (or every read-only zone with `selectAll`) offline; as {@link resetZone}. */
  offlineZone(qp: QueuePair, lba: number, selectAll = false): Promise<number> {
    return this.zoneAction(qp, lba, ZoneSendAction.Offline, selectAll, "offline");
  }

  /**
   * Appends `count` blocks from `buffer` to the zone starting at `zslba`; resolves with the LBA the
   * device wrote them at. `buffer`: DMA memory, unmodified until the Promise settles. Rejects with what
   * {@link cmdZoneAppend} throws, or {@link NvmeStatusError} (e.g. Zone Is Full); see the Promise face
   * rules on {@link Namespace}.
   */
  async zoneAppend(
    qp: QueuePair,
    buffer: ArrayBufferView,
    zslba: number,
    count: number,
    ioFlags = 0,
  ): Promise<number> {
    const { cdw0, cdw1 } = await awaitCompletionDwords(
      qp,
      `Zone Append nsid ${this.id} zslba ${zslba}+${count}`,
      (cb, p) => this.cmdZoneAppend(qp, buffer, zslba, count, cb, p, ioFlags),
    );
    return zoneAppendResultLba(cdw0, cdw1);
  }

  /** Bytes of each zone's descriptor extension in extended reports (ZDES * 64 of the format in use). */
  get zoneDescriptorExtensionBytes(): number {
    return (this.znsData?.lbafe[this.data.formattedLbaIndex]?.zdes ?? 0) * 64;
  }

  private zoneAction(
    qp: QueuePair,
    lba: number,
    action: ZoneSendAction,
    selectAll: boolean,
    name: string,
  ): Promise<number> {
    const where = selectAll ? "all zones" : `lba ${lba}`;
    return awaitCompletion(qp, `Zone Management Send (${name}) nsid ${this.id} ${where}`, (cb, p) =>
      this.cmdZoneManagementSend(qp, lba, action, selectAll, cb, p),
    );
  }

  // ---- RxJS face ------------------------------------------------------------------------------

  /**
   * {@link read} as an Observable that emits DW0 once and completes (submitted on each subscribe);
   * `buffer` untouched until it completes or errors.
   */
  read$(qp: QueuePair, buffer: ArrayBufferView, lba: number, count: number, ioFlags = 0): Observable<number> {
    return defer(() => this.read(qp, buffer, lba, count, ioFlags));
  }

  /** {@link write} as an Observable; `buffer` unmodified until it completes or errors. */
  write$(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    ioFlags = 0,
  ): Observable<number> {
    return defer(() => this.write(qp, buffer, lba, count, ioFlags));
  }

  /** {@link compare} as an Observable; `buffer` unmodified until it completes or errors. */
  compare$(
    qp: QueuePair,
    buffer: ArrayBufferView,
    lba: number,
    count: number,
    ioFlags = 0,
  ): Observable<number> {
    return defer(() => this.compare(qp, buffer, lba, count, ioFlags));
  }

  /** {@link flush} as an Observable. */
  flush$(qp: QueuePair): Observable<number> {
    return defer(() => this.flush(qp));
  }

  /** {@link reportZones} as an Observable that emits the report once and completes. */
  reportZones$(
    qp: QueuePair,
    lba = 0,
    opts: ZoneReportOptions & { maxZones?: number } = {},
  ): Observable<ZoneReport> {
    return defer(() => this.reportZones(qp, lba, opts));
  }

  /** {@link resetZone} as an Observable. */
  resetZone$(qp: QueuePair, lba: number, selectAll = false): Observable<number> {
    return defer(() => this.resetZone(qp, lba, selectAll));
  }

  /** {@link zoneAppend} as an Observable emitting the LBA written; `buffer` unmodified until it completes or errors. */
  zoneAppend$(
    qp: QueuePair,
    buffer: ArrayBufferView,
    zslba: number,
    count: number,
    ioFlags = 0,
  ): Observable<number> {
    return defer(() => this.zoneAppend(qp, buffer, zslba, count, ioFlags));
  }

  /** Takes a request for a command carrying `buf`; frees `buf` when the command cannot be submitted. */
  private takeWithBuffer(qp: QueuePair, buf: DmaBuffer): Request | null {
    let req: Request | null = null;
    try {
      this.owner.assertUsable();
      qp.assertUsable();
      req = qp.takeRequest();
    } finally {
      if (req === null) this.owner.dma.free(buf);
    }
    return req;
  }

  private submitPrepared<A>(
    qp: QueuePair,
    req: Request,
    cb: CommandCallback<A> | null,
    arg: A,
    owned: DmaBuffer | null,
  ): number {
    req.cb = cb as CommandCallback<never> | null;
    req.cbArg = arg;
    if (owned !== null) {
      req.owned = owned;
      req.payload.setContiguous(owned.bytes, owned.iova, owned.bytes.byteLength);
    }
    qp.submit(req, null);
    return 0;
  }
}

/** Walks an array of DMA buffers as a scattered payload, for the Promise face's readv/writev. */
class SegmentWalk {
  private index = 0;
  private skip = 0;

  constructor(private readonly buffers: readonly ArrayBufferView[]) {}

  static reset(w: SegmentWalk, offset: number): void {
    w.index = 0;
    while (w.index < w.buffers.length && offset >= w.buffers[w.index]!.byteLength) {
      offset -= w.buffers[w.index]!.byteLength;
      w.index++;
    }
    w.skip = offset;
  }

  static next(w: SegmentWalk, out: { view: ArrayBufferView | null }): number {
    const b = w.buffers[w.index++];
    if (b === undefined) return -1;
    out.view = w.skip === 0 ? b : new Uint8Array(b.buffer, b.byteOffset + w.skip, b.byteLength - w.skip);
    w.skip = 0;
    return 0;
  }
}
