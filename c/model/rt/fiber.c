/* SPDX-License-Identifier: ISC */
/*
 * Actor fibers: one mmap'ed stack per actor slot (MN_MODEL_STACK bytes plus a PROT_NONE guard page
 * below, so an overflow faults instead of corrupting a neighbour), allocated once per process and
 * reused by every execution. Switching is mn_fiber_switch (switch.S). Strict discipline: only the
 * scheduler resumes a fiber, and a fiber only ever yields back to the scheduler.
 */
#include "../mnetif/runtime.h"

#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* A fiber abandoned mid-function (killed, or still blocked when the run ended) never leaves its
 * scopes, so ASan's scope poisoning of those frames stays on the stack, which the next execution
 * reuses: a fresh frame at the same address would be reported as stack-use-after-scope. Each
 * execution starts its fibers on clean shadow memory. */
#define fiber_stack_fresh(base, len) ASAN_UNPOISON_MEMORY_REGION(base, len)
#else
#define fiber_stack_fresh(base, len) ((void)(base), (void)(len))
#endif

void mn_fiber_start(void);

static unsigned char *stacks[MN_MODEL_MAX_ACTORS];

int mn_fiber_stacks(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int i;

	for (i = 0; i < MN_MODEL_MAX_ACTORS; i++) {
		unsigned char *p;

		if (stacks[i])
			continue;
		p = mmap(NULL, MN_MODEL_STACK + page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		if (mprotect(p, page, PROT_NONE) != 0)
			return -1;
		stacks[i] = p + page;
	}
	return 0;
}

/* Lays out the frame mn_fiber_switch pops: r15 r14 r13(entry) r12(arg) rbx rbp, then
 * mn_fiber_start as the return address, placed so that rsp is 16-byte aligned at its call. */
void mn_fiber_init(struct actor *a, void (*entry)(struct actor *))
{
	uintptr_t top = ((uintptr_t)(stacks[a->id] + MN_MODEL_STACK)) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)(top - 24) - 6;

	a->stack = stacks[a->id];
	fiber_stack_fresh(a->stack, MN_MODEL_STACK);
	sp[0] = 0;
	sp[1] = 0;
	sp[2] = (uint64_t)(uintptr_t)entry;
	sp[3] = (uint64_t)(uintptr_t)a;
	sp[4] = 0;
	sp[5] = 0;
	sp[6] = (uint64_t)(uintptr_t)mn_fiber_start;
	a->sp = sp;
}

void mn_fiber_resume(struct actor *a)
{
	struct actor *prev = mn_g.cur;

	mn_g.cur = a;
	mn_fiber_switch(&mn_g.sched_sp, a->sp);
	mn_g.cur = prev;
}

void mn_fiber_yield(struct actor *a)
{
	mn_fiber_switch(&a->sp, mn_g.sched_sp);
}
