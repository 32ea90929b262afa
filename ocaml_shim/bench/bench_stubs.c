/* SPDX-License-Identifier: ISC */
/* Benchmark helpers: a monotonic clock, the consumer thread's CPU time, and the latency producer
 * (a pthread injecting timestamped frames at random intervals into a software interface). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <caml/fail.h>
#include <caml/mlvalues.h>
#include "mnetif/user.h"

static int64_t now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

value mnoc_bench_now_ns(value unit) { return Val_long(now(CLOCK_MONOTONIC)); }
value mnoc_bench_thread_cpu_ns(value unit) { return Val_long(now(CLOCK_THREAD_CPUTIME_ID)); }

struct lat {
	char name[MN_IFNAMSIZ];
	int n, min_us, max_us;
	pthread_t th;
};
static struct lat lat;

/* Frame: bytes 0..7 = CLOCK_MONOTONIC ns at injection; 64 bytes. Intervals uniform in
 * [min_us, max_us] so the injections are not phase-locked to a 1 ms poll. */
static void *lat_run(void *arg)
{
	struct lat *l = arg;
	unsigned char f[64] = { 0 };
	unsigned seed = 12345;
	int i;

	for (i = 0; i < l->n; i++) {
		int us = l->min_us + (int)(rand_r(&seed) % (unsigned)(l->max_us - l->min_us + 1));
		struct timespec d = { 0, us * 1000L };
		int64_t t;

		nanosleep(&d, NULL);
		t = now(CLOCK_MONOTONIC);
		memcpy(f, &t, 8);
		mn_user_inject(l->name, f, sizeof(f));
	}
	return NULL;
}

value mnoc_bench_lat_start(value name, value n, value min_us, value max_us)
{
	memset(&lat, 0, sizeof(lat));
	strncpy(lat.name, String_val(name), MN_IFNAMSIZ - 1);
	lat.n = Int_val(n);
	lat.min_us = Int_val(min_us);
	lat.max_us = Int_val(max_us);
	if (pthread_create(&lat.th, NULL, lat_run, &lat))
		caml_failwith("pthread_create");
	return Val_unit;
}

value mnoc_bench_lat_join(value unit)
{
	pthread_join(lat.th, NULL);
	return Val_unit;
}
