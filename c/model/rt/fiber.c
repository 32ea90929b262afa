/* SPDX-License-Identifier: ISC */
/*
 * Actor fibers: one mmap'ed stack per actor id (RT_STACK_BYTES plus a PROT_NONE guard page
 * below, so an overflow faults instead of corrupting a neighbour), allocated once per struct rt
 * and reused by every execution. Switching is rt_fiber_switch (switch.S). Strict discipline: only
 * the scheduler resumes a fiber, and a fiber only ever yields back to the scheduler.
 */
#include "rt_impl.h"

#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* A fiber abandoned mid-function (killed, or still blocked when the run ended) never leaves its
 * scopes, so ASan's scope poisoning of those calls stays on the stack, which the next execution
 * reuses: a fresh call at the same address would be reported as stack-use-after-scope. Each
 * execution starts its fibers on clean shadow memory. */
#define fiber_stack_fresh(base, len) ASAN_UNPOISON_MEMORY_REGION(base, len)
#else
#define fiber_stack_fresh(base, len) ((void)(base), (void)(len))
#endif

void rt_fiber_start(void);

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

int rt_fiber_stack(struct rt *rt, int id)
{
	size_t page;
	unsigned char *p;

	if (rt->stacks[id])
		return 0;
	page = page_size();
	p = mmap(NULL, RT_STACK_BYTES + page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (mprotect(p, page, PROT_NONE) != 0) {
		munmap(p, RT_STACK_BYTES + page);
		return -1;
	}
	rt->stacks[id] = p + page;
	return 0;
}

void rt_fiber_release(struct rt *rt)
{
	size_t page = page_size();
	int i;

	for (i = 0; i < RT_MAX_ACTORS; i++)
		if (rt->stacks[i])
			munmap(rt->stacks[i] - page, RT_STACK_BYTES + page);
}

/* Lays out what rt_fiber_switch pops: r15 r14 r13(entry) r12(arg) rbx rbp, then
 * rt_fiber_start as the return address, placed so that rsp is 16-byte aligned at its call. */
void rt_fiber_init(struct rt_actor *a, unsigned char *stack, void (*entry)(struct rt_actor *))
{
	uintptr_t top = ((uintptr_t)(stack + RT_STACK_BYTES)) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)(top - 24) - 6;

	a->stack = stack;
	fiber_stack_fresh(a->stack, RT_STACK_BYTES);
	sp[0] = 0;
	sp[1] = 0;
	sp[2] = (uint64_t)(uintptr_t)entry;
	sp[3] = (uint64_t)(uintptr_t)a;
	sp[4] = 0;
	sp[5] = 0;
	sp[6] = (uint64_t)(uintptr_t)rt_fiber_start;
	a->sp = sp;
}
