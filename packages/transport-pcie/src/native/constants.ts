/**
 * Linux x86-64 / generic ABI constants for the libc calls the native layer makes (fcntl.h, mman.h,
 * eventfd.h, poll.h, resource.h). Values are the kernel's, not glibc-version dependent.
 * @module
 */

/** open(2) flags. */
export const O_RDONLY = 0;
/** open(2): read and write. */
export const O_RDWR = 2;
/** open(2): close on exec, so child processes never inherit VFIO fds. */
export const O_CLOEXEC = 0o2000000;

/** mmap(2) protections. */
export const PROT_NONE = 0;
/** mmap(2): readable. */
export const PROT_READ = 1;
/** mmap(2): writable. */
export const PROT_WRITE = 2;

/** mmap(2): shared mapping (device memory). */
export const MAP_SHARED = 0x01;
/** mmap(2): private mapping. */
export const MAP_PRIVATE = 0x02;
/** mmap(2): at exactly this address, replacing what is there. */
export const MAP_FIXED = 0x10;
/** mmap(2): not backed by a file. */
export const MAP_ANONYMOUS = 0x20;
/** mmap(2): do not reserve swap. */
export const MAP_NORESERVE = 0x4000;
/** mmap(2): populate (prefault) the pages now. */
export const MAP_POPULATE = 0x8000;
/** mmap(2): back with huge pages from the hugetlb pool. */
export const MAP_HUGETLB = 0x40000;
/** Shift of the huge page size (log2) inside mmap flags. */
export const MAP_HUGE_SHIFT = 26;
/** mmap's error return, `(void *)-1`, as koffi's BigInt pointer. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/** madvise(2): do not share these pages with a forked child (pinned DMA memory must stay ours). */
export const MADV_DONTFORK = 10;

/** eventfd(2): non-blocking reads. */
export const EFD_NONBLOCK = 0o4000;
/** eventfd(2): close on exec. */
export const EFD_CLOEXEC = 0o2000000;

/** poll(2): data to read. */
export const POLLIN = 0x001;

/** getrlimit(2): bytes of memory that may be locked (VFIO type1 charges pinned DMA memory here). */
export const RLIMIT_MEMLOCK = 8;
/** sysconf(3): page size. */
export const _SC_PAGESIZE = 30;
