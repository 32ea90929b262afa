/* SPDX-License-Identifier: ISC */
/*
 * The 2012 OCaml externals of mirage-kfreebsd's netif_stubs.c, with their original signatures,
 * on top of the OS-neutral plug registry (mnetif/registry.h):
 *
 *   external get_vifs   : unit -> string list                        = "caml_get_vifs"
 *   external plug_vif   : string -> Io_page.t -> bool * int * string = "caml_plug_vif"
 *   external unplug_vif : string -> unit                             = "caml_unplug_vif"
 *
 * Io_page.t is Cstruct.buffer, a char Bigarray (what Io_page.t was in 2012). Its data never moves,
 * so the registry keeps the raw pointer; the OCaml caller must keep the buffer alive until unplug
 * (Vif and Netif do). plug_vif returns (up, ifindex, mac) with mac the 6 raw bytes. Errors raise
 * Failure "plug_vif NAME: EEXIST ..." naming the errno and, for -EINVAL, the failed validation.
 * unplug_vif of a name that is not plugged is a no-op, as in 2012.
 *
 * plug/unplug take the registry's control lock and unplug waits for in-flight producers, so both
 * run outside the OCaml runtime lock (other OCaml threads keep running).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>
#include <stdio.h>
#include "mnetif/registry.h"

static const char *errno_name(int e)
{
	switch (e) {
	case ENODEV: return "ENODEV unknown interface or not Ethernet";
	case EEXIST: return "EEXIST interface already plugged";
	case EBUSY: return "EBUSY ring already plugged to another interface";
	case EINVAL: return "EINVAL ring fails attach validation";
	case ENOSPC: return "ENOSPC registry full";
	case ENOENT: return "ENOENT not plugged";
	default: return "error";
	}
}

static void copy_name(char dst[MN_IFNAMSIZ], value name, const char *what)
{
	if (caml_string_length(name) >= MN_IFNAMSIZ || strlen(String_val(name)) != caml_string_length(name))
		caml_invalid_argument(what);
	memcpy(dst, String_val(name), caml_string_length(name) + 1);
}

value caml_get_vifs(value unit)
{
	CAMLparam1(unit);
	CAMLlocal2(list, cell);
	struct mn_ifinfo *ifs = NULL;
	int n = 64, cap, i;

	/* However many there are: grow to the count the registry reports, ask again. */
	do {
		struct mn_ifinfo *bigger;

		cap = n;
		bigger = realloc(ifs, sizeof(*ifs) * (size_t)(cap ? cap : 1));
		if (!bigger) {
			free(ifs);
			caml_raise_out_of_memory();
		}
		ifs = bigger;
		n = mn_get_vifs(ifs, cap);
		if (n < 0) {
			free(ifs);
			caml_failwith("get_vifs: listing interfaces failed");
		}
	} while (n > cap);
	list = Val_emptylist;
	for (i = n - 1; i >= 0; i--) {
		cell = caml_alloc_small(2, Tag_cons);
		Field(cell, 0) = Val_unit;
		Field(cell, 1) = list;
		caml_modify(&Field(cell, 0), caml_copy_string(ifs[i].name));
		list = cell;
	}
	free(ifs);
	CAMLreturn(list);
}

/* (up, index, mac, event_fd): the 2012 triple plus the ring's event channel (an eventfd). */
value mnoc_plug_vif_ev(value name, value page)
{
	CAMLparam2(name, page);
	CAMLlocal2(res, mac);
	char nm[MN_IFNAMSIZ], msg[160];
	struct mn_plug_info info;
	void *ring = Caml_ba_data_val(page);
	uint64_t len = (uint64_t)caml_ba_byte_size(Caml_ba_array_val(page));
	const char *why;
	int err;

	copy_name(nm, name, "plug_vif: interface name too long or contains NUL");
	/* page is a registered root and its data does not move: the raw pointer stays valid. */
	caml_enter_blocking_section();
	err = mn_plug(nm, ring, len, &info);
	why = err == -EINVAL ? mn_plug_why() : NULL;
	caml_leave_blocking_section();
	if (err) {
		snprintf(msg, sizeof(msg), "plug_vif %s: %s%s%s", nm, errno_name(-err),
			 why ? ": " : "", why ? why : "");
		caml_failwith(msg);
	}
	mac = caml_alloc_initialized_string(6, (const char *)info.mac);
	res = caml_alloc_tuple(4);
	Store_field(res, 0, Val_bool(info.up));
	Store_field(res, 1, Val_long(info.index));
	Store_field(res, 2, mac);
	Store_field(res, 3, Val_int(info.event_fd));
	CAMLreturn(res);
}

value caml_plug_vif(value name, value page)
{
	CAMLparam2(name, page);
	CAMLlocal2(full, res);

	full = mnoc_plug_vif_ev(name, page);
	res = caml_alloc_tuple(3);
	Store_field(res, 0, Field(full, 0));
	Store_field(res, 1, Field(full, 1));
	Store_field(res, 2, Field(full, 2));
	CAMLreturn(res);
}

value caml_unplug_vif(value name)
{
	CAMLparam1(name);
	char nm[MN_IFNAMSIZ];

	copy_name(nm, name, "unplug_vif: interface name too long or contains NUL");
	caml_enter_blocking_section();
	(void)mn_unplug(nm);   /* -ENOENT: not plugged, a no-op as in 2012 */
	caml_leave_blocking_section();
	CAMLreturn(Val_unit);
}

/* The initialiser (I): mn_ring_init on an OCaml-owned page, before it is shared. 0 or -errno. */
value mnoc_ring_init(value page, value proto, value nslots, value slotsize)
{
	return Val_int(mn_ring_init(Caml_ba_data_val(page), (uint64_t)caml_ba_byte_size(Caml_ba_array_val(page)),
				    (uint32_t)Long_val(proto), (uint32_t)Long_val(nslots),
				    (uint32_t)Long_val(slotsize)));
}
