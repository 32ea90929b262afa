/* SPDX-License-Identifier: ISC */
/*
 * v3's light kernel producer, in figures (issue 14 item 3), inside the VM:
 *  1. the rx_handler's per-frame cost for v2, v3 with the full-fence producer and v3 with the light
 *     one: the kernel's function_graph tracer times every call of mnk_rx (filter: mnk_rx only, so
 *     the time includes everything it calls and nothing is traced inside it). Same frames, same
 *     count, the three producers interleaved frame by frame on three veth pairs; the consumers do
 *     not consume during a run (each ring holds all its frames) and never arm sr_wake, so no frame
 *     pays a wake-up: what differs is the producer's fence. The tracer's own entry/exit cost is in
 *     every figure alike.
 *  2. the heavy barrier's cost per call (per sleep of a consumer) for each MNETIF_IOC_BARRIER mode,
 *     with the other vCPU idle and with it busy in a user-space spin loop; membarrier(2)
 *     GLOBAL_EXPEDITED (what a userspace consumer pays) for reference.
 * Under qemu TCG: emulated CPUs, compare the rows of one run, not with hardware.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frames.h"
#include "kring.h"
#include "vmbench.h"

#define TR "/sys/kernel/tracing/"
#define RX_REPS 5

static int tr_write(const char *file, const char *val)
{
	int fd = open(file, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	return close(fd) == 0 && ok ? 0 : -1;
}

/* function_graph on mnk_rx alone; 0 or -1. */
static int tr_setup(void)
{
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY)
		return -1;
	return tr_write(TR "tracing_on", "0") || tr_write(TR "current_tracer", "nop") ||
	       tr_write(TR "set_ftrace_filter", "mnk_rx") || tr_write(TR "buffer_size_kb", "4096") ||
	       tr_write(TR "current_tracer", "function_graph") ? -1 : 0;
}

/* The durations (us) of the mnk_rx calls in the trace buffer, appended to d; returns how many. */
static uint32_t tr_collect(double *d, uint32_t cap)
{
	char line[256];
	uint32_t n = 0;
	FILE *f = fopen(TR "trace", "r");

	while (f && n < cap && fgets(line, sizeof(line), f)) {
		char *us = strstr(line, " us ");
		char *p;

		if (!strstr(line, "mnk_rx") || !us)
			continue;
		for (p = us; p > line && (p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9')); p--)
			;
		d[n++] = atof(p);
	}
	if (f)
		fclose(f);
	return n;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct variant {
	const char *name;
	uint32_t proto, flags;
	double *d;
	uint32_t n;
	double rep_median[RX_REPS];
};

/* Three veth pairs, one ring per receiving end: frame j of a run goes to pair j % 3, so the three
 * producers take turns frame by frame and the host's noise falls on all of them alike. */
static const char *const rx_if[3] = { "mnb", "kbar1b", "kbar2b" };
static const char *const tx_if[3] = { "mna", "kbar1a", "kbar2a" };

static double median_of(const double *d, uint32_t n)
{
	double *t = malloc(n * sizeof(double)), m;

	memcpy(t, d, n * sizeof(double));
	qsort(t, n, sizeof(double), cmp_d);
	m = t[n / 2];
	free(t);
	return m;
}

/* One run: n frames per variant, interleaved; the variants sit on the pairs rotated by rep (so no
 * pair is always the same producer's). The trace lists the mnk_rx calls in the order the frames
 * were sent (veth delivers inside send(), one CPU, one backlog): call e belongs to variant e % 3.
 * 0 or -errno (-EIO: a call missing from the trace or a frame missing from a ring). */
static int rx_run(struct variant *v, uint32_t rep, uint32_t n)
{
	static uint8_t frame[64];
	static double d[3 * 4096];
	struct kring k[3];
	uint8_t dst[3][6], src[3][6];
	int s[3], e = 0, i;
	uint32_t j, got;

	for (i = 0; i < 3; i++) {
		int pair = (i + (int)rep) % 3;

		s[i] = -1;
		k[i].fd = -1;
		if (if_mac(rx_if[pair], dst[i]) || if_mac(tx_if[pair], src[i]) ||
		    (s[i] = tx_open(tx_if[pair])) < 0 ||
		    (e = kring_open(&k[i], rx_if[pair], v[i].proto, 4096, 128, 4096 * 128 + 16384,
				    v[i].flags)) != 0 || (v[i].flags && !k[i].plug.light)) {
			e = e ? e : -EPERM;
			goto out;
		}
	}
	tr_write(TR "trace", "");
	tr_write(TR "tracing_on", "1");
	for (j = 0; j < n; j++)
		for (i = 0; i < 3; i++) {
			fr_make(frame, j, sizeof(frame), dst[i], src[i]);
			while (tx_send(s[i], frame, sizeof(frame)) == -ENOBUFS)
				;
		}
	usleep(100000);
	tr_write(TR "tracing_on", "0");
	got = tr_collect(d, 3 * n);
	for (i = 0; i < 3; i++) {
		struct mnetif_counters c;

		if (kring_counters(&k[i], &c) || c.frames != n || c.notify)
			e = -EIO;
	}
	if (got != 3 * n) {
		e = -EIO;
		goto out;
	}
	for (i = 0; i < 3; i++) {
		double *mine = v[i].d + v[i].n;

		for (j = 0; j < n; j++)
			mine[j] = d[3 * j + (uint32_t)i];
		v[i].rep_median[rep] = median_of(mine, n);
		v[i].n += n;
	}
out:
	for (i = 0; i < 3; i++) {
		if (s[i] >= 0)
			close(s[i]);
		if (k[i].fd >= 0)
			kring_close(&k[i]);
	}
	return e;
}

int bench_rx_cost(uint32_t n)
{
	struct variant v[] = {
		{ .name = "v2", .proto = MN_PROTO_V2 },
		{ .name = "v3 full fence", .proto = MN_PROTO_V3 },
		{ .name = "v3 light", .proto = MN_PROTO_V3, .flags = MNETIF_PLUG_BARRIER },
	};
	uint32_t i, r;
	int err = 0;

	if (n > 4096)
		n = 4096;
	bench_pin(0);    /* veth hands each frame to the peer inside our send(): mnk_rx runs here */
	if (system("sh /veth.sh kbar1a kbar1b && sh /veth.sh kbar2a kbar2b") != 0) {
		printf("FIGURE [rx-cost] not run: could not create the veth pairs kbar1a/b, kbar2a/b\n");
		return 1;
	}
	if (tr_setup()) {
		printf("FIGURE [rx-cost] not run: function_graph tracer unavailable (%s)\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 3; i++)
		v[i].d = calloc((size_t)n * RX_REPS, sizeof(double));
	for (r = 0; r < RX_REPS && !err; r++)
		if ((err = rx_run(v, r, n)) != 0)
			printf("FIGURE [rx-cost] run %u failed: %s\n", r, strerror(-err));
	tr_write(TR "current_tracer", "nop");
	if (system("ip link del kbar1a; ip link del kbar2a") != 0)
		err = 1;
	printf("FIGURE [rx-cost] mnk_rx per frame (function_graph, us), 64 B frames, %u per producer per "
	       "run, the 3 producers interleaved frame by frame on 3 veth pairs, %d runs, rx_handler on "
	       "CPU 0, consumer idle (no wake-up)\n", n, RX_REPS);
	printf("FIGURE %-14s | %8s %8s %8s %8s | %-34s | %s\n", "producer", "p25", "median", "p75",
	       "mean", "median of each run", "calls");
	for (i = 0; i < 3; i++) {
		double sum = 0;
		uint32_t j, m = v[i].n;

		qsort(v[i].d, m, sizeof(double), cmp_d);
		for (j = 0; j < m; j++)
			sum += v[i].d[j];
		if (m == (uint32_t)RX_REPS * n)
			printf("FIGURE %-14s | %8.3f %8.3f %8.3f %8.3f | %6.2f %6.2f %6.2f %6.2f %6.2f | %u\n",
			       v[i].name, v[i].d[m / 4], v[i].d[m / 2], v[i].d[m * 3 / 4], sum / m,
			       v[i].rep_median[0], v[i].rep_median[1], v[i].rep_median[2],
			       v[i].rep_median[3], v[i].rep_median[4], m);
		free(v[i].d);
	}
	return err ? 1 : 0;
}

/* Times n calls one by one; out[0] median, out[1] p90, out[2] mean (us). -1 if a call failed. */
static int time_barrier(int fd, long mode, uint32_t n, double out[3])
{
	double *t = malloc(n * sizeof(double)), sum = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		double t0 = now_s();

		if (mode >= 0 ? ioctl(fd, MNETIF_IOC_BARRIER, (unsigned long)mode) :
				syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0)) {
			free(t);
			return -1;
		}
		t[i] = (now_s() - t0) * 1e6;
		sum += t[i];
	}
	qsort(t, n, sizeof(double), cmp_d);
	out[0] = t[n / 2];
	out[1] = t[n * 9 / 10];
	out[2] = sum / n;
	free(t);
	return 0;
}

int bench_barrier(void)
{
	static const struct { const char *name; long mode; uint32_t n; } m[] = {
		{ "IPI smp_mb (on_each_cpu)", MNETIF_BARRIER_IPI, 2000 },
		{ "synchronize_rcu_expedited", MNETIF_BARRIER_RCU_EXP, 200 },
		{ "synchronize_rcu", MNETIF_BARRIER_RCU, 20 },
		{ "membarrier GLOBAL_EXPEDITED", -1, 2000 },
	};
	double us[4][2][3];
	int fd = open(MNETIF_DEVICE, O_RDWR), busy, i, err = 0;

	if (fd < 0 || syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0))
		return 1;
	bench_pin(0);
	for (busy = 0; busy < 2; busy++) {
		pid_t spin = busy ? fork() : -1;

		if (spin == 0) {
			/* registered too, so membarrier's row IPIs this CPU as ours do */
			bench_pin(1);
			syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0);
			for (;;)
				;
		}
		usleep(100000);
		for (i = 0; i < 4; i++) {
			err |= time_barrier(fd, m[i].mode, m[i].n, us[i][busy]);
		}
		if (spin > 0) {
			kill(spin, SIGKILL);
			waitpid(spin, NULL, 0);
		}
	}
	close(fd);
	printf("FIGURE [barrier] the heavy barrier, us per call (= per consumer sleep), caller on CPU 0, "
	       "each call timed: median / p90 / mean\n");
	printf("FIGURE %-28s | %-26s | %-26s | %s\n", "MNETIF_IOC_BARRIER mode", "CPU 1 idle",
	       "CPU 1 busy (user spin)", "calls");
	for (i = 0; i < 4; i++)
		printf("FIGURE %-28s | %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f | %u\n", m[i].name,
		       us[i][0][0], us[i][0][1], us[i][0][2], us[i][1][0], us[i][1][1], us[i][1][2], m[i].n);
	return err;
}
