/**
 * An open device (liblightnvm's `struct nvm_dev`): the namespace, the backend it got, its geometry
 * and write sizes, the queue pair synchronous commands use, and what it owns (buffers, async
 * contexts).
 * @module
 */
import type { Controller, DmaBuffer, Namespace, NvmeDriver, QueuePair } from "@nvmekit/core";
import type { AddressSpace } from "./addr.js";
import type { nvm_async_ctx } from "./async-ctx.js";
import type { NVM_BE_NOCD, NVM_BE_ZNS } from "./constants.js";
import type { nvm_geo } from "./geo.js";
import type { CmdRecord } from "./record.js";
import type { SyntheticChunks } from "./synthetic.js";

/** What nvm_dev_openf builds a device from. @internal */
export interface DeviceParts {
  path: string;
  backend: typeof NVM_BE_ZNS | typeof NVM_BE_NOCD;
  driver: NvmeDriver;
  ctrlr: Controller;
  ns: Namespace;
  geo: nvm_geo;
  chunkStride: number;
  wsOpt: number;
  syncQp: QueuePair;
  synthetic: SyntheticChunks | null;
}

/**
 * An open device. Threading: it belongs to the thread that opened it (its controller's); every call
 * on it, and every callback of its commands, happens there.
 */
export class nvm_dev implements AddressSpace {
  /** The path it was opened with. */
  readonly path: string;
  /** {@link NVM_BE_ZNS} (a zoned namespace) or {@link NVM_BE_NOCD} (synthetic chunks). */
  readonly backend: typeof NVM_BE_ZNS | typeof NVM_BE_NOCD;
  /** The geometry. */
  readonly geo: nvm_geo;
  /** LBAs from one chunk's start to the next: the zone size, or the synthetic chunk size. */
  readonly chunkStride: number;
  /**
   * One past the highest LBA an address of the geometry names: the end of the last chunk's writable
   * sectors. @internal
   */
  readonly lbaEnd: number;
  /** Smallest write in sectors. */
  readonly wsMin = 1;
  /** Optimal write in sectors. */
  readonly wsOpt: number;
  /** Sectors to keep cached after a write before they are readable: 0 (a completed write reads back). */
  readonly mwCunits = 0;
  /** The namespace. */
  readonly ns: Namespace;
  /** Its controller. */
  readonly ctrlr: Controller;
  /** The driver the controller was reached through. @internal */
  readonly driver: NvmeDriver;
  /** The queue pair of synchronous commands. @internal */
  readonly syncQp: QueuePair;
  /** The chunk table of the NOCD backend; null on a zoned namespace. @internal */
  readonly synthetic: SyntheticChunks | null;
  /** Synchronous commands run one at a time, in call order: the last one queued. @internal */
  syncTail: Promise<unknown> = Promise.resolve();
  /** Records of finished synchronous commands, for the next ones. @internal */
  readonly syncRecords: CmdRecord[] = [];
  /** nvm_buf_alloc buffers not yet freed. @internal */
  readonly buffers = new Map<Uint8Array, DmaBuffer>();
  /** Async contexts not yet terminated. @internal */
  readonly contexts = new Set<nvm_async_ctx>();
  /** False once closed. */
  open = true;

  /** @internal */
  constructor(p: DeviceParts) {
    this.path = p.path;
    this.backend = p.backend;
    this.driver = p.driver;
    this.ctrlr = p.ctrlr;
    this.ns = p.ns;
    this.geo = p.geo;
    this.chunkStride = p.chunkStride;
    const g = p.geo;
    const chunks = g.npugrp * g.npunit * g.nchunk;
    this.lbaEnd = chunks === 0 ? 0 : (chunks - 1) * p.chunkStride + g.nsectr;
    this.wsOpt = p.wsOpt;
    this.syncQp = p.syncQp;
    this.synthetic = p.synthetic;
  }
}
