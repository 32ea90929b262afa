/* SPDX-License-Identifier: ISC */
/* The memory models by enum rt_mm_id (a new model: its file and one line here). */
#include "mm.h"

static const struct rt_mm *const models[RT_MM__COUNT] = {
	[RT_MM_SC] = &rt_mm_sc, [RT_MM_TSO] = &rt_mm_tso, [RT_MM_PSO] = &rt_mm_pso,
	[RT_MM_ARM] = &rt_mm_arm,
};

const struct rt_mm *rt_mm_get(int id)
{
	return id >= 0 && id < RT_MM__COUNT ? models[id] : NULL;
}

const char *rt_mm_name(int id)
{
	const struct rt_mm *m = rt_mm_get(id);

	return m ? m->name : "?";
}
