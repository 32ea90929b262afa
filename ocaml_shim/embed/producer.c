/* SPDX-License-Identifier: ISC */
/*
 * Real mode's C producer: a pthread that injects nframes numbered, checksummed frames into a
 * software interface through the same netif_ether_input() path a NIC would use. It never touches
 * the OCaml runtime. When the ring is full it yields and retries (at most PROD_RETRIES times)
 * before dropping the frame and counting it (the ring counts every -ENOBUFS answer in sr_drop_full);
 * a v1 frame refused because the consumer held the lock too long (-EBUSY) is dropped too.
 *
 * Frame seq (embed.ml checks exactly this): len = 60 + (seq * 37) % 256;
 *   bytes 0..7   seq, little-endian
 *   bytes 8..11  FNV-1a 32 of bytes 12..len-1, little-endian
 *   byte j >= 12 (seq * 31 + j) & 0xff
 * When every frame has been pushed or dropped it writes 1 to the done eventfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <caml/mlvalues.h>
#include <caml/alloc.h>
#include <caml/memory.h>
#include <caml/fail.h>
#include "mnetif/user.h"

#define PROD_RETRIES 100000

struct producer {
	char name[MN_IFNAMSIZ];
	uint64_t n;
	int done_fd;
	pthread_t th;
	/* read only after done_fd fired (the eventfd write/read orders them): */
	uint64_t pushed, drops, full, busy;   /* full: -ENOBUFS answers, retries included (=
	                                     * sr_drop_full); busy: -EBUSY (v1 lock, = sr_drop_busy) */
};

static struct producer prod;

uint32_t mnoc_fnv1a(const unsigned char *p, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static uint32_t build(unsigned char *f, uint64_t seq)
{
	uint32_t len = 60 + (uint32_t)((seq * 37) % 256), j, h;

	for (j = 0; j < 8; j++)
		f[j] = (unsigned char)(seq >> (8 * j));
	for (j = 12; j < len; j++)
		f[j] = (unsigned char)(seq * 31 + j);
	h = mnoc_fnv1a(f + 12, len - 12);
	for (j = 0; j < 4; j++)
		f[8 + j] = (unsigned char)(h >> (8 * j));
	return len;
}

static void *run(void *arg)
{
	struct producer *p = arg;
	unsigned char f[400];
	uint64_t seq, one = 1;

	for (seq = 0; seq < p->n; seq++) {
		uint32_t len = build(f, seq);
		int r, tries = 0;

		while ((r = mn_user_inject(p->name, f, len)) == -ENOBUFS) {
			p->full++;
			if (tries++ == PROD_RETRIES)
				break;
			sched_yield();
		}
		if (r == 0)
			p->pushed++;
		else
			p->drops++;
		if (r == -EBUSY)
			p->busy++;
	}
	if (write(p->done_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/* start_producer name nframes -> done eventfd (a Unix.file_descr). One producer at a time. */
value mnoc_start_producer(value name, value n)
{
	CAMLparam2(name, n);
	memset(&prod, 0, sizeof(prod));
	strncpy(prod.name, String_val(name), MN_IFNAMSIZ - 1);
	prod.n = (uint64_t)Long_val(n);
	prod.done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (prod.done_fd < 0)
		caml_failwith("start_producer: eventfd");
	if (pthread_create(&prod.th, NULL, run, &prod) != 0)
		caml_failwith("start_producer: pthread_create");
	CAMLreturn(Val_int(prod.done_fd));
}

/* After the done fd fired: join, close it, and return (pushed, drops, full, busy). */
value mnoc_join_producer(value unit)
{
	CAMLparam1(unit);
	CAMLlocal1(r);
	pthread_join(prod.th, NULL);
	close(prod.done_fd);
	r = caml_alloc_tuple(4);
	Store_field(r, 0, Val_long(prod.pushed));
	Store_field(r, 1, Val_long(prod.drops));
	Store_field(r, 2, Val_long(prod.full));
	Store_field(r, 3, Val_long(prod.busy));
	CAMLreturn(r);
}
