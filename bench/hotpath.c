/* SPDX-License-Identifier: ISC */
/*
 * The hot path in one thread, for profiling (callgrind counts instructions per function; no
 * cross-core traffic, no spinning): push 16 frames, then peek + copy out + release 16, N times.
 * Each implementation runs in its own function (hot_<impl>) so a profile splits by it.
 *   valgrind --tool=callgrind build/bench/hotpath 64 100000 [IMPL]
 *   callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep hot_
 * (bench/profile.sh does this for every implementation and divides by the frame count.)
 * Prints ns/frame per implementation (single thread: the CPU cost, without coherence misses).
 */
#include "bench_util.h"

#include <ck_ring.h>
#include <errno.h>

#include "mnetif/ring.h"

#define RING_LEN (33u * 4096u)
#define B 16u

struct f64 { unsigned char b[64]; };
/* 1500 B rounded up to a 64-byte multiple: ck copies whole entries (36 bytes more than the frame),
 * but unaligned 1500-byte entries run about 2x slower, so this is the stronger baseline. */
struct f1500 { unsigned char b[1536]; };
CK_RING_PROTOTYPE(f64, f64)
CK_RING_PROTOTYPE(f1500, f1500)

static unsigned char ring[RING_LEN] __attribute__((aligned(4096)));
static unsigned char src[B][2048], dst[2048];
static uint64_t sink;

static void attach(uint32_t proto, struct mn_prod *p, struct mn_cons *c)
{
	memset(ring, 0, sizeof(ring));
	if (mn_ring_init(ring, RING_LEN, proto, 64, 2048) || mn_prod_attach(p, ring, RING_LEN, NULL, NULL) ||
	    mn_cons_attach(c, ring, RING_LEN))
		BENCH_DIE("ring setup");
}

static __attribute__((noinline)) void hot_mn_frames(uint32_t proto, uint32_t len, uint64_t n)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_slot s;
	uint64_t i;
	uint32_t j;

	attach(proto, &p, &c);
	for (i = 0; i < n; i += B) {
		for (j = 0; j < B; j++)
			if (mn_prod_push(&p, src[j], len))
				BENCH_DIE("push");
		for (j = 0; j < B; j++) {
			if (mn_cons_peek(&c, &s) != 1)
				BENCH_DIE("peek");
			memcpy(dst, s.data, s.len);
			sink += dst[0];
			if (mn_cons_release(&c))
				BENCH_DIE("release");
		}
	}
}

static __attribute__((noinline)) void hot_mn_batch(uint32_t proto, uint32_t len, uint64_t n)
{
	struct mn_prod p;
	struct mn_cons c;
	struct mn_slot s[B];
	struct mn_frame f[B];
	uint64_t i;
	uint32_t j;

	attach(proto, &p, &c);
	for (j = 0; j < B; j++)
		f[j] = (struct mn_frame){ src[j], len };
	for (i = 0; i < n; i += B) {
		if (mn_prod_space(&p) < B || mn_prod_push_batch(&p, f, B, NULL) != (int)B)
			BENCH_DIE("push_batch");
		if (mn_cons_peek_n(&c, s, B) != (int)B)
			BENCH_DIE("peek_n");
		for (j = 0; j < B; j++) {
			memcpy(dst, s[j].data, s[j].len);
			sink += dst[0];
		}
		if (mn_cons_release_n(&c, B))
			BENCH_DIE("release_n");
	}
}

#define HOT_CK(T)                                                                               \
static __attribute__((noinline)) void hot_ck_##T(uint64_t n)                                  \
{                                                                                               \
	static struct T buf[64], in, out;                                                       \
	struct ck_ring r;                                                                       \
	uint64_t i;                                                                             \
	uint32_t j;                                                                             \
                                                                                                \
	ck_ring_init(&r, 64);                                                                   \
	for (i = 0; i < n; i += B) {                                                            \
		for (j = 0; j < B; j++)                                                         \
			if (!ck_ring_enqueue_spsc_##T(&r, buf, &in))                            \
				BENCH_DIE("ck enqueue");                                        \
		for (j = 0; j < B; j++) {                                                       \
			if (!ck_ring_dequeue_spsc_##T(&r, buf, &out))                           \
				BENCH_DIE("ck dequeue");                                        \
			sink += out.b[0];                                                       \
		}                                                                               \
	}                                                                                       \
}
HOT_CK(f64)
HOT_CK(f1500)

static const char *only;

static int wanted(const char *name)
{
	return !only || strcmp(only, name) == 0;
}

static void report(const char *name, uint32_t len, uint64_t n, uint64_t t0)
{
	printf("RESULT bench=hotpath impl=%s frame=%u frames=%llu ns_per_frame=%.1f\n", name, len,
	       (unsigned long long)n, (double)(now_ns() - t0) / (double)n);
}

int main(int argc, char **argv)
{
	uint32_t len = argc > 1 ? (uint32_t)atoi(argv[1]) : 64;
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000, t0;

	if ((len != 64 && len != 1500) || n < B)
		BENCH_DIE("usage: hotpath 64|1500 [FRAMES]");
	only = argc > 3 ? argv[3] : NULL;
	n -= n % B;
	if (wanted("mn-v1")) {
		t0 = now_ns();
		hot_mn_frames(MN_PROTO_V1, len, n);
		report("mn-v1", len, n, t0);
	}
	if (wanted("mn-v2")) {
		t0 = now_ns();
		hot_mn_frames(MN_PROTO_V2, len, n);
		report("mn-v2", len, n, t0);
	}
	if (wanted("mn-v3")) {
		t0 = now_ns();
		hot_mn_frames(MN_PROTO_V3, len, n);
		report("mn-v3", len, n, t0);
	}
	if (wanted("mn-v1-batch")) {
		t0 = now_ns();
		hot_mn_batch(MN_PROTO_V1, len, n);
		report("mn-v1-batch", len, n, t0);
	}
	if (wanted("mn-v2-batch")) {
		t0 = now_ns();
		hot_mn_batch(MN_PROTO_V2, len, n);
		report("mn-v2-batch", len, n, t0);
	}
	if (wanted("mn-v3-batch")) {
		t0 = now_ns();
		hot_mn_batch(MN_PROTO_V3, len, n);
		report("mn-v3-batch", len, n, t0);
	}
	if (wanted("ck_ring")) {
		t0 = now_ns();
		if (len == 64)
			hot_ck_f64(n);
		else
			hot_ck_f1500(n);
		report("ck_ring", len, n, t0);
	}
	return sink == 42 ? 3 : 0;
}
