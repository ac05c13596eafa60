/*
 * gdb_server.h - the debug server's shared state, private to gdb.c
 * (transport, run control, vCPU hooks), gdb_cmds.c (the packet handlers),
 * gdb_nonstop.c (non-stop mode) and gdb_dprintf.c (breakpoint conditions
 * and commands in the vCPU, their output).  The rest of rhyve uses gdb.h.
 */
#ifndef RHYVE_GDB_SERVER_H
#define RHYVE_GDB_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdb_cond.h"
#include "gdb_packet.h"
#include "gdb_target.h"

#define GDB_SIGINT	2
#define GDB_SIGTRAP	5

#define EMEM		0x0e	/* E0e: memory not accessible (EFAULT is 14) */
#define ERUNNING	0x10	/* E10: non-stop, that vCPU runs (EBUSY is 16) */

enum gdb_ev {
	EV_NONE = 0,
	EV_STEP,		/* a requested single step finished */
	EV_SWBREAK,		/* vmm breakpoint set with Z0 */
	EV_HWBREAK,		/* vmm breakpoint set with Z1 */
	EV_GUESTBREAK,		/* guest ebreak (VM_CAP_BPT_EXIT) */
	EV_WATCH,		/* vmm watchpoint */
};

enum gdb_act {
	ACT_NONE = 0,		/* stays held */
	ACT_CONT,
	ACT_STEP,
	ACT_STOP,		/* vCont 't': non-stop only (all-stop: ACT_NONE) */
};

#include "gdb_nonstop.h"	/* uses enum gdb_act */

/*
 * Per-vCPU debug state.  Locking: (g) under gdbsrv.mtx.
 */
struct gdb_vcpu {
	bool	 present;	/* (g) its thread called gdb_cpu_add() */
	bool	 hold;		/* (g) must not run: parked or about to park */
	bool	 parked;	/* (g) its thread waits in park_locked() */
	bool	 stepping;	/* (g) MTRAP armed for a debugger step */
	bool	 user_hold;	/* (g) "monitor suspend N": resumes skip it */
	int	 ev;		/* (g) queued event, enum gdb_ev */
	uint64_t ev_pc;		/* (g) */
	uint64_t ev_addr;	/* (g) watchpoint address */
	uint64_t ev_len;	/* (g) watchpoint length */
	int	 ev_wtype;	/* (g) watchpoint type, VM_WATCH_* */
	int	 ns_state;	/* (g) non-stop: enum gdb_ns_state */
	int	 ns_sig;	/* (g) non-stop: signal of a stop with no event */
	bool	 ns_inq;	/* (g) non-stop: its stop awaits vStopped */
	bool	 ns_told;	/* (g) non-stop: its stop was queued for GDB */
	int	 cpu;		/* (g) host CPU its thread last parked on */
};

/* A breakpoint address.  Locking: (g) under gdbsrv.mtx, like the array. */
struct gdb_bp {
	uint64_t addr;
	int	 sw, hw;	/* references from Z0 and Z1 */
	struct gdb_cond *cond;	/* target-side conditions (one reference),
				   or NULL: stop on every hit */
	struct gdb_cond *cmds;	/* target-side commands (one reference),
				   or NULL; with commands a hit whose
				   conditions hold runs them, never stops */
};

struct gdb_wp {
	uint64_t addr, len;
	int	 type;		/* VM_WATCH_* */
	int	 refs;
};

/*
 * The server.  Locking legend: (i) set by gdb_init() before any other
 * thread runs; (g) under mtx; (s) server thread only.
 */
struct gdb_server {
	bool		 enabled;	/* (i) */
	struct vmctx	*ctx;		/* (i) */
	int		 ncpus;		/* (i) */
	int		 lfd;		/* (i) listening socket */
	int		 evfd;		/* (i) vCPU -> server wake-ups */
	char		*unix_path;	/* (i) socket to unlink at exit */
	struct gdb_target tdesc;	/* (i) */
	int		 sched;		/* (i) enum gdb_sched_policy */

	pthread_mutex_t	 mtx;
	pthread_cond_t	 park_cv;	/* parked vCPUs wait for release */
	pthread_cond_t	 exit_cv;	/* gdb_vm_exited waits for W to go out */
	struct gdb_vcpu	*v;		/* (g) [ncpus] */
	bool		 stopping;	/* (g) all held, waiting for parks */
	bool		 stopped;	/* (g) all held and parked */
	bool		 reply_owed;	/* (g) a resume waits for its stop reply */
	int		 stop_sig;	/* (g) signal for a stop with no event */
	int		 last_vcpu;	/* (g) vCPU of the last stop reply */
	int		 step_vcpu;	/* (g) vCPU stepped by the last resume */
	bool		 connected;	/* (g) */
	bool		 waiting;	/* (g) wait mode, and no debugger has
					   resumed anything yet */
	bool		 shutdown;	/* (g) rhyve is exiting: park no more */
	bool		 exited;	/* (g) guest gone: report W */
	int		 exit_status;	/* (g) */
	bool		 exit_done;	/* (g) W sent or nobody to send it to */
	struct gdb_bp	*bps;		/* (g) */
	int		 nbps, capbps;	/* (g) */
	struct gdb_wp	*wps;		/* (g) */
	int		 nwps, capwps;	/* (g) */
	uint64_t	 cond_evals;	/* (g) conditional hits evaluated */
	uint64_t	 cond_passes;	/* (g) ... that were false: not reported */
	uint64_t	 cmd_runs;	/* (g) hits that ran breakpoint commands */
	uint64_t	 cmd_bytes;	/* (g) ... text they printed */
	uint64_t	 cmd_dropped;	/* (g) ... text lost: GDB's queue full */
	struct gdb_buf	 dout;		/* (g) command output for 'O' packets */
	struct gdb_nonstop ns;		/* (g) non-stop mode, see gdb_nonstop.h */

	int		 cfd;		/* (s) connection or -1 */
	struct gdb_parser parser;	/* (s) */
	struct gdb_buf	 reply;		/* (s) payload being built */
	struct gdb_buf	 out;		/* (s) framed bytes of the last reply */
	struct gdb_buf	 last_stop;	/* (s) payload of the last stop reply */
	struct gdb_buf	 note;		/* (s) framed bytes of a notification */
	uint8_t		*in;		/* (s) unparsed input */
	size_t		 inlen, inoff, incap;	/* (s) */
	bool		 deferred;	/* (s) parser holds a packet for later */
	size_t		 ahead;		/* (s) in[..ahead) scanned for Ctrl-C */
	bool		 noack;		/* (s) QStartNoAckMode */
	bool		 detached;	/* (s) D received */
	bool		 conn_dead;	/* (s) a write failed: close it */
	int		 gsel, csel;	/* (s) Hg / Hc thread (0 any, -1 all) */
	bool		 step_mask_irq;	/* (s) monitor step-irq */
	bool		 phys;		/* (s) monitor phys */
	uint64_t	 replies;	/* (s) packets sent to GDB */
	char		*threads_xml;	/* (s) qXfer:threads:read snapshot */
	size_t		 threads_len;	/* (s) */
};

extern struct gdb_server gdbsrv;

/* gdb.c: replies and run control, for the packet handlers (gdbsrv.mtx held). */
void	gdbs_send_reply(void);
void	gdbs_reply_str(const char *s);
void	gdbs_reply_error(int e);
/* '%' + payload + checksum: an asynchronous notification (non-stop). */
void	gdbs_send_notification(const uint8_t *payload, size_t len);
/* Append vCPU's stop reply (its event, else 'sig') to b; changes nothing. */
void	gdbs_format_stop(struct gdb_buf *b, int vcpu, int sig);
void	gdbs_build_stop_locked(int vcpu, int sig);
int	gdbs_pick_event_locked(const enum gdb_act *among);
int	gdbs_default_vcpu(void);
void	gdbs_resume_locked(const enum gdb_act *acts);
void	gdbs_release_all_locked(void);
/* Hold every vCPU; the stop completes when all have parked. */
void	gdbs_stop_all_locked(void);
/* Clear VM_CAP_MTRAP_EXIT and VM_CAP_MASK_HWINTR of a vCPU. */
void	gdbs_disarm_step(int vcpu);
/* Drop a reference to a condition set, freeing it with the last one. */
void	gdbs_cond_put_locked(struct gdb_cond *c);
/* Wake the server thread (its eventfd).  Any thread. */
void	gdbs_notify_server(void);

/*
 * gdb_dprintf.c.  gdbs_cond_holds(): does condition set c hold for vcpu
 * (its registers and memory; no lock needed, the caller holds a
 * reference or the lock).  gdbs_run_cmds(): run a command set hit at pc
 * by vcpu, from its own thread without the lock, and hand the output to
 * GDB or stderr.  gdbs_flush_output_locked(): server thread, send the
 * queued output ('O' packets while GDB waits for a stop reply).
 */
bool	gdbs_cond_holds(int vcpu, const struct gdb_cond *c);
void	gdbs_run_cmds(int vcpu, uint64_t pc, const struct gdb_cond *cmds);
void	gdbs_flush_output_locked(void);

/*
 * gdb_cmds.c: serve one packet (gdbsrv.mtx held), with every vCPU
 * stopped in all-stop mode, or in non-stop mode at any time.
 */
void	gdbs_handle_packet(const uint8_t *data, size_t len);

#endif
