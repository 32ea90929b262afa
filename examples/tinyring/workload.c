/* SPDX-License-Identifier: ISC */
/* The tiny ring's workload for the harness: a producer pushing NVALUES values (retrying while the
 * ring is full), a consumer popping until it has them all, and the property: the consumer gets
 * 1, 2, ..., NVALUES in order (VIO_ORDER), with no value lost or invented. */
#include "tinyring.h"

#define NVALUES 3
enum { VIO_ORDER = 1, VIO_DEADLOCK = 2, VIO_STEPS = 3, VIO_SETUP = 4 };
enum { TAG_HEAD = 1, TAG_TAIL, TAG_SLOT, TAG_NONE, TAG_OTHER };

static struct tinyring ring;
static uint32_t got[NVALUES];
static int ngot;

static const struct rt_field fields[] = {
	{ "head", TAG_HEAD, 0, 4, 1, 4 },
	{ "tail", TAG_TAIL, 4, 4, 1, 4 },
	{ "slot[]", TAG_SLOT, 8, 4, TR_SLOTS, 4 },
};
static const struct rt_region region = { "ring", &ring, sizeof ring, fields, 3, TAG_OTHER, "?" };

static void producer(struct rt *rt, int id, void *arg)
{
	for (uint32_t v = 1; v <= NVALUES; v++)
		while (tr_push(&ring, v))
			rt_spin(rt, &ring.tail, 4);               /* full: wait for the consumer */
}

static void consumer(struct rt *rt, int id, void *arg)
{
	uint32_t v;
	while (ngot < NVALUES) {
		if (tr_pop(&ring, &v)) {
			rt_spin(rt, &ring.head, 4);               /* empty: wait for the producer */
			continue;
		}
		if (v != (uint32_t)ngot + 1)
			rt_violation(rt, VIO_ORDER, "the consumer got %u as value %d (want %d)", v,
				     ngot + 1, ngot + 1);
		got[ngot++] = v;
	}
}

static int setup(struct rt *rt, void *ctx)
{
	__builtin_memset(&ring, 0, sizeof ring);
	ngot = 0;
	if (rt_add_region(rt, &region) < 0)
		return rt_setup_error(rt, "rt_add_region");
	rt_watch(rt, &ring.head, 4);
	rt_watch(rt, &ring.tail, 4);
	if (rt_spawn(rt, 1, "P", producer, NULL, 0) < 0 || rt_spawn(rt, 2, "C", consumer, NULL, 0) < 0)
		return rt_setup_error(rt, "rt_spawn");
	return 0;
}

const struct rt_workload mnu_workload = {
	.name = "tinyring", .setup = setup,
	.vio_deadlock = VIO_DEADLOCK, .vio_step_bound = VIO_STEPS, .vio_setup = VIO_SETUP,
	.tag_none = TAG_NONE, .tag_unknown = TAG_OTHER,
};

const char *mnu_violation_name(int code)
{
	static const char *const names[] = { "none", "order", "deadlock", "step-bound", "setup" };
	return code >= 0 && code < 5 ? names[code] : "?";
}

const char *mnu_field_name(uint32_t tag)
{
	static const char *const names[] = { "?", "head", "tail", "slot", "-", "?" };
	return tag < 6 ? names[tag] : "?";
}
