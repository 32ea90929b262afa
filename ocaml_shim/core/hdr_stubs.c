/* SPDX-License-Identifier: ISC */
/*
 * Ordered accesses to ring header fields for the OCaml port, through the project's ordering layer
 * (mnetif/atomic.h) and nothing else: every stub is one mn_* operation on one mn_u16/mn_u32/mn_u64
 * field, so the OCaml side gets exactly the orders the C core uses, and under -DMNETIF_MODEL every
 * stub is one visible operation of the model runtime.
 *
 * Arguments are (buffer, byte offset). The OCaml caller (Hdr_ops' users) guarantees the offset is
 * in bounds and naturally aligned: these stubs do not check, they are the inner loop.
 *
 * Production build: declared [@@noalloc] on the OCaml side (no allocation, no exception, no
 * callback, never releases the runtime). Model build: the same code, but each access may switch
 * fibers, so the OCaml side declares them as ordinary externals (caml_c_call saves the young
 * pointer and stack bottom; see ocaml_shim/README.md). The data pointer is computed before the
 * access and no OCaml value is used after it, so a GC that runs while this fiber is suspended
 * cannot leave a stale pointer here.
 */
#include <caml/mlvalues.h>
#include <caml/bigarray.h>
#include <errno.h>
#include "mnetif/atomic.h"
#include "compat.h"

/* The model build's stubs live in the same embedded object as the production ones (two OCaml
 * libraries, one runtime): they get the prefix mnocm_ (core_model's generated hdr_ops.ml uses it). */
#ifdef MNETIF_MODEL
#define STUB(n) mnocm_##n
#else
#define STUB(n) mnoc_##n
#endif

#define AT(T, buf, off) ((T *)((unsigned char *)Caml_ba_data_val(buf) + Long_val(off)))

/* One stub per (operation, width); the pointer is formed before the access (see above). */
#define LOAD_STUB(name, T, op) \
	value name(value buf, value off) { return Val_long(op(AT(T, buf, off))); }
#define STORE_STUB(name, T, op, C) \
	value name(value buf, value off, value v) \
	{ \
		T *p = AT(T, buf, off); \
		op(p, (C)Long_val(v)); \
		return Val_unit; \
	}

LOAD_STUB(STUB(load16_relaxed), mn_u16, mn_read_once)
LOAD_STUB(STUB(load16_acquire), mn_u16, mn_load_acquire)
LOAD_STUB(STUB(load32_relaxed), mn_u32, mn_read_once)
LOAD_STUB(STUB(load32_acquire), mn_u32, mn_load_acquire)
/* 63-bit OCaml int: the counters (sr_frames, sr_bytes) would need 2^62 frames to differ. */
LOAD_STUB(STUB(load64_relaxed), mn_u64, mn_read_once)
STORE_STUB(STUB(store16_relaxed), mn_u16, mn_write_once, uint16_t)
STORE_STUB(STUB(store16_release), mn_u16, mn_store_release, uint16_t)
STORE_STUB(STUB(store32_relaxed), mn_u32, mn_write_once, uint32_t)
STORE_STUB(STUB(store32_release), mn_u32, mn_store_release, uint32_t)

value STUB(fence)(value unit)
{
	(void)unit;
	mn_smp_mb();
	return Val_unit;
}

/* Returns the old value: 0 = acquired (acquire order, pairs with the holder's clear_release). */
value STUB(test_and_set32)(value buf, value off)
{
	return Val_long(mn_test_and_set(AT(mn_u32, buf, off)));
}

value STUB(clear_release32)(value buf, value off)
{
	mn_clear_release(AT(mn_u32, buf, off));
	return Val_unit;
}

/* Frame bytes out of a slot into another Bigarray (a region load: one visible op in the model).
 * The destination is a Bigarray, not bytes, because its data never moves: in the model build the
 * copy may happen after this fiber yielded and the GC ran. */
value STUB(copy_out)(value src, value soff, value dst, value doff, value len)
{
	unsigned char *s = AT(unsigned char, src, soff);
	unsigned char *d = AT(unsigned char, dst, doff);

	mn_copy_from_shared(d, s, (size_t)Long_val(len));
	return Val_unit;
}

value STUB(copy_out_byte)(value *argv, int argc)
{
	(void)argc;
	return STUB(copy_out)(argv[0], argv[1], argv[2], argv[3], argv[4]);
}

/* v3: the heavy side of the asymmetric barrier, as c/src/ring.c's cons_heavy (without the zoo
 * switch and the per-ring hook, which the OCaml port does not have). Where the platform has no
 * heavy barrier the producers registered the same answer and use full fences, so a full fence
 * here pairs with theirs as in v2. 0, or -EIO (not issued: the caller must not sleep). */
value STUB(heavy_barrier)(value unit)
{
	(void)unit;
	if (!mn_heavy_barrier_register()) {
		mn_smp_mb();
		return Val_long(0);
	}
	return Val_long(mn_heavy_barrier() ? 0 : -EIO);
}

/* A pause inside a bounded retry loop (not an operation in the model). */
value STUB(cpu_relax)(value unit)
{
	(void)unit;
	mn_cpu_relax();
	return Val_unit;
}

/* Plain (non-atomic) accesses: ONLY for the faithful 2012 consumer of the bug-zoo model (Ring_2012),
 * whose data races are the point. */
LOAD_STUB(STUB(load16_plain), mn_u16, mn_plain_load)
STORE_STUB(STUB(store16_plain), mn_u16, mn_plain_store, uint16_t)

/* A batch's private views (Ring.peek_n): for k < n, len[k] = ss_len[(first + k) & mask], each a
 * relaxed load (ordered after the caller's acquire of the producer index, as mn_cons_peek_n's),
 * checked against slotsize IN THE COPY (copy, then validate), and off[k] = where slot
 * (first + k)'s data starts in buf, prefetched as mn_cons_peek_n does. Stops at the first length > slotsize (left in len[k]).
 * Returns how many frames are valid. off and len are int Bigarrays of at least n elements: their
 * data never moves, also if a model-build load yields and the GC runs. */
value STUB(peek_frames)(value buf, value lens_at, value mask, value first, value n, value slotsize,
			value data_at, value off, value len)
{
	mn_u16 *lens = AT(mn_u16, buf, lens_at);
	intnat *o = (intnat *)Caml_ba_data_val(off), *l = (intnat *)Caml_ba_data_val(len);
	intnat m = Long_val(mask), f = Long_val(first), cnt = Long_val(n), k;
	intnat ss = Long_val(slotsize), d = Long_val(data_at);

	for (k = 0; k < cnt; k++) {
		intnat i = (f + k) & m;

		l[k] = mn_read_once(&lens[i]);
		if (l[k] > ss)
			break;
		o[k] = d + i * ss;
		/* as cons_peek in ring.c: the slot's line starts moving while the caller works on the
		 * frames before it (a hint: no access, nothing in the model) */
		mn_prefetch((unsigned char *)Caml_ba_data_val(buf) + o[k]);
	}
	return Val_long(k);
}

value STUB(peek_frames_byte)(value *argv, int argc)
{
	(void)argc;
	return STUB(peek_frames)(argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7],
				 argv[8]);
}
