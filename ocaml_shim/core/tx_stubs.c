/* SPDX-License-Identifier: ISC */
/*
 * The transmit path seen from OCaml (thin; the logic is c/src/ring.c and the platforms):
 *   - the producer of a transmit ring: mn_prod_attach / mn_prod_push / mn_prod_space on a
 *     Cstruct.buffer, with notify = write(kick_fd, u64 1). The same kick serves both platforms:
 *     the userspace port's eventfd (mnetif/user_tx.h) and /dev/mnetif, whose write() drains the
 *     ring in the writer's context (mnetif/uapi.h).
 *   - the userspace platform's transmit ports (mn_user_tx_open/close/counters, mn_user_if_link).
 * Errors are -errno ints; the OCaml side (Tx_ring, User_tx) names them.
 *
 * The producer lives in a custom block (struct mn_prod keeps raw pointers into the ring); the OCaml
 * record holding it also holds the ring's buffer, which keeps the memory alive (Bigarray data does
 * not move).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>

#include "mnetif/user_tx.h"

/* No pointer into the block itself: a custom block may move (minor heap). The kick's argument is
 * the fd (mn_user_tx_kick: one write of 1; an eventfd adds it, /dev/mnetif drains the ring). */
struct tx_prod {
	struct mn_prod p;
	int kick_fd;
};

#define Prod_val(v) ((struct tx_prod *)Data_custom_val(v))

static struct custom_operations tx_prod_ops = {
	"mnetif.tx_prod", custom_finalize_default, custom_compare_default, custom_hash_default,
	custom_serialize_default, custom_deserialize_default, custom_compare_ext_default,
	custom_fixed_length_default
};

/* Returns the producer, or raises Failure naming the geometry check that failed. */
value mnoc_tx_attach(value buf, value off, value len, value kick_fd)
{
	CAMLparam1(buf);
	CAMLlocal1(v);
	struct tx_prod *t;
	const char *why = NULL;
	struct mn_geom g;
	unsigned char *ring = (unsigned char *)Caml_ba_data_val(buf) + Long_val(off);
	int err;

	v = caml_alloc_custom(&tx_prod_ops, sizeof(struct tx_prod), 0, 1);
	t = Prod_val(v);
	memset(t, 0, sizeof(*t));
	t->kick_fd = Int_val(kick_fd);
	err = mn_ring_geometry(ring, (uint64_t)Long_val(len), &g, &why);
	if (!err && g.proto != MN_PROTO_V2)
		caml_failwith("transmit ring: not a v2 ring (tx.h: transmit rings are v2)");
	if (!err)
		err = mn_prod_attach(&t->p, ring, (uint64_t)Long_val(len), mn_user_tx_kick,
				     (void *)(intptr_t)t->kick_fd);
	if (err)
		caml_failwith(why ? why : "transmit ring: mn_prod_attach failed");
	CAMLreturn(v);
}

/* 0 published; -ENOBUFS full, -EMSGSIZE longer than a slot, -EIO corrupt header (all counted). */
value mnoc_tx_push(value prod, value buf, value off, value len)
{
	return Val_int(mn_prod_push(&Prod_val(prod)->p, (unsigned char *)Caml_ba_data_val(buf) + Long_val(off),
				    (uint32_t)Long_val(len)));
}

value mnoc_tx_space(value prod)
{
	return Val_int(mn_prod_space(&Prod_val(prod)->p));
}

value mnoc_tx_kick(value prod)
{
	mn_user_tx_kick((void *)(intptr_t)Prod_val(prod)->kick_fd);
	return Val_unit;
}

/* out := [| frames; bytes; drop_full; drop_oversize; drop_error; notify |] (the producer's own). */
value mnoc_tx_prod_counters(value prod, value out)
{
	const struct mn_counters *c = &Prod_val(prod)->p.c;
	uint64_t v[] = { c->frames, c->bytes, c->drop_full, c->drop_oversize, c->drop_error, c->notify };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]) && i < Wosize_val(out); i++)
		Field(out, i) = Val_long(v[i]);
	return Val_unit;
}

/* ---- the userspace platform's transmit ports ----------------------------------------------- */

/* (handle, kick_fd, ifindex, mtu, mac) or an int -errno in field 0 (and nothing else). */
value mnoc_user_tx_open(value name, value buf)
{
	CAMLparam2(name, buf);
	CAMLlocal2(res, mac);
	struct mn_user_tx_info info;
	char nm[MN_IFNAMSIZ];
	int h;

	if (caml_string_length(name) >= MN_IFNAMSIZ || strlen(String_val(name)) != caml_string_length(name))
		h = -EINVAL;
	else {
		memcpy(nm, String_val(name), caml_string_length(name) + 1);
		h = mn_user_tx_open(nm, Caml_ba_data_val(buf), (uint64_t)caml_ba_byte_size(Caml_ba_array_val(buf)),
				    &info);
	}
	if (h < 0)
		memset(&info, 0, sizeof(info));
	mac = caml_alloc_initialized_string(6, (const char *)info.mac);
	res = caml_alloc_tuple(5);
	Store_field(res, 0, Val_int(h));
	Store_field(res, 1, Val_int(info.kick_fd));
	Store_field(res, 2, Val_long(info.ifindex));
	Store_field(res, 3, Val_long(info.mtu));
	Store_field(res, 4, mac);
	CAMLreturn(res);
}

/* out := [| frames; bytes; drop_runt; drop_oversize; drop_xmit; corrupt; drains; sleeps |]. */
static void store_tx_counters(value out, const struct mn_tx_counters *c)
{
	uint64_t v[] = { c->frames, c->bytes, c->drop_runt, c->drop_oversize, c->drop_xmit, c->corrupt,
			 c->drains, c->sleeps };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]) && i < Wosize_val(out); i++)
		Field(out, i) = Val_long(v[i]);
}

/* Joins the transmit thread (after its last drain) outside the runtime lock; out gets the final
 * counters. */
value mnoc_user_tx_close(value h, value out)
{
	struct mn_tx_counters c;
	int r;

	caml_enter_blocking_section();
	r = mn_user_tx_close(Int_val(h), &c);
	caml_leave_blocking_section();
	if (r == 0)
		store_tx_counters(out, &c);
	return Val_int(r);
}

value mnoc_user_tx_counters(value h, value out)
{
	struct mn_tx_counters c;
	int r = mn_user_tx_counters(Int_val(h), &c);

	if (r == 0)
		store_tx_counters(out, &c);
	return Val_int(r);
}

value mnoc_user_if_link(value a, value b)
{
	return Val_int(mn_user_if_link(String_val(a), String_val(b)));
}
