/* SPDX-License-Identifier: ISC */
/*
 * Tests of the batched ring API (c/src/ring.c): exact delivery across the u16 index wrap,
 * drop accounting, the wakeup range rule, the v1 lock, corrupt indices, interoperability with the
 * per-frame API, and a two-thread run with an eventfd consumer (a lost wakeup hangs -> fails on a
 * timeout). Exit 0 all pass, 1 a failure (the property and how to reproduce are printed).
 * Reproduce: make build/bench/test_ring_batch && build/bench/test_ring_batch
 */
#include "bench_util.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mnetif/ring.h"

#define RING_LEN (33u * 4096u)
#define SLOTSZ 2048u
#define NSLOTS 64u

static int failures;
static const char *current;

#define CHECK(cond, ...) do {                                                                    \
	if (!(cond)) {                                                                          \
		failures++;                                                                     \
		fprintf(stderr, "FAIL %s: %s (%s:%d): ", current, #cond, __FILE__, __LINE__);  \
		fprintf(stderr, __VA_ARGS__);                                                   \
		fprintf(stderr, "\n  reproduce: build/bench/test_ring_batch %s\n", current);   \
		return;                                                                         \
	}                                                                                       \
} while (0)

static unsigned char ring[RING_LEN] __attribute__((aligned(4096)));
static unsigned char src[NSLOTS * 2][SLOTSZ];
static int notified;

static void count_notify(void *arg)
{
	(void)arg;
	notified++;
}

/* A fresh ring of proto whose indices (v2) start at `start` and sr_frames at `frames`. */
static void setup(uint32_t proto, uint16_t start, uint64_t frames, struct mn_prod *p, struct mn_cons *c)
{
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring;

	memset(ring, 0, sizeof(ring));
	if (mn_ring_init(ring, RING_LEN, proto, NSLOTS, SLOTSZ))
		BENCH_DIE("mn_ring_init");
	if (proto == MN_PROTO_V2) {
		mn_write_once(&h->sr_cur, start);
		mn_write_once(&h->sr_avail, start);
	}
	mn_write_once(&h->sr_frames, frames);
	notified = 0;
	if (mn_prod_attach(p, ring, RING_LEN, count_notify, NULL) || mn_cons_attach(c, ring, RING_LEN))
		BENCH_DIE("attach");
}

/* frames[j] = src[j] stamped with seq0 + j, length len(j). */
static void make_frames(struct mn_frame *f, uint32_t n, uint64_t seq0, uint32_t (*len)(uint64_t))
{
	uint32_t j;

	for (j = 0; j < n; j++) {
		f[j].data = src[j];
		f[j].len = len(seq0 + j);
		frame_fill(src[j], f[j].len);
		frame_stamp(src[j], f[j].len, seq0 + j);
	}
}

static uint32_t len_varied(uint64_t seq)
{
	return 16 + (uint32_t)(seq * 97 % (SLOTSZ - 15));
}

static uint32_t len_64(uint64_t seq)
{
	(void)seq;
	return 64;
}

static int slot_is(const struct mn_slot *s, uint64_t seq, uint32_t len)
{
	static unsigned char ref[SLOTSZ];

	frame_fill(ref, SLOTSZ);
	return s->len == len && frame_ok(s->data, len, seq, ref, 1);
}

static void test_wrap(uint32_t proto)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_frame f[40];
	struct mn_slot s[NSLOTS];
	uint64_t sent = 0, got = 0;
	int round, k, j;

	setup(proto, 0xfff0, 0, &p, &c);
	for (round = 0; round < 200; round++) {
		uint32_t n = 1 + (uint32_t)(round * 7 % 40);

		make_frames(f, n, sent, len_varied);
		k = mn_prod_push_batch(&p, f, n, NULL);
		CHECK(k == (int)n, "push_batch published %d of %u with room (round %d)", k, n, round);
		sent += n;
		k = mn_cons_peek_n(&c, s, NSLOTS);
		CHECK(k == (int)n, "peek_n saw %d of %u published frames", k, n);
		for (j = 0; j < k; j++)
			CHECK(slot_is(&s[j], got + j, len_varied(got + j)), "frame %llu corrupt or out of order",
			      (unsigned long long)(got + j));
		CHECK(mn_cons_release_n(&c, (uint32_t)k) == 0, "release_n failed");
		got += (uint64_t)k;
	}
	CHECK(p.c.frames == sent && p.c.drop_full == 0 && p.c.drop_oversize == 0, "counters: frames %llu",
	      (unsigned long long)p.c.frames);
	CHECK(mn_ring_check(ring, &p.g) == MN_INV_OK, "invariant %s", mn_invariant_name(mn_ring_check(ring, &p.g)));
}

static void test_full_and_oversize(uint32_t proto)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_frame f[NSLOTS + 16];
	struct mn_slot s[NSLOTS];
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring;
	int k, j;

	setup(proto, 0xffe0, 0, &p, &c);
	make_frames(f, NSLOTS + 16, 0, len_64);
	f[3].len = SLOTSZ + 1;      /* oversize: dropped alone, the rest keeps its order */
	CHECK(mn_prod_space(&p) == NSLOTS, "space of an empty ring is %u", mn_prod_space(&p));
	k = mn_prod_push_batch(&p, f, NSLOTS + 16, NULL);
	CHECK(k == (int)NSLOTS, "a batch of %u into %u free slots published %d", NSLOTS + 16, NSLOTS, k);
	CHECK(mn_read_once(&h->sr_drop_oversize) == 1 && mn_read_once(&h->sr_drop_full) == 15,
	      "drops oversize=%u full=%u, want 1 and 15", mn_read_once(&h->sr_drop_oversize),
	      mn_read_once(&h->sr_drop_full));
	CHECK(mn_prod_space(&p) == 0, "space of a full ring is %u", mn_prod_space(&p));
	k = mn_cons_peek_n(&c, s, NSLOTS);
	CHECK(k == (int)NSLOTS, "peek_n saw %d", k);
	for (j = 0; j < k; j++) {
		uint64_t seq = (uint64_t)j + (j >= 3);

		CHECK(slot_is(&s[j], seq, 64), "slot %d is not frame %llu", j, (unsigned long long)seq);
	}
	/* Peek again without release: the same frames first. Partial release keeps the rest valid. */
	CHECK(mn_cons_peek_n(&c, s, 2) == 2 && slot_is(&s[0], 0, 64), "re-peek does not restart at frame 0");
	CHECK(mn_cons_release_n(&c, 3) == -ENOENT, "release_n of more than peeked must be -ENOENT");
	CHECK(mn_cons_release_n(&c, 1) == 0, "release_n(1) failed");
	CHECK(slot_is(&s[1], 1, 64), "view of frame 1 changed after releasing frame 0");
	CHECK(mn_prod_space(&p) == 1, "space after one release is %u", mn_prod_space(&p));
}

static void test_wake_range(uint32_t proto)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_frame f[8];
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring;
	const uint64_t base = 0xfffffffdull;   /* the u32 frame count wraps inside the first batch */

	setup(proto, 0, base, &p, &c);
	make_frames(f, 8, 0, len_64);
	CHECK(mn_cons_prepare_wait(&c) == 1, "prepare_wait on an empty ring must say sleep");
	CHECK(mn_prod_push_batch(&p, f, 5, NULL) == 5 && notified == 1,
	      "armed consumer: a batch of 5 must notify once (notified=%d)", notified);
	CHECK(mn_prod_push_batch(&p, f, 5, NULL) == 5 && notified == 1, "not re-armed: no second notify");
	/* The consumer waits for the 3rd frame of the next batch (white-box: sr_wake is its field). */
	mn_write_once(&h->sr_wake, (uint32_t)(base + 10 + 3));
	CHECK(mn_prod_push_batch(&p, f, 5, NULL) == 5 && notified == 2, "wake inside the batch: notify");
	mn_write_once(&h->sr_wake, (uint32_t)(base + 15 + 6));
	CHECK(mn_prod_push_batch(&p, f, 5, NULL) == 5 && notified == 2, "wake beyond the batch: no notify");
	CHECK(mn_cons_peek_n(&c, (struct mn_slot[NSLOTS]){ 0 }, NSLOTS) == 20, "20 frames waiting");
	CHECK(mn_cons_release_n(&c, 20) == 0, "release 20");
	CHECK(mn_prod_push_batch(&p, f, 1, NULL) == 1 && notified == 3, "wake == frames+1: notify");
	CHECK(mn_read_once(&h->sr_notify) == 3, "sr_notify %u", mn_read_once(&h->sr_notify));
}

static void test_v1_busy(void)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_frame f[4];
	struct mn_slot s[4];
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring;

	setup(MN_PROTO_V1, 0, 0, &p, &c);
	make_frames(f, 4, 0, len_64);
	CHECK(mn_prod_push_batch(&p, f, 2, NULL) == 2, "push 2");
	CHECK(mn_cons_peek_n(&c, s, 4) == 2, "peek 2");
	CHECK(mn_ring_trylock(h) == 1, "take the lock");
	CHECK(mn_prod_push_batch(&p, f + 2, 2, NULL) == 0 && mn_read_once(&h->sr_drop_busy) == 2,
	      "lock held: the batch is dropped as busy (drop_busy=%u)", mn_read_once(&h->sr_drop_busy));
	CHECK(mn_cons_release_n(&c, 2) == -EBUSY, "lock held: release_n is -EBUSY");
	mn_ring_unlock(h);
	CHECK(mn_cons_release_n(&c, 2) == 0, "release after unlock");
	CHECK(mn_read_once(&h->sr_cur) == 2 && mn_read_once(&h->sr_avail) == 0, "v1 cur=2 avail=0");
}

static void test_corrupt(void)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_frame f[3];
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring;

	setup(MN_PROTO_V2, 100, 0, &p, &c);
	make_frames(f, 3, 0, len_64);
	mn_write_once(&h->sr_cur, (uint16_t)(100 - NSLOTS - 1));   /* prod - cons > size */
	CHECK(mn_prod_push_batch(&p, f, 3, NULL) == 0, "corrupt index: nothing published");
	CHECK(mn_read_once(&h->sr_error) == MN_ERR_INDEX && mn_read_once(&h->sr_drop_error) == 3,
	      "sr_error=%u drop_error=%u", mn_read_once(&h->sr_error), mn_read_once(&h->sr_drop_error));
	CHECK(mn_prod_space(&p) == 0, "corrupt index reads as no space");
	CHECK(mn_prod_push_batch(&p, f, MN_BATCH_MAX + 1, NULL) == -EINVAL, "n > MN_BATCH_MAX is -EINVAL");
}

/* Batch producer -> per-frame consumer, and per-frame producer -> batch consumer. */
static void test_interop(uint32_t proto)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_frame f[10];
	struct mn_slot s[10], one;
	uint64_t j;

	setup(proto, 0xfffa, 0, &p, &c);
	make_frames(f, 10, 0, len_varied);
	CHECK(mn_prod_push_batch(&p, f, 10, NULL) == 10, "push 10");
	for (j = 0; j < 10; j++) {
		CHECK(mn_cons_peek(&c, &one) == 1 && slot_is(&one, j, len_varied(j)), "frame %llu via peek",
		      (unsigned long long)j);
		CHECK(mn_cons_release(&c) == 0, "release");
	}
	make_frames(f, 10, 10, len_varied);
	for (j = 0; j < 10; j++)
		CHECK(mn_prod_push(&p, f[j].data, f[j].len) == 0, "push");
	CHECK(mn_cons_peek_n(&c, s, 10) == 10, "peek_n after per-frame pushes");
	for (j = 0; j < 10; j++)
		CHECK(slot_is(&s[j], 10 + j, len_varied(10 + j)), "frame %llu via peek_n", (unsigned long long)(10 + j));
	CHECK(mn_cons_release_n(&c, 10) == 0, "release 10");
	CHECK(mn_read_once(&((struct mn_ring_hdr *)ring)->sr_frames) == 20, "sr_frames 20");
}

/* ---- two threads: batch producer, sleeping batch consumer on an eventfd --------------------------- */

struct duo {
	struct mn_prod p;
	struct mn_cons c;
	int efd;
	uint64_t n;
	uint64_t got, bad;
	int lost_wakeup;
};

static void signal_efd(void *arg)
{
	uint64_t one = 1;

	if (write(*(int *)arg, &one, sizeof(one)) < 0)
		BENCH_DIE("eventfd write");
}

static void *duo_consumer(void *arg)
{
	struct duo *d = arg;
	struct mn_slot s[NSLOTS];
	static unsigned char ref[SLOTSZ];
	uint64_t v;
	int k, j;

	frame_fill(ref, SLOTSZ);
	while (d->got < d->n) {
		k = mn_cons_peek_n(&d->c, s, 1 + (uint32_t)(d->got % NSLOTS));
		if (k < 0)
			BENCH_DIE("peek_n %d", k);
		if (k == 0) {
			struct pollfd pf = { .fd = d->efd, .events = POLLIN };

			if (!mn_cons_prepare_wait(&d->c))
				continue;
			/* Sleep; a lost wakeup leaves us here with frames in the ring. */
			if (poll(&pf, 1, 5000) == 0) {
				d->lost_wakeup = 1;
				return NULL;
			}
			if (read(d->efd, &v, sizeof(v)) < 0)
				BENCH_DIE("eventfd read");
			continue;
		}
		for (j = 0; j < k; j++)
			if (!(s[j].len == len_varied(d->got + j) && frame_ok(s[j].data, s[j].len, d->got + j, ref, 1)))
				d->bad++;
		while (mn_cons_release_n(&d->c, (uint32_t)k) == -EBUSY)
			;
		d->got += (uint64_t)k;
	}
	return NULL;
}

static void test_threads(uint32_t proto)
{
	static struct duo d;
	struct mn_frame f[NSLOTS];
	static unsigned char tsrc[NSLOTS][SLOTSZ];
	pthread_t t;
	uint64_t sent = 0;
	uint32_t n, j;
	int k;

	memset(&d, 0, sizeof(d));
	memset(ring, 0, sizeof(ring));
	d.n = 200000;
	d.efd = eventfd(0, EFD_CLOEXEC);
	if (d.efd < 0 || mn_ring_init(ring, RING_LEN, proto, NSLOTS, SLOTSZ))
		BENCH_DIE("setup");
	if (proto == MN_PROTO_V2) {
		mn_write_once(&((struct mn_ring_hdr *)ring)->sr_cur, (uint16_t)0xff00);
		mn_write_once(&((struct mn_ring_hdr *)ring)->sr_avail, (uint16_t)0xff00);
	}
	if (mn_prod_attach(&d.p, ring, RING_LEN, signal_efd, &d.efd) || mn_cons_attach(&d.c, ring, RING_LEN))
		BENCH_DIE("attach");
	if (pthread_create(&t, NULL, duo_consumer, &d))
		BENCH_DIE("pthread_create");
	while (sent < d.n) {
		n = 1 + (uint32_t)(sent * 13 % 24);
		if (n > d.n - sent)
			n = (uint32_t)(d.n - sent);
		for (j = 0; j < n; j++) {
			f[j].data = tsrc[j];
			f[j].len = len_varied(sent + j);
			frame_fill(tsrc[j], f[j].len);
			frame_stamp(tsrc[j], f[j].len, sent + j);
		}
		while (mn_prod_space(&d.p) < n)
			if (__atomic_load_n(&d.lost_wakeup, __ATOMIC_RELAXED))
				goto out;
		k = mn_prod_push_batch(&d.p, f, n, NULL);
		if (k == 0 && proto == MN_PROTO_V1)
			continue;             /* lock busy: dropped and counted, send again */
		if (k != (int)n)
			BENCH_DIE("push_batch %d of %u", k, n);
		sent += n;
		if (sent % 4096 < 24)
			usleep(50);           /* let the consumer go to sleep now and then */
	}
out:
	pthread_join(t, NULL);
	close(d.efd);
	CHECK(!d.lost_wakeup, "lost wakeup: consumer asleep 5 s with %llu of %llu frames delivered",
	      (unsigned long long)d.got, (unsigned long long)d.n);
	CHECK(d.got == d.n && d.bad == 0, "delivered %llu of %llu, %llu corrupt or out of order",
	      (unsigned long long)d.got, (unsigned long long)d.n, (unsigned long long)d.bad);
}

struct tcase {
	const char *name;
	void (*fn)(uint32_t);
	uint32_t proto;
};

static void v1_busy(uint32_t proto) { (void)proto; test_v1_busy(); }
static void corrupt(uint32_t proto) { (void)proto; test_corrupt(); }

static const struct tcase cases[] = {
	{ "wrap-v2", test_wrap, MN_PROTO_V2 },
	{ "wrap-v1", test_wrap, MN_PROTO_V1 },
	{ "full-oversize-v2", test_full_and_oversize, MN_PROTO_V2 },
	{ "full-oversize-v1", test_full_and_oversize, MN_PROTO_V1 },
	{ "wake-range-v2", test_wake_range, MN_PROTO_V2 },
	{ "wake-range-v1", test_wake_range, MN_PROTO_V1 },
	{ "v1-busy", v1_busy, MN_PROTO_V1 },
	{ "corrupt-v2", corrupt, MN_PROTO_V2 },
	{ "interop-v2", test_interop, MN_PROTO_V2 },
	{ "interop-v1", test_interop, MN_PROTO_V1 },
	{ "threads-v2", test_threads, MN_PROTO_V2 },
	{ "threads-v1", test_threads, MN_PROTO_V1 },
};

int main(int argc, char **argv)
{
	size_t i, ran = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
			continue;
		current = cases[i].name;
		int before = failures;

		cases[i].fn(cases[i].proto);
		printf("%s %s\n", failures == before ? "ok  " : "FAIL", cases[i].name);
		ran++;
	}
	if (ran == 0) {
		fprintf(stderr, "no test named %s\n", argv[1]);
		return 1;
	}
	printf("test_ring_batch: %zu run, %d failed\n", ran, failures);
	return failures ? 1 : 0;
}
