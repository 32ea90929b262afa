/* SPDX-License-Identifier: ISC */
/* Prints the exhaustive engine's executions/s (issue 3 target: >= 100 000/s for 1 producer +
 * consumer, 2 frames, a 2-slot ring, SC). Usage: bench_explore [preemptions] [max_executions] */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

static void bench(const char *name, uint32_t proto, uint32_t mm, uint32_t bound, uint64_t max)
{
	struct mn_model_workload w = { 0 };
	struct mn_explore_stats st;

	w.proto = proto;
	w.mm = mm;
	w.nslots = 2;
	w.slotsize = 64;
	w.nproducers = 1;
	w.nframes[0] = 2;
	w.frame_len[0][0] = 60;
	w.frame_len[0][1] = 60;
	w.consumer = MN_CONSUMER_C;
	w.kill_actor = -1;
	mn_model_explore(&w, bound, max, 0, &st, NULL, 0, NULL);
	printf("%-28s preemptions<=%u  %10llu executions  %s  %8.3f s  %10.0f executions/s  "
	       "violations %llu\n", name, bound, (unsigned long long)st.executions,
	       st.exhausted ? "exhausted" : "capped   ", st.elapsed_ns / 1e9,
	       st.executions / (st.elapsed_ns / 1e9), (unsigned long long)st.violations);
}

int main(int argc, char **argv)
{
	uint32_t bound = argc > 1 ? (uint32_t)atoi(argv[1]) : 3;
	uint64_t max = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000000;

	bench("v2 SC 1P+C 2 frames size 2", MN_PROTO_V2, MN_MM_SC, bound, max);
	bench("v1 SC 1P+C 2 frames size 2", MN_PROTO_V1, MN_MM_SC, bound, max);
	bench("v2 TSO 1P+C 2 frames size 2", MN_PROTO_V2, MN_MM_TSO, bound, max);
	bench("v2 PSO 1P+C 2 frames size 2", MN_PROTO_V2, MN_MM_PSO, bound, max);
	return 0;
}
