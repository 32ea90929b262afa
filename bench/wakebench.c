/* SPDX-License-Identifier: ISC */
/*
 * Wakeup latency (one frame at a time, producer thread -> sleeping consumer thread on another CPU)
 * and the consumer's CPU use over an idle second, for three ways to wait:
 *   eventfd   the floor: the producer writes an eventfd, the consumer sleeps in poll() + read()
 *   evchan    mnetif's event channel through the real path: a software interface plugged with a
 *             v2 ring (mn_plug), frames injected with mn_user_inject -> netif_ether_input ->
 *             mn_prod_push, which calls mn_os_notify (eventfd write) when the consumer armed
 *             sr_wake; the consumer peeks, and when empty mn_cons_prepare_wait + poll() + read()
 *   evchan-v3 the same path on a v3 ring (ring.h): the consumer's prepare_wait looks at the ring
 *             MN_WAIT_SPINS times, arms sr_wake and issues the heavy barrier (membarrier); the
 *             producer has only a compiler barrier before reading sr_wake
 *   poll1ms   the 2012 receive loop: consume while frames, else sleep 1 ms (same ring, same path)
 * After each repetition: the heavy barrier's own cost (mn_heavy_barrier(), i.e. membarrier
 * GLOBAL_EXPEDITED, timed alone, with a thread of this process spinning on the other CPU): what a
 * v3 consumer pays per sleep on top of v2's fence.
 * Each sample: the producer sleeps a pseudo-random 200-700 us gap (so the consumer is idle, and
 * the gap is not in phase with the 1 ms poll), stamps the send time, sends; the consumer takes the
 * time once it holds the frame (a copy of it) and acknowledges on a second eventfd. Latency =
 * consumer time - send time (CLOCK_MONOTONIC, one machine). After the samples: the consumer's
 * getrusage(RUSAGE_THREAD) before and after an idle period (no frames) gives its idle CPU.
 *
 * Output: RESULT bench=wake method=M rep=R samples=N p50_ns=.. p99_ns=.. max_ns=..
 *         idle_cpu_ns=.. idle_wall_ns=..
 *         RESULT bench=heavy rep=R calls=N available=0|1 p50_ns=.. p99_ns=..
 */
#include "bench_util.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mnetif/user.h"

#define RING_LEN (33u * 4096u)
#define FRAME_LEN 64u

enum method { M_EVENTFD, M_EVCHAN, M_EVCHAN_V3, M_POLL1MS, M__COUNT };
static const char *const method_name[M__COUNT] = { "eventfd", "evchan", "evchan-v3", "poll1ms" };

struct wake {
	int method;
	uint32_t samples;
	int cpus[2];
	int efd;                  /* eventfd method: the doorbell; evchan: the ring's event fd */
	int ackfd;                /* consumer -> producer: sample received */
	uint64_t t_send;          /* eventfd method: send time of the current sample (atomic) */
	void *ring;
	char ifname[MN_IFNAMSIZ];
	uint64_t *lat;
	uint64_t ru_last_ns, t_last_ns;   /* consumer CPU time and wall time when it last acked */
	uint64_t idle_cpu_ns, idle_wall_ns;
};

static uint64_t thread_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		BENCH_DIE("getrusage: %s", strerror(errno));
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

static void efd_write(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		BENCH_DIE("eventfd write: %s", strerror(errno));
}

static void efd_wait(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	uint64_t v;

	while (poll(&pf, 1, -1) < 0)
		if (errno != EINTR)
			BENCH_DIE("poll: %s", strerror(errno));
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		BENCH_DIE("eventfd read: %s", strerror(errno));
}

/* The consumer received sample seq (sent at t_send) at t_recv. Returns 1 after the idle probe. */
static int received(struct wake *w, uint64_t seq, uint64_t t_send, uint64_t t_recv)
{
	if (seq < w->samples) {
		w->lat[seq] = t_recv - t_send;
	} else {
		w->idle_cpu_ns = thread_cpu_ns() - w->ru_last_ns;
		w->idle_wall_ns = t_recv - w->t_last_ns;
	}
	w->ru_last_ns = thread_cpu_ns();
	w->t_last_ns = now_ns();
	efd_write(w->ackfd);
	return seq >= w->samples;
}

static void consume_eventfd(struct wake *w)
{
	uint64_t seq = 0;

	for (;;) {
		efd_wait(w->efd);
		if (received(w, seq, __atomic_load_n(&w->t_send, __ATOMIC_ACQUIRE), now_ns()))
			return;
		seq++;
	}
}

/* Takes every frame in the ring; returns 1 after the idle probe. */
static int drain_ring(struct wake *w, struct mn_cons *c)
{
	unsigned char frame[FRAME_LEN];
	struct mn_slot s;
	uint64_t seq, t_send;
	int e;

	while ((e = mn_cons_peek(c, &s)) == 1) {
		memcpy(frame, s.data, s.len < FRAME_LEN ? s.len : FRAME_LEN);
		if (mn_cons_release(c))
			BENCH_DIE("mn_cons_release");
		memcpy(&seq, frame, 8);
		memcpy(&t_send, frame + 8, 8);
		if (received(w, seq, t_send, now_ns()))
			return 1;
	}
	if (e < 0)
		BENCH_DIE("mn_cons_peek: %d", e);
	return 0;
}

static void consume_ring(struct wake *w)
{
	struct mn_cons c;
	const struct timespec ms = { 0, 1000000 };

	if (mn_cons_attach(&c, w->ring, RING_LEN))
		BENCH_DIE("mn_cons_attach");
	for (;;) {
		if (drain_ring(w, &c))
			return;
		if (w->method == M_POLL1MS) {
			nanosleep(&ms, NULL);
		} else if (mn_cons_prepare_wait(&c)) {
			/* Ring empty with sr_wake armed: the producer's next publish signals the fd. */
			if (mn_user_event_wait(w->efd, -1) < 0 || mn_user_event_clear(w->efd) < 0)
				BENCH_DIE("event channel wait");
		}
	}
}

static void *consumer(void *arg)
{
	struct wake *w = arg;

	bench_pin(w->cpus[1]);
	w->ru_last_ns = thread_cpu_ns();
	w->t_last_ns = now_ns();
	if (w->method == M_EVENTFD)
		consume_eventfd(w);
	else
		consume_ring(w);
	return NULL;
}

static void send_one(struct wake *w, uint64_t seq)
{
	unsigned char frame[FRAME_LEN] = { 0 };
	uint64_t t = now_ns();
	int e;

	if (w->method == M_EVENTFD) {
		__atomic_store_n(&w->t_send, t, __ATOMIC_RELEASE);
		efd_write(w->efd);
		return;
	}
	memcpy(frame, &seq, 8);
	memcpy(frame + 8, &t, 8);
	if ((e = mn_user_inject(w->ifname, frame, FRAME_LEN)) != 0)
		BENCH_DIE("mn_user_inject: %d", e);
}

static void plug(struct wake *w, int rep)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0xbe, 0x4c, 0 };
	struct mn_plug_info info;
	int e;

	snprintf(w->ifname, sizeof(w->ifname), "mnbench%d.%d", w->method, rep % 100);
	w->ring = mn_user_ring_alloc(RING_LEN);
	if (!w->ring || mn_ring_init(w->ring, RING_LEN, w->method == M_EVCHAN_V3 ? MN_PROTO_V3 :
				     MN_PROTO_V2, 64, 2048))
		BENCH_DIE("ring");
	if ((e = mn_user_if_create(w->ifname, mac)) < 0)
		BENCH_DIE("mn_user_if_create %s: %d", w->ifname, e);
	if ((e = mn_plug(w->ifname, w->ring, RING_LEN, &info)) != 0)
		BENCH_DIE("mn_plug %s: %d (%s)", w->ifname, e, mn_plug_why() ? mn_plug_why() : "");
	w->efd = info.event_fd;
}

static void unplug(struct wake *w)
{
	if (mn_unplug(w->ifname) || mn_user_if_destroy(w->ifname))
		BENCH_DIE("unplug %s", w->ifname);
	mn_user_ring_free(w->ring, RING_LEN);
}

static void run(struct wake *w, int rep, uint32_t idle_ms)
{
	pthread_t t;
	uint64_t seq, rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)rep;

	w->lat = calloc(w->samples ? w->samples : 1, sizeof(*w->lat));
	w->ackfd = eventfd(0, EFD_CLOEXEC);
	if (!w->lat || w->ackfd < 0)
		BENCH_DIE("setup");
	if (w->method == M_EVENTFD) {
		w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->efd < 0)
			BENCH_DIE("eventfd");
	} else {
		plug(w, rep);
	}
	bench_pin(w->cpus[0]);
	if (pthread_create(&t, NULL, consumer, w))
		BENCH_DIE("pthread_create");
	for (seq = 0; seq <= w->samples; seq++) {
		struct timespec gap = { 0, 0 };

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		gap.tv_nsec = (long)(200000 + rng % 500000);
		if (seq == w->samples)      /* the idle probe: nothing arrives for idle_ms before it */
			gap = (struct timespec){ idle_ms / 1000, (long)(idle_ms % 1000) * 1000000L };
		nanosleep(&gap, NULL);
		send_one(w, seq);
		efd_wait(w->ackfd);
	}
	pthread_join(t, NULL);
	if (w->method == M_EVENTFD)
		close(w->efd);
	else
		unplug(w);
	close(w->ackfd);
}

/* The heavy barrier alone, N calls, with a thread of ours spinning on the other CPU (membarrier
 * IPIs the CPUs running our threads). */
static int heavy_spin_stop;

static void *heavy_spinner(void *arg)
{
	bench_pin(*(int *)arg);
	while (!__atomic_load_n(&heavy_spin_stop, __ATOMIC_RELAXED))
		mn_cpu_relax();
	return NULL;
}

static void heavy_cost(int rep, int cpus[2], uint32_t calls)
{
	uint64_t *ns = calloc(calls, sizeof(*ns));
	pthread_t t;
	int avail = mn_heavy_barrier_register();
	uint32_t i;

	if (!ns)
		BENCH_DIE("calloc");
	__atomic_store_n(&heavy_spin_stop, 0, __ATOMIC_RELAXED);
	if (pthread_create(&t, NULL, heavy_spinner, &cpus[1]))
		BENCH_DIE("pthread_create");
	bench_pin(cpus[0]);
	for (i = 0; i < calls; i++) {
		uint64_t t0 = now_ns();

		if (avail && !mn_heavy_barrier())
			BENCH_DIE("membarrier failed after registering");
		if (!avail)
			mn_smp_mb();
		ns[i] = now_ns() - t0;
	}
	__atomic_store_n(&heavy_spin_stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	sort_u64(ns, calls);
	printf("RESULT bench=heavy rep=%d calls=%u available=%d p50_ns=%llu p99_ns=%llu\n", rep, calls,
	       avail, (unsigned long long)percentile(ns, calls, 50),
	       (unsigned long long)percentile(ns, calls, 99));
	fflush(stdout);
	free(ns);
}

static void usage(void)
{
	fprintf(stderr, "usage: wakebench [-s SAMPLES] [-r REPS] [-i IDLE_MS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint32_t samples = 1000, idle_ms = 1000;
	int reps = 3, opt, rep, m, cpus[2] = { -1, -1 }, pinned;

	while ((opt = getopt(argc, argv, "s:r:i:")) != -1) {
		switch (opt) {
		case 's': samples = (uint32_t)atoi(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 'i': idle_ms = (uint32_t)atoi(optarg); break;
		default: usage();
		}
	}
	if (samples < 1 || reps < 1 || idle_ms < 1)
		usage();
	pinned = bench_pick_cpus(cpus);
	if (!pinned)
		cpus[0] = cpus[1] = -1;
	printf("INFO bench=wake samples=%u reps=%d idle_ms=%u pinned=%d cpus=%d,%d\n", samples, reps,
	       idle_ms, pinned, cpus[0], cpus[1]);
	fflush(stdout);
	for (rep = 0; rep < reps; rep++) {
		for (m = 0; m < M__COUNT; m++) {
			struct wake w = { .method = m, .samples = samples, .cpus = { cpus[0], cpus[1] } };

			run(&w, rep, idle_ms);
			sort_u64(w.lat, samples);
			printf("RESULT bench=wake method=%s rep=%d samples=%u p50_ns=%llu p99_ns=%llu max_ns=%llu "
			       "idle_cpu_ns=%llu idle_wall_ns=%llu\n", method_name[m], rep, samples,
			       (unsigned long long)percentile(w.lat, samples, 50),
			       (unsigned long long)percentile(w.lat, samples, 99),
			       (unsigned long long)w.lat[samples - 1], (unsigned long long)w.idle_cpu_ns,
			       (unsigned long long)w.idle_wall_ns);
			fflush(stdout);
			free(w.lat);
		}
		heavy_cost(rep, cpus, 2000);
	}
	return 0;
}
