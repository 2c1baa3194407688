// nvme-vfio-bench: a minimal polled NVMe driver over Linux VFIO (type1 IOMMU) that measures 4 KiB
// random-read or random-write IOPS and latency at a fixed queue depth. It is the "C userspace driver"
// reference for nvmekit's benchmarks. Written from the NVMe 1.4 base spec and <linux/vfio.h>.
//
// Usage: nvme-vfio-bench BDF NSID {randread|randwrite} QUEUE_DEPTH SECONDS [THREADS]
// THREADS (1 to 4, default 1) threads each drive an I/O queue pair of their own at QUEUE_DEPTH, as
// SPDK perf does with one core per queue pair; the figures are their totals.
// Prints one line of JSON on stdout; errors go to stderr with exit status 1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define IO_SIZE 4096u
#define DMA_IOVA 0x200000ull // any nonzero, page-aligned IOVA works
#define THREADS_MAX 4u
#define REGION (2u << 20) // the admin region, then one per thread
#define DMA_SIZE (REGION * (1 + THREADS_MAX))
#define ADMIN_QSIZE 32u
#define IO_QSIZE_MAX 256u
#define HIST_NS 100u                    // histogram bucket width
#define HIST_BUCKETS (100000000u / HIST_NS) // up to 100 ms; slower I/Os land in the last bucket

// Controller registers (NVMe 1.4, section 3.1).
#define REG_CAP 0x00
#define REG_CC 0x14
#define REG_CSTS 0x1c
#define REG_AQA 0x24
#define REG_ASQ 0x28
#define REG_ACQ 0x30
#define REG_DBS 0x1000

// Layout of the single DMA memory (offsets from its start; all 4 KiB aligned = one PRP each): the
// admin queues and identify data, then a region per thread with its I/O queues and data buffers.
#define OFF_ASQ 0x0000   // 32 x 64 B
#define OFF_ACQ 0x1000   // 32 x 16 B
#define OFF_IDENT 0x2000 // identify data
#define OFF_IOSQ(t) (REGION * ((t) + 1))          // 256 x 64 B = 16 KiB
#define OFF_IOCQ(t) (REGION * ((t) + 1) + 0x4000) // 256 x 16 B = 4 KiB
#define OFF_DATA(t) (REGION * ((t) + 1) + 0x8000) // one 4 KiB buffer per command id, up to 1 MiB

struct sqe {
	uint32_t cdw0; // opcode | CID << 16
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status; // bit 0 = phase tag, bits 15:1 = status field
};

struct queue {
	struct sqe *sq;
	volatile struct cqe *cq;
	volatile uint32_t *sq_db, *cq_db;
	uint32_t size, sq_tail, cq_head, phase;
};

static volatile uint8_t *bar;
static uint8_t *dma;
static uint32_t dstrd_bytes;
static uint16_t admin_cid;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("nvme-vfio-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

// BAR accesses are 32-bit: every register we need is accessible that way, 64-bit ones low half first.
static uint32_t rd32(uint32_t off) { return *(volatile uint32_t *)(bar + off); }
static void wr32(uint32_t off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }
static uint64_t rd64(uint32_t off) { return rd32(off) | (uint64_t)rd32(off + 4) << 32; }
static void wr64(uint32_t off, uint64_t v) { wr32(off, (uint32_t)v); wr32(off + 4, (uint32_t)(v >> 32)); }
static uint64_t iova(uint32_t off) { return DMA_IOVA + off; }

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void wait_csts(uint32_t mask, uint32_t want, double timeout_s, const char *what)
{
	double end = now_s() + timeout_s;
	while ((rd32(REG_CSTS) & mask) != want) {
		if (rd32(REG_CSTS) & 2)
			die("controller fatal status (CSTS.CFS) while waiting for %s", what);
		if (now_s() > end)
			die("timed out waiting for %s (CSTS=0x%x)", what, rd32(REG_CSTS));
		usleep(100);
	}
}

static void queue_init(struct queue *q, uint16_t qid, uint32_t size, uint32_t sq_off, uint32_t cq_off)
{
	q->sq = (struct sqe *)(dma + sq_off);
	q->cq = (volatile struct cqe *)(dma + cq_off);
	q->sq_db = (volatile uint32_t *)(bar + REG_DBS + (2 * qid) * dstrd_bytes);
	q->cq_db = (volatile uint32_t *)(bar + REG_DBS + (2 * qid + 1) * dstrd_bytes);
	q->size = size;
	q->sq_tail = q->cq_head = 0;
	q->phase = 1; // the controller writes phase 1 on its first pass over a zeroed CQ
}

// Synchronous admin command: submit, ring, poll for the completion.
static void admin(struct queue *aq, struct sqe cmd, const char *what)
{
	uint16_t cid = admin_cid++;
	cmd.cdw0 |= (uint32_t)cid << 16;
	aq->sq[aq->sq_tail] = cmd;
	aq->sq_tail = (aq->sq_tail + 1) % aq->size;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*aq->sq_db = aq->sq_tail;

	double end = now_s() + 5;
	volatile struct cqe *c = &aq->cq[aq->cq_head];
	while ((c->status & 1) != aq->phase)
		if (now_s() > end)
			die("%s: no completion", what);
	uint16_t status = c->status >> 1, got = c->cid;
	if (++aq->cq_head == aq->size) {
		aq->cq_head = 0;
		aq->phase ^= 1;
	}
	*aq->cq_db = aq->cq_head;
	if (got != cid)
		die("%s: completion for cid %u, expected %u", what, got, cid);
	if (status)
		die("%s failed: SCT 0x%x SC 0x%x", what, (status >> 8) & 7, status & 0xff);
}

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

// TSC ticks per microsecond, measured against CLOCK_MONOTONIC over ~100 ms (as SPDK does), so the
// measured loop needs one rdtsc per I/O instead of a clock_gettime (HPET in the guest, ~1-2 us).
static double tsc_per_us(void)
{
	double t0 = now_s();
	uint64_t c0 = __rdtsc();
	usleep(100000);
	double t1 = now_s();
	uint64_t c1 = __rdtsc();
	return (c1 - c0) / ((t1 - t0) * 1e6);
}

static double rusage_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static double percentile_us(const uint64_t *hist, uint64_t n, double p)
{
	if (n == 0)
		return 0;
	uint64_t want = (uint64_t)(p * n), seen = 0;
	if (want >= n)
		want = n - 1;
	for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen > want)
			return (i + 1) * HIST_NS / 1000.0; // upper edge of the bucket
	}
	return HIST_BUCKETS * HIST_NS / 1000.0;
}

// One thread's measured run: its I/O queue pair, one data buffer per command ID (CID).
struct run {
	struct queue q;
	uint32_t data_off;
	uint32_t nsid, opcode, blocks_per_io, qd;
	uint64_t slots; // I/O-size-aligned positions in the namespace
	uint32_t rng;
	uint64_t *start_tsc; // per CID: when its command was posted
	uint16_t *free_cids; // CIDs whose command completed, to post again
	uint32_t nfree, inflight;
	int stopping;
	uint64_t ios, errors, sum_tsc, tsc_per_bucket, stall_tsc;
	uint64_t *hist;
};

// Writes a read or write of a random I/O-size-aligned position for `cid` at the SQ tail.
static void post(struct run *r, uint16_t cid, uint64_t now)
{
	struct queue *q = &r->q;
	uint64_t rnd = xorshift32(&r->rng);
	if (r->slots > UINT32_MAX)
		rnd = rnd << 32 | xorshift32(&r->rng);
	uint64_t slba = (rnd % r->slots) * r->blocks_per_io;
	q->sq[q->sq_tail] = (struct sqe){.cdw0 = r->opcode | (uint32_t)cid << 16,
	                                 .nsid = r->nsid,
	                                 .prp1 = iova(r->data_off + cid * IO_SIZE),
	                                 .cdw10 = (uint32_t)slba,
	                                 .cdw11 = (uint32_t)(slba >> 32),
	                                 .cdw12 = r->blocks_per_io - 1};
	r->start_tsc[cid] = now;
	if (++q->sq_tail == q->size)
		q->sq_tail = 0;
}

// Posts a command for every free CID, then rings the SQ tail doorbell once. Latency counts from
// before the first entry is written.
static void post_all(struct run *r)
{
	if (r->nfree == 0)
		return;
	uint64_t now = __rdtsc();
	r->inflight += r->nfree;
	while (r->nfree)
		post(r, r->free_cids[--r->nfree], now);
	__atomic_thread_fence(__ATOMIC_RELEASE); // the entries are in memory before the doorbell
	*r->q.sq_db = r->q.sq_tail;
}

// Spins on the phase bit at the CQ head until a completion arrives, then takes every completion
// there is, timing each, and rings the CQ head doorbell once. Returns the TSC of the last one.
static uint64_t reap_all(struct run *r)
{
	struct queue *q = &r->q;
	volatile struct cqe *c = &q->cq[q->cq_head];
	uint64_t now, waiting_since = 0;
	for (uint32_t spins = 0; (c->status & 1) != q->phase;) {
		if (++spins == 1u << 20) { // a TSC read costs a helper call under emulation: only now and then
			spins = 0;
			now = __rdtsc();
			if (!waiting_since)
				waiting_since = now;
			else if (now - waiting_since > r->stall_tsc)
				die("no completion for 10 s (%u commands in flight)", r->inflight);
		}
	}
	do {
		__atomic_thread_fence(__ATOMIC_ACQUIRE); // the entry is read after its phase bit
		uint16_t st = c->status, cid = c->cid;
		if (cid >= r->qd)
			die("completion with unknown cid %u", cid);
		now = __rdtsc();
		uint64_t lat = now - r->start_tsc[cid], b = lat / r->tsc_per_bucket;
		r->hist[b < HIST_BUCKETS ? b : HIST_BUCKETS - 1]++;
		r->sum_tsc += lat;
		r->errors += (st >> 1) != 0;
		r->ios++;
		r->inflight--;
		r->free_cids[r->nfree++] = cid;
		if (++q->cq_head == q->size) {
			q->cq_head = 0;
			q->phase ^= 1;
		}
		c = &q->cq[q->cq_head];
	} while ((c->status & 1) == q->phase);
	*q->cq_db = q->cq_head;
	return now;
}

static pthread_barrier_t start_line;
static uint64_t tsc_end_of_run;

// Post every free command and ring once; reap every completion there is and ring once; repeat.
// When the time is up, stop posting and drain what is in flight.
static void *measure(void *arg)
{
	struct run *r = arg;
	pthread_barrier_wait(&start_line);
	post_all(r);
	while (r->inflight) {
		uint64_t seen = reap_all(r);
		if (!r->stopping) {
			if (seen >= tsc_end_of_run)
				r->stopping = 1;
			else
				post_all(r);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7)
		die("usage: nvme-vfio-bench BDF NSID {randread|randwrite} QUEUE_DEPTH SECONDS [THREADS]");
	const char *bdf = argv[1];
	uint32_t nsid = (uint32_t)strtoul(argv[2], NULL, 0);
	int write = !strcmp(argv[3], "randwrite");
	if (!write && strcmp(argv[3], "randread"))
		die("workload must be randread or randwrite");
	uint32_t qd = (uint32_t)atoi(argv[4]);
	double seconds = atof(argv[5]);
	uint32_t threads = argc == 7 ? (uint32_t)atoi(argv[6]) : 1;
	if (nsid == 0 || qd == 0 || seconds <= 0 || threads < 1 || threads > THREADS_MAX)
		die("bad NSID, QUEUE_DEPTH, SECONDS or THREADS (1..%u)", THREADS_MAX);

	// --- VFIO: container, group, IOMMU, device ---------------------------------------------------
	int container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("open /dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unknown VFIO API version");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die("VFIO type1v2 IOMMU not supported");

	char path[256], link[256];
	snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t len = readlink(path, link, sizeof link - 1);
	if (len < 0)
		die("%s: %s (is the device bound to vfio-pci?)", path, strerror(errno));
	link[len] = 0;
	snprintf(path, sizeof path, "/dev/vfio/%s", basename(link));
	int group = open(path, O_RDWR);
	if (group < 0)
		die("open %s: %s", path, strerror(errno));
	struct vfio_group_status gs = {.argsz = sizeof gs};
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group %s is not viable (are all its devices bound to vfio-pci?)", path);
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU: %s", strerror(errno));
	int dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));

	struct vfio_region_info bar0 = {.argsz = sizeof bar0, .index = VFIO_PCI_BAR0_REGION_INDEX};
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar0) || !(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP))
		die("BAR0 is not mappable");
	void *bar_map = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, (off_t)bar0.offset);
	if (bar_map == MAP_FAILED)
		die("mmap BAR0: %s", strerror(errno));
	bar = bar_map;

	// Bus mastering (PCI command register bit 2) lets the controller DMA at all.
	struct vfio_region_info cfg = {.argsz = sizeof cfg, .index = VFIO_PCI_CONFIG_REGION_INDEX};
	uint16_t cmdreg;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    pread(dev, &cmdreg, 2, (off_t)cfg.offset + 4) != 2)
		die("read PCI command register: %s", strerror(errno));
	cmdreg |= 1 << 2;
	if (pwrite(dev, &cmdreg, 2, (off_t)cfg.offset + 4) != 2)
		die("write PCI command register: %s", strerror(errno));

	// --- DMA memory: one pinned region, mapped at DMA_IOVA ---------------------------------------
	dma = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (dma == MAP_FAILED)
		die("mmap DMA memory: %s", strerror(errno));
	memset(dma, 0, DMA_SIZE);
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof map,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)dma,
		.iova = DMA_IOVA,
		.size = DMA_SIZE,
	};
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA: %s", strerror(errno));

	// --- Controller bring-up (NVMe 1.4, 7.6.1) ---------------------------------------------------
	uint64_t cap = rd64(REG_CAP);
	uint32_t mqes = (cap & 0xffff) + 1;
	double to_s = ((cap >> 24) & 0xff) * 0.5 + 0.5; // CAP.TO is in 500 ms units
	dstrd_bytes = 4u << ((cap >> 32) & 0xf);
	if (((cap >> 48) & 0xf) != 0)
		die("controller does not support 4 KiB pages (CAP.MPSMIN)");

	if (rd32(REG_CC) & 1) {
		wr32(REG_CC, rd32(REG_CC) & ~1u);
	}
	wait_csts(1, 0, to_s, "CSTS.RDY=0");

	struct queue aq;
	queue_init(&aq, 0, ADMIN_QSIZE, OFF_ASQ, OFF_ACQ);
	wr32(REG_AQA, (ADMIN_QSIZE - 1) << 16 | (ADMIN_QSIZE - 1));
	wr64(REG_ASQ, iova(OFF_ASQ));
	wr64(REG_ACQ, iova(OFF_ACQ));
	wr32(REG_CC, 6u << 16 | 4u << 20 | 1); // IOSQES=64 B, IOCQES=16 B, MPS=4 KiB, CSS=NVM, EN
	wait_csts(1, 1, to_s, "CSTS.RDY=1");

	// Identify Namespace (CNS 0): size and LBA format.
	admin(&aq, (struct sqe){.cdw0 = 0x06, .nsid = nsid, .prp1 = iova(OFF_IDENT), .cdw10 = 0}, "Identify Namespace");
	const uint8_t *id = dma + OFF_IDENT;
	uint64_t nsze;
	memcpy(&nsze, id, 8);
	uint32_t lbaf;
	memcpy(&lbaf, id + 128 + 4 * (id[26] & 0xf), 4);
	uint32_t lba_size = 1u << ((lbaf >> 16) & 0xff), ms = lbaf & 0xffff;
	if (nsze == 0)
		die("namespace %u does not exist or is inactive", nsid);
	if (ms || lba_size > IO_SIZE)
		die("namespace %u: unsupported LBA format (%u B data, %u B metadata)", nsid, lba_size, ms);
	uint32_t blocks_per_io = IO_SIZE / lba_size;
	uint64_t slots = nsze / blocks_per_io; // I/O-size-aligned positions to pick from

	// One I/O queue pair per thread, qid 1..THREADS, physically contiguous, polled (IEN=0).
	uint32_t qsize = mqes < IO_QSIZE_MAX ? mqes : IO_QSIZE_MAX;
	if (qd > qsize - 1) // a queue holds size-1 entries; then neither SQ nor CQ can overflow
		die("QUEUE_DEPTH must be 1..%u", qsize - 1);
	struct run runs[THREADS_MAX];
	double tpus = tsc_per_us();
	for (uint32_t t = 0; t < threads; t++) {
		struct run *r = &runs[t];
		uint16_t qid = (uint16_t)(t + 1);
		*r = (struct run){
			.data_off = OFF_DATA(t),
			.nsid = nsid,
			.opcode = write ? 0x01 : 0x02, // Write, Read
			.blocks_per_io = blocks_per_io,
			.qd = qd,
			.slots = slots,
			.rng = 0x9e3779b9u ^ (uint32_t)getpid() ^ qid << 24,
			.start_tsc = calloc(qd, sizeof(uint64_t)),
			.free_cids = calloc(qd, sizeof(uint16_t)),
			.hist = calloc(HIST_BUCKETS, sizeof(uint64_t)),
			.tsc_per_bucket = (uint64_t)(tpus * HIST_NS / 1000.0),
			.stall_tsc = (uint64_t)(10e6 * tpus),
		};
		if (!r->start_tsc || !r->free_cids || !r->hist)
			die("out of memory");
		if (r->tsc_per_bucket == 0)
			r->tsc_per_bucket = 1;
		memset(r->hist, 0, HIST_BUCKETS * sizeof *r->hist); // fault the pages in now, not in the loop
		for (uint32_t i = 0; i < qd * IO_SIZE; i++)
			dma[r->data_off + i] = (uint8_t)(i * 7 + 1); // something other than zeroes to write
		for (uint32_t cid = 0; cid < qd; cid++)
			r->free_cids[r->nfree++] = (uint16_t)(qd - 1 - cid);
		queue_init(&r->q, qid, qsize, OFF_IOSQ(t), OFF_IOCQ(t));
		admin(&aq, (struct sqe){.cdw0 = 0x05, .prp1 = iova(OFF_IOCQ(t)), .cdw10 = (qsize - 1) << 16 | qid, .cdw11 = 1},
		      "Create I/O CQ");
		admin(&aq,
		      (struct sqe){.cdw0 = 0x01, .prp1 = iova(OFF_IOSQ(t)), .cdw10 = (qsize - 1) << 16 | qid, .cdw11 = (uint32_t)qid << 16 | 1},
		      "Create I/O SQ");
	}

	// --- Measured loop: every thread starts together and stops posting at the same TSC ----------
	pthread_t tids[THREADS_MAX];
	if (pthread_barrier_init(&start_line, NULL, threads + 1))
		die("pthread_barrier_init failed");
	for (uint32_t t = 0; t < threads; t++)
		if (pthread_create(&tids[t], NULL, measure, &runs[t]))
			die("pthread_create failed");
	double cpu0 = rusage_s(), t0 = now_s();
	tsc_end_of_run = __rdtsc() + (uint64_t)(seconds * 1e6 * tpus);
	pthread_barrier_wait(&start_line);
	for (uint32_t t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	double elapsed = now_s() - t0, cpu = rusage_s() - cpu0;
	struct run total = {.hist = runs[0].hist};
	for (uint32_t t = 0; t < threads; t++) {
		total.ios += runs[t].ios;
		total.errors += runs[t].errors;
		total.sum_tsc += runs[t].sum_tsc;
		for (uint32_t b = 0; t > 0 && b < HIST_BUCKETS; b++)
			total.hist[b] += runs[t].hist[b];
	}

	// --- Tear-down: delete queues (SQ first), normal shutdown, unmap --------------------------------
	for (uint32_t qid = 1; qid <= threads; qid++) {
		admin(&aq, (struct sqe){.cdw0 = 0x00, .cdw10 = qid}, "Delete I/O SQ");
		admin(&aq, (struct sqe){.cdw0 = 0x04, .cdw10 = qid}, "Delete I/O CQ");
	}
	wr32(REG_CC, (rd32(REG_CC) & ~(3u << 14)) | 1u << 14); // CC.SHN = normal shutdown
	wait_csts(3u << 2, 2u << 2, to_s, "CSTS.SHST=complete");
	munmap(bar_map, bar0.size);
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof unmap, .iova = DMA_IOVA, .size = DMA_SIZE};
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA: %s", strerror(errno));
	munmap(dma, DMA_SIZE);
	close(dev);
	ioctl(group, VFIO_GROUP_UNSET_CONTAINER);
	close(group);
	close(container);

	printf("{\"engine\":\"C VFIO driver\",\"workload\":\"%s\",\"queueDepth\":%u,\"threads\":%u,\"nsid\":%u,"
	       "\"iops\":%.0f,\"mibps\":%.1f,\"avgUs\":%.2f,\"p50Us\":%.1f,\"p99Us\":%.1f,\"p999Us\":%.1f,"
	       "\"cpuUsPerIo\":%.3f,\"ios\":%llu,\"errors\":%llu,\"seconds\":%.3f}\n",
	       argv[3], qd, threads, nsid, total.ios / elapsed, total.ios * (double)IO_SIZE / (1 << 20) / elapsed,
	       total.ios ? total.sum_tsc / tpus / total.ios : 0.0, percentile_us(total.hist, total.ios, 0.50),
	       percentile_us(total.hist, total.ios, 0.99), percentile_us(total.hist, total.ios, 0.999),
	       total.ios ? cpu * 1e6 / total.ios : 0.0, (unsigned long long)total.ios, (unsigned long long)total.errors,
	       elapsed);
	for (uint32_t t = 0; t < threads; t++) {
		free(runs[t].hist);
		free(runs[t].start_tsc);
		free(runs[t].free_cids);
	}
	return 0;
}
