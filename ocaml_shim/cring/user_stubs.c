/* SPDX-License-Identifier: ISC */
/* Software interfaces of the userspace platform (mnetif/user.h), for the Netif tests. */
#include <string.h>
#include <caml/bigarray.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>
#include "mnetif/user.h"

value mnoc_user_if_create(value name, value mac)
{
	uint8_t m[6] = { 0 };

	memcpy(m, String_val(mac), caml_string_length(mac) < 6 ? caml_string_length(mac) : 6);
	return Val_int(mn_user_if_create(String_val(name), m));
}

value mnoc_user_if_destroy(value name) { return Val_int(mn_user_if_destroy(String_val(name))); }

/* Injection may wait for the entry's producer lock: outside the runtime lock. The name is copied
 * and the frame is a Bigarray (its data does not move). */
value mnoc_user_inject(value name, value buf, value off, value len)
{
	CAMLparam4(name, buf, off, len);
	char nm[MN_IFNAMSIZ] = { 0 };
	const unsigned char *p = (unsigned char *)Caml_ba_data_val(buf) + Long_val(off);
	int r;

	strncpy(nm, String_val(name), MN_IFNAMSIZ - 1);
	caml_enter_blocking_section();
	r = mn_user_inject(nm, p, (uint32_t)Long_val(len));
	caml_leave_blocking_section();
	CAMLreturn(Val_int(r));
}
