/* SPDX-License-Identifier: ISC */
/*
 * The C ring (c/src/ring.c) seen from OCaml, for the differential tests and the benchmark: the
 * SAME operation sequences run on the OCaml port and on these must leave identical buffers.
 * Producer and consumer state live in malloc'd custom blocks (never moved by the GC); the OCaml
 * wrapper (Cring) keeps the ring's Bigarray reachable as long as they are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include "mnetif/ring.h"

#define PTR(v) (*(void **)Data_custom_val(v))

static void fin(value v)
{
	free(PTR(v));
}

static struct custom_operations ops = {
	"mnetif.cring", fin, custom_compare_default, custom_hash_default,
	custom_serialize_default, custom_deserialize_default, custom_compare_ext_default,
	custom_fixed_length_default
};

static value wrap(void *p)
{
	value v = caml_alloc_custom(&ops, sizeof(void *), 0, 1);

	PTR(v) = p;
	return v;
}

#define RING(buf, off) ((unsigned char *)Caml_ba_data_val(buf) + Long_val(off))

/* (buffer, off, len) -> producer; raises Failure on a failed attach. */
value mnoc_cring_prod_attach(value buf, value off, value len)
{
	struct mn_prod *p = calloc(1, sizeof(*p));

	if (!p)
		caml_raise_out_of_memory();
	if (mn_prod_attach(p, RING(buf, off), (uint64_t)Long_val(len), NULL, NULL)) {
		free(p);
		caml_failwith("mn_prod_attach");
	}
	return wrap(p);
}

value mnoc_cring_push(value prod, value frame, value off, value len)
{
	return Val_int(mn_prod_push(PTR(prod), RING(frame, off), (uint32_t)Long_val(len)));
}

value mnoc_cring_cons_attach(value buf, value off, value len)
{
	struct mn_cons *c = calloc(1, sizeof(*c));

	if (!c)
		caml_raise_out_of_memory();
	if (mn_cons_attach(c, RING(buf, off), (uint64_t)Long_val(len))) {
		free(c);
		caml_failwith("mn_cons_attach");
	}
	return wrap(c);
}

/* peek: (data offset from the ring's start, len) when a frame is there, else (0|-EIO, -1). */
value mnoc_cring_peek(value cons)
{
	CAMLparam1(cons);
	CAMLlocal1(r);
	struct mn_cons *c = PTR(cons);
	struct mn_slot s;
	int n = mn_cons_peek(c, &s);

	r = caml_alloc_tuple(2);
	Store_field(r, 0, Val_long(n == 1 ? (long)(s.data - c->base) : n));
	Store_field(r, 1, Val_long(n == 1 ? (long)s.len : -1));
	CAMLreturn(r);
}

value mnoc_cring_release(value cons) { return Val_int(mn_cons_release(PTR(cons))); }
value mnoc_cring_fill(value cons) { return Val_int(mn_cons_fill(PTR(cons))); }
value mnoc_cring_prepare_wait(value cons) { return Val_int(mn_cons_prepare_wait(PTR(cons))); }

/* The C consumer's inner loop for the benchmark: up to budget frames, each read (a sum of its
 * first 8 bytes) and released, exactly what Bench does with the OCaml port. Returns frames
 * consumed; *sum accumulates into the int ref. */
value mnoc_cring_drain(value cons, value budget, value sumref)
{
	struct mn_cons *c = PTR(cons);
	long n = 0, max = Long_val(budget);
	uint64_t sum = 0;
	struct mn_slot s;

	while (n < max && mn_cons_peek(c, &s) == 1) {
		uint64_t w = 0;

		memcpy(&w, s.data, s.len < 8 ? s.len : 8);
		sum += w + s.len;
		if (mn_cons_release(c))
			break;
		n++;
	}
	Field(sumref, 0) = Val_long(Long_val(Field(sumref, 0)) + (long)(sum & 0x3fffffffffffffffull));
	return Val_long(n);
}

/* The same loop on the batched consumer API (mn_cons_peek_n / mn_cons_release_n, up to 64 frames
 * per batch): the fair baseline for Netif.rx_poll, which also consumes in batches. */
value mnoc_cring_drain_batch(value cons, value budget, value sumref)
{
	struct mn_cons *c = PTR(cons);
	long n = 0, max = Long_val(budget);
	uint64_t sum = 0;
	struct mn_slot s[64];

	while (n < max) {
		int k = mn_cons_peek_n(c, s, max - n < 64 ? (uint32_t)(max - n) : 64), i;

		if (k <= 0)
			break;
		for (i = 0; i < k; i++) {
			uint64_t w = 0;

			memcpy(&w, s[i].data, s[i].len < 8 ? s[i].len : 8);
			sum += w + s[i].len;
		}
		if (mn_cons_release_n(c, (uint32_t)k))
			break;
		n += k;
	}
	Field(sumref, 0) = Val_long(Long_val(Field(sumref, 0)) + (long)(sum & 0x3fffffffffffffffull));
	return Val_long(n);
}

/* The wire-format constants as the C header has them, for the layout test. */
value mnoc_cring_layout(value unit)
{
	static const long k[] = {
		MN_HDR_SIZE, MN_OFF_CUR, MN_OFF_AVAIL, MN_OFF_SIZE, MN_OFF_SLOTSIZE, MN_OFF_MAGIC,
		MN_OFF_DATAOFF, MN_OFF_LOCK, MN_OFF_WAKE, MN_OFF_ERROR, MN_OFF_DROP_FULL,
		MN_OFF_DROP_OVERSIZE, MN_OFF_DROP_BUSY, MN_OFF_FRAMES, MN_OFF_BYTES, MN_OFF_DROP_ERROR,
		MN_OFF_NOTIFY, MN_OFF_LENS, MN_MAGIC_BASE, MN_PROTO_2012, MN_PROTO_V1, MN_PROTO_V2,
		MN_PROTO_V3, MN_MAX_SIZE, MN_MIN_SLOTSZ, MN_MAX_SLOTSZ, MN_LOCK_RETRIES, MN_PAGE_SIZE,
		MN_DEFAULT_PAGES, MN_DEFAULT_SLOTSZ, MN_WAIT_SPINS, MN_LINE, MN_V3_OFF_CONS,
		MN_V3_OFF_WAKE, MN_V3_OFF_LENS,
	};
	CAMLparam1(unit);
	CAMLlocal1(a);
	size_t i, n = sizeof(k) / sizeof(k[0]);

	a = caml_alloc_tuple(n);
	for (i = 0; i < n; i++)
		Store_field(a, i, Val_long(k[i]));
	CAMLreturn(a);
}
