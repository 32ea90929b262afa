/* SPDX-License-Identifier: ISC */
/*
 * C entry points of the embedded OCaml object, for ctypes (mnetif/ocaml.py).
 *
 * Runtime lock protocol (OCaml 4.13 + threads.posix): init() runs caml_startup, which leaves the
 * runtime lock held by the calling thread; init releases it before returning. Every other entry
 * registers its thread with the runtime (a no-op when already registered), acquires the runtime
 * lock, calls the OCaml closure registered under a name (Callback.register), and releases the lock
 * before returning — so any Python thread may call any entry, one OCaml execution at a time.
 * Errors: a negative return; mnoc_last_error() then gives the OCaml exception's text.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/callback.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/printexc.h>
#include <caml/threads.h>
#include "model.h"

static int started;
static char last_error[512];

int init(void)
{
	static char *argv[] = { "mnetif_ocaml", NULL };

	if (started)
		return 0;
	caml_startup(argv);
	started = 1;
	caml_release_runtime_system();
	return 0;
}

int mnoc_init(void)
{
	return init();
}

const char *mnoc_last_error(void)
{
	return last_error;
}

static const value *closure(const char *name)
{
	const value *f = caml_named_value(name);

	if (!f)
		snprintf(last_error, sizeof(last_error), "no OCaml callback registered as %s", name);
	return f;
}

static void enter(void)
{
	caml_c_thread_register();
	caml_acquire_runtime_system();
}

static void leave(void)
{
	caml_release_runtime_system();
}

static int failed(value res)
{
	if (!Is_exception_result(res))
		return 0;
	snprintf(last_error, sizeof(last_error), "%s", caml_format_exception(Extract_exception(res)));
	return 1;
}

/* Real mode (see embed.ml real_run): out receives nout int64 results. 0 or -1. */
int mnoc_real_run(const char *ifname, int proto, int64_t nframes, int64_t *out, int nout)
{
	const value *f;
	int ret = -1, i;

	if (!started)
		return -1;
	enter();
	{
		CAMLparam0();
		CAMLlocal2(name, res);
		f = closure("mnetif.real_run");
		if (f) {
			name = caml_copy_string(ifname);
			res = caml_callback3_exn(*f, name, Val_int(proto), Val_long(nframes));
			if (!failed(res)) {
				for (i = 0; i < nout && i < (int)Wosize_val(res); i++)
					out[i] = Long_val(Field(res, i));
				ret = 0;
			}
		}
		CAMLdrop;
	}
	leave();
	return ret;
}

/* Pop up to max frames of the Python-owned ring into out/lens (see embed.ml consume). The
 * Bigarrays are EXTERNAL: OCaml does not keep them past this call. Count, or -1. */
int mnoc_consume(void *ring, uint64_t ringlen, void *out, uint64_t outlen, uint32_t *lens, int max)
{
	const value *f;
	int ret = -1;
	const int kind = CAML_BA_CHAR | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL;

	if (!started)
		return -1;
	enter();
	{
		CAMLparam0();
		CAMLlocalN(args, 4);
		CAMLlocal1(res);
		f = closure("mnetif.consume");
		if (f) {
			args[0] = caml_ba_alloc_dims(kind, 1, ring, (intnat)ringlen);
			args[1] = caml_ba_alloc_dims(kind, 1, out, (intnat)outlen);
			args[2] = caml_ba_alloc_dims(kind, 1, lens, (intnat)max * 4);
			args[3] = Val_int(max);
			res = caml_callbackN_exn(*f, 4, args);
			if (!failed(res))
				ret = Int_val(res);
		}
		CAMLdrop;
	}
	leave();
	return ret;
}

/* ---- model mode: the external consumer of the model runtime (see model_consumer.ml) ---------- */

typedef void (*violation_fn)(const char *msg);
static violation_fn report_violation;
static int model_flags, fiber_active, poisoned;

/* flags: bit 0 consumer_waits, bit 1 accept the 2012 protocol, bits 8.. v1 lock retries. vio: the
 * runtime's mn_model_consumer_error (records the consumer's corrupt-ring error), may be NULL. */
void mnoc_model_configure(int flags, void *vio)
{
	model_flags = flags;
	report_violation = (violation_fn)vio;
}

/* 1 while the OCaml consumer fiber is suspended inside the runtime. After mn_model_run returned
 * it must be 0: a fiber left suspended holds the OCaml runtime (its stack is gone), so the object
 * refuses every later model run (poisoned) instead of corrupting the heap. */
int mnoc_model_fiber_active(void)
{
	if (fiber_active)
		poisoned = 1;
	return fiber_active;
}

int mnoc_fwd_idle(void);
void mnoc_fwd_poll_begin(void);
int mnoc_fwd_sleep(void);
void mnoc_fwd_spin(volatile void *addr, unsigned size);

/* Step results of model_consumer.ml. */
enum { STEP_ERROR = -1, STEP_CONTINUE = 0, STEP_SLEEP = 1, STEP_IDLE = 3, STEP_SPIN = 4 };

/* One OCaml call on the consumer fiber; the runtime lock is held only during it. */
static int model_call(const char *name, value arg1, int with_ring, void *ring, uint64_t ringlen)
{
	const value *f;
	int code = STEP_ERROR;

	enter();
	fiber_active = 1;
	{
		CAMLparam0();
		CAMLlocal2(ba, res);
		f = closure(name);
		if (f) {
			if (with_ring) {
				ba = caml_ba_alloc_dims(CAML_BA_CHAR | CAML_BA_C_LAYOUT | CAML_BA_EXTERNAL, 1,
							ring, (intnat)ringlen);
				res = caml_callback2_exn(*f, ba, arg1);
			} else {
				res = caml_callback_exn(*f, arg1);
			}
			if (!failed(res))
				code = Int_val(res);
		}
		if (code == STEP_ERROR && !Is_exception_result(res) && f) {
			const value *e = caml_named_value("mnetif.model_error");

			if (e) {
				res = caml_callback_exn(*e, Val_unit);
				if (!Is_exception_result(res))
					snprintf(last_error, sizeof(last_error), "%s", String_val(res));
			}
		}
		CAMLdrop;
	}
	fiber_active = 0;
	leave();
	return code;
}

/* The mn_model_consumer_fn (model.h): runs on the consumer fiber's stack, inside mn_model_run.
 * It is c/model/actors.c's consumer loop with each iteration in OCaml (model_consumer.ml step) and
 * the blocking calls here, outside OCaml: the runtime may end a run with the consumer blocked
 * (asleep at quiescence) and never resume it; then no OCaml frame is left on the dead fiber and
 * the OCaml runtime lock is free. */
void mnoc_model_consumer(void *arg, void *ring, uint64_t ringlen)
{
	int code;
	(void)arg;

	if (!started || poisoned)
		return;
	code = model_call("mnetif.model_start", Val_int(model_flags), 1, ring, ringlen);
	while (code != STEP_ERROR) {
		mnoc_fwd_poll_begin();     /* an iteration starts: idle waits on what it reads */
		code = model_call("mnetif.model_step", Val_unit, 0, NULL, 0);
		/* idle/sleep return 0 once the run is over (the verdict is known, or every producer is
		 * finished and nothing is pending): the consumer returns, as the C one does. */
		if ((code == STEP_SLEEP && !mnoc_fwd_sleep()) || (code == STEP_IDLE && !mnoc_fwd_idle()))
			return;
		else if (code == STEP_SPIN)
			/* v1: release found sr_lock busy; block until the holder stores to it (as the C
			 * consumer's mn_spin_wait), then the next step retries the pop. */
			mnoc_fwd_spin((unsigned char *)ring + MN_OFF_LOCK, 4);
	}
	if (report_violation) {
		char msg[sizeof(last_error) + 8];

		snprintf(msg, sizeof(msg), "OCaml %s", last_error);
		report_violation(msg);
	}
}

/* OCaml on the CALLER's stack in the middle of a model run, e.g. from a chooser or an oracle, while
 * the OCaml consumer fiber may be suspended inside one of its stubs. docs/design.md §8's LIFO rule: this
 * call returns before the fiber resumes. The fiber's callback holds the runtime lock on this very
 * thread, so a nested call must not take it again. This is exactly what requires the model stubs
 * to be ordinary externals: caml_c_call saved the fiber's young pointer and stack bottom, so this
 * allocation and GC see a consistent heap and scan the suspended fiber's frames. Only from the
 * thread running mn_model_run. Returns the probe's checksum, or -1. */
long mnoc_model_probe(int n)
{
	int nested = fiber_active;
	long ret = -1;

	if (!started || poisoned)
		return -1;
	if (!nested)
		enter();
	{
		CAMLparam0();
		CAMLlocal1(res);
		const value *f = closure("mnetif.model_probe");

		if (f) {
			res = caml_callback_exn(*f, Val_int(n));
			if (!failed(res))
				ret = Long_val(res);
		}
		CAMLdrop;
	}
	if (!nested)
		leave();
	return ret;
}
