/* SPDX-License-Identifier: ISC */
/*
 * Fiber switch for the model runtime (x86-64 System V): saves the callee-saved registers on the
 * current stack, stores the stack pointer in *save, loads `to` and restores the other fiber's
 * registers. Everything caller-saved is dead across the call by the ABI, so this is the whole
 * context (no signal mask, no syscall: a few ns instead of swapcontext's ~160 ns). MXCSR and the
 * x87 control word are not switched: no actor changes them.
 *
 *   void mn_fiber_switch(void **save, void *to);
 *   mn_fiber_start: first "return address" of a new fiber; calls r13(r12) and never returns.
 */
	.text
	.globl	mn_fiber_switch
	.hidden	mn_fiber_switch
	.type	mn_fiber_switch, @function
mn_fiber_switch:
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
	.size	mn_fiber_switch, .-mn_fiber_switch

	.globl	mn_fiber_start
	.hidden	mn_fiber_start
	.type	mn_fiber_start, @function
mn_fiber_start:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	callq	*%r13
	ud2
	.cfi_endproc
	.size	mn_fiber_start, .-mn_fiber_start

	.section .note.GNU-stack,"",@progbits
