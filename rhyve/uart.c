/*
 * uart.c - the NS16550A UART of QEMU's virt machine, as QEMU models it
 * (hw/char/serial.c; register reference: TI PC16550D data sheet, "Table 2
 * Summary of Accessible Registers").  Registers are 8 bits wide at
 * consecutive byte offsets (reg-shift 0); a wider access reaches the byte
 * register at its offset (value in the low byte).
 *
 * Transmission is instantaneous: a THR write goes to the console at once,
 * so THRE and TEMT are always set when the guest looks, and the THR-empty
 * interrupt becomes pending right after each write (when enabled).  Input
 * comes from the console's queue into a 16-byte receive FIFO (1 byte with
 * the FIFOs off), refilled on every register access and whenever the
 * console reports input, so bytes wait in the console's queue rather than
 * being overrun.  The received-data interrupt is raised whenever data is
 * present (no trigger level and no character timeout: drivers cope, since
 * the 16550 raises the timeout interrupt for fewer bytes anyway).
 *
 * The interrupt line (PLIC source 'irq', level) is recomputed after every
 * register access and on console input.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "mem.h"
#include "state_image.h"
#include "virt.h"
#include "vmmapi/vmmapi.h"

/* Register offsets. */
#define REG_RBR		0	/* read, DLAB=0 */
#define REG_THR		0	/* write, DLAB=0 */
#define REG_DLL		0	/* DLAB=1 */
#define REG_IER		1	/* DLAB=0 */
#define REG_DLM		1	/* DLAB=1 */
#define REG_IIR		2	/* read */
#define REG_FCR		2	/* write */
#define REG_LCR		3
#define REG_MCR		4
#define REG_LSR		5
#define REG_MSR		6
#define REG_SCR		7
#define UART_NREGS	8

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* THR empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_ID_MASK	0x0e
#define IIR_FIFO_ON	0xc0

#define FCR_FE		0x01
#define FCR_RFR		0x02
#define FCR_TFR		0x04

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_PE		0x04
#define LSR_FE		0x08
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_ERRS	(LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_DELTAS	0x0f

#define UART_FIFO_LEN	16

/*
 * One UART.  Locking legend: (i) set at init; (u) under mtx.  The
 * console's reader thread and every vCPU thread come through mtx.
 */
static struct uart {
	pthread_mutex_t	 mtx;
	struct vmctx	*ctx;		/* (i) */
	int		 irq;		/* (i) */
	bool		 active;	/* (i) */
	uint8_t		 ier, lcr, mcr, lsr, msr, scr, fcr;	/* (u) */
	uint8_t		 dll, dlm;	/* (u) */
	bool		 thr_ipending;	/* (u) THR-empty interrupt pending */
	uint8_t		 rx[UART_FIFO_LEN];	/* (u) receive FIFO */
	unsigned	 rx_head, rx_count;	/* (u) */
	int		 irq_level;	/* (u) what the PLIC line is at */
} uart = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
};

static unsigned
uart_rx_cap(const struct uart *u)
{
	return (u->fcr & FCR_FE) ? UART_FIFO_LEN : 1;
}

static void
uart_rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count >= uart_rx_cap(u)) {
		u->lsr |= LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_LEN] = c;
	u->rx_count++;
	u->lsr |= LSR_DR;
}

static uint8_t
uart_rx_pop(struct uart *u)
{
	uint8_t c;

	if (u->rx_count == 0)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_LEN;
	if (--u->rx_count == 0)
		u->lsr &= ~LSR_DR;
	return c;
}

static void
uart_rx_clear(struct uart *u)
{
	u->rx_head = u->rx_count = 0;
	u->lsr &= ~LSR_DR;
}

/*
 * Move console input into the receive FIFO.  In loopback mode the
 * receiver is cut off from the outside world, so the console waits.
 */
static void
uart_rx_refill(struct uart *u)
{
	int c;

	if (u->mcr & MCR_LOOP)
		return;
	while (u->rx_count < uart_rx_cap(u)) {
		if ((c = console_getc()) < 0)
			break;
		uart_rx_push(u, (uint8_t)c);
	}
}

/* IIR's interrupt identification, highest priority first. */
static uint8_t
uart_iir_id(const struct uart *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRS))
		return IIR_RLSI;
	if ((u->ier & IER_ERBFI) && (u->lsr & LSR_DR))
		return IIR_RDI;
	if ((u->ier & IER_ETBEI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

/*
 * Drive the PLIC line from the pending interrupts.  QEMU's virt wires the
 * line directly, ignoring OUT2 (Linux's 8250 driver sets OUT2 anyway;
 * OpenSBI and xv6 never do), so OUT2 does not gate it here either.
 *
 * And as on QEMU, the line's gateway latches requests (VM_IRQ_LATCHED):
 * an interrupt that stays pending is requested again only by a new
 * 'event' (the points where QEMU's serial.c updates its IRQ: a register
 * write, a read of RBR or IIR, input arriving), not each time the guest
 * completes it at the PLIC.  xv6-riscv relies on that: it enables the THR
 * empty interrupt, never reads IIR, and on a spec PLIC (re-pending a
 * level still high at completion) a single hart does nothing but take
 * that interrupt again.
 */
static void
uart_update_irq(struct uart *u, bool event)
{
	int level = uart_iir_id(u) != IIR_NO_INT;

	if (level != u->irq_level || (level && event)) {
		u->irq_level = level;
		(void)vm_irq_set(u->ctx, u->irq, level | VM_IRQ_LATCHED);
	}
}

/* Modem status inputs: fixed (DCD, DSR, CTS) or looped back from MCR. */
static void
uart_update_msr(struct uart *u)
{
	uint8_t in, old = u->msr;

	if (u->mcr & MCR_LOOP) {
		in = ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
		    ((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
		    ((u->mcr & MCR_OUT1) ? MSR_RI : 0) |
		    ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
	} else {
		in = MSR_DCD | MSR_DSR | MSR_CTS;
	}
	u->msr = (old & MSR_DELTAS) | in;
	if ((old ^ in) & MSR_CTS)
		u->msr |= MSR_DCTS;
	if ((old ^ in) & MSR_DSR)
		u->msr |= MSR_DDSR;
	if ((old ^ in) & MSR_DCD)
		u->msr |= MSR_DDCD;
	if ((old & MSR_RI) && !(in & MSR_RI))
		u->msr |= MSR_TERI;
}

static void
uart_reset(struct uart *u)
{
	u->ier = 0;
	u->lcr = 0x03;		/* 8N1, as QEMU resets it */
	u->mcr = MCR_OUT2;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->scr = 0;
	u->fcr = 0;
	u->dll = 0x0c;		/* 9600 baud from 1.8432 MHz */
	u->dlm = 0;
	u->thr_ipending = false;
	uart_rx_clear(u);
	u->irq_level = 0;
}

static void
uart_transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		uart_rx_push(u, c);
	} else {
		console_write(&c, 1);
	}
	/* The byte is gone at once: THR and shifter are empty again. */
	u->lsr |= LSR_THRE | LSR_TEMT;
	u->thr_ipending = true;
}

static uint8_t
uart_read(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case REG_RBR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		v = uart_rx_pop(u);
		/* The next queued byte moves up at once. */
		uart_rx_refill(u);
		return v;
	case REG_IER:
		if (u->lcr & LCR_DLAB)
			return u->dlm;
		return u->ier;
	case REG_IIR:
		v = uart_iir_id(u);
		/* Reading IIR that reports THR empty clears that source. */
		if (v == IIR_THRI)
			u->thr_ipending = false;
		if (u->fcr & FCR_FE)
			v |= IIR_FIFO_ON;
		return v;
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		v = u->lsr;
		/* Error bits and BI clear on read. */
		u->lsr &= ~LSR_ERRS;
		return v;
	case REG_MSR:
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		return v;
	case REG_SCR:
		return u->scr;
	}
	return 0;
}

static void
uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	uint8_t changed;

	switch (reg) {
	case REG_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			return;
		}
		u->thr_ipending = false;
		uart_transmit(u, v);
		return;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			return;
		}
		changed = (u->ier ^ v) & 0x0f;
		u->ier = v & 0x0f;
		/* Enabling ETBEI with THR empty raises THRE at once. */
		if (changed & IER_ETBEI)
			u->thr_ipending = (u->ier & IER_ETBEI) &&
			    (u->lsr & LSR_THRE);
		return;
	case REG_FCR:
		if ((v ^ u->fcr) & FCR_FE) {
			/* Switching the FIFOs on or off empties them. */
			v |= FCR_RFR | FCR_TFR;
		}
		if (v & FCR_RFR) {
			uart_rx_clear(u);
			u->lsr &= ~LSR_OE;
		}
		/* Transmit FIFO is always empty: nothing to clear. */
		u->fcr = v & 0xc9;	/* FE, DMA mode, trigger level */
		uart_rx_refill(u);
		return;
	case REG_LCR:
		u->lcr = v;
		return;
	case REG_MCR:
		changed = (u->mcr ^ v) & MCR_LOOP;
		u->mcr = v & MCR_MASK;
		uart_update_msr(u);
		if (changed && !(u->mcr & MCR_LOOP))
			uart_rx_refill(u);
		return;
	case REG_LSR:
	case REG_MSR:
		/* Read-only (factory test on real parts): ignored. */
		return;
	case REG_SCR:
		u->scr = v;
		return;
	}
}

static int
uart_mmio(void *arg, int vcpu, bool write, uint64_t off, int size,
    uint64_t *val)
{
	struct uart *u = arg;

	(void)vcpu;
	(void)size;
	if (off >= UART_NREGS) {
		/* Rest of the 0x100 window: reads as zero, writes ignored. */
		if (!write)
			*val = 0;
		return 0;
	}
	pthread_mutex_lock(&u->mtx);
	if (write) {
		uart_write(u, (unsigned)off, (uint8_t)*val);
	} else {
		uart_rx_refill(u);
		*val = uart_read(u, (unsigned)off);
	}
	uart_update_irq(u, write || off == REG_RBR || off == REG_IIR);
	pthread_mutex_unlock(&u->mtx);
	return 0;
}

/* Console listener: input arrived. */
static void
uart_input(void *arg)
{
	struct uart *u = arg;

	pthread_mutex_lock(&u->mtx);
	uart_rx_refill(u);
	uart_update_irq(u, true);
	pthread_mutex_unlock(&u->mtx);
}

/*
 * The guest-visible state, for record/replay snapshots: the layout of the
 * UART's snapshot slot (state_image.h; changing it changes recordings).
 */
struct uart_state {
	uint8_t		 ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm;
	bool		 thr_ipending;
	uint8_t		 rx[UART_FIFO_LEN];
	uint32_t	 rx_head, rx_count;
	int32_t		 irq_level;
};
_Static_assert(sizeof(struct uart_state) <= UART_STATE_SIZE,
    "UART_STATE_SIZE too small");

/* Each field to (save) or from (restore) the image; under uart.mtx. */
static void
uart_image(uint8_t *img, bool save)
{
#define F(member, field) \
	STATE_IMAGE(save, img, struct uart_state, member, field)
	F(ier, uart.ier); F(lcr, uart.lcr); F(mcr, uart.mcr);
	F(lsr, uart.lsr); F(msr, uart.msr); F(scr, uart.scr);
	F(fcr, uart.fcr); F(dll, uart.dll); F(dlm, uart.dlm);
	F(thr_ipending, uart.thr_ipending);
	STATE_IMAGE_BYTES(save, img, struct uart_state, rx, uart.rx);
	F(rx_head, uart.rx_head);
	F(rx_count, uart.rx_count);
	F(irq_level, uart.irq_level);
#undef F
}

void
uart_state_save(uint8_t *buf)
{
	state_image_save(buf, UART_STATE_SIZE, &uart.mtx, uart_image);
}

void
uart_state_restore(const uint8_t *buf)
{
	state_image_restore(buf, &uart.mtx, uart_image);
}

int
uart_init(struct vmctx *ctx, uint64_t base, int irq)
{
	struct mmio_range r;

	pthread_mutex_lock(&uart.mtx);
	uart.ctx = ctx;
	uart.irq = irq;
	uart_reset(&uart);
	pthread_mutex_unlock(&uart.mtx);

	memset(&r, 0, sizeof(r));
	r.name = "uart";
	r.base = base;
	r.size = VIRT_UART0_SIZE;
	r.handler = uart_mmio;
	r.arg = &uart;
	if (mmio_register(&r) != 0) {
		fprintf(stderr, "rhyve: uart: window at %#jx is taken\n",
		    (uintmax_t)base);
		return -1;
	}
	uart.active = true;
	console_set_listener(uart_input, &uart);
	return 0;
}

void
uart_fini(void)
{
	if (!uart.active)
		return;
	console_set_listener(NULL, NULL);
	uart.active = false;
}

/*
 * Machine reset: registers back to their reset values, as at init; the
 * console and the window stay.  The line is lowered if it was high.
 * Input still queued in the console is picked up as the guest reads.
 */
void
uart_device_reset(void)
{
	int level;

	if (!uart.active)
		return;
	pthread_mutex_lock(&uart.mtx);
	level = uart.irq_level;
	uart_reset(&uart);
	if (level != 0)
		(void)vm_irq_set(uart.ctx, uart.irq, VM_IRQ_LATCHED);
	uart_rx_refill(&uart);
	uart_update_irq(&uart, false);
	pthread_mutex_unlock(&uart.mtx);
}
