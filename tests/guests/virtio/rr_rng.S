/*
 * rr_rng.S - a guest for record and replay with devices (rhyve --record,
 * tests/integration/record_devices.py): hart 0 drives a virtio-rng on
 * virtio-mmio slot 0 (0x10001000) and, if there is one, a virtio-blk on
 * slot 1 (0x10002000), both modern (version 2), by polling their used
 * rings; the other harts count in memory until it is done.  Spec:
 * VIRTIO 1.2, 3.1 (initialisation), 4.2 (MMIO), 2.7 (split virtqueue),
 * 5.4 (entropy device), 5.2 (block device).
 *
 * Hart 0 asks the entropy device for 16 bytes NREQ times, a spin of
 * about 150,000 instructions between requests (so that they land in many
 * scheduling turns), and folds each answer into s4 as soon as it has it
 * (so that other bytes show in the registers at once).  Then it reads
 * sector 0 of the disk into s5 (folded the same way), adds 1 to the
 * sector's first byte and writes it back (at blk_write; the status byte
 * goes into s6 at blk_written: 1, IOERR, on a read-only disk), reads
 * the sector again and keeps its first 8 bytes in s7, prints
 * "rr_rng: s4 s5 s6 s7" in hex and powers off.  A device that does not
 * answer prints "rr_rng: FAIL" and exits with a failure code.
 */
#include "virt.h"

#define RNG		0x10001000
#define BLK		0x10002000
#define V_MAGIC		0x000
#define V_DEVICE_ID	0x008
#define V_DRV_FEAT	0x020
#define V_DRV_FEAT_SEL	0x024
#define V_QUEUE_SEL	0x030
#define V_QUEUE_NUM	0x038
#define V_QUEUE_READY	0x044
#define V_QUEUE_NOTIFY	0x050
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
#define NREQ		40
#define SPIN		50000		/* x 3 instructions */

#define F_NEXT		1
#define F_WRITE		2
#define T_IN		0
#define T_OUT		1

/* Read sector 0 into sbuf; fail unless the status is OK. */
.macro READ_SECTOR
	li a1, T_IN
	li a5, F_WRITE
	jal blk_req
	bltz a0, fail
	bnez a0, fail
.endm

	.section .text.init
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, counter
	la sp, stack_top
	li s4, 0
	li s5, 0
	li s6, 0xff
	li s7, 0

	li s0, RNG
	la s1, ring0
	li a0, 4
	jal setup
	beqz a0, fail

	li s3, NREQ
next:	/* descriptor 0: 16 device-writable bytes at rbuf */
	la t0, rbuf
	sd zero, 0(t0)
	sd zero, 8(t0)
	sd t0, 0(s1)
	li t1, 16
	sw t1, 8(s1)
	li t1, F_WRITE
	sh t1, 12(s1)
	sh zero, 14(s1)
	jal submit
	bltz a0, fail
	/* fold the bytes in at once */
	la t0, rbuf
	ld a0, 0(t0)
	jal fold4
	ld a0, 8(t0)
	jal fold4
	li t1, SPIN
1:	addi t1, t1, -1
	nop
	bnez t1, 1b
	addi s3, s3, -1
	bnez s3, next

	/* the disk, if slot 1 has one */
	li s0, BLK
	lw t0, V_MAGIC(s0)
	li t1, 0x74726976
	bne t0, t1, done
	lw t0, V_DEVICE_ID(s0)
	li t1, 2
	bne t0, t1, done
	la s1, ring1
	li a0, 2
	jal setup
	beqz a0, fail
	READ_SECTOR
	la t0, sbuf
	li t2, 64
2:	ld a0, 0(t0)
	slli t3, s5, 7
	srli t4, s5, 57
	or s5, t3, t4
	xor s5, s5, a0
	addi t0, t0, 8
	addi t2, t2, -1
	bnez t2, 2b
	la t0, sbuf
	lbu t1, 0(t0)
	addi t1, t1, 1
	sb t1, 0(t0)
blk_write:
	li a1, T_OUT
	li a5, 0
	jal blk_req
	bltz a0, fail
blk_written:
	mv s6, a0
	READ_SECTOR
	la t0, sbuf
	ld s7, 0(t0)

done:	la a0, msg_head
	jal puts
	mv a0, s4
	jal puthex
	mv a0, s5
	jal puthex
	mv a0, s6
	jal puthex
	mv a0, s7
	jal puthex
	la a0, msg_nl
	jal puts
	EXIT_PASS

fail:	la a0, msg_fail
	jal puts
	li t2, 1
	EXIT_FAIL(t2)

/* s4 = rotl(s4, 7) ^ a0.  Clobbers t3, t4. */
fold4:
	slli t3, s4, 7
	srli t4, s4, 57
	or s4, t3, t4
	xor s4, s4, a0
	ret

/* Harts other than 0: count in memory for ever (hart 0 powers off). */
counter:
	la t1, counts
	slli t0, t0, 3
	add t1, t1, t0
	li t2, 0
3:	addi t2, t2, 1
	sd t2, 0(t1)
	j 3b

/*
 * Set up the device at s0 (device id a0) with queue 0 of QN entries in
 * the ring at s1: reset, ACKNOWLEDGE, DRIVER, VERSION_1 only,
 * FEATURES_OK, the queue, DRIVER_OK (3.1.1).  a0 = 1 on success, 0 if
 * s0 holds another device or refuses.  Clobbers t0, t1.
 */
setup:
	lw t0, V_DEVICE_ID(s0)
	bne t0, a0, 9f
	sw zero, V_STATUS(s0)
	li t0, 1
	sw t0, V_STATUS(s0)
	li t0, 3
	sw t0, V_STATUS(s0)
	sw zero, V_DRV_FEAT_SEL(s0)
	sw zero, V_DRV_FEAT(s0)
	li t0, 1
	sw t0, V_DRV_FEAT_SEL(s0)
	sw t0, V_DRV_FEAT(s0)		/* VERSION_1 */
	li t0, 11
	sw t0, V_STATUS(s0)
	lw t0, V_STATUS(s0)
	andi t0, t0, 8
	beqz t0, 9f
	sw zero, V_QUEUE_SEL(s0)
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
	li t0, 15
	sw t0, V_STATUS(s0)
	li a0, 1
	ret
9:	li a0, 0
	ret

/*
 * Offer descriptor 0 (filled in by the caller) on queue 0 of the device
 * at s0, ring at s1, and wait for the device to use it.  a0 = 0, or -1 if
 * it never did.  Clobbers t2-t6.
 */
submit:
	addi t5, s1, AVAIL_OFF
	lhu t6, 2(t5)
	andi t2, t6, QN - 1
	slli t2, t2, 1
	add t2, t2, t5
	sh zero, 4(t2)
	fence rw, w			/* the descriptor before the index */
	addi t6, t6, 1
	slli t6, t6, 48
	srli t6, t6, 48
	sh t6, 2(t5)
	fence rw, rw			/* the index before the notify */
	sw zero, V_QUEUE_NOTIFY(s0)
	li t2, USED_OFF
	add t5, s1, t2
	li t2, 1000000
4:	lhu t3, 2(t5)
	beq t3, t6, 5f
	addi t2, t2, -1
	bnez t2, 4b
	li a0, -1
	ret
5:	fence r, r			/* the index before the data */
	li a0, 0
	ret

/*
 * A block request on sector 0 with sbuf (512 bytes) as data: a1 type,
 * a5 the data's flags.  Descriptors 0 (header), 1 (data), 2 (status).
 * a0 = the status byte, or -1.  Clobbers t0-t6.
 */
blk_req:
	addi sp, sp, -8
	sd ra, 0(sp)
	la t0, req_hdr
	sw a1, 0(t0)
	sw zero, 4(t0)
	sd zero, 8(t0)
	la t1, req_status
	li t2, 0xff
	sb t2, 0(t1)
	sd t0, 0(s1)
	li t2, 16
	sw t2, 8(s1)
	li t2, F_NEXT
	sh t2, 12(s1)
	li t2, 1
	sh t2, 14(s1)
	la t2, sbuf
	sd t2, 16(s1)
	li t2, 512
	sw t2, 24(s1)
	ori t2, a5, F_NEXT
	sh t2, 28(s1)
	li t2, 2
	sh t2, 30(s1)
	sd t1, 32(s1)
	li t2, 1
	sw t2, 40(s1)
	li t2, F_WRITE
	sh t2, 44(s1)
	sh zero, 46(s1)
	jal submit
	bltz a0, 6f
	la t1, req_status
	lbu a0, 0(t1)
6:	ld ra, 0(sp)
	addi sp, sp, 8
	ret

/* Print a0 as 16 hex digits and a space.  Clobbers t0-t3, a0. */
puthex:
	li t3, 60
	li t0, UART0
7:	srl t1, a0, t3
	andi t1, t1, 15
	addi t1, t1, '0'
	li t2, '9'
	ble t1, t2, 8f
	addi t1, t1, 'a' - '9' - 1
8:	lbu t2, 5(t0)
	andi t2, t2, 0x20
	beqz t2, 8b
	sb t1, 0(t0)
	addi t3, t3, -4
	bgez t3, 7b
9:	lbu t2, 5(t0)
	andi t2, t2, 0x20
	beqz t2, 9b
	li t1, ' '
	sb t1, 0(t0)
	ret

UART_PUTS_FUNC

	.section .rodata
msg_head:	.asciz "rr_rng: "
msg_nl:		.asciz "\n"
msg_fail:	.asciz "rr_rng: FAIL\n"

	.bss
	.balign 4096
ring0:	.space 8192
ring1:	.space 8192
	.balign 16
rbuf:	.space 16
sbuf:	.space 512
req_hdr: .space 16
req_status: .space 8
counts:	.space 64
	.balign 16
	.space 4096
stack_top:
