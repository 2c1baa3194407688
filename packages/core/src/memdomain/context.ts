/**
 * What a domain's creator attaches to it (SPDK's `spdk_memory_domain_ctx` and the RDMA context).
 * Plugins extend {@link MemoryDomainContext} with their own typed fields; the domain keeps a frozen
 * shallow copy, returned by `getContext()`, and its own copy of the `userCtx` bytes.
 * @module
 */

/** The optional context given to `createMemoryDomain`; plugins extend it with typed fields. */
export interface MemoryDomainContext {
  /**
   * Opaque bytes the domain copies at creation (SPDK's `user_ctx` + `user_ctx_size`), returned by
   * `getUserContext()`. JS objects that cannot be bytes (a verbs handle, an allocator) go in typed
   * fields of an extended context instead, as {@link RdmaMemoryDomainContext} does.
   */
  readonly userCtx?: ArrayBufferView;
}

/**
 * The context of an RDMA domain (SPDK's `spdk_memory_domain_rdma_ctx`): the protection domain
 * whose memory registrations give the lkey/rkey of a translation. The seam for the RDMA transport.
 */
export interface RdmaMemoryDomainContext extends MemoryDomainContext {
  /** RDMA specifics. */
  readonly rdma: {
    /** Opaque handle of the `ibv_pd` (as the RDMA transport's bindings represent it). */
    readonly pd: unknown;
  };
}

/** The domain's own copy of the creator's `userCtx` bytes and its size (`get_user_context`). */
export interface MemoryDomainUserContext {
  /** The copied bytes; the domain owns them. */
  readonly bytes: Uint8Array;
  /** Size of the user context in bytes (equals `bytes.byteLength`). */
  readonly size: number;
}
