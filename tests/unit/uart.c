/*
 * uart.c - the NS16550A model (rhyve/uart.c) and the console behind it
 * (rhyve/console.c), through the real MMIO dispatch of a real VM:
 * register state as a driver reads it (DLAB, LSR bits, IIR priorities,
 * FIFO depth and overrun, loopback), output reaching stdout and input from
 * stdin (with the Ctrl-A escapes) reaching RBR.  The PLIC line itself sits
 * inside the vmm and is not readable from here; guests that take UART
 * interrupts (Linux, xv6) cover it.  Register reference: TI PC16550D data
 * sheet; behaviour: QEMU hw/char/serial.c.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/virt.h"
#include "vmmapi/vmmapi.h"

#define RBR	0
#define THR	0
#define DLL	0
#define IER	1
#define DLM	1
#define IIR	2
#define FCR	2
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

static struct vmctx *ctx;

static uint64_t
reg_access(uint64_t off, bool write, int size, uint64_t val)
{
	struct vm_exit e;

	memset(&e, 0, sizeof(e));
	e.exitcode = VM_EXITCODE_MMIO;
	e.u.mmio.gpa = VIRT_UART0_BASE + off;
	e.u.mmio.size = size;
	e.u.mmio.write = write;
	e.u.mmio.data = val;
	mmio_emulate(0, &e);
	cr_assert_not(e.u.mmio.fault, "fault at UART offset %#lx", off);
	return e.u.mmio.data;
}

static uint8_t
rd(int reg)
{
	return (uint8_t)reg_access((uint64_t)reg, false, 1, 0);
}

static void
wr(int reg, uint8_t v)
{
	reg_access((uint64_t)reg, true, 1, v);
}

static void
setup(void)
{
	ctx = vm_open_new(1, 16u << 20);
	cr_assert_not_null(ctx);
	cr_assert_eq(uart_init(ctx, VIRT_UART0_BASE, VIRT_UART0_IRQ), 0);
}

static void
teardown(void)
{
	uart_fini();
	console_fini();
	mmio_unregister_all();
	vm_close(ctx);
}

TestSuite(uart, .init = setup, .fini = teardown);

Test(uart, reset_state)
{
	cr_assert_eq(rd(LSR), 0x60);		/* THRE | TEMT, no data */
	cr_assert_eq(rd(IIR), 0x01);		/* no interrupt, FIFOs off */
	cr_assert_eq(rd(IER), 0x00);
	cr_assert_eq(rd(LCR), 0x03);
	cr_assert_eq(rd(MSR) & 0xf0, 0xb0);	/* DCD | DSR | CTS */
	cr_assert_eq(rd(RBR), 0);		/* empty receiver */
}

Test(uart, dlab_switches_divisor_latch)
{
	wr(IER, 0x05);
	wr(LCR, 0x83);
	wr(DLL, 0x01);
	wr(DLM, 0x02);
	cr_assert_eq(rd(DLL), 0x01);
	cr_assert_eq(rd(DLM), 0x02);
	wr(LCR, 0x03);
	cr_assert_eq(rd(IER), 0x05);		/* untouched by the DLM write */
	wr(LCR, 0x83);
	cr_assert_eq(rd(DLL), 0x01);
	cr_assert_eq(rd(DLM), 0x02);
}

Test(uart, scratch_and_wide_accesses)
{
	wr(SCR, 0xa5);
	cr_assert_eq(rd(SCR), 0xa5);
	/* A 32-bit store reaches the byte register: its low byte. */
	reg_access(SCR, true, 4, 0x12345678);
	cr_assert_eq(reg_access(SCR, false, 4, 0), 0x78);
	/* Past the eight registers: zero, and no fault. */
	cr_assert_eq(reg_access(0x10, false, 4, 0), 0);
	cr_assert_eq(reg_access(0xff, false, 1, 0), 0);
}

Test(uart, thre_interrupt)
{
	wr(MCR, 0x10);				/* loopback: no stdout */
	wr(IER, 0x02);				/* ETBEI with THR empty */
	cr_assert_eq(rd(IIR), 0x02);
	cr_assert_eq(rd(IIR), 0x01);		/* reading IIR cleared it */
	wr(THR, 'x');				/* sent at once: THRE again */
	cr_assert_eq(rd(LSR) & 0x60, 0x60);
	cr_assert_eq(rd(IIR), 0x02);
	wr(IER, 0x00);
	cr_assert_eq(rd(IIR), 0x01);
}

Test(uart, loopback_receive_and_priorities)
{
	wr(MCR, 0x10);
	wr(THR, 'A');
	cr_assert_eq(rd(LSR) & 0x01, 0x01);	/* data ready */
	cr_assert_eq(rd(IIR), 0x01);		/* nothing enabled */
	wr(IER, 0x03);				/* RDA and THRE */
	cr_assert_eq(rd(IIR), 0x04);		/* data first */
	cr_assert_eq(rd(RBR), 'A');
	cr_assert_eq(rd(LSR) & 0x01, 0x00);
	cr_assert_eq(rd(IIR), 0x02);		/* then THRE */
	cr_assert_eq(rd(IIR), 0x01);
}

Test(uart, fifo_depth_and_overrun)
{
	wr(FCR, 0x07);				/* enable and clear */
	cr_assert_eq(rd(IIR) & 0xc0, 0xc0);
	wr(MCR, 0x10);
	for (int i = 0; i < 17; i++)
		wr(THR, (uint8_t)('a' + i));
	wr(IER, 0x05);				/* RDA and line status */
	cr_assert_eq(rd(IIR) & 0x0f, 0x06);	/* overrun outranks data */
	cr_assert_eq(rd(LSR) & 0x03, 0x03);	/* OE | DR */
	cr_assert_eq(rd(LSR) & 0x02, 0x00);	/* OE clears on read */
	cr_assert_eq(rd(IIR) & 0x0f, 0x04);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(rd(RBR), 'a' + i);	/* the 17th was lost */
	cr_assert_eq(rd(LSR) & 0x01, 0);
	cr_assert_eq(rd(IIR) & 0x0f, 0x01);
}

Test(uart, no_fifo_holds_one_byte)
{
	wr(MCR, 0x10);
	wr(THR, '1');
	wr(THR, '2');
	cr_assert_eq(rd(LSR) & 0x03, 0x03);
	cr_assert_eq(rd(RBR), '1');
	cr_assert_eq(rd(LSR) & 0x01, 0);
}

Test(uart, fcr_clears_receiver)
{
	wr(FCR, 0x01);
	wr(MCR, 0x10);
	wr(THR, 'q');
	wr(THR, 'r');
	wr(FCR, 0x03);
	cr_assert_eq(rd(LSR) & 0x01, 0);
	/* Turning the FIFOs off empties them too. */
	wr(THR, 's');
	wr(FCR, 0x00);
	cr_assert_eq(rd(LSR) & 0x01, 0);
	cr_assert_eq(rd(IIR) & 0xc0, 0);
}

Test(uart, loopback_modem_status)
{
	rd(MSR);
	wr(MCR, 0x10);				/* loop, all outputs low */
	cr_assert_eq(rd(MSR) & 0xf0, 0x00);
	wr(MCR, 0x1f);
	cr_assert_eq(rd(MSR) & 0xf0, 0xf0);
	wr(MCR, 0x12);				/* RTS only -> CTS */
	cr_assert_eq(rd(MSR) & 0xf0, 0x10);
	/* Deltas latch and clear on read; an interrupt when enabled. */
	wr(MCR, 0x10);
	wr(IER, 0x08);
	cr_assert_eq(rd(IIR), 0x00);
	cr_assert_neq(rd(MSR) & 0x0f, 0);
	cr_assert_eq(rd(MSR) & 0x0f, 0);
	cr_assert_eq(rd(IIR), 0x01);
}

Test(uart, output_reaches_stdout, .init = cr_redirect_stdout)
{
	wr(THR, 'o');
	wr(THR, 'k');
	reg_access(THR, true, 4, '\n');
	fflush(stdout);
	cr_assert_stdout_eq_str("ok\n");
}

/* Poll LSR.DR for up to two seconds (the console's reader is a thread). */
static bool
wait_data(void)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 2000; i++) {
		if (rd(LSR) & 0x01)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

Test(uart, input_from_stdin_with_escapes, .init = cr_redirect_stdin)
{
	FILE *in = cr_get_redirected_stdin();

	cr_assert_eq(console_init(ctx), 0);
	wr(FCR, 0x01);
	/* "hi", an escaped Ctrl-A, an unknown escape (dropped), "!" */
	fputs("hi\x01\x01\x01q!", in);
	fflush(in);
	for (const char *p = "hi\x01!"; *p != '\0'; p++) {
		cr_assert(wait_data(), "no input for '%c'", *p);
		cr_assert_eq(rd(RBR), (uint8_t)*p);
	}
	fclose(in);
	/* EOF: nothing more, and the reader thread just stops. */
	cr_assert_eq(rd(LSR) & 0x01, 0);
}

Test(uart, input_beyond_the_fifo_waits_in_the_console,
    .init = cr_redirect_stdin)
{
	FILE *in = cr_get_redirected_stdin();
	char buf[101];

	cr_assert_eq(console_init(ctx), 0);
	wr(FCR, 0x01);
	for (int i = 0; i < 100; i++)
		buf[i] = (char)('0' + i % 10);
	buf[100] = '\0';
	fputs(buf, in);
	fclose(in);
	/* 100 bytes through a 16-byte FIFO: none lost, no overrun. */
	for (int i = 0; i < 100; i++) {
		cr_assert(wait_data(), "byte %d missing", i);
		cr_assert_eq(rd(LSR) & 0x02, 0);
		cr_assert_eq(rd(RBR), (uint8_t)buf[i]);
	}
}

Test(uart, ctrl_a_h_prints_help, .init = cr_redirect_stdin)
{
	FILE *in = cr_get_redirected_stdin();
	struct pollfd pfd;
	char out[1024];
	ssize_t n;
	int p[2], saved;

	/* Our own pipe as stdout, to read what the console printed. */
	cr_assert_eq(pipe(p), 0);
	saved = dup(STDOUT_FILENO);
	cr_assert_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	close(p[1]);
	cr_assert_eq(console_init(ctx), 0);
	fputs("\x01h", in);
	fclose(in);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	cr_assert_eq(poll(&pfd, 1, 2000), 1, "no help within 2 s");
	/* The help is one write of less than PIPE_BUF: all there now. */
	console_fini();
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	cr_assert_gt(n, 0);
	out[n] = '\0';
	cr_assert(strstr(out, "C-a x") != NULL, "help text: \"%s\"", out);
	cr_assert_eq(rd(LSR) & 0x01, 0);	/* the escape is no input */
}
