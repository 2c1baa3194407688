// loopback-engine: the C twin of `pnpm bench:engine` (test/bench/engine.ts over loopback.ts). The same
// per-I/O work as the core's callback face, written the way a C driver would: namespace checks, a
// request from a free stack, a tracker (CID) from a free stack, the Read command's sixteen dwords,
// PRPs, the post onto a loopback queue that completes each command at once, then the poll, the tracker
// looked up by CID, the completion handed to a callback through a function pointer, and the callback
// submitting the next read. Same queue layout: a 256-entry queue (255 trackers), 512 requests, QD 32,
// 4 KiB reads of 8 blocks of 512 bytes, the doorbell rung per command (the loopback's rings do nothing).
// The completion is checked as the queue pair checks one from a queue in host memory: the CID's
// generation (bumped at every release), the SQ ID and SQ head, and that a doorbell announced the command.
//
// Usage: loopback-engine [IOS]   (default 5,000,000; BENCH_IOS in engine.ts)
// Prints one line of JSON: {"nsPerIo":..,"ios":..,"checksum":..}.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096u
#define QUEUE_DEPTH 256u // entries; a full ring keeps one empty, so 255 trackers
#define REQUESTS 512u
#define IO_DEPTH 32u
#define DOORBELL_BATCH 16u
#define RETRY_COUNT 4u
#define ARENA_BYTES (64u << 20)
#define ARENA_IOVA 0x100000ull
#define ENOMEM_RC (-12)

static void die(const char *what)
{
	fprintf(stderr, "loopback-engine: %s\n", what);
	exit(1);
}

// --- The loopback queue (loopback.ts's LoopbackQueue) ---------------------------------------------
struct port {
	uint32_t qid, depth;
	void (*post)(struct port *, const uint32_t *cmd);
	void (*ring_submission)(struct port *);
	int (*poll)(struct port *, uint32_t *out);
	void (*ring_completion)(struct port *);
	int32_t cids[QUEUE_DEPTH];
	uint32_t head, tail, count;
};

static void loop_post(struct port *p, const uint32_t *cmd)
{
	p->cids[p->tail] = (int32_t)(cmd[0] >> 16);
	p->tail = (p->tail + 1) % p->depth;
	p->count++;
}
static void loop_ring(struct port *p) { (void)p; }
static int loop_poll(struct port *p, uint32_t *out)
{
	if (p->count == 0)
		return 0;
	out[0] = out[1] = 0;
	out[3] = (uint32_t)p->cids[p->head];
	p->head = (p->head + 1) % p->depth;
	out[2] = p->qid << 16 | p->head; // the SQ ID and SQ head the queue pair checks
	p->count--;
	return 1;
}

// --- DMA memory: one arena with made-up IOVAs (loopback.ts's arena) --------------------------------
struct view {
	uint8_t *base; // the arena the view lies in (an ArrayBufferView's buffer)
	uint32_t offset, length;
};
static uint8_t *arena;
static int64_t iova_of(const struct view *v) { return v->base == arena ? (int64_t)(ARENA_IOVA + v->offset) : -1; }

// --- Requests and trackers (rq/request.ts, rq/pool.ts) ---------------------------------------------
typedef void (*command_cb)(void *arg, const uint32_t *cpl);

struct payload {
	int kind; // 1: contiguous
	uint32_t length, view_offset, iov_count, sgl_offset, metadata_offset;
	const struct view *view;
	int64_t iova, metadata_iova;
	void *iovs, *sgl_arg, *reset_sgl, *next_sge, *metadata;
};

struct request {
	uint32_t cmd[16];
	command_cb cb;
	void *cb_arg;
	struct payload payload;
	struct request *parent, *next;
	uint32_t children_left, child_status, retries, timeout_reported;
	double submitted_at;
	void *owned, *copy_out;
};

struct tracker {
	uint32_t index, cid; // cid: the index in the low 8 bits, a generation above
	uint32_t *prp_page; // one PRP list page
	uint64_t prp_page_iova;
	struct request *opaque;
};

struct qpair {
	struct port *port;
	struct request requests[REQUESTS], *free_requests, *waiting_head, *waiting_tail;
	uint32_t requests_in_use, waiting, outstanding;
	struct tracker trackers[QUEUE_DEPTH - 1];
	int32_t next_free[QUEUE_DEPTH - 1], free_head;
	uint8_t busy[QUEUE_DEPTH - 1];
	uint32_t acquired, tracker_count;
	// Commands posted and the count the last doorbell announced (compared by their int32 difference).
	uint32_t posted, rung, posted_at[QUEUE_DEPTH - 1];
	int delay_doorbell, unrung, active;
	uint32_t cqe[4], cpl[4];
};

static void payload_clear(struct payload *p)
{
	memset(p, 0, sizeof *p);
	p->iova = p->metadata_iova = -1;
}

static struct request *take_request(struct qpair *qp)
{
	struct request *r = qp->free_requests;
	if (!r)
		return NULL;
	qp->free_requests = r->next;
	r->cb = NULL;
	r->cb_arg = NULL;
	payload_clear(&r->payload);
	r->parent = r->next = NULL;
	r->children_left = r->child_status = r->retries = r->timeout_reported = 0;
	r->submitted_at = 0;
	r->owned = r->copy_out = NULL;
	qp->requests_in_use++;
	return r;
}

static void give_request(struct qpair *qp, struct request *r)
{
	r->next = qp->free_requests;
	qp->free_requests = r;
	qp->requests_in_use--;
}

static struct tracker *acquire_tracker(struct qpair *qp)
{
	int32_t i = qp->free_head;
	if (i < 0)
		return NULL;
	qp->free_head = qp->next_free[i];
	qp->busy[i] = 1;
	qp->acquired++;
	return &qp->trackers[i];
}

static void release_tracker(struct qpair *qp, struct tracker *t)
{
	if (!qp->busy[t->index])
		die("release of a tracker that is not acquired");
	qp->busy[t->index] = 0;
	qp->acquired--;
	uint32_t cid = (t->cid + 256) & 0xffff; // the next generation; the all-ones CID is never issued
	t->cid = cid == 0xffff ? t->index : cid;
	t->opaque = NULL;
	qp->next_free[t->index] = qp->free_head;
	qp->free_head = (int32_t)t->index;
}

static struct tracker *tracker_from_cqe(struct qpair *qp, const uint32_t *cqe)
{
	uint32_t cid = cqe[3] & 0xffff, index = cid & 0xff;
	return index < qp->tracker_count && qp->busy[index] && qp->trackers[index].cid == cid ? &qp->trackers[index]
	                                                                                    : NULL;
}

// --- Data pointer (dataptr/prp.ts's mapPrp, for a transfer of at most two pages) --------------------
static int map_prp(uint32_t *cmd, int64_t iova, uint32_t length, const struct tracker *t)
{
	if (length == 0 || iova < 0 || (iova & 3))
		return -1;
	uint32_t offset = (uint32_t)iova & (PAGE - 1), end = offset + length;
	uint32_t listed = end <= PAGE ? 0 : (end + PAGE - 1) / PAGE - 1;
	if (listed > PAGE / 8)
		return -1; // longer transfers are split before this point
	cmd[6] = (uint32_t)iova;
	cmd[7] = (uint32_t)(iova >> 32);
	uint64_t page = (uint64_t)iova - offset;
	for (uint32_t k = 0; k < listed; k++) {
		uint64_t a = page + (k + 1) * PAGE;
		if (listed == 1) {
			cmd[8] = (uint32_t)a;
			cmd[9] = (uint32_t)(a >> 32);
		} else {
			t->prp_page[2 * k] = (uint32_t)a;
			t->prp_page[2 * k + 1] = (uint32_t)(a >> 32);
		}
	}
	cmd[0] &= ~0xc000u; // PSDT: PRPs
	if (listed == 0)
		cmd[8] = cmd[9] = 0;
	else if (listed > 1) {
		cmd[8] = (uint32_t)t->prp_page_iova;
		cmd[9] = (uint32_t)(t->prp_page_iova >> 32);
	}
	return 0;
}

// --- The queue pair (qpair/queue-pair.ts) ----------------------------------------------------------
static void flush(struct qpair *qp)
{
	if (qp->unrung) {
		qp->unrung = 0;
		qp->port->ring_submission(qp->port);
		qp->rung = qp->posted;
	}
}

static int start(struct qpair *qp, struct request *req)
{
	struct tracker *t = acquire_tracker(qp);
	if (!t)
		return 0;
	req->cmd[0] = (req->cmd[0] & 0xffff) | t->cid << 16;
	if (req->payload.kind == 1 && map_prp(req->cmd, req->payload.iova, req->payload.length, t))
		die("bad data pointer");
	t->opaque = req;
	qp->port->post(qp->port, req->cmd);
	qp->posted_at[t->index] = ++qp->posted;
	if (qp->delay_doorbell)
		qp->unrung = 1;
	else {
		qp->port->ring_submission(qp->port);
		qp->rung = qp->posted;
	}
	return 1;
}

static void start_or_wait(struct qpair *qp, struct request *req)
{
	if (!qp->active || qp->waiting || !start(qp, req)) {
		req->next = NULL;
		if (qp->waiting_tail)
			qp->waiting_tail->next = req;
		else
			qp->waiting_head = req;
		qp->waiting_tail = req;
		qp->waiting++;
	}
}

static void submit(struct qpair *qp, struct request *req)
{
	qp->outstanding++;
	start_or_wait(qp, req);
}

static void start_waiting(struct qpair *qp)
{
	while (qp->waiting && qp->active) {
		struct request *req = qp->waiting_head;
		if (!start(qp, req))
			return;
		qp->waiting_head = req->next;
		if (!qp->waiting_head)
			qp->waiting_tail = NULL;
		req->next = NULL;
		qp->waiting--;
	}
}

static void finish(struct qpair *qp, struct request *req, uint32_t status, const uint32_t *cqe)
{
	qp->cpl[0] = cqe[0];
	qp->cpl[1] = cqe[1];
	qp->cpl[2] = cqe[2];
	qp->cpl[3] = (cqe[3] & 0x1ffff) | (status & 0x7fff) << 17;
	command_cb cb = req->cb;
	void *arg = req->cb_arg;
	give_request(qp, req); // before calling out, so the callback can submit again at once
	qp->outstanding--;
	if (cb)
		cb(arg, qp->cpl);
}

static int process_completions(struct qpair *qp)
{
	if (!qp->active)
		return -6;
	uint32_t max = qp->port->depth - 1, n = 0;
	while (n < max && qp->port->poll(qp->port, qp->cqe)) {
		n++;
		struct tracker *t = tracker_from_cqe(qp, qp->cqe);
		if (!t || !t->opaque)
			continue;
		uint32_t dw2 = qp->cqe[2];
		if (dw2 >> 16 != qp->port->qid || (dw2 & 0xffff) >= qp->port->depth)
			continue; // another queue's, or an SQ head outside this one
		if ((int32_t)(qp->posted_at[t->index] - qp->rung) > 0)
			continue; // no doorbell announced it yet
		struct request *req = t->opaque;
		release_tracker(qp, t);
		uint32_t status = qp->cqe[3] >> 17;
		if (status != 0 && req->retries < RETRY_COUNT && !(status >> 14 & 1)) { // DNR clear: retry
			req->retries++;
			start_or_wait(qp, req);
			continue;
		}
		finish(qp, req, status, qp->cqe);
		if ((n & (DOORBELL_BATCH - 1)) == 0)
			flush(qp);
	}
	if (n > 0)
		qp->port->ring_completion(qp->port);
	start_waiting(qp);
	flush(qp);
	return (int)n;
}

static void qpair_init(struct qpair *qp, struct port *port, uint8_t *list_pages, uint64_t list_iova)
{
	memset(qp, 0, sizeof *qp);
	qp->port = port;
	qp->active = 1;
	for (uint32_t i = 0; i < REQUESTS; i++)
		give_request(qp, &qp->requests[i]);
	qp->requests_in_use = 0;
	qp->tracker_count = port->depth - 1;
	qp->free_head = -1;
	for (int32_t i = (int32_t)qp->tracker_count - 1; i >= 0; i--) {
		qp->trackers[i] = (struct tracker){.index = (uint32_t)i,
		                                   .cid = (uint32_t)i,
		                                   .prp_page = (uint32_t *)(list_pages + i * PAGE),
		                                   .prp_page_iova = list_iova + i * PAGE};
		qp->next_free[i] = qp->free_head;
		qp->free_head = i;
	}
}

// --- The namespace's Read (ns/io.ts's submitContiguous) --------------------------------------------
struct ns {
	uint32_t id, sector_size, max_blocks_per_io;
	uint64_t blocks;
	int usable;
};

static int cmd_read(struct ns *ns, struct qpair *qp, const struct view *buf, uint64_t lba, uint32_t count,
                    command_cb cb, void *arg)
{
	if (!ns->usable || !qp->active)
		die("closed");
	if (count < 1 || count > ns->blocks || lba + count > ns->blocks)
		die("LBA range past the end of the namespace");
	if (count > ns->max_blocks_per_io)
		die("a split I/O: not on this benchmark's path");
	uint32_t length = count * ns->sector_size;
	int64_t iova = iova_of(buf);
	if (iova < 0 || buf->length < length || (iova & 3))
		die("buffer is not DMA memory");
	struct request *req = take_request(qp);
	if (!req)
		return ENOMEM_RC;
	req->cb = cb;
	req->cb_arg = arg;
	uint32_t *dw = req->cmd;
	dw[0] = 0x02; // Read
	dw[1] = ns->id;
	for (int i = 2; i < 10; i++)
		dw[i] = 0;
	dw[10] = (uint32_t)lba;
	dw[11] = (uint32_t)(lba >> 32);
	dw[12] = (count - 1) & 0xffff;
	dw[13] = dw[14] = dw[15] = 0;
	req->payload.kind = 1;
	req->payload.view = buf;
	req->payload.view_offset = 0;
	req->payload.iova = iova;
	req->payload.length = length;
	submit(qp, req);
	return 0;
}

// --- The benchmark (engine.ts) ----------------------------------------------------------------------
struct slot {
	struct view view;
};
static struct ns the_ns = {.id = 1, .sector_size = 512, .max_blocks_per_io = 256, .blocks = 1ull << 24, .usable = 1};
static struct qpair the_qp;
static uint64_t done, checksum;

static void on_read(void *arg, const uint32_t *cpl)
{
	struct slot *slot = arg;
	done++;
	checksum += cpl[3];
	if (cmd_read(&the_ns, &the_qp, &slot->view, (done * 8) % 100000, 8, on_read, slot))
		die("no free request");
}

int main(int argc, char **argv)
{
	uint64_t ios = argc > 1 ? strtoull(argv[1], NULL, 0) : 5000000;
	arena = calloc(1, ARENA_BYTES);
	if (!arena)
		die("out of memory");
	static struct port port = {.qid = 1, .depth = QUEUE_DEPTH};
	port.post = loop_post;
	port.ring_submission = loop_ring;
	port.poll = loop_poll;
	port.ring_completion = loop_ring;
	// Tracker list pages first, then the I/O buffers, as the TypeScript queue pair and engine allocate them.
	qpair_init(&the_qp, &port, arena, ARENA_IOVA);
	uint32_t buffers = (QUEUE_DEPTH - 1) * PAGE;
	static struct slot slots[IO_DEPTH];
	for (uint32_t i = 0; i < IO_DEPTH; i++) {
		slots[i].view = (struct view){.base = arena, .offset = buffers + i * PAGE, .length = PAGE};
		if (cmd_read(&the_ns, &the_qp, &slots[i].view, 0, 8, on_read, &slots[i]))
			die("no free request");
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < ios)
		process_completions(&the_qp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("{\"nsPerIo\":%.1f,\"ios\":%llu,\"checksum\":%llu}\n", ns / done, (unsigned long long)done,
	       (unsigned long long)checksum);
	return 0;
}
