/**
 * @nvmekit/memdomain: memory-domain plugins. The RDMA (lkey/rkey) domain belongs to the RDMA
 * transport; it plugs into the same core abstraction through its translation result's `rdma` keys.
 * @module
 */
export * from "./bounce-domain.js";
export * from "./dma-domain.js";
