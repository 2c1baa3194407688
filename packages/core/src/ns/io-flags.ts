/**
 * Per-I/O flags: bits of command dword 12 of Read, Write, Compare and Write Zeroes, exactly where
 * SPDK's SPDK_NVME_IO_FLAGS_* put them, so values carry over from C code unchanged.
 * @module
 */

/** I/O flags for namespace commands (combine with `|`). */
export enum IoFlags {
  /** None. */
  None = 0,
  /** PRCHK: check the reference tag. */
  PrchkReftag = 1 << 26,
  /** PRCHK: check the application tag. */
  PrchkApptag = 1 << 27,
  /** PRCHK: check the guard. */
  PrchkGuard = 1 << 28,
  /** PRACT: the controller inserts/strips protection information. */
  Pract = 1 << 29,
  /** Force Unit Access. */
  ForceUnitAccess = 1 << 30,
  /** Limited Retry. */
  LimitedRetry = -0x80000000,
}

/** The bits of dword 12 that {@link IoFlags} may set; anything else is rejected as bad input. */
export const IO_FLAGS_MASK = 0xfc000000;

/** Namespace feature flags, as spdk_nvme_ns_get_flags reports them. */
export enum NamespaceFlags {
  /** Dataset Management (deallocate) is supported. */
  DeallocateSupported = 0x1,
  /** Flush is supported (a volatile write cache is present). */
  FlushSupported = 0x2,
  /** Reservations are supported. */
  ReservationSupported = 0x4,
  /** Write Zeroes is supported. */
  WriteZeroesSupported = 0x8,
  /** End-to-end data protection is enabled. */
  DpsPiSupported = 0x10,
  /** The extended LBA format (metadata inline with data) is supported. */
  ExtendedLbaSupported = 0x20,
}
