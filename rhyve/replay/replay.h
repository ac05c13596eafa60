/*
 * replay.h - record mode (rhyve --record): one thread runs every vCPU on
 * a deterministic schedule, logs what comes from outside and keeps
 * snapshots, so that the debug server can go back in the run (bs, bc)
 * and forward again through exactly the same history.  The design is in
 * docs/design-notes.md, "Record, replay and reverse execution";
 * positions and the history's data are in history.h.
 */
#ifndef RHYVE_REPLAY_H
#define RHYVE_REPLAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmctx;
struct vm_exit;

#define REPLAY_DEFAULT_LIMIT	(UINT64_C(512) << 20)
#define REPLAY_DEFAULT_QUANTUM	UINT64_C(100000)
#define REPLAY_DEFAULT_INTERVAL	UINT64_C(20000000)

struct replay_config {
	struct vmctx	*ctx;
	int		 ncpus;
	uint8_t		*ram;		/* guest RAM, host mapping */
	uint64_t	 ram_size;
	uint64_t	 limit;		/* bytes of history, all included */
	uint64_t	 quantum;	/* instructions a vCPU runs in turn */
	uint64_t	 interval;	/* instructions between snapshots */
	/* machine.c's handling of ECALL exits and of the VM's end */
	void		(*ecall)(int vcpu, struct vm_exit *vme);
	/* false: the recorder's thread ends */
	bool		(*suspended)(int how, uint32_t code);
	bool		 net;		/* a virtio-net device (net.h) */
	const char	*record_file;	/* save the history there at the end */
	const char	*replay_file;	/* start from that recording */
};

/*
 * Once the VM, its harts and devices are set up and before the debug
 * server starts: take over the console's input and the RTC's clock,
 * freeze time, take the first snapshot.  0, or -1 after one line on
 * stderr.
 */
int	replay_init(const struct replay_config *cfg);
/* Start the recorder's thread (instead of one thread per vCPU). */
int	replay_start(pthread_t *tid);
/* A few lines on the recording (monitor record). */
void	replay_describe(char *buf, size_t len);
/*
 * Hashes of guest RAM and of everything else a snapshot holds (VM
 * image, device state, the guest's input queue), for tests: equal
 * hashes at one position, reached two ways, mean an exact replay.
 * Only while the recorder's thread waits (the debugger holds the VM).
 */
int	replay_hash(uint64_t *ram, uint64_t *state);

#endif
