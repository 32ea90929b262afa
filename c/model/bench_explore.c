/* SPDX-License-Identifier: ISC */
/* Prints the exhaustive engine's executions/s (issue 3 target: >= 100 000/s for 1 producer +
 * consumer, 2 frames, a 2-slot ring, SC), the cost of one step, and of a bare fiber switch.
 * Usage: bench_explore [preemptions] [max_executions] [cpu]
 * "cpu": rates per CPU-second of this process instead of per wall-clock second (a shared
 * machine: other processes then cost nothing but cache). */
#include "model.h"
#include "rt/rt_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One producer of nframes 60-byte frames and the C consumer. */
static void one_producer(struct mn_model_workload *w, uint32_t proto, uint32_t mm, uint32_t nslots,
			 uint32_t nframes)
{
	uint32_t k;

	memset(w, 0, sizeof(*w));
	w->proto = proto;
	w->mm = mm;
	w->nslots = nslots;
	w->slotsize = 64;
	w->nproducers = 1;
	w->nframes[0] = nframes;
	for (k = 0; k < nframes; k++)
		w->frame_len[0][k] = 60;
	w->consumer = MN_CONSUMER_C;
	w->kill_actor = -1;
}

static struct rt_actor pinger;
static void *main_sp;

static void ping(struct rt_actor *a)
{
	for (;;)
		rt_fiber_switch(&a->sp, main_sp);
}

/* Round trip scheduler -> fiber -> scheduler: two mn_fiber_switch calls. */
static void bench_switch(void)
{
	const int n = 20000000;
	double t;
	int i;

	struct rt *rt = rt_new();

	if (!rt || rt_fiber_stack(rt, 0))
		return;
	pinger.id = 0;
	rt_fiber_init(&pinger, rt->stacks[0], ping);
	t = now_s();
	for (i = 0; i < n; i++)
		rt_fiber_switch(&main_sp, pinger.sp);
	t = now_s() - t;
	printf("fiber switch                 %6.2f ns per switch (%d round trips)\n",
	       t / n / 2 * 1e9, n);
}

static void bench_steps(void)
{
	struct mn_model_workload w;
	struct mn_model_result r;
	uint64_t steps = 0;
	const int n = 200000;
	double t;
	int i;

	one_producer(&w, MN_PROTO_V2, MN_MM_TSO, 4, 4);
	t = now_s();
	for (i = 0; i < n; i++) {
		uint32_t c[4] = { (uint32_t)i, (uint32_t)i >> 2, (uint32_t)i >> 4, (uint32_t)i >> 6 };

		mn_model_run(&w, c, 4, &r, NULL, 0);
		steps += r.nsteps;
	}
	t = now_s() - t;
	printf("mn_model_run (v2 TSO 4 frames) %5.1f ns per step, %.0f steps per execution, "
	       "%.0f executions/s\n", t / steps * 1e9, (double)steps / n, n / t);
}

static void bench(const char *name, uint32_t proto, uint32_t mm, uint32_t bound, uint64_t max,
		  uint32_t reduce)
{
	struct mn_model_workload w;
	struct mn_explore_stats st;
	double t;

	one_producer(&w, proto, mm, 2, 2);
	w.reduce = reduce;
	t = now_s();
	mn_model_explore(&w, bound, max, 0, &st, NULL, 0, NULL);
	t = now_s() - t;
	printf("%-28s%s preemptions<=%u  %10llu executions  %s  %8.3f s  %10.0f executions/s  "
	       "violations %llu\n", name, reduce ? " reduced" : "        ", bound, (unsigned long long)st.executions,
	       st.exhausted ? "exhausted" : "capped   ", t, st.executions / t,
	       (unsigned long long)st.violations);
}

int main(int argc, char **argv)
{
	uint32_t bound = argc > 1 ? (uint32_t)atoi(argv[1]) : 4;
	uint64_t max = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000000;
	uint32_t red;

	if (argc > 3 && strcmp(argv[3], "cpu") == 0)
		clock_id = CLOCK_PROCESS_CPUTIME_ID;

	for (red = 0; red < 2; red++) {
		bench("v2 SC 1P+C 2 frames size 2", MN_PROTO_V2, MN_MM_SC, bound, max, red);
		bench("v1 SC 1P+C 2 frames size 2", MN_PROTO_V1, MN_MM_SC, bound, max, red);
		bench("v2 TSO 1P+C 2 frames size 2", MN_PROTO_V2, MN_MM_TSO, bound, max, red);
		bench("v2 PSO 1P+C 2 frames size 2", MN_PROTO_V2, MN_MM_PSO, bound, max, red);
	}
	bench_steps();
	bench_switch();
	return 0;
}
