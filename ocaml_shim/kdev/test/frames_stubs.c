/* SPDX-License-Identifier: ISC */
/* The VM test's frames (c/platform/linux/test/frames.c) for the OCaml consumer test: the sender's
 * AF_PACKET socket and the expected bytes of frame (seq, len), from the same C code vmtest uses. */
#include <errno.h>
#include <string.h>

#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>

#include "frames.h"

static int txs = -1;
static uint8_t txmac[6], rxmac[6], fbuf[FR_MAX];

/* Sender socket on txif; frames go to rxif's MAC. 0 or -errno. */
value kdt_setup(value txif, value rxif)
{
	int r;

	txs = tx_open(String_val(txif));
	if (txs < 0)
		return Val_int(txs);
	r = if_mac(String_val(txif), txmac);
	if (!r)
		r = if_mac(String_val(rxif), rxmac);
	return Val_int(r);
}

value kdt_send(value seq, value len)
{
	uint32_t n = Long_val(len);

	if (n < 14 || n > FR_MAX)
		return Val_int(-EINVAL);
	fr_make(fbuf, Long_val(seq), n, rxmac, txmac);
	return Val_int(tx_send(txs, fbuf, n));
}

/* Exactly the bytes kdt_send seq len sent. */
value kdt_expected(value seq, value len)
{
	CAMLparam2(seq, len);
	CAMLlocal1(b);
	uint32_t n = Long_val(len);

	b = caml_alloc_string(n <= FR_MAX ? n : 0);
	if (n <= FR_MAX)
		fr_make((uint8_t *)Bytes_val(b), Long_val(seq), n, rxmac, txmac);
	CAMLreturn(b);
}

value kdt_softnet_drops(value unit)
{
	return Val_long(softnet_drops());
}
