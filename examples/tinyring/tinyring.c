/* SPDX-License-Identifier: ISC */
/* A tiny single-producer single-consumer ring of 32-bit values: free-running head (producer) and
 * tail (consumer) indices, 4 slots. The producer writes the slot, then publishes head with a
 * release store; the consumer reads head with acquire, the slot, then releases tail.
 * -DTINYRING_BROKEN publishes head with a relaxed store: under PSO the consumer can see the new
 * head before the slot's value (the bug the example's test must find). */
#include "tinyring.h"

#ifdef TINYRING_BROKEN
#define PUBLISH MNU_RELAXED
#else
#define PUBLISH MNU_RELEASE
#endif

int tr_push(struct tinyring *r, uint32_t v)
{
	uint32_t head = mnu_load(&r->head, MNU_RELAXED);          /* only the producer writes it */
	uint32_t tail = mnu_load(&r->tail, MNU_ACQUIRE);
	if (head - tail == TR_SLOTS)
		return -1;                                        /* full */
	mnu_store(&r->slot[head % TR_SLOTS], v, MNU_RELAXED);
	mnu_store(&r->head, head + 1, PUBLISH);
	return 0;
}

int tr_pop(struct tinyring *r, uint32_t *v)
{
	uint32_t tail = mnu_load(&r->tail, MNU_RELAXED);          /* only the consumer writes it */
	uint32_t head = mnu_load(&r->head, MNU_ACQUIRE);
	if (head == tail)
		return -1;                                        /* empty */
	*v = mnu_load(&r->slot[tail % TR_SLOTS], MNU_RELAXED);
	mnu_store(&r->tail, tail + 1, MNU_RELEASE);
	return 0;
}
