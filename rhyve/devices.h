/*
 * devices.h - the device models rhyve puts on the virt machine, as the
 * machine assembly (machine.c) sees them.  Each model lives in a file of
 * its own, registers its guest-physical window with mmio_register()
 * (mem.h), raises its PLIC line with vm_irq_set(), reaches guest RAM with
 * vm_map_gpa() and serialises itself: several vCPU threads may access it
 * at once.
 *
 * Every *_init returns 0, or -1 after printing one line to stderr that
 * names what went wrong ("rhyve: disk.img: ..."); nothing is left
 * half-initialised on failure.  Every *_fini undoes its init and is safe
 * to call when init never ran or failed.
 */
#ifndef RHYVE_DEVICES_H
#define RHYVE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vmctx;

/*
 * console.c - host stdio as the guest's console.  Owns stdin: when stdin
 * is a tty it is put in raw mode (restored by console_fini, and on any
 * exit path) and the QEMU escapes work: Ctrl-A x quits rhyve, Ctrl-A h
 * prints help, Ctrl-A c is reserved, Ctrl-A Ctrl-A sends one Ctrl-A.
 * Works with no tty and with stdin closed (no input then; a closed
 * stdin/stdout/stderr gets /dev/null parked on it, so no later open()
 * lands there and receives guest output).  A reader thread moves input
 * into a bounded queue; the UART and the built-in SBI take bytes from it.
 * When the queue is full the reader stops reading: input waits in the
 * host's buffers, it is never dropped.  Output to a closed or broken
 * stdout is dropped silently.
 */
int	console_init(struct vmctx *ctx);
void	console_fini(void);
/*
 * Put the terminal back as console_init found it.  Async-signal-safe (a
 * fatal signal handler may call it); the first call wins.
 */
void	console_restore_tty(void);
/* Guest output; safe from any thread. */
void	console_write(const void *buf, size_t len);
/* Next input byte, or -1 if none is queued.  Never blocks. */
int	console_getc(void);
/*
 * Called (from the reader thread, with no console lock held) whenever
 * input arrives, so the UART can raise its interrupt.  One listener; NULL
 * removes it.
 */
void	console_set_listener(void (*fn)(void *arg), void *arg);
/*
 * Record mode (rhyve/replay/): with a gate, console_getc() returns what
 * the gate gives (the recorder's deterministic queue), input arriving
 * from the host no longer calls the listener, and the recorder takes
 * the host's bytes with console_host_getc() and tells the listener
 * itself (console_notify_listener()) at its schedule's boundaries.
 */
void	console_set_gate(int (*fn)(void));
/* Record mode: guest output is dropped while history is replayed. */
void	console_set_muted(bool on);
int	console_host_getc(void);
void	console_notify_listener(void);

/* uart.c - NS16550A at 'base' on PLIC source 'irq', backed by the console. */
int	uart_init(struct vmctx *ctx, uint64_t base, int irq);
void	uart_fini(void);
/* Guest reset: registers to their reset values, line low; console kept. */
void	uart_device_reset(void);
/*
 * Record/replay snapshots: the UART's registers and receive FIFO as
 * bytes (UART_STATE_SIZE of them); restore sets the PLIC line it
 * remembers without touching the PLIC (the VM image holds that).
 */
#define UART_STATE_SIZE	64
void	uart_state_save(uint8_t *buf);
void	uart_state_restore(const uint8_t *buf);

/*
 * sifive_test.c - poweroff (0x5555), failure (0x3333 | code << 16) and
 * reset (0x7777), reported through vm_suspend() as POWEROFF, HALT with the
 * code, and RESET.  Other values are ignored; reads return 0.  No fini:
 * it has no state beyond its window.
 */
int	sifive_test_init(struct vmctx *ctx, uint64_t base);

/*
 * goldfish_rtc.c - wall-clock time (host CLOCK_REALTIME plus what the
 * guest set) and its alarm, which a thread waits for on a timerfd.
 */
int	goldfish_rtc_init(struct vmctx *ctx, uint64_t base, int irq);
void	goldfish_rtc_fini(void);
/* Guest reset: alarm cancelled, interrupt off; the guest-set time kept. */
void	goldfish_rtc_reset(void);
/*
 * Record mode: the clock is clock() (ns since the epoch, derived from
 * virtual time) instead of the host's; the alarm thread no longer fires,
 * goldfish_rtc_poll() does, at the recorder's boundaries.  State for
 * snapshots: RTC_STATE_SIZE bytes.
 */
void	goldfish_rtc_set_clock(int64_t (*clock)(void));
void	goldfish_rtc_poll(void);
#define RTC_STATE_SIZE	40
void	goldfish_rtc_state_save(uint8_t *buf);
void	goldfish_rtc_state_restore(const uint8_t *buf);

/* One virtio block device on a virtio-mmio slot (virtio_blk.c). */
struct disk_config {
	const char	*path;		/* raw image file */
	const char	*id;		/* -drive id=, or NULL */
	bool		 readonly;
	int		 slot;		/* virtio-mmio slot 0..VIRT_VIRTIO_COUNT-1 */
	bool		 legacy;	/* virtio-mmio version 1 instead of 2 */
};
/*
 * Opens and locks the image (a second rhyve on the same image fails, as
 * QEMU's locking does), registers slot's window and IRQ.  FLUSH is
 * fdatasync; what the guest flushed is on the disk.  I/O is synchronous,
 * on the vCPU thread that notified.
 */
int	virtio_blk_init(struct vmctx *ctx, const struct disk_config *d);
/* Flush and close every virtio block device. */
void	virtio_blk_fini(void);
/*
 * Guest reset: every disk's transport to reset state (as a driver's
 * Status write of 0); images stay open and locked, writes flushed.
 */
void	virtio_blk_reset(void);
/*
 * Record mode, writable disks: each request is handed to rec(), which
 * either calls serve(arg) (the request against the image) or stands in
 * for it, and returns what serve() would: the bytes written into the
 * request's device-writable buffers (the data, then the status byte
 * that ends the last buffer), or -1 for a chain that is no request
 * (the device then needs a reset: only serve() does that).  q says what
 * the request would write to the image, if anything, so that the
 * recorder can keep the bytes it replaces.  Called on the thread that
 * notified, under the transport's mutex.  Read-only disks are served
 * directly.
 */
struct blk_rr_req {
	int		 disk;		/* its virtio-mmio slot */
	bool		 write;		/* the image takes [off, off + len) */
	uint64_t	 off, len;
	const struct iovec *wiov;	/* device-writable buffers */
	int		 nwrite;
};
typedef int64_t	blk_rr_fn(const struct blk_rr_req *q,
		    int64_t (*serve)(void *arg), void *arg);
void	virtio_blk_set_recorder(blk_rr_fn *rec);
/*
 * Read or write (then fdatasync) len bytes of disk's image at byte off,
 * for the recorder.  0, or -1 (errno).
 */
int	virtio_blk_read_image(int disk, uint64_t off, void *buf, size_t len);
int	virtio_blk_write_image(int disk, uint64_t off, const void *buf,
	    size_t len);

/*
 * virtio_rng.c - one virtio entropy device on virtio-mmio slot 'slot'
 * (0..VIRT_VIRTIO_COUNT-1), version 1 transport if 'legacy'.  Its bytes
 * come from getrandom(2), served on the vCPU thread that notified.
 */
int	virtio_rng_init(struct vmctx *ctx, int slot, bool legacy);
void	virtio_rng_fini(void);
/* Guest reset: the transport to reset state. */
void	virtio_rng_reset(void);
/*
 * Record mode: source(buf, len) gives the bytes instead of getrandom (up
 * to len, 0 for none now); called on the thread that notified the device.
 */
void	virtio_rng_set_source(size_t (*source)(void *buf, size_t len));

/*
 * One virtio network device (virtio_net.c) on user-mode networking
 * (net_slirp.c, libslirp).  Addresses are in host byte order.
 */
#define NET_HOSTFWD_MAX		16
struct net_hostfwd {
	bool		 udp;
	uint32_t	 host_addr;	/* where rhyve listens; loopback default */
	uint16_t	 host_port;
	uint32_t	 guest_addr;	/* 0: the guest's DHCP address */
	uint16_t	 guest_port;
};
struct net_config {
	int		 slot;		/* virtio-mmio slot */
	bool		 legacy;
	uint8_t		 mac[6];
	uint32_t	 net, mask;	/* guest network: 10.0.2.0/24 */
	uint32_t	 host;		/* the host as the guest sees it: .2 */
	struct net_hostfwd fwd[NET_HOSTFWD_MAX];
	int		 nfwd;
};
/*
 * The device, then its backend: libslirp set up (host forwarding sockets
 * bound now, before the sandbox) and its poll-loop thread started.
 */
int	virtio_net_init(struct vmctx *ctx, const struct net_config *nc);
/* Stop the backend thread, then the device. */
void	virtio_net_fini(void);
/* Guest reset: the transport to reset state; the backend keeps running. */
void	virtio_net_reset(void);

#endif
