/* SPDX-License-Identifier: ISC */
/* Names of the model's enums, for traces and messages (pyharness/model.py mirrors the order). */
#include "mnetif.h"

#define NAME_OF(table, i) \
	((i) >= 0 && (unsigned)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "?")

const char *mn_model_op_name(int op)
{
	static const char *const n[MN_MOP__COUNT] = {
		[MN_OP_LOAD] = "load", [MN_OP_STORE] = "store", [MN_OP_FENCE] = "fence",
		[MN_OP_TAS] = "tas", [MN_OP_FETCH_ADD] = "fetch_add", [MN_OP_COPY_IN] = "copy_in",
		[MN_OP_COPY_OUT] = "copy_out", [MN_OP_SPIN] = "spin", [MN_OP_NOTIFY] = "notify",
		[RT_OP_CAS] = "cas", [MN_MOP_PROMISE] = "promise", [MN_MOP_DRAIN] = "drain", [MN_MOP_KILL] = "kill", [MN_MOP_SLEEP] = "sleep",
		[MN_MOP_IDLE] = "idle", [MN_MOP_DELIVER] = "deliver",
	};

	return NAME_OF(n, op);
}

/* "[]" is replaced by the step's index by the callers. */
const char *mn_model_field_name(int f)
{
	static const char *const n[MN_FLD__COUNT] = {
		"sr_cur", "sr_avail", "sr_size", "sr_slotsize", "sr_magic", "sr_dataoff", "sr_lock",
		"sr_wake", "sr_error", "sr_drop_full", "sr_drop_oversize", "sr_drop_busy",
		"sr_frames", "sr_bytes", "sr_drop_error", "sr_notify", "ss_len[]", "slot[]",
		"ring(other)", "entry[].state", "entry[].ifindex", "entry[].users", "entry[].plock",
		"-", "(unknown)",
	};

	return NAME_OF(n, f);
}

const char *mn_model_violation_name(int v)
{
	static const char *const n[MN_VIO__COUNT] = {
		"none", "invariant", "frame-lost", "frame-corrupt", "accounting", "two-holders",
		"deadlock", "retries", "lost-wakeup", "use-after-free", "step-bound",
		"consumer-error", "setup", "out-of-bounds", "error-flag",
	};

	return NAME_OF(n, v);
}

const char *mn_model_coverage_name(int bit)
{
	static const char *const n[MN_COV__COUNT] = {
		"ring-full", "wrap-v2", "wrap-v1", "lock-contended", "killed", "consumer-slept",
		"notified", "drop-full", "drop-oversize", "drop-busy", "drop-error", "unplugged",
		"spin-blocked", "reordered", "forwarded", "not-plugged", "killed-holder",
		"stale-read", "promise",
	};

	return NAME_OF(n, bit);
}

const char *mn_model_variant(void)
{
#if defined(MN_MODEL_MUTANT)      /* a scripted edit of the ring code (mk/mutants.mk) */
	return MN_MODEL_MUTANT;
#elif defined(MN_ZOO_V1_NO_LOCK)
	return "v1_no_lock";
#elif defined(MN_ZOO_TAS_PLAIN)
	return "tas_plain";
#elif defined(MN_ZOO_V2_RELAXED_PUBLISH)
	return "v2_relaxed_publish";
#elif defined(MN_ZOO_NO_PROD_FENCE)
	return "no_prod_fence";
#elif defined(MN_ZOO_NO_CONS_FENCE)
	return "no_cons_fence";
#elif defined(MN_ZOO_UNPLUG_NO_WAIT)
	return "unplug_no_wait";
#elif defined(MN_ZOO_2012_SAME_OFFSET)
	return "2012_same_offset";
#elif defined(MN_ZOO_WAKE_EQ)
	return "wake_eq";
#elif defined(MN_ZOO_V2_RELAXED_CONSUME)
	return "v2_relaxed_consume";
#elif defined(MN_ZOO_CONS_WMB_RELEASE)
	return "cons_wmb_release";
#elif defined(MN_ZOO_PROD_RELAXED_CONS)
	return "prod_relaxed_cons";
#elif defined(MN_ZOO_FADD_ACQREL)
	return "fadd_acqrel";
#else
	return "fixed";
#endif
}
