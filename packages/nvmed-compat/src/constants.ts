/**
 * NVMeDirect's names and numbers (`lib_nvmed.h`, `nvmed.h`), kept as the seed defines them so C
 * programs port line by line.
 * @module
 */

/**
 * `enum NVMED_RESULT` (nvmed.h). Functions return the negated value: seed "On error, -1 (NVMED_FAULT)
 * or -2 (NVMED_NOENTRY) is returned".
 */
export const NVMED_SUCCESS = 0;
/** Generic failure; returned as -1. */
export const NVMED_FAULT = 1;
/** No such object (null, closed or destroyed); returned as -2. */
export const NVMED_NOENTRY = 2;
/** A limit was exceeded; returned as -3. */
export const NVMED_EXCEEDLIMIT = 3;
/** Not permitted; returned as -4. */
export const NVMED_NOPERM = 4;
/** Over the per-user queue quota (the kernel module's; never returned here); -5. */
export const NVMED_OVERQUOTA = 5;
/** An invalid argument; returned as -6 (e.g. HANDLE_INTERRUPT in nvmed_handle_feature_set). */
export const NVMED_INVALID = 6;

/** nvmed_open flag. Seed: "NVMED_NO_CACHE - Do not use the block cache in the NVMeDirect framework." */
export const NVMED_NO_CACHE = 1;
/** nvmed_feature_set/get feature id: the block cache's size, in 4 KiB pages. */
export const NVMED_CACHE_SIZE = 2;
/** nvmed_open flag of the original (defer cache zeroing); accepted and meaningless here (pages are allocated on use). */
export const NVMED_CACHE_LAZY_INIT = 4;

/**
 * Queue flag of the original (the queue is skipped by its background completion thread); accepted, no
 * effect here: there is no background poller, completions are reaped by the caller's calls (or, for
 * HANDLE_INTERRUPT handles on a QUEUE_INTERRUPT queue, on the queue's interrupts).
 */
export const QUEUE_MANUAL_COMPLETION = 1;
/**
 * Queue flag of the original: an interrupt-driven queue. Here: core's queue pair with completion
 * interrupts (MSI-X through VFIO on PCIe). Awaited calls on it sleep on the interrupt once the queue has
 * gone quiet instead of polling, and the AIO of its HANDLE_INTERRUPT handles completes on interrupts
 * with no nvmed_aio_handle_complete. On a transport without interrupts (the in-thread software
 * controller) the queue is polled from the event loop instead, with the same behaviour.
 */
export const QUEUE_INTERRUPT = 2;
/**
 * Queue flag, nvmekit's (not in NVMeDirect): core's delayed doorbell. Submissions are written to the
 * ring without ringing the doorbell, which is rung once per nvmed_aio_queue_submit (hence its name)
 * and at the end of each completion poll: one doorbell write (a trap into an emulated controller) per
 * batch instead of per command.
 */
export const QUEUE_DELAYED_DOORBELL = 0x100;

/** Handle flag. Seed: "HANDLE_DIRECT_IO - Perform I/O directly" (no block cache). */
export const HANDLE_DIRECT_IO = 1;
/** Handle flag. Seed: "HANDLE_SYNC_IO - Perform I/O synchronously": buffered writes go through the cache to the device. */
export const HANDLE_SYNC_IO = 2;
/** Handle flag. Seed: "HANDLE_HINT_DMEM - Use the pre-translated buffer obtained from nvmed_get_buffer()". */
export const HANDLE_HINT_DMEM = 4;
/** Handle flag set by nvmed_handle_create_mq (internal in the original too). */
export const HANDLE_MQ = 8;
/**
 * Handle flag of the original: wait for completions on the queue's interrupt instead of polling. On a
 * QUEUE_INTERRUPT queue (every queue of a multi-queue handle), the handle's AIO contexts complete on
 * the interrupt, from the event loop, with no nvmed_aio_handle_complete (which still counts them).
 * On other queues it is dropped at creation and -6 from nvmed_handle_feature_set, as in the original.
 */
export const HANDLE_INTERRUPT = 16;

/** nvmed_lseek whence. Seed: "The offset is set to offset bytes". */
export const SEEK_SET = 0;
/** nvmed_lseek whence. Seed: "The offset is set to its current location plus offset bytes". */
export const SEEK_CUR = 1;
/** nvmed_lseek whence. Seed: "The offset is set to the size of the device minus offset bytes" (not POSIX's sign). */
export const SEEK_END = 2;

/** AIO status. Seed: "AIO_INIT : AIO is queued". */
export const AIO_INIT = 0;
/** AIO status. Seed: "AIO_PROCESS : AIO is in progress". */
export const AIO_PROCESS = 2;
/** AIO status. Seed: "AIO_COMPLETE : AIO is completed". */
export const AIO_COMPLETE = 4;

/** The original's internal enqueue results; nvmed_aio_read/write here return the documented 0 / -1 instead. */
export const NVMED_AIO_ERROR = 1;
/** See {@link NVMED_AIO_ERROR}. */
export const NVMED_AIO_BUSY = 2;
/** See {@link NVMED_AIO_ERROR}. */
export const NVMED_AIO_QUEUED = 4;

/** NVMeDirect's page: nvmed_get_buffer hands out multiples of it, and the block cache holds pages of it. */
export const NVMED_PAGE_SIZE = 4096;

/** The default block-cache size in pages (16 MiB). The original locked ~16 GiB at open. */
export const NVMED_CACHE_DEFAULT_PAGES = 4096;

/** Most pages one cache transfer (fill or write-back run) moves: the original flushed runs at 128 pages. */
export const NVMED_CACHE_MAX_RUN_PAGES = 128;

/** NVMe opcodes passed to a multi-queue handle's select function. */
export const NVME_CMD_FLUSH = 0x00;
/** See {@link NVME_CMD_FLUSH}. */
export const NVME_CMD_WRITE = 0x01;
/** See {@link NVME_CMD_FLUSH}. */
export const NVME_CMD_READ = 0x02;
/** See {@link NVME_CMD_FLUSH}. */
export const NVME_CMD_DSM = 0x09;
