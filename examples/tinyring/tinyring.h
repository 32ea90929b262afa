/* SPDX-License-Identifier: ISC */
#ifndef TINYRING_H
#define TINYRING_H

#include <stdint.h>

#include "mnu.h"

#define TR_SLOTS 4u

struct tinyring {
	uint32_t head;                /* (P) next slot to fill, free-running */
	uint32_t tail;                /* (C) next slot to read, free-running */
	uint32_t slot[TR_SLOTS];
};

int tr_push(struct tinyring *r, uint32_t v);
int tr_pop(struct tinyring *r, uint32_t *v);

#endif
