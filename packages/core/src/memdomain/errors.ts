/**
 * Typed errors of the memory-domain convenience faces (the callback face returns negated errno).
 * @module
 */

import { EFAULT, ENOTSUP, errnoName } from "../errors/errno.js";
import { NvmeError } from "../errors/errors.js";

function label(domainId: string | null): string {
  return `memory domain ${domainId === null ? "(no id)" : `"${domainId}"`}`;
}

/** The asynchronous or translating operations of a memory domain. */
export type MemoryDomainOperation = "pull" | "push" | "transfer" | "translate" | "memzero";

/** A memory-domain operation that failed to start or completed with an error. */
export class MemoryDomainError extends NvmeError {
  /** Which operation failed. */
  readonly operation: MemoryDomainOperation;
  /** The negated errno it failed with, e.g. -95 (ENOTSUP: the domain has no callback for it). */
  readonly rc: number;
  /** Device id of the domain that ran the operation (null when it has none). */
  readonly domainId: string | null;

  /**
   * @param operation the failed operation  @param rc negated errno  @param domainId the domain's device id
   * @param message overrides the default message  @param code overrides the stable code (subclasses)
   */
  constructor(
    operation: MemoryDomainOperation,
    rc: number,
    domainId: string | null,
    message?: string,
    code = "ERR_NVME_MEMORY_DOMAIN",
  ) {
    super(code, message ?? MemoryDomainError.describe(operation, rc, domainId));
    this.operation = operation;
    this.rc = rc;
    this.domainId = domainId;
  }

  private static describe(operation: MemoryDomainOperation, rc: number, domainId: string | null): string {
    const hint = rc === -ENOTSUP ? ` (the domain has no ${operation} callback)` : "";
    return `${label(domainId)}: ${operation} failed with ${errnoName(rc)}${hint}`;
  }
}

/** A translation that describes fewer bytes than were asked for: the range is not all reachable. */
export class ShortTranslationError extends MemoryDomainError {
  /** Bytes asked for. */
  readonly requested: number;
  /** Bytes the translation result describes. */
  readonly translated: number;

  /** @param domainId the source domain's id  @param requested bytes asked  @param translated bytes described */
  constructor(domainId: string | null, requested: number, translated: number) {
    super(
      "translate",
      -EFAULT,
      domainId,
      `${label(domainId)}: translation covers ${translated} of ` +
        `${requested} bytes; the rest is not reachable by the destination domain (use pull/push instead)`,
      "ERR_NVME_MEMORY_DOMAIN_SHORT_TRANSLATION",
    );
    this.requested = requested;
    this.translated = translated;
  }
}
