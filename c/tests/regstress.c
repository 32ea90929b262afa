/* SPDX-License-Identifier: ISC */
/*
 * Registry stress: plug/unplug one software interface N times (default 1000) while T input threads
 * (default 3) call netif_ether_input() on it nonstop. Each plug gets a freshly malloc'ed ring that is
 * freed right after mn_unplug() returns, so a producer still touching it is a heap use-after-free:
 * AddressSanitizer (the asan build of this program) reports it. Also checks, per plug cycle, that
 * frames the inputs saw accepted equal the ring's sr_frames, and the ring header invariants.
 *
 *   regstress [-n cycles] [-t input threads]      exit 0 pass, 1 fail
 */
#define _GNU_SOURCE
#include "mnetif/user.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RINGLEN (8 * 4096)

static uint32_t ifindex;
static int stop;
static uint64_t accepted;     /* pushes that returned 0, all threads (atomic) */
static uint64_t unplugged_hits, other_errors;

static void *input(void *arg)
{
	unsigned char frame[128];
	uint64_t n = 0;

	memset(frame, (int)(uintptr_t)arg, sizeof(frame));
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		int r = netif_ether_input(ifindex, frame, 60 + (uint32_t)(n++ % 68));

		if (r == 0)
			__atomic_fetch_add(&accepted, 1, __ATOMIC_RELAXED);
		else if (r == -ENODEV)
			__atomic_fetch_add(&unplugged_hits, 1, __ATOMIC_RELAXED);
		else if (r != -ENOBUFS)
			__atomic_fetch_add(&other_errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 2 };
	int cycles = 1000, nthreads = 3, opt, i, fail = 0;
	uint64_t ring_frames = 0;
	pthread_t th[8];

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			cycles = atoi(optarg);
		else if (opt == 't')
			nthreads = atoi(optarg);
		else
			return 2;
	}
	if (nthreads < 1 || nthreads > 8 || cycles < 1)
		return 2;
	ifindex = (uint32_t)mn_user_if_create("reg0", mac);
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, input, (void *)(uintptr_t)i);
	for (i = 0; i < cycles; i++) {
		unsigned char *ring = malloc(RINGLEN);
		struct mn_plug_info info;
		struct mn_geom g;
		uint64_t before;
		int r;

		mn_ring_init(ring, RINGLEN, i % 2 ? MN_PROTO_V1 : MN_PROTO_V2, 0, 256);
		mn_ring_geometry(ring, RINGLEN, &g, NULL);
		before = __atomic_load_n(&accepted, __ATOMIC_ACQUIRE);
		r = mn_plug("reg0", ring, RINGLEN, &info);
		if (r) {
			printf("regstress: FAIL plug %d: %d\n", i, r);
			return 1;
		}
		if (mn_plug("reg0", ring, RINGLEN, &info) != -EEXIST) {
			printf("regstress: FAIL double plug not rejected\n");
			fail = 1;
		}
		usleep(i % 10 ? 20 : 2000);
		r = mn_unplug("reg0");
		if (r) {
			printf("regstress: FAIL unplug %d: %d\n", i, r);
			return 1;
		}
		/* After unplug no producer touches the ring: its counters are final. */
		ring_frames += mn_observe(&((struct mn_ring_hdr *)ring)->sr_frames);
		r = mn_ring_check(ring, &g);
		if (r) {
			printf("regstress: FAIL cycle %d: invariant %s\n", i, mn_invariant_name(r));
			fail = 1;
		}
		(void)before;
		memset(ring, 0xa5, RINGLEN);   /* a late producer would now see garbage... */
		free(ring);                    /* ...or, under ASan, a use-after-free */
	}
	if (mn_unplug("reg0") != -ENOENT) {
		printf("regstress: FAIL unplug of an unplugged name is not -ENOENT\n");
		fail = 1;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	if (ring_frames != accepted) {
		printf("regstress: FAIL inputs saw %" PRIu64 " frames accepted, rings counted %" PRIu64 "\n",
		       accepted, ring_frames);
		fail = 1;
	}
	if (other_errors) {
		printf("regstress: FAIL %" PRIu64 " unexpected input errors\n", other_errors);
		fail = 1;
	}
	printf("regstress: cycles=%d threads=%d accepted=%" PRIu64 " not-plugged=%" PRIu64 " %s\n", cycles,
	       nthreads, accepted, unplugged_hits, fail ? "FAIL" : "PASS");
	return fail;
}
