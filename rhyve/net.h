/*
 * net.h - rhyve's network device and its user-mode backend, and how the
 * two meet.  virtio_net.c is the device model (rings, header, config
 * space); net_slirp.c is the backend: libslirp (DHCP, DNS forwarding,
 * NAT to the host's sockets, host forwarding) driven by a poll-loop
 * thread of its own, so no network work runs on a vCPU thread.
 *
 * Threads.  vCPU threads only notify: a QueueNotify on either queue
 * kicks the backend (net_slirp_kick, an eventfd write).  The backend
 * thread takes the guest's frames (virtio_net_tx) and hands slirp's to
 * the guest (virtio_net_rx); both take the transport's mutex for as long
 * as they touch the rings.
 *
 * The debugger.  While the debug server holds vCPUs (the debug set,
 * vm_debug_cpus(), is not empty) neither function touches guest memory:
 * they return "not now" and the backend keeps its frames and retries on
 * a short timer until the guest runs again (docs/design-notes.md).
 */
#ifndef RHYVE_NET_H
#define RHYVE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices.h"

/* Largest Ethernet frame either side carries (no offloads: MTU 1500). */
#define NET_FRAME_MAX		1514

/*
 * Called on the backend thread for each frame the guest sent.
 */
typedef void (*net_tx_fn)(const uint8_t *frame, size_t len, void *arg);

/*
 * Backend thread: take up to 'max' frames from the transmit queue, call
 * emit for each (with no lock held) and complete them.  Returns the
 * number taken, 0 when there was nothing to do, or -1 when the guest may
 * not be touched now (debugger holds vCPUs) or the device is not running.
 */
int	virtio_net_tx(net_tx_fn emit, void *arg, int max);

/*
 * Backend thread: put one frame in the guest's receive queue.  Returns 1
 * when delivered, 0 when it must wait (no receive buffer yet, debugger
 * holds vCPUs), -1 when it is to be dropped (device not running, frame
 * larger than the buffer the driver gave).
 */
int	virtio_net_rx(const uint8_t *frame, size_t len);

/*
 * Record mode (rhyve --record, replay.c): the rings move only on the
 * recorder's thread.  virtio_net_set_recorder(tx): a transmit notify
 * hands each frame to tx() at once (on the notifying thread, the
 * transport's mutex held) instead of kicking the backend; receive
 * notifies do nothing.  virtio_net_rx_recorded(): virtio_net_rx()
 * whoever holds vCPUs, for the recorder at segment boundaries.  Set
 * before the guest runs.
 */
void	virtio_net_set_recorder(void (*tx)(const uint8_t *frame, size_t len));
int	virtio_net_rx_recorded(const uint8_t *frame, size_t len);

/* Is the device running (DRIVER_OK, not broken)?  Any thread. */
bool	virtio_net_running(void);

/*
 * What a QueueNotify calls (on the vCPU thread, transport mutex held):
 * net_slirp_kick by default; a test or fuzzer installs its own, NULL
 * restores the default.  Set before the guest runs.
 */
void	virtio_net_set_kick(void (*kick)(void));

/*
 * The device alone, without a backend: for the unit tests and the
 * fuzzer, which call virtio_net_tx/rx themselves (virtio_net_init is
 * this plus net_slirp_init/start).  Same return conventions.
 */
int	virtio_net_device_init(struct vmctx *ctx, const struct net_config *nc);
void	virtio_net_device_fini(void);

/*
 * net_slirp.c.  init: libslirp with nc's network, host forwards bound
 * (0, or -1 after one line on stderr, nothing left behind); start: the
 * poll-loop thread, once the device exists; fini: stop and join the
 * thread, free everything (safe when init never ran or failed); kick:
 * wake the thread to look at the rings (any thread, never blocks).
 */
int	net_slirp_init(const struct net_config *nc);
int	net_slirp_start(void);
void	net_slirp_fini(void);
void	net_slirp_kick(void);
/*
 * Record mode: the backend stops moving frames itself.
 * net_slirp_set_recorded(): from now on frames slirp sends wait in its
 * queue (dropped when it is full) for the recorder, which copies the
 * oldest out with net_slirp_rx_peek() (its length, 0 if none; buf holds
 * NET_FRAME_MAX) and takes it with net_slirp_rx_pop() once the guest
 * has it; net_slirp_send() queues a frame of the guest's for slirp (any
 * thread; dropped when the queue is full).
 */
void	net_slirp_set_recorded(void);
size_t	net_slirp_rx_peek(uint8_t *buf);
void	net_slirp_rx_pop(void);
void	net_slirp_send(const uint8_t *frame, size_t len);

#endif
