/*
 * blk.S - a bare-metal M-mode virtio-blk driver (modern virtio-mmio,
 * version 2) for the disk on slot 0 (0x10001000, PLIC source 1), run with
 * -bios none.  Spec: VIRTIO 1.2, 3.1 (initialisation), 4.2 (MMIO), 2.7
 * (split virtqueue), 5.2 (block device).
 *
 * tests/integration/virtio_blk.sh prepares the image:
 *	sector 0: byte i = i & 0xff for i < 511, byte 511 = the mode,
 *		  'P' (power off at the end) or 'K' (spin, to be killed)
 * The guest reads sector 0 and checks it, sees the used-buffer interrupt
 * in InterruptStatus and pending at the PLIC, writes sector 1 with byte
 * i = 255 - (i & 0xff), FLUSHes, reads sector 1 back, prints
 * "blk: flushed", then powers off ('P') or spins ('K').  A failing step
 * prints "blk: FAIL" and exits through sifive_test with its number.
 * Polls the used ring, so no interrupt handler is needed.
 */
#include "virt.h"

#define VIO		0x10001000
#define V_MAGIC		0x000
#define V_VERSION	0x004
#define V_DEVICE_ID	0x008
#define V_DEV_FEAT	0x010
#define V_DEV_FEAT_SEL	0x014
#define V_DRV_FEAT	0x020
#define V_DRV_FEAT_SEL	0x024
#define V_QUEUE_SEL	0x030
#define V_QUEUE_NUM_MAX	0x034
#define V_QUEUE_NUM	0x038
#define V_QUEUE_READY	0x044
#define V_QUEUE_NOTIFY	0x050
#define V_INT_STATUS	0x060
#define V_INT_ACK	0x064
#define V_STATUS	0x070
#define V_DESC_LO	0x080
#define V_DESC_HI	0x084
#define V_AVAIL_LO	0x090
#define V_AVAIL_HI	0x094
#define V_USED_LO	0x0a0
#define V_USED_HI	0x0a4

#define QN		8		/* queue size */
#define AVAIL_OFF	0x200		/* from the descriptor table */
#define USED_OFF	0x1000

#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define F_NEXT		1
#define F_WRITE		2
#define BLK_F_FLUSH	0x200		/* feature bit 9 */

#define PLIC_PENDING	(PLIC + 0x1000)

/* Fail with code n unless register r equals register s. */
#define EXPECT_EQ(n, r, s)	li s2, n; bne r, s, fail
#define EXPECT_NZ(n, r)		li s2, n; beqz r, fail

	.section .text.init
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, park
	la sp, stack_top
	li s0, VIO
	la s1, ring

	/* A virtio-mmio version 2 block device sits in slot 0. */
	lw t0, V_MAGIC(s0)
	li t1, 0x74726976
	EXPECT_EQ(1, t0, t1)
	lw t0, V_VERSION(s0)
	li t1, 2
	EXPECT_EQ(2, t0, t1)
	lw t0, V_DEVICE_ID(s0)
	li t1, 2
	EXPECT_EQ(3, t0, t1)

	/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (3.1.1). */
	sw zero, V_STATUS(s0)
	li t0, 1
	sw t0, V_STATUS(s0)
	li t0, 3
	sw t0, V_STATUS(s0)
	li t0, 1
	sw t0, V_DEV_FEAT_SEL(s0)
	lw t0, V_DEV_FEAT(s0)
	andi t0, t0, 1			/* VIRTIO_F_VERSION_1 */
	EXPECT_NZ(4, t0)
	sw zero, V_DEV_FEAT_SEL(s0)
	lw t0, V_DEV_FEAT(s0)
	li t1, BLK_F_FLUSH
	and t0, t0, t1
	EXPECT_NZ(5, t0)
	sw zero, V_DRV_FEAT_SEL(s0)
	li t0, BLK_F_FLUSH
	sw t0, V_DRV_FEAT(s0)
	li t0, 1
	sw t0, V_DRV_FEAT_SEL(s0)
	sw t0, V_DRV_FEAT(s0)		/* VERSION_1 */
	li t0, 11
	sw t0, V_STATUS(s0)
	lw t0, V_STATUS(s0)
	andi t0, t0, 8
	EXPECT_NZ(6, t0)

	/* Queue 0: QN entries in 'ring' (4.2.3.2). */
	sw zero, V_QUEUE_SEL(s0)
	lw t0, V_QUEUE_READY(s0)
	EXPECT_EQ(7, t0, zero)
	lw t0, V_QUEUE_NUM_MAX(s0)
	li t1, QN
	sltu t0, t0, t1
	EXPECT_EQ(8, t0, zero)
	li t0, QN
	sw t0, V_QUEUE_NUM(s0)
	mv t0, s1
	sw t0, V_DESC_LO(s0)
	srli t0, t0, 32
	sw t0, V_DESC_HI(s0)
	addi t0, s1, AVAIL_OFF
	sw t0, V_AVAIL_LO(s0)
	srli t0, t0, 32
	sw t0, V_AVAIL_HI(s0)
	li t1, USED_OFF
	add t0, s1, t1
	sw t0, V_USED_LO(s0)
	srli t0, t0, 32
	sw t0, V_USED_HI(s0)
	li t0, 1
	sw t0, V_QUEUE_READY(s0)
	lw t0, V_QUEUE_READY(s0)
	EXPECT_NZ(9, t0)
	li t0, 15			/* DRIVER_OK */
	sw t0, V_STATUS(s0)

	/* Read sector 0 and check the pattern. */
	li a1, T_IN
	li a2, 0
	la a3, buf0
	li a4, 512
	li a5, F_WRITE
	jal do_req
	EXPECT_EQ(10, a0, zero)
	la t0, buf0
	li t1, 0
	li t2, 511
1:	add t3, t0, t1
	lbu t4, 0(t3)
	andi t5, t1, 0xff
	EXPECT_EQ(11, t4, t5)
	addi t1, t1, 1
	bne t1, t2, 1b
	lbu s3, 511(t0)			/* the mode */

	/* The completion raised the used-buffer interrupt, up to the PLIC. */
	lw t0, V_INT_STATUS(s0)
	andi t0, t0, 1
	EXPECT_NZ(12, t0)
	li t1, PLIC_PENDING
	lw t0, 0(t1)
	andi t0, t0, 2			/* source 1 */
	EXPECT_NZ(13, t0)
	li t0, 1
	sw t0, V_INT_ACK(s0)
	lw t0, V_INT_STATUS(s0)
	EXPECT_EQ(14, t0, zero)

	/* Write sector 1: byte i = 255 - (i & 0xff). */
	la t0, buf1
	li t1, 0
	li t2, 512
2:	add t3, t0, t1
	andi t4, t1, 0xff
	xori t4, t4, 0xff
	sb t4, 0(t3)
	addi t1, t1, 1
	bne t1, t2, 2b
	li a1, T_OUT
	li a2, 1
	la a3, buf1
	li a4, 512
	li a5, 0
	jal do_req
	EXPECT_EQ(15, a0, zero)

	/* FLUSH: header and status only. */
	li a1, T_FLUSH
	li a2, 0
	li a3, 0
	jal do_req
	EXPECT_EQ(16, a0, zero)

	/* Read sector 1 back. */
	li a1, T_IN
	li a2, 1
	la a3, buf0
	li a4, 512
	li a5, F_WRITE
	jal do_req
	EXPECT_EQ(17, a0, zero)
	la t0, buf0
	la t1, buf1
	li t2, 512
3:	lbu t3, 0(t0)
	lbu t4, 0(t1)
	EXPECT_EQ(18, t3, t4)
	addi t0, t0, 1
	addi t1, t1, 1
	addi t2, t2, -1
	bnez t2, 3b

	la a0, msg_flushed
	jal puts
	li t0, 'K'
	beq s3, t0, spin
	la a0, msg_pass
	jal puts
	EXIT_PASS

	/* Durability variant: the script kills us now. */
spin:	wfi
	j spin

fail:
	la a0, msg_fail
	jal puts
	EXIT_FAIL(s2)

park:	wfi
	j park

/*
 * One request: a1 type, a2 sector, a3 data buffer (0: none), a4 its
 * length, a5 its flags (F_WRITE: the device writes it).  Uses descriptors
 * 0 (header), 1 (data), 2 (status).  Returns the status byte in a0, or
 * -1 if the device did not answer.  Clobbers t0-t6.
 */
do_req:
	la t0, req_hdr
	sw a1, 0(t0)
	sw zero, 4(t0)
	sd a2, 8(t0)
	la t1, req_status
	li t2, 0xff
	sb t2, 0(t1)
	/* descriptor 0: the header, device-readable */
	sd t0, 0(s1)
	li t2, 16
	sw t2, 8(s1)
	li t2, F_NEXT
	sh t2, 12(s1)
	li t2, 1
	sh t2, 14(s1)
	beqz a3, 1f
	/* descriptor 1: the data */
	sd a3, 16(s1)
	sw a4, 24(s1)
	ori t2, a5, F_NEXT
	sh t2, 28(s1)
	li t2, 2
	sh t2, 30(s1)
	j 2f
1:	li t2, 2			/* no data: header -> status */
	sh t2, 14(s1)
2:	/* descriptor 2: the status byte, device-writable */
	sd t1, 32(s1)
	li t2, 1
	sw t2, 40(s1)
	li t2, F_WRITE
	sh t2, 44(s1)
	sh zero, 46(s1)
	/* avail ring: ring[idx % QN] = 0, then idx + 1 */
	addi t5, s1, AVAIL_OFF
	lhu t6, 2(t5)
	andi t2, t6, QN - 1
	slli t2, t2, 1
	add t2, t2, t5
	sh zero, 4(t2)
	fence rw, w			/* descriptors before the index */
	addi t6, t6, 1
	slli t6, t6, 48
	srli t6, t6, 48
	sh t6, 2(t5)
	fence rw, rw			/* the index before the notify */
	sw zero, V_QUEUE_NOTIFY(s0)
	/* wait until used idx catches up */
	li t2, USED_OFF
	add t5, s1, t2
	li t2, 200000000
3:	lhu t3, 2(t5)
	beq t3, t6, 4f
	addi t2, t2, -1
	bnez t2, 3b
	li a0, -1
	ret
4:	fence r, r			/* the index before the status */
	lbu a0, 0(t1)
	ret

/* puts: print the string at a0 (virt.h). */
UART_PUTS_FUNC

	.section .rodata
msg_flushed:	.asciz "blk: flushed\r\n"
msg_pass:	.asciz "blk: PASS\r\n"
msg_fail:	.asciz "blk: FAIL\r\n"

	.bss
	.balign 4096
ring:	.space 2 * 4096
	.balign 16
req_hdr:	.space 16
req_status:	.space 16
	.balign 512
buf0:	.space 512
buf1:	.space 512
	.balign 16
	.space 4096
stack_top:
