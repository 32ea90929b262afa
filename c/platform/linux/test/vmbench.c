/* SPDX-License-Identifier: ISC */
/*
 * The kernel-path figure, inside the VM: frames/s through rx_handler -> ring -> mmap consumer vs an
 * AF_PACKET receiver (one recv() per frame) on the same veth, same frame sizes, same boot.
 *   vmbench N SIZE...
 * Each run: a source delivers N frames to "mnb" as fast as it can; the receiver takes what it can.
 * Columns per receiver: its rate (frames received / time from the first to the last one received),
 * the share of the N frames it got, and the rate its source achieved in that same run -- the
 * receive path's softirq work (the rx_handler's copy + wake-up, or AF_PACKET's queueing + wake-up)
 * runs on the source's CPU, so while the receiver keeps up the source rate is where its cost shows. Both receivers copy each
 * frame out once (memcpy from the ring vs recv()) and get the same buffering (4 MiB ring vs 4 MiB
 * socket buffer). Every cell is the median of REPS runs, mnetif and AF_PACKET alternating.
 * Placements:
 *   split   AF_PACKET sender on CPU 0 (veth hands the frame to mnb inside the sender's send(), so
 *           the rx_handler's copy or AF_PACKET's queueing runs there), receiver on CPU 1;
 *   shared  sender and receiver both on CPU 0: bounded by the total CPU cost per frame;
 *   inject  pktgen (xmit_mode netif_receive) injects into mnb's receive path from a kernel thread
 *           on CPU 0, no syscall per frame: the receive path itself is the bottleneck.
 * Under qemu TCG these are emulated-CPU numbers: compare the columns, not with hardware.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frames.h"
#include "kring.h"
#include "vmbench.h"

#define TXIF "mna"
#define RXIF "mnb"
#define IDLE_MS 500
/* The first frame may come late: the source is a child process (or pktgen's kernel thread) that a
 * loaded host schedules when it can. A run that waited only IDLE_MS for it measured nothing and
 * failed bench-ran; the wait for the first frame is long, the one between frames short. */
#define FIRST_MS 30000
#define REPS 3
#define PG "/proc/net/pktgen/"

enum source { SRC_SEND, SRC_PKTGEN };

struct result {
	uint32_t got;
	uint64_t sleeps;     /* mnetif: the consumer's poll() calls (it had caught up) */
	double secs;         /* first to last frame received */
	double src_rate;     /* frames/s the source achieved */
};

static int tx_cpu, rx_cpu;
/* The ring run_mnetif plugs: v2 for the AF_PACKET comparison; v3 full/light in [split-v3]. */
static uint32_t mn_proto = MN_PROTO_V2, mn_flags;

void bench_pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static int pg_write(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int pg_write(const char *file, const char *fmt, ...)
{
	char path[64], cmd[128];
	va_list ap;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PG "%s", file);
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = fopen(path, "w");
	if (!f)
		return -1;
	/* pktgen strips the last byte of a write as its newline: send one. */
	ok = fprintf(f, "%s\n", cmd) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* pktgen's own measurement of the last run ("... 123456pps ..."), 0 if absent. */
static double pg_pps(void)
{
	char line[512], *p;
	double pps = 0;
	FILE *f = fopen(PG RXIF, "r");

	while (f && fgets(line, sizeof(line), f))
		if ((p = strstr(line, "pps")) != NULL && strstr(line, "Mb/sec")) {
			while (p > line && p[-1] >= '0' && p[-1] <= '9')
				p--;
			pps = atof(p);
		}
	if (f)
		fclose(f);
	return pps;
}

/* The source as a child process; it writes the rate it achieved to fd when done. */
static pid_t source(enum source src, uint32_t n, uint32_t len, int fd)
{
	static uint8_t frame[FR_MAX];
	uint8_t dst[6], src_mac[6];
	pid_t pid = fork();
	double t0, rate = 0;
	uint32_t i;
	int s;

	if (pid)
		return pid;
	if (if_mac(RXIF, dst) || if_mac(TXIF, src_mac))
		_exit(1);
	usleep(50000);   /* let the receiver block first */
	if (src == SRC_PKTGEN) {
		/* Blocks until the kernel thread (kpktgend_0, CPU 0) has injected n frames. */
		if (pg_write("pgctrl", "start"))
			_exit(1);
		rate = pg_pps();
	} else {
		bench_pin(tx_cpu);
		s = tx_open(TXIF);
		if (s < 0)
			_exit(1);
		fr_make(frame, 0, len, dst, src_mac);
		t0 = now_s();
		for (i = 0; i < n; i++) {
			memcpy(frame + 14, &i, 4);
			while (send(s, frame, len, 0) < 0 && errno == ENOBUFS)
				;
		}
		rate = n / (now_s() - t0);
	}
	if (write(fd, &rate, sizeof(rate)) != sizeof(rate))
		_exit(1);
	_exit(0);
}

static int pktgen_setup(uint32_t n, uint32_t len)
{
	uint8_t m[6];

	if (if_mac(RXIF, m))
		return -1;
	return pg_write("kpktgend_0", "rem_device_all") || pg_write("kpktgend_0", "add_device " RXIF) ||
	       pg_write(RXIF, "count %u", n) || pg_write(RXIF, "pkt_size %u", len) ||
	       pg_write(RXIF, "clone_skb 0") || pg_write(RXIF, "burst 1") || pg_write(RXIF, "delay 0") ||
	       pg_write(RXIF, "xmit_mode netif_receive") ||
	       pg_write(RXIF, "dst_mac %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The source's rate, or -1 if it failed (exited without reporting). */
static void finish(pid_t pid, int p[2], struct result *r, double first, double last)
{
	waitpid(pid, NULL, 0);
	if (read(p[0], &r->src_rate, sizeof(r->src_rate)) != sizeof(r->src_rate))
		r->src_rate = -1;
	close(p[0]);
	r->secs = last - first;
}

static int run_mnetif(enum source src, uint32_t n, uint32_t len, struct result *r)
{
	static uint8_t buf[FR_MAX];
	double first = 0, last = 0;
	struct kring k;
	uint32_t got_len;
	int p[2], e;
	pid_t pid;

	e = kring_open(&k, RXIF, mn_proto, 2048, 2048, (4u << 20) + 8192, mn_flags);
	if (e || pipe(p))
		return e ? e : -errno;
	pid = source(src, n, len, p[1]);
	close(p[1]);     /* so a source that died early reads as EOF, not as a hang */
	memset(r, 0, sizeof(*r));
	while (r->got < n && kring_next(&k, r->got ? IDLE_MS : FIRST_MS, buf, sizeof(buf), &got_len) == 1) {
		last = now_s();
		if (r->got++ == 0)
			first = last;
	}
	finish(pid, p, r, first, last);
	r->sleeps = k.sleeps;
	kring_close(&k);
	return 0;
}

static int run_afpacket(enum source src, uint32_t n, uint32_t len, struct result *r)
{
	static uint8_t buf[FR_MAX];
	uint16_t proto = htons(src == SRC_PKTGEN ? ETH_P_IP : FR_ETHERTYPE);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = proto };
	double first = 0, last = 0;
	int s = socket(AF_PACKET, SOCK_RAW, proto), p[2], rcv = 4 << 20;
	pid_t pid;

	if (s < 0)
		return -errno;
	sll.sll_ifindex = if_index(RXIF);
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) || pipe(p)) {
		close(s);
		return -errno;
	}
	pid = source(src, n, len, p[1]);
	close(p[1]);
	memset(r, 0, sizeof(*r));
	while (r->got < n) {
		struct pollfd pf = { .fd = s, .events = POLLIN };

		if (recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN && poll(&pf, 1, r->got ? IDLE_MS : FIRST_MS) > 0)
				continue;
			if (errno == EAGAIN || errno == EINTR)
				break;
			continue;
		}
		last = now_s();
		if (r->got++ == 0)
			first = last;
	}
	finish(pid, p, r, first, last);
	close(s);
	return 0;
}

static double rate(const struct result *r)
{
	return r->got > 1 && r->secs > 0 ? (r->got - 1) / r->secs : 0;
}

static double median3(double a, double b, double c)
{
	return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

static int run_placement(enum source src, uint32_t n, char **sizes, int nsizes, const char *label)
{
	int i, k, err = 0;

	bench_pin(rx_cpu);
	printf("FIGURE [%s] %s on CPU %d, receiver on CPU %d, %u frames per run, median of %d\n", label,
	       src == SRC_PKTGEN ? "pktgen (netif_receive)" : "AF_PACKET sender", tx_cpu, rx_cpu, n, REPS);
	printf("FIGURE %6s | %12s %9s %12s | %12s %9s %12s\n", "bytes", "mnetif fr/s", "received",
	       "its source", "AF_PACKET", "received", "its source");
	for (i = 0; i < nsizes; i++) {
		uint32_t len = (uint32_t)atoi(sizes[i]), mgot = 0, agot = 0;
		double mr[REPS], ar[REPS], msr[REPS], asr[REPS];

		for (k = 0; k < REPS; k++) {
			struct result m, a;

			int e1 = src == SRC_PKTGEN && pktgen_setup(n, len) ? -EIO : run_mnetif(src, n, len, &m);
			int e2 = src == SRC_PKTGEN && pktgen_setup(n, len) ? -EIO : run_afpacket(src, n, len, &a);

			if (e1 || e2) {
				printf("FIGURE %6u failed to run: mnetif %s, AF_PACKET %s\n", len,
				       strerror(-e1), strerror(-e2));
				return 1;
			}
			mr[k] = rate(&m);
			ar[k] = rate(&a);
			msr[k] = m.src_rate;
			asr[k] = a.src_rate;
			mgot += m.got;
			agot += a.got;
			err |= m.got == 0 || a.got == 0 || m.src_rate < 0 || a.src_rate < 0;
		}
		printf("FIGURE %6u | %12.0f %8u%% %12.0f | %12.0f %8u%% %12.0f\n", len,
		       median3(mr[0], mr[1], mr[2]), (unsigned)(100.0 * mgot / (REPS * n)),
		       median3(msr[0], msr[1], msr[2]), median3(ar[0], ar[1], ar[2]),
		       (unsigned)(100.0 * agot / (REPS * n)), median3(asr[0], asr[1], asr[2]));
	}
	return err;
}

/* The split placement at one size with the three producers of issue 14 item 3: the end-to-end
 * rate and how often the consumer sleeps (each sleep of the light variant costs one heavy barrier). */
static int run_split_v3(uint32_t n, uint32_t len)
{
	static const struct { const char *name; uint32_t proto, flags; } v[] = {
		{ "v2", MN_PROTO_V2, 0 }, { "v3 full fence", MN_PROTO_V3, 0 },
		{ "v3 light", MN_PROTO_V3, MNETIF_PLUG_BARRIER },
	};
	double rt[3][REPS], sl[3][REPS];
	int i, k, err = 0;

	tx_cpu = 0;
	rx_cpu = 1;
	bench_pin(rx_cpu);
	for (k = 0; k < REPS; k++)
		for (i = 0; i < 3; i++) {
			struct result m;

			mn_proto = v[i].proto;
			mn_flags = v[i].flags;
			err |= run_mnetif(SRC_SEND, n, len, &m) != 0 || m.got == 0;
			rt[i][k] = rate(&m);
			sl[i][k] = m.got ? 1000.0 * m.sleeps / m.got : 0;
		}
	mn_proto = MN_PROTO_V2;
	mn_flags = 0;
	printf("FIGURE [split-v3] AF_PACKET sender on CPU 0, ring consumer on CPU 1, %u B, %u frames per "
	       "run, median of %d, runs alternating\n", len, n, REPS);
	printf("FIGURE %-14s | %12s | %s\n", "producer", "mnetif fr/s", "consumer sleeps per 1000 frames");
	for (i = 0; i < 3; i++)
		printf("FIGURE %-14s | %12.0f | %.1f\n", v[i].name, median3(rt[i][0], rt[i][1], rt[i][2]),
		       median3(sl[i][0], sl[i][1], sl[i][2]));
	return err;
}

int main(int argc, char **argv)
{
	int err, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: vmbench N SIZE...\n");
		return 2;
	}
	n = (uint32_t)atoi(argv[1]);
	if (n < 1000) {
		printf("CHECK bench-ran: FAIL (vmbench %s: fewer than 1000 frames per run measures nothing)\n",
		       argv[1]);
		return 1;
	}
	printf("FIGURE kernel receive path, qemu TCG (emulated CPU: compare columns, not with hardware), "
	       "%d vCPU; 'received' = share of the frames sent that the receiver got\n", ncpu);
	tx_cpu = 0;
	rx_cpu = ncpu > 1 ? 1 : 0;
	if (getenv("VMBENCH_INJECT_ONLY"))   /* debugging the pktgen placement alone */
		return run_placement(SRC_PKTGEN, n, argv + 2, argc - 2, "inject");
	if (getenv("VMBENCH_LIGHT_ONLY"))    /* the light producer's figures alone */
		return (ncpu > 1 ? run_split_v3(n, 64) : 0) | bench_rx_cost(2000) | bench_barrier();
	err = run_placement(SRC_SEND, n, argv + 2, argc - 2, ncpu > 1 ? "split" : "shared");
	if (ncpu > 1) {
		rx_cpu = 0;
		err |= run_placement(SRC_SEND, n, argv + 2, argc - 2, "shared");
		rx_cpu = 1;
	}
	if (access(PG "pgctrl", W_OK) == 0)
		err |= run_placement(SRC_PKTGEN, n, argv + 2, argc - 2, "inject");
	else
		printf("FIGURE [inject] not run: %s missing (pktgen.ko not loaded)\n", PG "pgctrl");
	/* issue 14 item 3: v3's light kernel producer (vmbench_light.c) */
	if (ncpu > 1)
		err |= run_split_v3(n, 64);
	err |= bench_rx_cost(2000);
	err |= bench_barrier();
	printf("CHECK bench-ran: %s (every receiver got frames in every placement)\n", err ? "FAIL" : "PASS");
	return err;
}
