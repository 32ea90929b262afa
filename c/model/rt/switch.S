/* SPDX-License-Identifier: ISC */
/*
 * Fiber switch for rt (the model checker) (x86-64 System V): saves the callee-saved registers on the
 * current stack, stores the stack pointer in *save, loads `to` and restores the other fiber's
 * registers. Everything caller-saved is dead across the call by the ABI, so this is the whole
 * context (no signal mask, no syscall: a few ns instead of swapcontext's ~160 ns). MXCSR and the
 * x87 control word are not switched: no actor changes them.
 *
 *   void rt_fiber_switch(void **save, void *to);
 *   rt_fiber_start: first "return address" of a new fiber; calls r13(r12) and never returns.
 */
	.text
	.globl	rt_fiber_switch
	.hidden	rt_fiber_switch
	.type	rt_fiber_switch, @function
rt_fiber_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	rt_fiber_switch, .-rt_fiber_switch

	.globl	rt_fiber_start
	.hidden	rt_fiber_start
	.type	rt_fiber_start, @function
rt_fiber_start:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	callq	*%r13
	ud2
	.cfi_endproc
	.size	rt_fiber_start, .-rt_fiber_start

	.section .note.GNU-stack,"",@progbits
