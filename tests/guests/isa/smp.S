/*
 * smp.S - atomics under contention: 4 harts each add 1 to one shared
 * counter N times with AMOADD.D, to another with an LR.D/SC.D retry loop,
 * to a third with AMOADD.W, and increment a plain (non-atomic) counter
 * under an AMOSWAP.W.AQ / AMOSWAP.W.RL spinlock.  Every total must come
 * out exact.  Hart 0 waits for the others and checks.
 * smp: 4
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 8 and 14 (RVWMO).
 */
#include "test.h"

#define NHARTS	4
#define N	20000

	TEST_BEGIN_SMP
	csrr a0, mhartid
	li t0, NHARTS
	bgeu a0, t0, park	/* run with more harts: extras sit out */

	/* start together: count arrivals, wait for all */
	la a1, arrived
	li t0, 1
	amoadd.d zero, t0, (a1)
1:	ld t1, 0(a1)
	li t0, NHARTS
	blt t1, t0, 1b

	/* phase 1: AMOADD.D */
	la a1, cnt_amo
	li a2, N
	li t0, 1
2:	amoadd.d zero, t0, (a1)
	addi a2, a2, -1
	bnez a2, 2b

	/* phase 2: LR/SC */
	la a1, cnt_lrsc
	li a2, N
3:	lr.d t1, (a1)
	addi t1, t1, 1
	sc.d t2, t1, (a1)
	bnez t2, 3b
	addi a2, a2, -1
	bnez a2, 3b

	/* phase 3: AMOADD.W on the low word, high word must stay */
	la a1, cnt_amow
	li a2, N
	li t0, 1
4:	amoadd.w zero, t0, (a1)
	addi a2, a2, -1
	bnez a2, 4b

	/* phase 4: spinlock around a plain load/add/store */
	la a1, lock
	la a3, cnt_plain
	li a2, N / 4
5:	li t0, 1
6:	amoswap.w.aq t1, t0, (a1)
	bnez t1, 6b
	ld t2, 0(a3)
	addi t2, t2, 1
	sd t2, 0(a3)
	amoswap.w.rl zero, zero, (a1)
	addi a2, a2, -1
	bnez a2, 5b

	la a1, done
	li t0, 1
	amoadd.d zero, t0, (a1)
	bnez a0, park

	/*
	 * hart 0: wait for the others, for at most 60 s of mtime (10 MHz).
	 * A bound in loop iterations would be a bound in host time that
	 * depends on the engine: the JIT spins through a billion in a few
	 * seconds, which 3 other harts on a loaded 2-CPU host can outlast.
	 */
	li t0, CLINT_MTIME
	ld a4, 0(t0)
	li t0, 600000000
	add a4, a4, t0
7:	ld t1, 0(a1)
	li t0, NHARTS
	beq t1, t0, 8f
	li t0, CLINT_MTIME
	ld t0, 0(t0)
	bltu t0, a4, 7b
	FAIL(1)
8:	fence rw, rw
	ld a0, cnt_amo
	CHECK(2, a0, NHARTS * N)
	ld a0, cnt_lrsc
	CHECK(3, a0, NHARTS * N)
	ld a0, cnt_amow
	CHECK(4, a0, 0x1234567800000000 + NHARTS * N)
	ld a0, cnt_plain
	CHECK(5, a0, NHARTS * (N / 4))
	TEST_OK

park:
	csrw mie, zero
1:	wfi
	j 1b

	TEST_END

	.data
	.balign 64
arrived:	.dword 0
	.balign 64
done:		.dword 0
	.balign 64
cnt_amo:	.dword 0
	.balign 64
cnt_lrsc:	.dword 0
	.balign 64
cnt_amow:	.dword 0x1234567800000000
	.balign 64
lock:		.dword 0
	.balign 64
cnt_plain:	.dword 0
