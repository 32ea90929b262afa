/* SPDX-License-Identifier: ISC */
/*
 * The model build's link to the model runtime (c/model/, one shared object per bug-zoo variant).
 *
 * hdr_stubs.c is compiled here with -DMNETIF_MODEL and its mn_model_* calls renamed to the
 * mnoc_fwd_* forwarders below, which call the runtime through pointers that Python binds before a
 * run (mnoc_model_bind, with the variant library's addresses). So one embedded OCaml object serves
 * every variant library, and it carries no second copy of the runtime.
 *
 * Quiet mode: while set (the consumer's attach, see model_consumer.ml), loads read committed
 * memory directly instead of being visible operations, so the OCaml consumer performs exactly the
 * visible operations the C consumer does (the C consumer attaches before the run starts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <caml/bigarray.h>
#include <caml/mlvalues.h>
#include "mnetif/atomic.h"

typedef uint64_t (*access_fn)(int, volatile void *, unsigned, int, uint64_t);
typedef void (*copy_fn)(int, void *, const void *, size_t);
typedef void (*fence_fn)(void);
typedef void (*spin_fn)(volatile void *, unsigned);
typedef void (*notify_fn)(void *);
typedef void (*deliver_fn)(const void *, uint32_t, int);
typedef int (*wait_fn)(void);

/* The order of mnoc_model_bind's array (mnetif/ocaml.py passes them in this order). */
enum { F_ACCESS, F_COPY, F_FENCE, F_SPIN, F_NOTIFY, F_DELIVER, F_IDLE, F_SLEEP, F_HEAVY, F_POLL,
       F__COUNT };
static void *fns[F__COUNT];
static int quiet;

int mnoc_model_bind(void *const *f, int n)
{
	if (n != F__COUNT)
		return -1;
	memcpy(fns, f, sizeof(fns));
	return 0;
}

static void unbound(void)
{
	/* A model stub ran before mnoc_model_bind: no recovery is meaningful. */
	abort();
}

#define FN(T, i) (fns[i] ? (T)fns[i] : (unbound(), (T)0))

uint64_t mnoc_fwd_access(int op, volatile void *addr, unsigned size, int order, uint64_t val)
{
	if (quiet && op == MN_OP_LOAD) {
		uint64_t v = 0;

		memcpy(&v, (const void *)addr, size);   /* little-endian host (x86-64 model only) */
		return v;
	}
	return FN(access_fn, F_ACCESS)(op, addr, size, order, val);
}

void mnoc_fwd_copy(int op, void *dst, const void *src, size_t n) { FN(copy_fn, F_COPY)(op, dst, src, n); }
void mnoc_fwd_fence(void) { FN(fence_fn, F_FENCE)(); }
void mnoc_fwd_spin(volatile void *addr, unsigned size) { FN(spin_fn, F_SPIN)(addr, size); }
void mnoc_fwd_notify(void *tag) { FN(notify_fn, F_NOTIFY)(tag); }
void mnoc_fwd_heavy(void) { FN(fence_fn, F_HEAVY)(); }

/* ---- the external consumer's reports (model.h): ordinary externals, idle/sleep may yield ---- */

value mnocm_set_quiet(value on)
{
	quiet = Bool_val(on);
	return Val_unit;
}

/* A frame handed to the handler: the runtime's reference model checks its bytes. buf is a
 * Bigarray (data never moves). */
value mnocm_deliver(value buf, value len)
{
	FN(deliver_fn, F_DELIVER)(Caml_ba_data_val(buf), (uint32_t)Long_val(len), 0);
	return Val_unit;
}

value mnocm_released(value unit)
{
	(void)unit;
	FN(deliver_fn, F_DELIVER)(NULL, 0, 1);
	return Val_unit;
}

/* Called by the embedded object's consumer glue between OCaml steps (never from OCaml: a fiber
 * must not be left suspended inside OCaml code, see embed/embed_stubs.c). */
int mnoc_fwd_idle(void) { return FN(wait_fn, F_IDLE)(); }
int mnoc_fwd_sleep(void) { return FN(wait_fn, F_SLEEP)(); }
void mnoc_fwd_poll_begin(void) { FN(fence_fn, F_POLL)(); }
