/* SPDX-License-Identifier: ISC */
/*
 * Xen's ring barriers mapped onto rt, for the model build of the INSTALLED xen/io/ring.h
 * (libxen-dev). ring.h takes xen_mb/xen_rmb/xen_wmb from its includer when the interface version
 * is 0x00030208 or later (older ones map them to the OS's mb/rmb/wmb); what they order is Linux's
 * smp_mb/smp_rmb/smp_wmb:
 *   xen_mb()   RT_FENCE_FULL   everything before / everything after
 *   xen_rmb()  RT_FENCE_RMB    earlier loads / later loads
 *   xen_wmb()  RT_FENCE_WMB    earlier stores / later stores
 * Everything else ring.h does is plain C on the shared page (sring->req_prod = ..., a struct copy
 * of a request), made visible by the plain-access bridge (common/plain.c).
 */
#ifndef TP_XEN_BARRIER_H
#define TP_XEN_BARRIER_H

#include "../common/tp.h"

#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb() tp_fence(RT_FENCE_FULL)
#define xen_rmb() tp_fence(RT_FENCE_RMB)
#define xen_wmb() tp_fence(RT_FENCE_WMB)

#endif
