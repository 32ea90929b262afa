/* SPDX-License-Identifier: ISC */
/*
 * Exhaustive bounded search: stateless model checking by re-execution. Every execution is a choice
 * list; positions past the list are 0 (rt.h). The DFS keeps the current full list c[0..nd) and
 * the option count at each decision (recorded by the scheduler), and moves to the next list in
 * lexicographic order whose number of non-zero choices (preemptions) stays within the bound: the
 * deepest position that can still be incremented is, the suffix after it goes back to 0. Because
 * an execution is a pure function of its list, the prefix replays the same decisions, so the
 * option counts recorded before the incremented position stay valid.
 */
#include "rt_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rt_set_result_hook(struct rt *rt, rt_result_fn fn, void *arg)
{
	rt->hook_fn = fn;
	rt->hook_arg = arg;
}

/* One more execution of a search: the statistics and the result hook. */
void rt_explore_count(struct rt *rt, struct rt_stats *st, const struct rt_result *r)
{
	st->executions++;
	st->pruned += r->pruned != 0;
	if (rt->hook_fn)
		rt->hook_fn(rt->hook_arg, r);
	st->coverage |= r->coverage;
	if (r->ndecisions > st->max_decisions)
		st->max_decisions = r->ndecisions;
	if (r->nsteps > st->max_steps)
		st->max_steps = r->nsteps;
}

/* Keeps r's verdict and its choice list c[0..len) as the search's answer. */
void rt_explore_keep(struct rt_stats *st, const struct rt_result *r, const uint32_t *c,
		     uint32_t len, uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	uint32_t i;

	st->first_violation = r->violation;
	memcpy(st->message, r->message, sizeof(st->message));
	for (i = 0; i < len && cex && i < cap; i++)
		cex[i] = c[i];
	if (cex_len)
		*cex_len = len < cap ? len : cap;
}

/* After rt_explore_count: counts r's violation, keeps the first one's choices when keep_first;
 * returns non-zero when the search must stop there. */
int rt_explore_violation(struct rt_stats *st, const struct rt_result *r, const uint32_t *c,
			 uint32_t len, uint32_t *cex, uint32_t cap, uint32_t *cex_len, int *found,
			 int keep_first, int stop_on_violation)
{
	if (!r->violation)
		return 0;
	st->violations++;
	if (!*found && keep_first) {
		*found = 1;
		rt_explore_keep(st, r, c, len, cex, cap, cex_len);
	}
	return stop_on_violation;
}

uint64_t rt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What part of the DFS a search covers (rt_explore_sub): the lists extending the fixed prefix,
 * varying only positions < depth (0: any), each list's first min(decisions, depth) choices
 * appended to `lists` (length, then the choices). The whole DFS: { NULL, 0, 0, NULL }. */
struct sub {
	const uint32_t *prefix;
	uint32_t plen, depth;
	uint32_t *lists, lcap, *nlists;
};

static int search_once(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
		  uint64_t max_executions, int stop_on_violation, uint32_t want_coverage,
		  struct rt_stats *st, uint32_t *cex, uint32_t cap, uint32_t *cex_len,
		  const struct sub *sub)
{
	const struct rt_result *r = &rt->res;
	uint32_t *c = NULL, len = 0, nd, i, used, ccap = 0, lo = sub ? sub->plen : 0;
	uint64_t t0 = rt_now_ns();
	int err = 0, found = 0;

	memset(st, 0, sizeof(*st));
	if (cex_len)
		*cex_len = 0;
	if (lo) {
		if (!(c = malloc((size_t)lo * 2 * sizeof(uint32_t))))
			return -ENOMEM;
		memcpy(c, sub->prefix, (size_t)lo * sizeof(uint32_t));
		ccap = lo * 2;
		len = lo;
	}
	for (;;) {
		err = rt_run(rt, wl, ctx, c, len, NULL, 0);
		if (err) {
			st->first_violation = r->violation;
			memcpy(st->message, r->message, sizeof(st->message));
			break;
		}
		rt_explore_count(rt, st, r);
		if (want_coverage && (r->coverage & want_coverage) == want_coverage) {
			rt_explore_keep(st, r, c, len, cex, cap, cex_len);
			found = 1;
			break;
		}
		if (rt_explore_violation(st, r, c, len, cex, cap, cex_len, &found, !want_coverage,
					 stop_on_violation))
			break;
		if (max_executions && st->executions >= max_executions)
			break;
		/* The full list of this execution: the prefix, then zeros. */
		nd = r->ndecisions < rt->dec_cap ? r->ndecisions : rt->dec_cap;
		if (nd > ccap) {
			uint32_t *n = realloc(c, (size_t)nd * 2 * sizeof(uint32_t));

			if (!n) {
				err = -ENOMEM;
				break;
			}
			c = n;
			ccap = nd * 2;
		}
		for (i = len; i < nd; i++)
			c[i] = 0;
		if (sub && sub->lists) {
			uint32_t k = sub->depth && nd > sub->depth ? sub->depth : nd;

			if (*sub->nlists + k + 1 > sub->lcap) {
				err = -ENOSPC;
				break;
			}
			sub->lists[(*sub->nlists)++] = k;
			memcpy(sub->lists + *sub->nlists, c, (size_t)k * sizeof(uint32_t));
			*sub->nlists += k;
		}
		if (sub && sub->depth && nd > sub->depth)
			nd = sub->depth;     /* positions past depth stay 0 (another task's subtree) */
		used = 0;
		for (i = 0; i < nd; i++)
			used += c[i] != 0;
		/* Deepest position that can take its next option within the bound. */
		for (i = nd > lo ? nd : lo; i-- > lo;) {
			used -= c[i] != 0;
			if (c[i] + 1 < rt->dec_nopt[i] && used + 1 <= bound)
				break;
		}
		if (i == lo - 1u || i == (uint32_t)-1) {
			st->exhausted = 1;
			break;
		}
		c[i]++;
		len = i + 1;
	}
	free(c);
	st->elapsed_ns = rt_now_ns() - t0;
	if (want_coverage && !err)
		return found ? 0 : 1;
	return err;
}

/*
 * A search in rounds (ARM): the first round starts from the workload's promise table and learns
 * (mm_arm.c); while a complete round learnt a useful new candidate, search again with the bigger
 * table. The last round is the answer: a proof covers every promise of a value some execution
 * stores, and its counterexample replays with the table rt_promise_table gives. The rounds only
 * happen when the workload runs ARM (the first round tells).
 */
static int search(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
		  uint64_t max_executions, int stop_on_violation, uint32_t want_coverage,
		  struct rt_stats *st, uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	uint32_t rounds = 0;
	int err, again;

	rt->prom_override = 0;
	rt_arm_learn_begin(rt);
	for (;;) {
		rounds++;
		err = search_once(rt, wl, ctx, bound, max_executions, stop_on_violation,
				  want_coverage, st, cex, cap, cex_len, NULL);
		/* another round when this one was complete and found nothing (a violation found
		 * is real whatever the table) and the table grew */
		again = rt->mm_id == RT_MM_ARM && st->exhausted &&
			(want_coverage ? err == 1 : !err && !st->violations) &&
			rt_arm_learn_end(rt, 1);
		if (!again)
			break;
		rt->prom_override = 1;
		rt_arm_learn_begin(rt);
	}
	if (!again)
		rt_arm_learn_end(rt, 0);   /* the table the last round ran with */
	rt->prom_override = 0;
	st->rounds = rounds;
	st->npromises = rt->arm ? rt->nprom : 0;
	return err;
}

int rt_learn_promises(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
		      uint64_t max_executions)
{
	struct rt_stats st;
	int err;

	rt->prom_override = 0;
	rt_arm_learn_begin(rt);
	err = search_once(rt, wl, ctx, bound, max_executions, 0, 0, &st, NULL, 0, NULL, NULL);
	rt_arm_learn_end(rt, 1);
	return err < 0 ? err : 0;
}

int rt_explore(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
	       uint64_t max_executions, int stop_on_violation, struct rt_stats *st, uint32_t *cex,
	       uint32_t cap, uint32_t *cex_len)
{
	return search(rt, wl, ctx, bound, max_executions, stop_on_violation, 0, st, cex, cap,
		      cex_len);
}

int rt_find(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
	    uint64_t max_executions, uint32_t coverage, struct rt_stats *st, uint32_t *choices,
	    uint32_t cap, uint32_t *len)
{
	if (!coverage)
		return -EINVAL;
	return search(rt, wl, ctx, bound, max_executions, 0, coverage, st, choices, cap, len);
}

int rt_explore_sub(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
		   uint64_t max_executions, int stop_on_violation, const uint32_t *prefix,
		   uint32_t plen, uint32_t depth, uint32_t *lists, uint32_t lists_cap,
		   uint32_t *nlists, struct rt_stats *st, uint32_t *cex, uint32_t cap,
		   uint32_t *cex_len)
{
	struct sub sub = { prefix, plen, depth, lists, lists_cap, nlists };

	if (nlists)
		*nlists = 0;
	if ((lists && !nlists) || (plen && !prefix))
		return -EINVAL;
	return search_once(rt, wl, ctx, bound, max_executions, stop_on_violation, 0, st, cex, cap,
			   cex_len, &sub);
}
