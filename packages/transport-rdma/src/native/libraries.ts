/**
 * libibverbs, librdmacm and the few libc calls the RDMA transport needs, bound once with koffi when
 * first used. Loading fails with a {@link TransportError} that names the Debian packages to install.
 * Pointers are koffi's BigInt addresses. Nothing here is on the per-I/O path; the data-path verbs are
 * in data-path.ts.
 * @module
 */
import { TransportError } from "@nvmekit/core";
import koffi, { type LibraryHandle } from "koffi";

/** A function bound by koffi (callable, with `.async`). */
export type NativeFunction = ReturnType<LibraryHandle["func"]>;

/** The bound functions, by C name. */
export interface RdmaLibraries {
  readonly ibv_alloc_pd: NativeFunction;
  readonly ibv_dealloc_pd: NativeFunction;
  readonly ibv_reg_mr: NativeFunction;
  readonly ibv_dereg_mr: NativeFunction;
  readonly ibv_create_cq: NativeFunction;
  readonly ibv_destroy_cq: NativeFunction;
  readonly ibv_create_comp_channel: NativeFunction;
  readonly ibv_destroy_comp_channel: NativeFunction;
  readonly ibv_get_cq_event: NativeFunction;
  readonly ibv_ack_cq_events: NativeFunction;
  readonly ibv_query_device: NativeFunction;
  readonly ibv_wc_status_str: NativeFunction;
  readonly rdma_create_event_channel: NativeFunction;
  readonly rdma_destroy_event_channel: NativeFunction;
  readonly rdma_create_id: NativeFunction;
  readonly rdma_destroy_id: NativeFunction;
  readonly rdma_resolve_addr: NativeFunction;
  readonly rdma_resolve_route: NativeFunction;
  readonly rdma_create_qp: NativeFunction;
  readonly rdma_destroy_qp: NativeFunction;
  readonly rdma_connect: NativeFunction;
  readonly rdma_disconnect: NativeFunction;
  readonly rdma_get_cm_event: NativeFunction;
  readonly rdma_ack_cm_event: NativeFunction;
  readonly rdma_event_str: NativeFunction;
  readonly rdma_get_devices: NativeFunction;
  readonly rdma_free_devices: NativeFunction;
  readonly fcntl: NativeFunction;
  readonly poll: NativeFunction;
  readonly mmap: NativeFunction;
  readonly munmap: NativeFunction;
}

const INSTALL_HINT = "install them with: apt-get install libibverbs1 librdmacm1 ibverbs-providers";

let loaded: RdmaLibraries | undefined;
let loadError: Error | undefined;

function bind(): RdmaLibraries {
  const verbs = koffi.load("libibverbs.so.1");
  const cm = koffi.load("librdmacm.so.1");
  const libc = koffi.load("libc.so.6");
  return {
    ibv_alloc_pd: verbs.func("void *ibv_alloc_pd(void *context)"),
    ibv_dealloc_pd: verbs.func("int ibv_dealloc_pd(void *pd)"),
    ibv_reg_mr: verbs.func("void *ibv_reg_mr(void *pd, void *addr, size_t length, int access)"),
    ibv_dereg_mr: verbs.func("int ibv_dereg_mr(void *mr)"),
    ibv_create_cq: verbs.func(
      "void *ibv_create_cq(void *context, int cqe, void *cq_context, void *channel, int comp_vector)",
    ),
    ibv_destroy_cq: verbs.func("int ibv_destroy_cq(void *cq)"),
    ibv_create_comp_channel: verbs.func("void *ibv_create_comp_channel(void *context)"),
    ibv_destroy_comp_channel: verbs.func("int ibv_destroy_comp_channel(void *channel)"),
    ibv_get_cq_event: verbs.func("int ibv_get_cq_event(void *channel, void *cq_out, void *context_out)"),
    ibv_ack_cq_events: verbs.func("void ibv_ack_cq_events(void *cq, unsigned int nevents)"),
    ibv_query_device: verbs.func("int ibv_query_device(void *context, void *attr)"),
    ibv_wc_status_str: verbs.func("const char *ibv_wc_status_str(int status)"),
    rdma_create_event_channel: cm.func("void *rdma_create_event_channel()"),
    rdma_destroy_event_channel: cm.func("void rdma_destroy_event_channel(void *channel)"),
    rdma_create_id: cm.func("int rdma_create_id(void *channel, void *id_out, void *context, int ps)"),
    rdma_destroy_id: cm.func("int rdma_destroy_id(void *id)"),
    rdma_resolve_addr: cm.func(
      "int rdma_resolve_addr(void *id, void *src_addr, void *dst_addr, int timeout_ms)",
    ),
    rdma_resolve_route: cm.func("int rdma_resolve_route(void *id, int timeout_ms)"),
    rdma_create_qp: cm.func("int rdma_create_qp(void *id, void *pd, void *qp_init_attr)"),
    rdma_destroy_qp: cm.func("void rdma_destroy_qp(void *id)"),
    rdma_connect: cm.func("int rdma_connect(void *id, void *conn_param)"),
    rdma_disconnect: cm.func("int rdma_disconnect(void *id)"),
    rdma_get_cm_event: cm.func("int rdma_get_cm_event(void *channel, void *event_out)"),
    rdma_ack_cm_event: cm.func("int rdma_ack_cm_event(void *event)"),
    rdma_event_str: cm.func("const char *rdma_event_str(int event)"),
    rdma_get_devices: cm.func("void *rdma_get_devices(void *num_out)"),
    rdma_free_devices: cm.func("void rdma_free_devices(void *list)"),
    // fcntl is variadic; with an int third argument it is ABI-compatible on x86-64.
    fcntl: libc.func("fcntl", "int", ["int", "int", "int"]),
    poll: libc.func("int poll(void *fds, unsigned long nfds, int timeout)"),
    mmap: libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)"),
    munmap: libc.func("int munmap(void *addr, size_t len)"),
  };
}

/**
 * The bound libraries.
 * @throws TransportError when libibverbs or librdmacm cannot be loaded (the message says what to install)
 */
export function rdmaLibraries(): RdmaLibraries {
  if (loaded !== undefined) return loaded;
  if (loadError === undefined) {
    try {
      loaded = bind();
      return loaded;
    } catch (e) {
      loadError = e as Error;
    }
  }
  throw new TransportError(`RDMA libraries not loadable (${loadError.message}); ${INSTALL_HINT}`, {
    cause: loadError,
  });
}
