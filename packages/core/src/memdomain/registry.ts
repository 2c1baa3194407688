/**
 * The process-wide list of memory domains (SPDK's `g_dma_memory_domains`), in creation order, headed
 * by the system domain: create, destroy, iterate with an optional device-id filter.
 *
 * The system domain stands for ordinary host memory. As in SPDK's dma.c it has type
 * {@link DmaDeviceType.Dma}, device id "system", no context and no callbacks: every data operation on
 * it returns -ENOTSUP and invalidate is a no-op (callers treat its memory as plain, CPU-visible bytes;
 * `copyIovs` moves them). It cannot be destroyed.
 * @module
 */

import { EINVAL } from "../errors/errno.js";
import { InvalidArgumentError } from "../errors/errors.js";
import type { MemoryDomainContext, MemoryDomainUserContext } from "./context.js";
import { DmaDeviceType } from "./device-type.js";
import { MemoryDomain } from "./domain.js";
import { emitMemoryDomainEvent } from "./events.js";
import { checkCreate } from "./validate.js";

/** Device id of the system domain, as SPDK names it. */
export const SYSTEM_MEMORY_DOMAIN_ID = "system";

const systemDomain: MemoryDomain = new MemoryDomain(DmaDeviceType.Dma, null, null, SYSTEM_MEMORY_DOMAIN_ID);
const domains: MemoryDomain[] = [systemDomain];

/** Where {@link memoryDomainCreate} stores the new domain (SPDK's `struct spdk_memory_domain **`). */
export interface MemoryDomainRef {
  /** The created domain, set on success. */
  domain: MemoryDomain | null;
}

function copyUserContext(ctx: MemoryDomainContext | null): MemoryDomainUserContext | null {
  const src = ctx?.userCtx;
  if (src === undefined || src.byteLength === 0) return null;
  // The domain keeps its own copy, as SPDK does: the creator may reuse its bytes.
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength).slice();
  return { bytes, size: bytes.byteLength };
}

function register<C extends MemoryDomainContext>(
  type: number,
  ctx: C | null | undefined,
  id: string | null | undefined,
): MemoryDomain<C> {
  const context = ctx == null ? null : Object.freeze({ ...ctx });
  const domain = new MemoryDomain<C>(
    type as DmaDeviceType,
    context,
    copyUserContext(ctx ?? null),
    id ?? null,
  );
  domains.push(domain);
  emitMemoryDomainEvent("created", domain);
  return domain;
}

/**
 * Creates and registers a domain, SPDK-style: stores it in `out.domain` and returns 0, or returns
 * -EINVAL (no `out`, a type outside {@link DmaDeviceType} and the vendor range, a bad context or id).
 */
export function memoryDomainCreate<C extends MemoryDomainContext>(
  out: MemoryDomainRef,
  type: DmaDeviceType | number,
  ctx: C | null,
  id: string | null,
): number {
  if (out === null || typeof out !== "object" || checkCreate(type, ctx, id) !== null) return -EINVAL;
  out.domain = register(type, ctx, id);
  return 0;
}

/**
 * Creates and registers a domain of `type` (a {@link DmaDeviceType}, or a plain number in the vendor
 * range 1000..1999) reachable by device `id`, keeping a frozen copy of `ctx`
 * and its own copy of `ctx.userCtx`. Then install its callbacks with the `set*` methods.
 * @throws InvalidArgumentError for a type outside {@link DmaDeviceType} and the vendor range, a bad context or id
 */
export function createMemoryDomain<C extends MemoryDomainContext = MemoryDomainContext>(
  type: DmaDeviceType | number,
  ctx: C | null = null,
  id: string | null = null,
): MemoryDomain<C> {
  const bad = checkCreate(type, ctx, id);
  if (bad !== null) throw new InvalidArgumentError(bad.argument, bad.message);
  return register(type, ctx, id);
}

/**
 * Removes `domain` from the registry and announces it. Null and already destroyed domains are
 * ignored. The caller makes sure no operation on it is still in flight.
 * @throws InvalidArgumentError for the system domain, which lives as long as the process
 */
export function destroyMemoryDomain(domain: MemoryDomain | null | undefined): void {
  if (domain == null) return;
  if (domain === systemDomain) {
    throw new InvalidArgumentError("domain", "the system memory domain cannot be destroyed");
  }
  const i = domains.indexOf(domain);
  if (i < 0) return;
  domains.splice(i, 1);
  emitMemoryDomainEvent("destroyed", domain);
}

function findFrom(start: number, id: string | null | undefined): MemoryDomain | null {
  for (let i = start; i < domains.length; i++) {
    const d = domains[i]!;
    if (id == null || d.getDmaDeviceId() === id) return d;
  }
  return null;
}

/** The first registered domain (the system domain), or with `id` the first whose device id is `id`; else null. */
export function getFirstMemoryDomain(id?: string | null): MemoryDomain | null {
  return findFrom(0, id);
}

/** The domain registered after `prev` (matching `id` when given), or null at the end or when `prev` is not registered. */
export function getNextMemoryDomain(prev: MemoryDomain | null, id?: string | null): MemoryDomain | null {
  if (prev === null) return null;
  const i = domains.indexOf(prev);
  return i < 0 ? null : findFrom(i + 1, id);
}

/** The system domain: ordinary host memory, always registered first. */
export function getSystemMemoryDomain(): MemoryDomain {
  return systemDomain;
}

/** Iterates the registered domains in creation order (matching `id` when given), by first/next. */
export function* memoryDomains(id?: string | null): IterableIterator<MemoryDomain> {
  for (let d = getFirstMemoryDomain(id); d !== null; d = getNextMemoryDomain(d, id)) yield d;
}
