/* SPDX-License-Identifier: ISC */
/*
 * Ring throughput, producer thread -> consumer thread, with the copy into and out of the slot.
 *
 * Implementations, all carrying the same frames (same bytes, one copy in, one copy out) through a
 * ring of 64 slots, run interleaved in one process so their ratios come from one run:
 *   memcpy       one thread: copy into a slot, copy out of it (the physical limit of the copies)
 *   xcore-bulk   two threads, the same copies, the least synchronisation a ring can have: the 64
 *                slots are two halves handed over whole (one flag per half, on its own cache
 *                line). Not a usable ring: a reference for the cost of moving these bytes between
 *                the two CPUs (not a strict bound: handing over 32 frames at a time adds latency,
 *                so a finer-grained ring can beat it at 64 B).
 *   ck_ring      Concurrency Kit SPSC, frames stored by value (CK_RING_PROTOTYPE): enqueue copies
 *                in, dequeue copies out; 64 entries (ck keeps one empty: 63 usable); entries of
 *                64 B and 1536 B (see struct f1500)
 *   mn-v1/v2/v3  the core API per frame: mn_prod_push / mn_cons_peek + copy out / mn_cons_release
 *   mn-*-batch   c/src/ring.c: mn_prod_space + mn_prod_push_batch / mn_cons_peek_n + copy
 *                out / mn_cons_release_n, B frames per call
 * Every frame is verified by the consumer (sequence stamps in its first and last 8 bytes; every
 * byte with -V). A full ring makes the producer retry (the benchmark wants every frame delivered);
 * retries are reported.
 *
 * Output: one line per measurement,
 *   RESULT bench=ring impl=NAME frame=LEN rep=R frames=N verified=N bad=0 ns=ELAPSED retries=K
 */
#include "bench_util.h"

#include <ck_ring.h>
#include <errno.h>
#include <unistd.h>

#include "mnetif/ring.h"

#define NSLOTS 64u
#define SLOTSZ 2048u
#define RING_LEN (33u * 4096u)
#define BATCH_LIMIT 64u

enum impl { I_MEMCPY, I_XCORE, I_CK, I_MN_V1, I_MN_V2, I_MN_V3, I_MN_V1_BATCH, I_MN_V2_BATCH,
	    I_MN_V3_BATCH, I__COUNT };
static const char *const impl_name[I__COUNT] = {
	"memcpy", "xcore-bulk", "ck_ring", "mn-v1", "mn-v2", "mn-v3", "mn-v1-batch", "mn-v2-batch",
	"mn-v3-batch",
};

struct run {
	int impl;
	uint32_t len;
	uint64_t n;
	uint32_t batch;
	int verify_all;
	int cpus[2];
	int ready, go;              /* start barrier (atomics) */
	struct { int full; char pad[60]; } half[2] __attribute__((aligned(64)));   /* xcore-bulk */
	uint64_t t0, t1;
	uint64_t verified, bad, retries;
	void *ring;                 /* mn rings and the memcpy slots */
	struct ck_ring ck;
	void *ckbuf;
	const unsigned char *ref;   /* frame_fill()ed, len bytes */
};

/* Every implementation waits the same way: pause, and give the CPU away every 1024 spins so a
 * descheduled peer (the machine is shared) gets to run instead of us burning the time slice. */
static void relax(void)
{
	static __thread unsigned spins;

	if (++spins % 1024 == 0) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *xalloc(size_t n)
{
	void *p = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);

	if (!p)
		BENCH_DIE("out of memory");
	memset(p, 0, n);
	return p;
}

static void check_frame(struct run *r, const unsigned char *f, uint32_t len, uint64_t seq,
			uint64_t *ok, uint64_t *bad)
{
	if (len == r->len && frame_ok(f, len, seq, r->ref, r->verify_all))
		(*ok)++;
	else
		(*bad)++;
}

/* ---- Concurrency Kit: frames by value, one copy in (enqueue) and one out (dequeue) ---------- */

struct f64 { unsigned char b[64]; };
/* 1500 B rounded up to a 64-byte multiple: ck copies whole entries (36 bytes more than the frame),
 * but unaligned 1500-byte entries run about 2x slower, so this is the stronger baseline. */
struct f1500 { unsigned char b[1536]; };
CK_RING_PROTOTYPE(f64, f64)
CK_RING_PROTOTYPE(f1500, f1500)

#define CK_LOOPS(T)                                                                             \
static void ck_prod_##T(struct run *r)                                                          \
{                                                                                               \
	static struct T src;                                                                    \
	uint64_t seq, retries = 0;                                                              \
                                                                                                \
	frame_fill(src.b, r->len);                                                              \
	for (seq = 0; seq < r->n; seq++) {                                                      \
		frame_stamp(src.b, r->len, seq);                                                \
		while (!ck_ring_enqueue_spsc_##T(&r->ck, r->ckbuf, &src)) {                     \
			retries++;                                                              \
			relax();                                                                \
		}                                                                               \
	}                                                                                       \
	r->retries = retries;                                                                   \
}                                                                                               \
static void ck_cons_##T(struct run *r)                                                          \
{                                                                                               \
	static struct T dst;                                                                    \
	uint64_t seq, ok = 0, bad = 0;                                                          \
                                                                                                \
	for (seq = 0; seq < r->n; seq++) {                                                      \
		while (!ck_ring_dequeue_spsc_##T(&r->ck, r->ckbuf, &dst))                       \
			relax();                                                                \
		check_frame(r, dst.b, r->len, seq, &ok, &bad);                                  \
	}                                                                                       \
	r->verified = ok;                                                                       \
	r->bad = bad;                                                                           \
}
CK_LOOPS(f64)
CK_LOOPS(f1500)

/* ---- mnetif, per frame (the core API as landed) ------------------------------------------------ */

static void mn_prod_frames(struct run *r)
{
	struct mn_prod p;
	unsigned char *src = xalloc(r->len);
	uint64_t seq, retries = 0;
	int e;

	if (mn_prod_attach(&p, r->ring, RING_LEN, NULL, NULL))
		BENCH_DIE("mn_prod_attach failed");
	frame_fill(src, r->len);
	for (seq = 0; seq < r->n; seq++) {
		frame_stamp(src, r->len, seq);
		/* Wait for room first, as an injector does (ring.h: mn_prod_space): a push into a full
		 * ring would drop the frame and count it, i.e. store a drop counter on the producer's
		 * header line for every failed attempt. */
		while (mn_prod_space(&p) == 0) {
			retries++;
			relax();
		}
		while ((e = mn_prod_push(&p, src, r->len)) != 0) {
			if (e != -EBUSY)
				BENCH_DIE("mn_prod_push: %d", e);
			retries++;       /* v1: the lock was busy (the frame was dropped): again */
			relax();
		}
	}
	r->retries = retries;
	free(src);
}

static void mn_cons_frames(struct run *r)
{
	struct mn_cons c;
	struct mn_slot s;
	unsigned char *dst = xalloc(SLOTSZ);
	uint64_t seq = 0, ok = 0, bad = 0;
	int e;

	if (mn_cons_attach(&c, r->ring, RING_LEN))
		BENCH_DIE("mn_cons_attach failed");
	while (seq < r->n) {
		e = mn_cons_peek(&c, &s);
		if (e == 0) {
			relax();
			continue;
		}
		if (e < 0)
			BENCH_DIE("mn_cons_peek: %d", e);
		memcpy(dst, s.data, s.len);
		check_frame(r, dst, s.len, seq, &ok, &bad);
		while ((e = mn_cons_release(&c)) == -EBUSY)
			relax();
		if (e)
			BENCH_DIE("mn_cons_release: %d", e);
		seq++;
	}
	r->verified = ok;
	r->bad = bad;
	free(dst);
}

/* ---- mnetif, batched (c/src/ring.c) ----------------------------------------------------------- */

static void mn_prod_batches(struct run *r)
{
	struct mn_prod p;
	struct mn_frame f[BATCH_LIMIT];
	unsigned char *src = xalloc((size_t)r->batch * SLOTSZ);
	uint64_t seq = 0, retries = 0;
	uint32_t j, k, done, m, space, busy;
	int e;

	if (mn_prod_attach(&p, r->ring, RING_LEN, NULL, NULL))
		BENCH_DIE("mn_prod_attach failed");
	for (j = 0; j < r->batch; j++) {
		f[j].data = src + (size_t)j * SLOTSZ;
		f[j].len = r->len;
		frame_fill(src + (size_t)j * SLOTSZ, r->len);
	}
	while (seq < r->n) {
		k = r->n - seq < r->batch ? (uint32_t)(r->n - seq) : r->batch;
		for (j = 0; j < k; j++)
			frame_stamp(src + (size_t)j * SLOTSZ, r->len, seq + j);
		for (done = 0; done < k; done += m) {
			space = mn_prod_space(&p);
			if (space == 0) {
				retries++;
				relax();
				m = 0;
				continue;
			}
			m = space < k - done ? space : k - done;
			busy = p.c.drop_busy;
			e = mn_prod_push_batch(&p, f + done, m, NULL);
			if (e == 0 && p.c.drop_busy != busy) {
				/* v1 lock busy: the frames were dropped and counted; send them again. */
				retries++;
				m = 0;
				continue;
			}
			if (e != (int)m)
				BENCH_DIE("mn_prod_push_batch: %d of %u", e, m);
		}
		seq += k;
	}
	r->retries = retries;
	free(src);
}

static void mn_cons_batches(struct run *r)
{
	struct mn_cons c;
	struct mn_slot s[BATCH_LIMIT];
	unsigned char *dst = xalloc(SLOTSZ);
	uint64_t seq = 0, ok = 0, bad = 0;
	int e, k, j;

	if (mn_cons_attach(&c, r->ring, RING_LEN))
		BENCH_DIE("mn_cons_attach failed");
	while (seq < r->n) {
		k = mn_cons_peek_n(&c, s, r->batch);
		if (k == 0) {
			relax();
			continue;
		}
		if (k < 0)
			BENCH_DIE("mn_cons_peek_n: %d", k);
		for (j = 0; j < k; j++) {
			memcpy(dst, s[j].data, s[j].len);
			check_frame(r, dst, s[j].len, seq + (uint64_t)j, &ok, &bad);
		}
		while ((e = mn_cons_release_n(&c, (uint32_t)k)) == -EBUSY)
			relax();
		if (e)
			BENCH_DIE("mn_cons_release_n: %d", e);
		seq += (uint64_t)k;
	}
	r->verified = ok;
	r->bad = bad;
	free(dst);
}

/* ---- xcore-bulk: halves of the ring handed over whole ---------------------------------------- */

#define HALF (NSLOTS / 2)

static void xcore_prod(struct run *r)
{
	unsigned char *src = xalloc(r->len), *slots = r->ring;
	uint64_t seq = 0, retries = 0;
	uint32_t j, h = 0;

	frame_fill(src, r->len);
	while (seq < r->n) {
		/* Acquire pairs with the consumer's release of the half: it is done reading it. */
		while (__atomic_load_n(&r->half[h].full, __ATOMIC_ACQUIRE)) {
			retries++;
			relax();
		}
		for (j = 0; j < HALF && seq < r->n; j++, seq++) {
			frame_stamp(src, r->len, seq);
			memcpy(slots + (h * HALF + j) * SLOTSZ, src, r->len);
		}
		__atomic_store_n(&r->half[h].full, (int)j, __ATOMIC_RELEASE);
		h ^= 1;
	}
	r->retries = retries;
	free(src);
}

static void xcore_cons(struct run *r)
{
	unsigned char *dst = xalloc(SLOTSZ), *slots = r->ring;
	uint64_t seq = 0, ok = 0, bad = 0;
	uint32_t j, k, h = 0;

	while (seq < r->n) {
		while (!(k = (uint32_t)__atomic_load_n(&r->half[h].full, __ATOMIC_ACQUIRE)))
			relax();
		for (j = 0; j < k; j++, seq++) {
			memcpy(dst, slots + (h * HALF + j) * SLOTSZ, r->len);
			check_frame(r, dst, r->len, seq, &ok, &bad);
		}
		__atomic_store_n(&r->half[h].full, 0, __ATOMIC_RELEASE);
		h ^= 1;
	}
	r->verified = ok;
	r->bad = bad;
	free(dst);
}

/* ---- memcpy: the same two copies per frame, one thread ----------------------------------------- */

static void memcpy_loop(struct run *r)
{
	unsigned char *src = xalloc(r->len), *dst = xalloc(SLOTSZ), *slots = r->ring;
	/* Read through a volatile so the compiler cannot specialise memcpy for a constant length: the
	 * rings copy runtime lengths too. */
	volatile uint32_t vlen = r->len;
	uint32_t len = vlen;
	uint64_t seq, ok = 0, bad = 0;

	frame_fill(src, len);
	r->t0 = now_ns();
	for (seq = 0; seq < r->n; seq++) {
		unsigned char *slot = slots + (seq & (NSLOTS - 1)) * SLOTSZ;

		frame_stamp(src, len, seq);
		memcpy(slot, src, len);
		memcpy(dst, slot, len);
		check_frame(r, dst, len, seq, &ok, &bad);
	}
	r->t1 = now_ns();
	r->verified = ok;
	r->bad = bad;
	free(src);
	free(dst);
}

/* ---- two-thread driver ------------------------------------------------------------------------- */

static void wait_go(struct run *r)
{
	__atomic_fetch_add(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		relax();
}

static void *producer(void *arg)
{
	struct run *r = arg;

	bench_pin(r->cpus[0]);
	wait_go(r);
	r->t0 = now_ns();
	switch (r->impl) {
	case I_XCORE:
		xcore_prod(r);
		break;
	case I_CK:
		if (r->len == 64)
			ck_prod_f64(r);
		else
			ck_prod_f1500(r);
		break;
	case I_MN_V1:
	case I_MN_V2:
	case I_MN_V3:
		mn_prod_frames(r);
		break;
	default:
		mn_prod_batches(r);
		break;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;

	bench_pin(r->cpus[1]);
	wait_go(r);
	switch (r->impl) {
	case I_XCORE:
		xcore_cons(r);
		break;
	case I_CK:
		if (r->len == 64)
			ck_cons_f64(r);
		else
			ck_cons_f1500(r);
		break;
	case I_MN_V1:
	case I_MN_V2:
	case I_MN_V3:
		mn_cons_frames(r);
		break;
	default:
		mn_cons_batches(r);
		break;
	}
	r->t1 = now_ns();
	return NULL;
}

static void run_one(struct run *r)
{
	pthread_t tp, tc;
	uint32_t proto = (r->impl == I_MN_V1 || r->impl == I_MN_V1_BATCH) ? MN_PROTO_V1 :
			 (r->impl == I_MN_V3 || r->impl == I_MN_V3_BATCH) ? MN_PROTO_V3 : MN_PROTO_V2;

	r->ring = xalloc(RING_LEN);
	if (r->impl == I_MEMCPY) {
		bench_pin(r->cpus[0]);
		memcpy_loop(r);
		free(r->ring);
		return;
	}
	if (r->impl == I_CK) {
		ck_ring_init(&r->ck, NSLOTS);
		r->ckbuf = xalloc(NSLOTS * (r->len == 64 ? sizeof(struct f64) : sizeof(struct f1500)));
	} else if (r->impl != I_XCORE && mn_ring_init(r->ring, RING_LEN, proto, NSLOTS, SLOTSZ)) {
		BENCH_DIE("mn_ring_init failed");
	}
	if (pthread_create(&tc, NULL, consumer, r) || pthread_create(&tp, NULL, producer, r))
		BENCH_DIE("pthread_create failed");
	while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) != 2)
		usleep(100);
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	free(r->ckbuf);
	free(r->ring);
}

static void usage(void)
{
	fprintf(stderr, "usage: ringbench [-n FRAMES_64B] [-m FRAMES_1500B] [-r REPS] [-b BATCH] [-V] [-i IMPL]\n"
			"  -V  verify every byte of every frame (default: the sequence stamps)\n"
			"  -i  run only this implementation (for profiling; the report needs all)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const uint32_t lens[2] = { 64, 1500 };
	uint64_t counts[2] = { 2000000, 1000000 };
	int reps = 5, verify_all = 0, cpus[2] = { -1, -1 }, pinned, opt, rep, li, impl, only = -1;
	uint32_t batch = 16;
	unsigned char *ref = xalloc(SLOTSZ);

	while ((opt = getopt(argc, argv, "n:m:r:b:Vi:")) != -1) {
		switch (opt) {
		case 'n': counts[0] = strtoull(optarg, NULL, 0); break;
		case 'm': counts[1] = strtoull(optarg, NULL, 0); break;
		case 'r': reps = atoi(optarg); break;
		case 'b': batch = (uint32_t)atoi(optarg); break;
		case 'V': verify_all = 1; break;
		case 'i':
			for (only = 0; only < I__COUNT && strcmp(optarg, impl_name[only]); only++)
				;
			if (only == I__COUNT)
				usage();
			break;
		default: usage();
		}
	}
	if (reps < 1 || batch < 1 || batch > BATCH_LIMIT || !counts[0] || !counts[1])
		usage();
	pinned = bench_pick_cpus(cpus);
	if (!pinned)
		cpus[0] = cpus[1] = -1;
	frame_fill(ref, SLOTSZ);
	printf("INFO bench=ring slots=%u slotsize=%u batch=%u reps=%d frames64=%llu frames1500=%llu "
	       "pinned=%d cpus=%d,%d verify=%s\n", NSLOTS, SLOTSZ, batch, reps,
	       (unsigned long long)counts[0], (unsigned long long)counts[1], pinned, cpus[0], cpus[1],
	       verify_all ? "all-bytes" : "stamps");
	fflush(stdout);
	/* Repetitions outermost: every implementation sees the same drift of the machine. */
	for (rep = 0; rep < reps; rep++) {
		for (li = 0; li < 2; li++) {
			for (impl = 0; impl < I__COUNT; impl++) {
				if (only >= 0 && impl != only)
					continue;
				struct run r = {
					.impl = impl, .len = lens[li], .n = counts[li], .batch = batch,
					.verify_all = verify_all, .cpus = { cpus[0], cpus[1] }, .ref = ref,
				};

				run_one(&r);
				printf("RESULT bench=ring impl=%s frame=%u rep=%d frames=%llu verified=%llu "
				       "bad=%llu ns=%llu retries=%llu\n", impl_name[impl], r.len, rep,
				       (unsigned long long)r.n, (unsigned long long)r.verified,
				       (unsigned long long)r.bad, (unsigned long long)(r.t1 - r.t0),
				       (unsigned long long)r.retries);
				fflush(stdout);
			}
		}
	}
	free(ref);
	return 0;
}
