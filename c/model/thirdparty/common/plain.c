/* SPDX-License-Identifier: ISC */
/*
 * The plain-access bridge: a ring's plain C accesses to shared memory as rt operations.
 *
 * The ring's translation unit is compiled with GCC's -fsanitize=thread instrumentation (and no
 * sanitizer runtime): before every load the compiler emits __tsan_readN(addr) (or
 * __tsan_read_range for a struct or memcpy source), before every store __tsan_writeN(addr). This
 * file (compiled WITHOUT the instrumentation) implements those entry points, and the calls to
 * memcpy/memmove/memset/memcmp the compiler leaves (tp_memcpy & co.). Outside an actor, or
 * for an address in no registered region, they return at once: the access runs natively.
 *
 * An access inside a region:
 *   load   the pending accesses are settled (below), then rt_load (or rt_copy_out) runs: a
 *          decision point, and the value the memory model gives (under TSO it may come from the
 *          actor's own store buffer). If memory holds other bytes, they are PATCHED with that
 *          value for the native load that follows, and put back at the next settle.
 *   store  the native store runs after the hook, so the hook only records the old bytes. At the
 *          next settle the new bytes are read back, the old ones restored, and rt_store (or
 *          rt_copy_in) performs the store: decision point, store buffer, hooks.
 * Settling happens before every rt operation of the actor (tp_* in tp.c, the next instrumented
 * load) and when the actor returns, so at every decision point memory holds exactly what rt
 * committed: no other actor or oracle ever sees a patch or a store rt does not know about. A
 * native store is thereby delayed past the actor's private computation up to its next visible
 * operation, which no other actor can tell apart. The pending list is global: an actor only
 * yields inside an rt operation, after settling, so entries only exist while their actor runs.
 *
 * Constant ranges (tp_const: fields written only before the run, e.g. a ring's mask) are read
 * natively; a store into one during the run is a bridge violation. Guard ranges (tp_guard): an
 * access that touches one is TP_VIO_OOB, and the actor is stopped before the access executes.
 */
#include "tp.h"

#include <stdio.h>
#include <string.h>

#define MAX_RANGES 16
#define MAX_PEND 8
#define PEND_BYTES 512

enum { R_SHARED = 1, R_GUARD = 2, R_CONST = 3 };

struct range {
	const unsigned char *lo, *hi;
	int kind;
	const char *name;
};

struct pend {
	int store;                   /* 1: a native store to commit; 0: a load patch to undo */
	unsigned char *addr;
	uint32_t size;
	unsigned char saved[PEND_BYTES];
};

static struct range ranges[MAX_RANGES];
static int nranges;
static struct pend pend[MAX_PEND];
static int npend;

void tp_plain_reset(void)
{
	nranges = 0;
	npend = 0;
}

static int add_range(const void *base, uint64_t len, int kind, const char *name)
{
	if (nranges >= MAX_RANGES || !len)
		return -1;
	ranges[nranges++] = (struct range){ base, (const unsigned char *)base + len, kind, name };
	return 0;
}

int tp_plain_share(const void *base, uint64_t len, int guard, const char *name)
{
	return add_range(base, len, guard ? R_GUARD : R_SHARED, name);
}

int tp_const(const void *base, uint64_t len)
{
	return add_range(base, len, R_CONST, "const");
}

/* The kind of [p, p+n): a guard it touches wins, then a constant range that contains it, then a
 * region it touches (an access that runs over a region's end into no region is a guard hit: the
 * buffer it belongs to is too short). */
static int classify(const unsigned char *p, uint64_t n, const struct range **which)
{
	const struct range *shared = NULL;
	int i, cnst = 0;

	for (i = 0; i < nranges; i++) {
		const struct range *r = &ranges[i];

		if (p >= r->hi || p + n <= r->lo)
			continue;
		if (r->kind == R_GUARD) {
			*which = r;
			return R_GUARD;
		}
		if (r->kind == R_CONST && p >= r->lo && p + n <= r->hi)
			cnst = 1;
		else if (r->kind == R_SHARED)
			shared = r;
	}
	*which = shared;
	if (cnst)
		return R_CONST;
	if (shared && (p < shared->lo || p + n > shared->hi))
		return R_GUARD;
	return shared ? R_SHARED : 0;
}

int tp_plain_kind(const void *addr, uint64_t len)
{
	const struct range *r;
	int k = classify(addr, len, &r);

	return k == R_GUARD ? 2 : k ? 1 : 0;
}

static struct rt *actor_rt(void)
{
	struct rt *rt = rt_current();

	return rt && rt_self(rt) >= 0 ? rt : NULL;
}

/* Ends the actor's part in this execution: the violation is recorded, and the visible operation
 * yields to the scheduler, which stops at the verdict and never resumes the actor. */
static void stop(struct rt *rt)
{
	rt_fence(rt, RT_FENCE_FULL);
}

void tp_oob(struct rt *rt, const void *addr, uint64_t n, int write)
{
	const struct range *r;
	const unsigned char *p = addr;
	char what[96];

	tp_settle();
	classify(p, n, &r);
	if (r && r->kind == R_GUARD && p < r->lo)
		snprintf(what, sizeof(what), "running %llu bytes into %s",
			 (unsigned long long)(p + n - r->lo), r->name);
	else if (r && r->kind == R_GUARD)
		snprintf(what, sizeof(what), "at byte %llu of %s",
			 (unsigned long long)(p - r->lo), r->name);
	else if (r)
		snprintf(what, sizeof(what), "running %llu bytes past the end of %s",
			 (unsigned long long)(p + n - r->hi), r->name);
	else
		snprintf(what, sizeof(what), "outside every buffer");
	tp_fail(TP_VIO_OOB, "no access outside the buffer: actor %d %s %llu bytes %s", rt_self(rt),
		write ? "writes" : "reads", (unsigned long long)n, what);
	stop(rt);
}

static int scalar(uint64_t n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

void tp_settle(void)
{
	struct rt *rt;
	struct pend mine[MAX_PEND];
	unsigned char now[MAX_PEND][PEND_BYTES];
	int i, n = npend;

	if (!n)
		return;
	/* Each rt_store below yields, and the actors that run meanwhile use the global list: this
	 * actor's entries are taken off it first. Then memory is made rt's again (patches undone,
	 * every native store's old bytes back) before the first store yields. */
	memcpy(mine, pend, (size_t)n * sizeof(mine[0]));
	npend = 0;
	rt = rt_current();
	for (i = n - 1; i >= 0; i--)
		if (!mine[i].store)
			memcpy(mine[i].addr, mine[i].saved, mine[i].size);
	for (i = 0; i < n; i++)
		if (mine[i].store) {
			memcpy(now[i], mine[i].addr, mine[i].size);
			memcpy(mine[i].addr, mine[i].saved, mine[i].size);
		}
	for (i = 0; i < n; i++) {
		struct pend *p = &mine[i];
		uint64_t v = 0;

		if (!p->store)
			continue;
		if (scalar(p->size)) {
			memcpy(&v, now[i], p->size);
			rt_store(rt, p->addr, p->size, RT_PLAIN, v);
		} else {
			rt_copy_in(rt, p->addr, now[i], p->size);
		}
	}
}

static int too_big(struct rt *rt, const void *addr, uint64_t n)
{
	if (n <= PEND_BYTES && npend < MAX_PEND)
		return 0;
	tp_settle();
	tp_fail(TP_VIO_BRIDGE, "plain access of %llu bytes at %p: the bridge handles %d bytes and "
		"%d pending accesses (plain.c PEND_BYTES, MAX_PEND)", (unsigned long long)n, addr,
		PEND_BYTES, MAX_PEND);
	stop(rt);
	return 1;
}

static void on_read(const void *addr, uint64_t n)
{
	struct rt *rt = actor_rt();
	const struct range *r;
	unsigned char val[PEND_BYTES];
	unsigned char *p = (unsigned char *)(uintptr_t)addr;
	int k;

	if (!rt || !n || !(k = classify(p, n, &r)) || k == R_CONST)
		return;
	if (k == R_GUARD) {
		tp_oob(rt, addr, n, 0);
		return;
	}
	tp_settle();
	if (too_big(rt, addr, n))
		return;
	if (scalar(n)) {
		uint64_t v = rt_load(rt, p, (unsigned)n, RT_PLAIN);

		memcpy(val, &v, n);
	} else {
		rt_copy_out(rt, val, p, n);
	}
	if (!memcmp(val, p, n))
		return;
	pend[npend].store = 0;
	pend[npend].addr = p;
	pend[npend].size = (uint32_t)n;
	memcpy(pend[npend].saved, p, n);
	npend++;
	memcpy(p, val, n);
}

static void on_write(void *addr, uint64_t n)
{
	struct rt *rt = actor_rt();
	const struct range *r;
	unsigned char *p = addr;
	int i, j, k;

	if (!rt || !n || !(k = classify(p, n, &r)))
		return;
	if (k == R_GUARD) {
		tp_oob(rt, addr, n, 1);
		return;
	}
	if (k == R_CONST) {
		tp_settle();
		tp_fail(TP_VIO_BRIDGE, "a store to %p, a field declared constant during the run",
			addr);
		stop(rt);
		return;
	}
	/* A load patch under this store has been read already (its load came first): undo it. An
	 * unsettled store under it is committed first, so each pending entry has its own bytes. */
	for (i = j = 0; i < npend; i++) {
		struct pend *q = &pend[i];

		if (!q->store && p < q->addr + q->size && q->addr < p + n) {
			memcpy(q->addr, q->saved, q->size);
			continue;
		}
		pend[j++] = *q;
	}
	npend = j;
	for (i = 0; i < npend; i++)
		if (p < pend[i].addr + pend[i].size && pend[i].addr < p + n) {
			tp_settle();
			break;
		}
	if (too_big(rt, addr, n))
		return;
	pend[npend].store = 1;
	pend[npend].addr = p;
	pend[npend].size = (uint32_t)n;
	memcpy(pend[npend].saved, p, n);
	npend++;
}

/* ---- GCC's -fsanitize=thread entry points (no runtime: these are the whole of it) ----------- */

#define TSAN_RW(N)                                                                          \
	void __tsan_read##N(void *a) { on_read(a, N); }                                       \
	void __tsan_write##N(void *a) { on_write(a, N); }                                     \
	void __tsan_unaligned_read##N(void *a) { on_read(a, N); }                             \
	void __tsan_unaligned_write##N(void *a) { on_write(a, N); }                           \
	void __tsan_volatile_read##N(void *a) { on_read(a, N); }                              \
	void __tsan_volatile_write##N(void *a) { on_write(a, N); }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
TSAN_RW(1)
TSAN_RW(2)
TSAN_RW(4)
TSAN_RW(8)
TSAN_RW(16)

void __tsan_read_range(void *a, unsigned long n)
{
	on_read(a, n);
}

void __tsan_write_range(void *a, unsigned long n)
{
	on_write(a, n);
}

/* GCC instruments a memcpy it inlines, but leaves a call to memcpy/memmove/memset/memcmp to the
 * sanitizer runtime's interceptors. There is none here: the ring's object is linked with those
 * symbols renamed to these (objcopy --redefine-sym, mk/thirdparty.mk), which do what an
 * interceptor does, then the real thing. */
void *tp_memcpy(void *d, const void *s, size_t n)
{
	on_read(s, n);
	on_write(d, n);
	return memcpy(d, s, n);
}

void *tp_memmove(void *d, const void *s, size_t n)
{
	on_read(s, n);
	on_write(d, n);
	return memmove(d, s, n);
}

void *tp_memset(void *d, int c, size_t n)
{
	on_write(d, n);
	return memset(d, c, n);
}

int tp_memcmp(const void *a, const void *b, size_t n)
{
	on_read(a, n);
	on_read(b, n);
	return memcmp(a, b, n);
}

void __tsan_init(void)
{
}

void __tsan_func_entry(void *pc)
{
	(void)pc;
}

void __tsan_func_exit(void)
{
}
#pragma GCC diagnostic pop
