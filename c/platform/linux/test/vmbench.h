/* SPDX-License-Identifier: ISC */
/* The VM benchmark's pieces (vmbench.c: receive rates; vmbench_light.c: v3's light producer). */
#ifndef MNETIF_VMBENCH_H
#define MNETIF_VMBENCH_H

#include <stdint.h>

void bench_pin(int cpu);
/* FIGURE [rx-cost]: mnk_rx's time per frame, v2 / v3 full fence / v3 light; 0 ok, 1 failed. */
int bench_rx_cost(uint32_t n);
/* FIGURE [barrier]: MNETIF_IOC_BARRIER's cost per call for each mode; 0 ok, 1 failed. */
int bench_barrier(void);

#endif
