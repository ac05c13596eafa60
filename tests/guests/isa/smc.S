/*
 * smc.S - self-modifying code: an instruction that already ran (and so
 * may sit in a decoded-instruction cache) is rewritten by a store, and
 * after FENCE.I the new instruction is the one that executes.  Covers a
 * 32-bit instruction, a loop that rewrites its own immediate each round,
 * a compressed instruction, and a 32-bit instruction that straddles a
 * page boundary.
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 3 (Zifencei: "FENCE.I
 * ensures that a subsequent instruction fetch on the same hart will see
 * any previous data stores already visible to the same hart").
 */
#include "test.h"

	TEST_BEGIN
	/* a 32-bit instruction, run once, rewritten, run again */
	call patch1
	CHECK(1, a0, 1)
	la t0, patch1
	lw t1, repl1
	sw t1, 0(t0)
	fence.i
	call patch1
	CHECK(2, a0, 2)

	/* a loop rewriting its own "addi s1, s1, K": K = 1, 2, 3 */
	li s1, 0
	li s2, 0
	la s3, loop_insn
	lw s4, loop_insn
	li s5, 1 << 20		/* +1 in the I-type immediate */
loop_insn:
	addi s1, s1, 1
	add s4, s4, s5
	sw s4, 0(s3)
	fence.i
	addi s2, s2, 1
	li t0, 3
	blt s2, t0, loop_insn
	CHECK(3, s1, 6)

	/* a compressed instruction */
	call patchc
	CHECK(4, a0, 1)
	la t0, patchc
	lhu t1, replc
	sh t1, 0(t0)
	fence.i
	call patchc
	CHECK(5, a0, 3)

	/* a 32-bit instruction across a page boundary, rewritten by halves */
	call straddle
	CHECK(6, a0, 1)
	la t0, straddle
	lhu t1, repl1
	sh t1, 0(t0)
	lhu t1, repl1 + 2
	sh t1, 2(t0)
	fence.i
	call straddle
	CHECK(7, a0, 2)
	TEST_OK

patch1:
	li a0, 1
	ret
repl1:				/* never executed: the replacement */
	li a0, 2

	.option rvc
	.balign 2
patchc:
	c.li a0, 1
	c.jr ra
replc:
	c.li a0, 3
	.option norvc

	.balign 4096
	.skip 4094
straddle:			/* at page offset 0xffe */
	li a0, 1
	ret

	TEST_END
