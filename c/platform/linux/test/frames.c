/* SPDX-License-Identifier: ISC */
#include "frames.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint8_t pat(uint32_t seq, uint32_t i)
{
	uint32_t x = seq * 2654435761u + i * 40503u;

	return (uint8_t)(x ^ (x >> 13) ^ (x >> 24));
}

void fr_make(uint8_t *buf, uint32_t seq, uint32_t len, const uint8_t dst[6], const uint8_t src[6])
{
	uint8_t head[20];
	uint32_t i;

	memcpy(head, dst, 6);
	memcpy(head + 6, src, 6);
	head[12] = FR_ETHERTYPE >> 8;
	head[13] = FR_ETHERTYPE & 0xff;
	memcpy(head + 14, &seq, 4);
	head[18] = len >> 8;
	head[19] = len & 0xff;
	memcpy(buf, head, len < 20 ? len : 20);
	for (i = 20; i < len; i++)
		buf[i] = pat(seq, i);
}

uint32_t fr_seq(const uint8_t *buf, uint32_t len)
{
	uint32_t seq = 0;

	if (len >= 18)
		memcpy(&seq, buf + 14, 4);
	return seq;
}

int fr_valid(const uint8_t *buf, uint32_t len, const uint8_t dst[6], const uint8_t src[6])
{
	static uint8_t want[FR_MAX];

	if (len < 20 || len > FR_MAX || ((uint32_t)buf[18] << 8 | buf[19]) != len)
		return 0;
	fr_make(want, fr_seq(buf, len), len, dst, src);
	return memcmp(want, buf, len) == 0;
}

int if_index(const char *ifname)
{
	unsigned i = if_nametoindex(ifname);

	return i ? (int)i : -errno;
}

int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), r;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	r = ioctl(s, SIOCGIFHWADDR, &ifr) < 0 ? -errno : 0;
	close(s);
	if (!r)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

int tx_open(const char *ifname)
{
	struct sockaddr_ll sll;
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), idx = if_index(ifname);

	if (s < 0)
		return -errno;
	if (idx < 0) {
		close(s);
		return idx;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = idx;
	sll.sll_protocol = 0;   /* bind for sending only */
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = -errno;

		close(s);
		return e;
	}
	return s;
}

int tx_send(int s, const void *frame, uint32_t len)
{
	ssize_t n = send(s, frame, len, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

long long if_stat(const char *ifname, const char *counter)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, counter);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

long long softnet_drops(void)
{
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	unsigned a, b;
	long long sum = 0;
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x %x", &a, &b) == 2)
			sum += b;
	fclose(f);
	return sum;
}

uint64_t xrand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}
