/**
 * Chaos mode: the soft controller as a misbehaving device, driven by a seed, for fuzzing the host.
 *
 * On I/O queues it defers some commands' execution (the data moves later, from a later task of the
 * event loop), and around genuine completions it posts bogus ones: duplicates, stale ones (the exact CID
 * of an earlier command of the queue), random and out-of-range CIDs (none a command the controller
 * holds), and for commands still held, completions with the wrong SQ ID or an SQ head beyond the
 * queue. Every bogus completion carries either success or {@link CHAOS_STATUS}, a vendor-specific
 * status with DNR that no host makes up, so a host that takes one for a command shows it: the
 * command ends with CHAOS_STATUS, or with success before its data moved. Genuine completions keep
 * their real status. A host that tells commands apart by CID generations never confuses a stale or
 * duplicate CID with a later command; a random CID, chosen blind, could equal a CID the host issues
 * afterwards, so when the controller fetches a command whose CID equals a random one still in the
 * ring, it rewrites that entry's CID (the host cannot have taken it for this command yet: in this
 * thread the controller fetches as soon as the doorbell rings, and a host rejects completions for
 * commands it posted but has not rung).
 *
 * With `identify` on, Identify data comes back corrupt: absurd NN or MDTS, queue entry sizes and
 * versions that make no sense, namespace lists that never end (until {@link ENDLESS_LIST_PAGES}
 * pages in one walk from NSID 0, after which the list command fails with Internal Error: a host that
 * keeps paging ends, and shows in {@link ChaosStats.listExhausted}), zero or huge LBA data sizes and format counts, sizes past 2^53, or noise.
 *
 * Threading: the controller's thread. Collision rewriting assumes the host does not poll while the
 * controller runs (true in this thread; with a worker-thread controller the rewrite races the host).
 * @module
 */
import { gather, resolveData, scatter } from "./data-pointer.js";
import type { DeviceSq } from "./device-queues.js";
import type { DmaSpace } from "./dma-space.js";
import { AdminOpc, Cns, GenericSc, nvmeStatus, Sct } from "./nvme-raw.js";
import { sqeCid, sqeNsid, sqeOpcode } from "./sqe.js";

/** How a controller in chaos mode misbehaves; plain data (postMessage-able). */
export interface ChaosOptions {
  /** Seed of every choice: the same seed and the same host give the same run. */
  seed: number;
  /** Per genuine I/O completion, the chance of each kind of bogus completion around it (default 0.05). */
  completionRate?: number;
  /** Per fetched I/O command, the chance its execution is deferred (default 0.1). */
  deferRate?: number;
  /** Per Identify command, the chance its data comes back corrupt (default 0: identify data stays true). */
  identifyRate?: number;
}

/** Status of bogus completions that are not successes: SCT 7 (vendor specific), SC C7h, DNR. */
export const CHAOS_STATUS = nvmeStatus(7, 0xc7, { dnr: true });

/** Full namespace-list pages one walk of an endless list gives before the list command fails. */
export const ENDLESS_LIST_PAGES = 256;

/** What chaos mode did, by kind. */
export interface ChaosStats {
  /** Commands whose execution was deferred. */
  deferred: number;
  /** Duplicates of a genuine completion. */
  duplicate: number;
  /** Completions carrying the CID of an earlier command of the queue. */
  stale: number;
  /** Completions with a random CID no held command has. */
  random: number;
  /** Completions with a CID at or beyond the queue's size that no held command has. */
  outOfRange: number;
  /** Completions for a held command with another queue's SQ ID. */
  wrongSq: number;
  /** Completions for a held command with an SQ head beyond the queue. */
  badHead: number;
  /** Random completions whose CID was rewritten because the host issued that CID afterwards. */
  rewritten: number;
  /** Identify responses corrupted, by corruption. */
  identify: Record<string, number>;
  /** Whether a host paged an endless namespace list to the end (then admin commands went unanswered). */
  listExhausted: boolean;
}

/** A command whose execution is deferred. */
interface Deferred {
  sq: DeviceSq;
  sqe: Uint32Array;
}

/** A random-CID completion in a ring, kept to rewrite if the host issues its CID before taking it. */
interface Planted {
  ring: Uint32Array;
  at: number;
  dw3: number;
}

/** Small, fast, seedable (mulberry32): the same seed gives the same stream. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

// Completion entries kept per queue for stale CIDs.
const HISTORY = 64;

/** The chaos of one controller; the controller calls it at fetch, completion and admin data out. */
export class Chaos {
  /** What it did so far. */
  readonly stats: ChaosStats = {
    deferred: 0,
    duplicate: 0,
    stale: 0,
    random: 0,
    outOfRange: 0,
    wrongSq: 0,
    badHead: 0,
    rewritten: 0,
    identify: {},
    listExhausted: false,
  };
  /** The chance of each bogus completion per genuine I/O completion (see {@link ChaosOptions}); may change at any time. */
  completionRate: number;
  /** The chance an I/O command's execution is deferred; may change at any time. */
  deferRate: number;
  /** The chance Identify data comes back corrupt; may change at any time. */
  identifyRate: number;
  #random: () => number;
  readonly #deferred: Deferred[] = [];
  readonly #history = new Map<number, number[]>();
  readonly #planted: Planted[] = [];
  #listPages = 0;
  #drainScheduled = false;

  /**
   * @param options seed and rates
   * @param execute runs a deferred command as if just fetched (the controller checks its queue still exists)
   */
  constructor(
    options: ChaosOptions,
    private readonly execute: (sq: DeviceSq, sqe: Uint32Array) => void,
  ) {
    this.#random = rng(options.seed);
    this.completionRate = options.completionRate ?? 0.05;
    this.deferRate = options.deferRate ?? 0.1;
    this.identifyRate = options.identifyRate ?? 0;
  }

  /** Starts the stream of choices again from `seed` (a fuzzer replaying one case among many). */
  reseed(seed: number): void {
    this.#random = rng(seed);
  }

  /** Commands fetched and deferred, not executed yet. */
  get pending(): number {
    return this.#deferred.length;
  }

  #chance(p: number): boolean {
    return p > 0 && this.#random() < p;
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  /**
   * An I/O command was fetched: rewrites random completions that carry its CID, then decides whether
   * to defer it. True when deferred (the controller must not execute it now).
   */
  fetched(sq: DeviceSq, sqe: Uint32Array): boolean {
    this.#unplant(sqeCid(sqe));
    if (!this.#chance(this.deferRate)) return false;
    this.#deferred.push({ sq, sqe: sqe.slice() });
    this.stats.deferred++;
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(() => this.drain());
    }
    return true;
  }

  /** Executes every deferred command, in random order (from the task {@link fetched} scheduled). */
  drain(): void {
    this.#drainScheduled = false;
    while (this.#deferred.length > 0) {
      const d = this.#deferred.splice(this.#int(this.#deferred.length), 1)[0]!;
      this.execute(d.sq, d.sqe);
    }
  }

  /**
   * Posts a genuine completion: on an I/O queue with bogus ones around it when the dice say so and
   * the ring has room (a completion waiting for room would land behind them, and a random CID must
   * not pass it); on the admin queue plainly.
   */
  complete(sq: DeviceSq, dw0: number, cid: number, status: number, dw1: number): void {
    const cq = sq.cq;
    if (sq.qid === 0) {
      cq.post(dw0, 0, sq.head, cid, status, dw1);
      return;
    }
    const room = () => cq.backlog === 0 && (cq.tail + 1) % cq.size !== cq.head;
    const bogusStatus = () => (this.#chance(0.5) ? 0 : CHAOS_STATUS);
    const held = this.#deferred.filter((d) => d.sq === sq);
    const heldCids = new Set(held.map((d) => sqeCid(d.sqe)));
    // Before: misaddressed completions for a command still held (the host may not take them for it).
    if (held.length > 0 && room() && this.#chance(this.completionRate)) {
      const victim = sqeCid(held[this.#int(held.length)]!.sqe);
      const otherSq = (sq.qid + 1 + this.#int(0xfffe)) & 0xffff;
      cq.post(0, otherSq, sq.head, victim, bogusStatus());
      this.stats.wrongSq++;
    }
    if (held.length > 0 && room() && this.#chance(this.completionRate)) {
      const victim = sqeCid(held[this.#int(held.length)]!.sqe);
      cq.post(0, sq.qid, sq.size + this.#int(0x1_0000 - sq.size), victim, bogusStatus());
      this.stats.badHead++;
    }
    cq.post(dw0, sq.qid, sq.head, cid, status, dw1);
    const history = this.#history.get(sq.qid) ?? [];
    this.#history.set(sq.qid, history);
    // After: copies and strangers.
    if (room() && this.#chance(this.completionRate)) {
      cq.post(dw0, sq.qid, sq.head, cid, bogusStatus(), dw1);
      this.stats.duplicate++;
    }
    const stale = history.filter((c) => c !== cid && !heldCids.has(c));
    if (stale.length > 0 && room() && this.#chance(this.completionRate)) {
      cq.post(0, sq.qid, sq.head, stale[this.#int(stale.length)]!, bogusStatus());
      this.stats.stale++;
    }
    if (room() && this.#chance(this.completionRate)) {
      this.#plant(sq, this.#freeCid(0, 0x1_0000, heldCids), bogusStatus());
      this.stats.random++;
    }
    if (room() && this.#chance(this.completionRate)) {
      this.#plant(sq, this.#freeCid(sq.size, 0x1_0000 - sq.size, heldCids), bogusStatus());
      this.stats.outOfRange++;
    }
    history.push(cid);
    if (history.length > HISTORY) history.shift();
  }

  /** A CID in [from, from + span) that no held command has. */
  #freeCid(from: number, span: number, held: ReadonlySet<number>): number {
    for (;;) {
      const cid = from + this.#int(span);
      if (!held.has(cid)) return cid;
    }
  }

  /** Posts a random-CID completion and remembers where, to rewrite it on a collision. */
  #plant(sq: DeviceSq, cid: number, status: number): void {
    const cq = sq.cq;
    const at = cq.tail * 4;
    cq.post(0, sq.qid, sq.head, cid, status);
    const ring = cq.ring;
    this.#planted.push({ ring, at, dw3: ring[at + 3]! });
    if (this.#planted.length > 4096) this.#planted.shift();
  }

  /** Gives random completions still in their ring that carry `cid` another CID (see the module note). */
  #unplant(cid: number): void {
    for (let i = this.#planted.length - 1; i >= 0; i--) {
      const p = this.#planted[i]!;
      if (p.ring[p.at + 3] !== p.dw3) {
        this.#planted.splice(i, 1); // overwritten by a later lap: gone
        continue;
      }
      if ((p.dw3 & 0xffff) !== cid) continue;
      const other = (cid + 1 + this.#int(0xfffe)) & 0xffff;
      p.dw3 = ((p.dw3 & ~0xffff) | other) >>> 0;
      p.ring[p.at + 3] = p.dw3;
      this.stats.rewritten++;
    }
  }

  /**
   * An admin command succeeded: corrupts its data when it is an Identify and the dice say so.
   * Returns the status to complete it with: 0, or Internal Error for a list page past the end of an
   * endless list.
   */
  adminDone(sqe: Uint32Array, dma: DmaSpace, pageSize: number): number {
    if (sqeOpcode(sqe) !== AdminOpc.Identify) return 0;
    const cns = sqe[10]! & 0xff;
    // A list walk starts at NSID 0; once a page of it was endless, every later page of it is too.
    if (cns === Cns.ActiveNamespaceList && sqeNsid(sqe) === 0) this.#listPages = 0;
    const endless = cns === Cns.ActiveNamespaceList && this.#listPages > 0;
    if (!endless && !this.#chance(this.identifyRate)) return 0;
    if (endless && this.#listPages >= ENDLESS_LIST_PAGES) {
      this.stats.listExhausted = true;
      return nvmeStatus(Sct.Generic, GenericSc.InternalError, { dnr: true });
    }
    const t = resolveData(dma, sqe, 4096, pageSize, false);
    const data = gather(t, 4096);
    const how = corrupt(data, cns, sqeNsid(sqe), this.#random, endless);
    if (how === undefined) return 0;
    if (how === "endless-list") this.#listPages++;
    scatter(t, data);
    this.stats.identify[how] = (this.stats.identify[how] ?? 0) + 1;
    return 0;
  }
}

/** Writes a little-endian 32-bit value. */
function put32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, true);
}

/**
 * Corrupts Identify data of `cns` in place and names the corruption, or returns undefined when it
 * has none for this CNS. `endless` continues an endless namespace list.
 */
function corrupt(
  data: Uint8Array,
  cns: number,
  nsid: number,
  random: () => number,
  endless: boolean,
): string | undefined {
  const pick = <T extends string>(...names: T[]): T => names[Math.floor(random() * names.length)]!;
  if (cns === Cns.Controller) {
    const how = pick("nn-max", "nn-zero", "mdts-absurd", "entry-sizes", "version", "noise");
    // Identify Controller: MDTS byte 77, VER 80-83, SQES 512, CQES 513, NN 516-519.
    if (how === "nn-max") put32(data, 516, 0xffff_ffff);
    else if (how === "nn-zero") put32(data, 516, 0);
    else if (how === "mdts-absurd") data[77] = [40, 64, 255][Math.floor(random() * 3)]!;
    else if (how === "entry-sizes") {
      data[512] = Math.floor(random() * 256);
      data[513] = Math.floor(random() * 256);
    } else if (how === "version") put32(data, 80, Math.floor(random() * 0x1_0000_0000));
    else for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    return how;
  }
  if (cns === Cns.ActiveNamespaceList) {
    const how = endless ? "endless-list" : pick("endless-list", "unordered-list", "broadcast-in-list");
    if (how === "endless-list") for (let i = 0; i < 1024; i++) put32(data, 4 * i, nsid + 1 + i);
    else if (how === "unordered-list")
      for (let i = 0; i < 1024; i++) put32(data, 4 * i, 1 + Math.floor(random() * 64));
    else put32(data, 0, 0xffff_ffff);
    return how;
  }
  if (cns === Cns.Namespace) {
    if (data.every((b) => b === 0)) return undefined; // an inactive namespace: nothing to make absurd
    const how = pick("lbads-zero", "lbads-huge", "nlbaf-huge", "nsze-huge", "metadata-huge", "noise");
    // Identify Namespace: NSZE 0-7, NCAP 8-15, NLBAF 25, FLBAS 26, LBA formats from 128 (MS 15:0, LBADS 23:16).
    const format = 128 + 4 * (data[26]! & 0xf);
    if (how === "lbads-zero") data[format + 2] = 0;
    else if (how === "lbads-huge") data[format + 2] = random() < 0.5 ? 63 : 255;
    else if (how === "nlbaf-huge") {
      data[25] = 255;
      data[26] = (data[26]! & ~0xf) | 0xf;
    } else if (how === "nsze-huge") data.fill(0xff, 0, 16);
    else if (how === "metadata-huge") {
      data[format] = 0xff;
      data[format + 1] = 0xff;
    } else for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    return how;
  }
  return undefined;
}
