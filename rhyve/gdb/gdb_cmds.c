/*
 * gdb_cmds.c - the debug server's packet handlers: one per packet family
 * (registers, memory, resume, breakpoints, queries, monitor), called by
 * gdb.c with gdbsrv.mtx held and, in all-stop mode, every vCPU stopped.
 * In non-stop mode (gdb_nonstop.c) other vCPUs may run meanwhile: a
 * register access, or a memory access through a vCPU's translation, is
 * then refused (E10) unless that vCPU is stopped.  Spec: GDB manual,
 * appendix E ("Packets", "General Query Packets", "Stop Reply Packets").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmmapi/vmmapi.h"
#include "gdb_server.h"
#include "gdb_reverse.h"
#include "../machine.h"

/* See gdb.c: test binaries link rhyve's objects without machine.c. */
#pragma weak machine_request_exit

/* The vCPU the g/p/m packets address (Hg; "any" is a stopped one). */
static int
cur_vcpu(void)
{
	if (gdbsrv.ns.on && gdbsrv.gsel <= 0) {
		int c = gdbns_first_stopped_locked();

		if (c >= 0)
			return c;
	}
	return gdbs_default_vcpu();
}

/* Non-stop: may the packet touch cur_vcpu()?  If not, reply E10. */
static bool
cur_stopped(bool phys)
{
	if (phys || gdbns_vcpu_stopped_locked(cur_vcpu()))
		return true;
	gdbs_reply_error(ERUNNING);
	return false;
}

/* ---- handlers ----------------------------------------------------------- */

static void
h_regs_read(void)
{
	if (!cur_stopped(false))
		return;
	gdb_buf_reset(&gdbsrv.reply);
	if (gdb_target_read_g(&gdbsrv.tdesc, gdbsrv.ctx, cur_vcpu(), &gdbsrv.reply) != 0)
		gdbs_reply_error(EINVAL);
	else
		gdbs_send_reply();
}

static void
h_regs_write(struct gdb_cursor *k)
{
	if (!cur_stopped(false))
		return;
	if (gdb_target_write_g(&gdbsrv.tdesc, gdbsrv.ctx, cur_vcpu(), k->p,
	    (size_t)(k->end - k->p)) != 0)
		gdbs_reply_error(EINVAL);
	else
		gdbs_reply_str("OK");
}

static void
h_reg_read(struct gdb_cursor *k)
{
	uint64_t reg;

	if (!cur_stopped(false))
		return;
	gdb_buf_reset(&gdbsrv.reply);
	if (!gdb_cur_hex(k, &reg) || k->p != k->end ||
	    gdb_target_read_reg(&gdbsrv.tdesc, gdbsrv.ctx, cur_vcpu(), reg,
	    &gdbsrv.reply) != 0)
		gdbs_reply_error(EINVAL);
	else
		gdbs_send_reply();
}

static void
h_reg_write(struct gdb_cursor *k)
{
	uint64_t reg;

	if (!cur_stopped(false))
		return;
	if (!gdb_cur_hex(k, &reg) || !gdb_cur_char(k, '=') ||
	    gdb_target_write_reg(&gdbsrv.tdesc, gdbsrv.ctx, cur_vcpu(), reg, k->p,
	    (size_t)(k->end - k->p)) != 0)
		gdbs_reply_error(EINVAL);
	else
		gdbs_reply_str("OK");
}

/* m addr,len (hex) and x addr,len (binary). */
static void
h_mem_read(struct gdb_cursor *k, bool binary)
{
	uint64_t addr, len;
	uint8_t *buf;
	size_t done, max;

	if (!gdb_cur_hex(k, &addr) || !gdb_cur_char(k, ',') || !gdb_cur_hex(k, &len) ||
	    k->p != k->end) {
		gdbs_reply_error(EINVAL);
		return;
	}
	if (len == 0) {
		gdbs_reply_str(binary ? "OK" : "");
		return;
	}
	if (!cur_stopped(gdbsrv.phys))
		return;
	max = binary ? GDB_PACKET_SIZE / 2 : GDB_PACKET_SIZE / 2 - 16;
	if (len > max)
		len = max;	/* a short read is allowed; GDB asks again */
	buf = malloc(len);
	if (buf == NULL) {
		gdbs_reply_error(ENOMEM);
		return;
	}
	done = gdb_target_mem(gdbsrv.ctx, cur_vcpu(), gdbsrv.phys, addr, buf, len,
	    false);
	if (done == 0) {
		free(buf);
		gdbs_reply_error(EMEM);
		return;
	}
	gdb_buf_reset(&gdbsrv.reply);
	if (binary)
		gdb_buf_put(&gdbsrv.reply, buf, done);
	else
		gdb_buf_hex(&gdbsrv.reply, buf, done);
	free(buf);
	gdbs_send_reply();
}

/* M addr,len:hex and X addr,len:binary. */
static void
h_mem_write(struct gdb_cursor *k, bool binary)
{
	uint64_t addr, len;
	size_t avail;
	uint8_t *buf;

	if (!gdb_cur_hex(k, &addr) || !gdb_cur_char(k, ',') || !gdb_cur_hex(k, &len) ||
	    !gdb_cur_char(k, ':')) {
		gdbs_reply_error(EINVAL);
		return;
	}
	avail = (size_t)(k->end - k->p);
	if (len > GDB_PACKET_SIZE || avail != (binary ? len : 2 * len)) {
		gdbs_reply_error(EINVAL);
		return;
	}
	if (len == 0) {
		gdbs_reply_str("OK");
		return;
	}
	if (!cur_stopped(gdbsrv.phys))
		return;
	buf = malloc(len);
	if (buf == NULL) {
		gdbs_reply_error(ENOMEM);
		return;
	}
	if (binary)
		memcpy(buf, k->p, len);
	else if (!gdb_hex_decode(k->p, avail, buf, len)) {
		free(buf);
		gdbs_reply_error(EINVAL);
		return;
	}
	if (gdb_target_mem(gdbsrv.ctx, cur_vcpu(), gdbsrv.phys, addr, buf,
	    len, true) != len)
		gdbs_reply_error(EMEM);
	else
		gdbs_reply_str("OK");
	free(buf);
}

/* Apply 'c'/'s' with optional address: the old-style resume packets. */
static void
h_resume_simple(struct gdb_cursor *k, bool step, bool has_sig)
{
	enum gdb_act *acts;
	uint64_t v;
	int i, target;

	if (has_sig) {
		if (!gdb_cur_hex(k, &v)) {
			gdbs_reply_error(EINVAL);
			return;
		}
		gdb_cur_char(k, ';');
	}
	if (step)
		target = gdbsrv.csel > 0 ? gdbsrv.csel - 1 : gdbsrv.last_vcpu;
	else
		target = gdbsrv.csel > 0 ? gdbsrv.csel - 1 : -1;
	if (k->p < k->end) {
		if (!gdb_cur_hex(k, &v) || k->p != k->end) {
			gdbs_reply_error(EINVAL);
			return;
		}
		if (gdbsrv.ns.on && !gdbns_vcpu_stopped_locked(target >= 0 ?
		    target : gdbsrv.last_vcpu)) {
			gdbs_reply_error(ERUNNING);
			return;
		}
		vm_set_register(gdbsrv.ctx, target >= 0 ? target : gdbsrv.last_vcpu,
		    VM_REG_PC, v);
	}
	acts = calloc((size_t)gdbsrv.ncpus, sizeof(*acts));
	if (acts == NULL) {
		gdbs_reply_error(ENOMEM);
		return;
	}
	for (i = 0; i < gdbsrv.ncpus; i++)
		if (target < 0 || i == target)
			acts[i] = step ? ACT_STEP : ACT_CONT;
	if (gdbsrv.ns.on)
		gdbns_resume_locked(acts);
	else
		gdbs_resume_locked(acts);
	free(acts);
}

/*
 * vCont[;action[:thread-id]]...  For each thread the leftmost matching
 * action applies; threads that no action names stay stopped (in
 * non-stop mode: keep their state).  't' stops a thread in non-stop
 * mode; all-stop ignores it, as the spec allows.
 */
static void
h_vcont(struct gdb_cursor *k)
{
	enum gdb_act *acts;
	bool *set, seen = false;
	uint64_t sig;

	acts = calloc((size_t)gdbsrv.ncpus, sizeof(*acts));
	set = calloc((size_t)gdbsrv.ncpus, sizeof(*set));
	if (acts == NULL || set == NULL) {
		free(acts);
		free(set);
		gdbs_reply_error(ENOMEM);
		return;
	}
	while (k->p < k->end) {
		enum gdb_act a;
		int tid = -1, i;
		uint8_t c;

		if (!gdb_cur_char(k, ';'))
			goto bad;
		if (k->p >= k->end)
			goto bad;
		c = *k->p++;
		switch (c) {
		case 'c':
			a = ACT_CONT;
			break;
		case 's':
			a = ACT_STEP;
			break;
		case 'C':
		case 'S':
			/* a hart has no signals to deliver: plain c / s */
			if (!gdb_cur_hex(k, &sig))
				goto bad;
			a = c == 'C' ? ACT_CONT : ACT_STEP;
			break;
		case 't':
			a = ACT_STOP;
			break;
		default:
			goto bad;
		}
		if (gdb_cur_char(k, ':') && !gdb_cur_tid(k, gdbsrv.ncpus, &tid))
			goto bad;
		seen = true;
		if (tid == 0)
			tid = gdbsrv.last_vcpu + 1;
		for (i = 0; i < gdbsrv.ncpus; i++) {
			if (set[i] || (tid > 0 && i != tid - 1))
				continue;
			set[i] = true;
			acts[i] = a;
		}
	}
	if (gdbsrv.ns.on && !seen)
		goto bad;	/* "vCont" with no action */
	if (gdbsrv.ns.on) {
		gdbns_resume_locked(acts);
	} else {
		for (int i = 0; i < gdbsrv.ncpus; i++)
			if (acts[i] == ACT_STOP)
				acts[i] = ACT_NONE;
		gdbs_resume_locked(acts);
	}
	free(acts);
	free(set);
	return;
bad:
	free(acts);
	free(set);
	gdbs_reply_error(EINVAL);
}

/*
 * Insert (a reference to) a breakpoint.  'cond' and 'cmds' (owned by this
 * call, even on failure) are its new condition and command sets or NULL.
 * GDB sends Z0 again for an inserted address when its conditions or
 * commands change: a Z0 that carries either, or that meets an address
 * with either, replaces both rather than adding a reference (GDB removes
 * it with one z0).
 */
static bool
bp_insert_locked(uint64_t addr, bool hw, struct gdb_cond *cond,
    struct gdb_cond *cmds)
{
	struct gdb_bp *b;
	int i;

	for (i = 0; i < gdbsrv.nbps; i++) {
		int *refs;

		b = &gdbsrv.bps[i];
		if (b->addr != addr)
			continue;
		refs = hw ? &b->hw : &b->sw;
		if (cond != NULL || b->cond != NULL || cmds != NULL ||
		    b->cmds != NULL) {
			if (b->cond != NULL)
				gdbs_cond_put_locked(b->cond);
			if (b->cmds != NULL)
				gdbs_cond_put_locked(b->cmds);
			b->cond = cond;
			b->cmds = cmds;
			if (*refs == 0)
				(*refs)++;
		} else {
			(*refs)++;
		}
		return true;
	}
	if (gdbsrv.nbps == gdbsrv.capbps) {
		int ncap = gdbsrv.capbps ? gdbsrv.capbps * 2 : 16;

		b = realloc(gdbsrv.bps, (size_t)ncap * sizeof(*b));
		if (b == NULL)
			goto fail;
		gdbsrv.bps = b;
		gdbsrv.capbps = ncap;
	}
	if (vm_set_breakpoint(gdbsrv.ctx, addr, true) != 0)
		goto fail;
	gdbsrv.bps[gdbsrv.nbps++] = (struct gdb_bp){ .addr = addr, .sw = !hw,
	    .hw = hw, .cond = cond, .cmds = cmds };
	return true;
fail:
	if (cond != NULL)
		gdbs_cond_put_locked(cond);
	if (cmds != NULL)
		gdbs_cond_put_locked(cmds);
	return false;
}

static bool
bp_remove_locked(uint64_t addr, bool hw)
{
	int i;

	for (i = 0; i < gdbsrv.nbps; i++) {
		struct gdb_bp *b = &gdbsrv.bps[i];

		if (b->addr != addr)
			continue;
		if ((hw ? b->hw : b->sw) == 0)
			return false;
		if (hw)
			b->hw--;
		else
			b->sw--;
		if (b->hw == 0 && b->sw == 0) {
			vm_set_breakpoint(gdbsrv.ctx, addr, false);
			if (b->cond != NULL)
				gdbs_cond_put_locked(b->cond);
			if (b->cmds != NULL)
				gdbs_cond_put_locked(b->cmds);
			*b = gdbsrv.bps[--gdbsrv.nbps];
		}
		return true;
	}
	return false;
}

static bool
wp_change_locked(uint64_t addr, uint64_t len, int type, bool insert)
{
	struct gdb_wp *w;
	int i;

	for (i = 0; i < gdbsrv.nwps; i++) {
		w = &gdbsrv.wps[i];
		if (w->addr != addr || w->len != len || w->type != type)
			continue;
		if (insert) {
			w->refs++;
		} else if (--w->refs == 0) {
			vm_set_watchpoint(gdbsrv.ctx, addr, len, type, false);
			*w = gdbsrv.wps[--gdbsrv.nwps];
		}
		return true;
	}
	if (!insert)
		return false;
	if (gdbsrv.nwps == gdbsrv.capwps) {
		int ncap = gdbsrv.capwps ? gdbsrv.capwps * 2 : 16;

		w = realloc(gdbsrv.wps, (size_t)ncap * sizeof(*w));
		if (w == NULL)
			return false;
		gdbsrv.wps = w;
		gdbsrv.capwps = ncap;
	}
	if (vm_set_watchpoint(gdbsrv.ctx, addr, len, type, true) != 0)
		return false;
	gdbsrv.wps[gdbsrv.nwps++] = (struct gdb_wp){ .addr = addr, .len = len,
	    .type = type, .refs = 1 };
	return true;
}

/*
 * Z/z type,addr,kind[;cond_list][;cmds:persist,cmd_list].  A Z0/Z1
 * cond_list ("X len,expr"...) becomes target-side conditions, a cmd_list
 * target-side commands (gdb_cond.h); an expression that fails
 * verification is refused with E16 and nothing changes.
 */
static void
h_break(struct gdb_cursor *k, bool insert)
{
	uint64_t type, addr, kind;
	struct gdb_cond *cond = NULL, *cmds = NULL;
	bool ok;

	if (!gdb_cur_hex(k, &type) || !gdb_cur_char(k, ',') || !gdb_cur_hex(k, &addr) ||
	    !gdb_cur_char(k, ',') || !gdb_cur_hex(k, &kind)) {
		gdbs_reply_error(EINVAL);
		return;
	}
	if (insert && k->p < k->end) {
		const uint8_t *c;
		size_t rest;
		char why[128];

		if (type > 1 || !gdb_cur_char(k, ';')) {
			gdbs_reply_error(EINVAL);
			return;
		}
		/* "cmds:" cannot occur in a cond_list (hex, 'X', ',', ';') */
		rest = (size_t)(k->end - k->p);
		c = memmem(k->p, rest, "cmds:", 5);
		if (c != NULL) {
			cmds = gdb_cmds_parse(c + 5, (size_t)(k->end - c - 5),
			    gdbsrv.phys, why, sizeof(why));
			if (cmds == NULL || (c > k->p && c[-1] != ';')) {
				if (cmds != NULL)
					gdbs_cond_put_locked(cmds);
				gdbs_reply_error(EINVAL);
				return;
			}
			rest = c > k->p ? (size_t)(c - 1 - k->p) : 0;
		}
		if (c == NULL || rest > 0) {
			cond = gdb_cond_parse(k->p, rest, gdbsrv.phys, why,
			    sizeof(why));
			if (cond == NULL) {
				if (cmds != NULL)
					gdbs_cond_put_locked(cmds);
				gdbs_reply_error(EINVAL);
				return;
			}
		}
	}
	switch (type) {
	case 0:
	case 1:
		ok = insert ? bp_insert_locked(addr, type == 1, cond, cmds) :
		    bp_remove_locked(addr, type == 1);
		break;
	case 2:
	case 3:
	case 4:
		if (kind == 0 || kind > 4096) {
			gdbs_reply_error(EINVAL);
			return;
		}
		ok = wp_change_locked(addr, kind, type == 2 ? VM_WATCH_WRITE :
		    type == 3 ? VM_WATCH_READ : VM_WATCH_ACCESS, insert);
		break;
	default:
		gdbs_reply_str("");		/* unsupported type */
		return;
	}
	if (ok)
		gdbs_reply_str("OK");
	else
		gdbs_reply_error(insert ? ENOSPC : ENOENT);
}

/* Describe a vCPU: "stopped, M-mode" etc.  gdbsrv.mtx held. */
static void
vcpu_state_text(int vcpu, char *buf, size_t size)
{
	static const char modes[4] = { 'U', 'S', '?', 'M' };
	struct vcpu_info info;
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];
	const char *state;

	if (vm_get_vcpu_info(gdbsrv.ctx, vcpu, &info) != 0) {
		snprintf(buf, size, "unknown");
		return;
	}
	if (!info.started)
		state = "not started";
	else if (info.in_wfi)
		state = "WFI";
	else if (v->hold || v->parked)
		state = gdb_target_after_wfi(gdbsrv.ctx, vcpu, info.pc) ? "stopped in WFI" : "stopped";
	else
		state = "running";
	if (!info.started)
		snprintf(buf, size, "%s", state);
	else
		snprintf(buf, size, "%s, %c-mode%s", state,
		    modes[info.priv & 3], v->user_hold ? ", held" : "");
}

static void
h_thread_extra(struct gdb_cursor *k)
{
	char text[96];
	int tid;

	if (!gdb_cur_tid(k, gdbsrv.ncpus, &tid) || tid <= 0) {
		gdbs_reply_error(EINVAL);
		return;
	}
	vcpu_state_text(tid - 1, text, sizeof(text));
	gdb_buf_reset(&gdbsrv.reply);
	gdb_buf_hex(&gdbsrv.reply, text, strlen(text));
	gdbs_send_reply();
}

/* qXfer:OBJECT:read:ANNEX:offset,length from a string. */
static void
xfer_reply(struct gdb_cursor *k, const char *data, size_t dlen)
{
	uint64_t off, len;

	if (!gdb_cur_hex(k, &off) || !gdb_cur_char(k, ',') || !gdb_cur_hex(k, &len)) {
		gdbs_reply_error(EINVAL);
		return;
	}
	if (len > GDB_PACKET_SIZE / 2)
		len = GDB_PACKET_SIZE / 2;
	gdb_buf_reset(&gdbsrv.reply);
	if (off >= dlen) {
		gdb_buf_putc(&gdbsrv.reply, 'l');
	} else {
		size_t n = dlen - off < len ? dlen - off : len;

		gdb_buf_putc(&gdbsrv.reply, off + n >= dlen ? 'l' : 'm');
		gdb_buf_put(&gdbsrv.reply, data + off, n);
	}
	gdbs_send_reply();
}

static void
build_threads_xml(void)
{
	struct gdb_buf b;
	char text[96];
	int i;

	gdb_buf_init(&b);
	gdb_buf_puts(&b, "<?xml version=\"1.0\"?>\n<threads>\n");
	for (i = 0; i < gdbsrv.ncpus; i++) {
		vcpu_state_text(i, text, sizeof(text));
		gdb_buf_printf(&b, "<thread id=\"%x\" core=\"%d\" "
		    "name=\"hart %d\">%s</thread>\n", i + 1, i, i, text);
	}
	gdb_buf_puts(&b, "</threads>\n");
	free(gdbsrv.threads_xml);
	gdbsrv.threads_xml = (char *)b.data;
	gdbsrv.threads_len = b.oom ? 0 : b.len;
}

/* ---- monitor (qRcmd) ---------------------------------------------------- */

static void
mon_hart(struct gdb_buf *o, int vcpu, bool verbose)
{
	struct vcpu_info info;
	char text[96];

	vcpu_state_text(vcpu, text, sizeof(text));
	if (vm_get_vcpu_info(gdbsrv.ctx, vcpu, &info) != 0)
		memset(&info, 0, sizeof(info));
	gdb_buf_printf(o, "hart %d (thread %d): %s, pc 0x%llx, instret %llu "
	    "(%llu run one at a time for the debugger)\n",
	    vcpu, vcpu + 1, text, (unsigned long long)info.pc,
	    (unsigned long long)info.instret,
	    (unsigned long long)info.instret_checked);
	if (!verbose)
		return;
	gdb_target_dump_csrs(gdbsrv.ctx, vcpu, o);
	gdb_buf_printf(o, "  breakpoint/step: %s%s\n",
	    gdbsrv.v[vcpu].stepping ? "stepping " : "",
	    gdbsrv.v[vcpu].ev != EV_NONE ? "event queued" : "no event queued");
}

static bool
mon_onoff(const char *arg, bool *val)
{
	if (strcmp(arg, "on") == 0)
		*val = true;
	else if (strcmp(arg, "off") == 0)
		*val = false;
	else
		return false;
	return true;
}

static void
h_monitor(struct gdb_cursor *k)
{
	size_t hexlen = (size_t)(k->end - k->p);
	char cmd[256], arg[256];
	struct gdb_buf o;
	long n;
	int i;

	if (hexlen % 2 != 0 || hexlen / 2 >= sizeof(cmd) ||
	    !gdb_hex_decode(k->p, hexlen, (uint8_t *)cmd, hexlen / 2)) {
		gdbs_reply_error(EINVAL);
		return;
	}
	cmd[hexlen / 2] = '\0';
	arg[0] = '\0';
	{
		char *sp = strchr(cmd, ' ');

		if (sp != NULL) {
			*sp = '\0';
			snprintf(arg, sizeof(arg), "%s", sp + 1 +
			    strspn(sp + 1, " "));
		}
	}
	gdb_buf_init(&o);
	if (strcmp(cmd, "help") == 0 || cmd[0] == '\0') {
		gdb_buf_puts(&o,
		    "rhyve monitor commands:\n"
		    "  info            state of every hart (thread = hart + 1)\n"
		    "  hart N          state and trap CSRs of hart N\n"
		    "  step-irq on|off take interrupts while stepping (default off)\n"
		    "  phys on|off     memory accesses are physical (default off)\n"
		    "  suspend N       keep hart N stopped when others resume\n"
		    "  resume N        let hart N resume again\n"
		    "  record [hash]   --record: the history, or state hashes\n");
	} else if (strcmp(cmd, "info") == 0) {
		for (i = 0; i < gdbsrv.ncpus; i++)
			mon_hart(&o, i, false);
		gdb_buf_printf(&o, "%d breakpoint(s), %d watchpoint(s); "
		    "step-irq %s, phys %s\n", gdbsrv.nbps, gdbsrv.nwps,
		    gdbsrv.step_mask_irq ? "off" : "on", gdbsrv.phys ? "on" : "off");
		gdb_buf_printf(&o, "target-side conditions: %" PRIu64
		    " evaluated, %" PRIu64 " false (not reported)\n",
		    gdbsrv.cond_evals, gdbsrv.cond_passes);
		gdb_buf_printf(&o, "target-side commands: %" PRIu64 " hits ran "
		    "them, %" PRIu64 " bytes printed, %" PRIu64 " dropped\n",
		    gdbsrv.cmd_runs, gdbsrv.cmd_bytes, gdbsrv.cmd_dropped);
	} else if (strcmp(cmd, "hart") == 0 || strcmp(cmd, "suspend") == 0 ||
	    strcmp(cmd, "resume") == 0) {
		char *end;

		n = strtol(arg, &end, 0);
		if (arg[0] == '\0' || *end != '\0' || n < 0 || n >= gdbsrv.ncpus) {
			gdb_buf_printf(&o, "%s: expected a hart number 0..%d\n",
			    cmd, gdbsrv.ncpus - 1);
		} else if (cmd[0] == 'h') {
			mon_hart(&o, (int)n, true);
		} else {
			gdbsrv.v[n].user_hold = cmd[0] == 's';
			gdb_buf_printf(&o, "hart %ld will %s\n", n,
			    cmd[0] == 's' ? "stay stopped on resume" :
			    "resume with the others");
		}
	} else if (strcmp(cmd, "step-irq") == 0) {
		bool on;

		if (!mon_onoff(arg, &on))
			gdb_buf_puts(&o, "step-irq: expected on or off\n");
		else {
			gdbsrv.step_mask_irq = !on;
			gdb_buf_printf(&o, "interrupts while stepping: %s\n",
			    on ? "taken" : "masked");
		}
	} else if (strcmp(cmd, "phys") == 0) {
		if (!mon_onoff(arg, &gdbsrv.phys))
			gdb_buf_puts(&o, "phys: expected on or off\n");
		else
			gdb_buf_printf(&o, "memory accesses: %s\n", gdbsrv.phys ?
			    "physical" : "virtual (through the selected hart)");
	} else if (gdbr_monitor(cmd, arg, &o)) {
		/* "record": the recording, see gdb_reverse.c */
	} else {
		gdb_buf_printf(&o, "unknown command '%s'; try 'monitor help'\n",
		    cmd);
	}
	gdb_buf_reset(&gdbsrv.reply);
	if (o.len == 0)
		gdb_buf_puts(&gdbsrv.reply, "OK");
	else
		gdb_buf_hex(&gdbsrv.reply, o.data, o.len);
	gdb_buf_free(&o);
	gdbs_send_reply();
}

/* ---- dispatch ----------------------------------------------------------- */

/* LLDB asks what the target is before it reads target.xml. */
static void
h_host_info(bool process)
{
	static const char triple[] = "riscv64-unknown-unknown-elf";

	gdb_buf_reset(&gdbsrv.reply);
	if (process)
		gdb_buf_puts(&gdbsrv.reply, "pid:1;");
	gdb_buf_puts(&gdbsrv.reply, "triple:");
	gdb_buf_hex(&gdbsrv.reply, triple, sizeof(triple) - 1);
	gdb_buf_puts(&gdbsrv.reply, ";endian:little;ptrsize:8;");
	gdbs_send_reply();
}

/*
 * Optional protocol features, advertised in qSupported only when present:
 * GDB then uses them.
 */
static const struct {
	const char	*name;
	bool		 present;
} features[] = {
	{ "ConditionalBreakpoints", true },	/* gdb_cond.c */
	{ "BreakpointCommands", true },		/* gdb_dprintf.c */
	{ "QNonStop", true },			/* gdb_nonstop.c */
};

static void
h_query(struct gdb_cursor *k)
{
	int i;

	if (gdb_cur_prefix(k, "qSupported")) {
		gdb_buf_reset(&gdbsrv.reply);
		gdb_buf_printf(&gdbsrv.reply, "PacketSize=%x;swbreak+;hwbreak+;"
		    "qXfer:features:read+;qXfer:threads:read+;"
		    "QStartNoAckMode+;vContSupported+", GDB_PACKET_SIZE);
		for (i = 0; i < (int)(sizeof(features) / sizeof(features[0]));
		    i++)
			if (features[i].present)
				gdb_buf_printf(&gdbsrv.reply, ";%s+",
				    features[i].name);
		gdbr_features(&gdbsrv.reply);	/* record mode: reverse */
		gdbs_send_reply();
	} else if (gdb_cur_prefix(k, "qAttached")) {
		gdbs_reply_str("1");
	} else if (gdb_cur_prefix(k, "qC")) {
		gdb_buf_reset(&gdbsrv.reply);
		gdb_buf_printf(&gdbsrv.reply, "QC%x", gdbsrv.last_vcpu + 1);
		gdbs_send_reply();
	} else if (gdb_cur_prefix(k, "qfThreadInfo")) {
		gdb_buf_reset(&gdbsrv.reply);
		gdb_buf_putc(&gdbsrv.reply, 'm');
		for (i = 0; i < gdbsrv.ncpus; i++)
			gdb_buf_printf(&gdbsrv.reply, i ? ",%x" : "%x", i + 1);
		gdbs_send_reply();
	} else if (gdb_cur_prefix(k, "qsThreadInfo")) {
		gdbs_reply_str("l");
	} else if (gdb_cur_prefix(k, "qThreadExtraInfo,")) {
		h_thread_extra(k);
	} else if (gdb_cur_prefix(k, "qXfer:features:read:")) {
		if (!gdb_cur_prefix(k, "target.xml:")) {
			gdbs_reply_error(ENOENT);
			return;
		}
		xfer_reply(k, gdbsrv.tdesc.xml, gdbsrv.tdesc.xml_len);
	} else if (gdb_cur_prefix(k, "qXfer:threads:read::")) {
		struct gdb_cursor c = *k;
		uint64_t off;

		if (gdb_cur_hex(&c, &off) && off == 0)
			build_threads_xml();
		xfer_reply(k, gdbsrv.threads_xml ? gdbsrv.threads_xml : "",
		    gdbsrv.threads_xml ? gdbsrv.threads_len : 0);
	} else if (gdb_cur_prefix(k, "qRcmd,")) {
		h_monitor(k);
	} else if (gdb_cur_prefix(k, "qSymbol:")) {
		gdbs_reply_str("OK");
	} else if (gdb_cur_prefix(k, "qHostInfo")) {
		h_host_info(false);
	} else if (gdb_cur_prefix(k, "qProcessInfo")) {
		h_host_info(true);
	} else if (gdb_cur_prefix(k, "qThreadStopInfo")) {
		int tid;

		/* LLDB: why each thread stopped */
		if (!gdb_cur_tid(k, gdbsrv.ncpus, &tid) || tid <= 0) {
			gdbs_reply_error(EINVAL);
			return;
		}
		if (tid - 1 == gdbsrv.last_vcpu && gdbsrv.last_stop.len > 0) {
			gdb_buf_reset(&gdbsrv.reply);
			gdb_buf_put(&gdbsrv.reply, gdbsrv.last_stop.data,
			    gdbsrv.last_stop.len);
		} else {
			gdb_buf_reset(&gdbsrv.reply);
			gdb_buf_printf(&gdbsrv.reply, "T00thread:%x;", tid);
		}
		gdbs_send_reply();
	} else {
		gdbs_reply_str("");
	}
}

static void
h_detach(void)
{
	gdbs_reply_str("OK");
	gdbs_release_all_locked();
	gdbsrv.detached = true;
}

static void
h_kill(bool reply)
{
	if (reply)
		gdbs_reply_str("OK");
	gdbsrv.shutdown = true;
	pthread_cond_broadcast(&gdbsrv.park_cv);
	if (machine_request_exit != NULL)
		machine_request_exit(0);
	else
		exit(0);
}

static void
h_v(struct gdb_cursor *k)
{
	if (gdb_cur_prefix(k, "vCont?")) {
		gdbs_reply_str("vCont;c;C;s;S;t");
	} else if (gdb_cur_prefix(k, "vCont")) {
		h_vcont(k);
	} else if (gdb_cur_prefix(k, "vKill")) {
		h_kill(true);
	} else if (gdbsrv.ns.on && gdb_cur_prefix(k, "vStopped")) {
		if (k->p != k->end)
			gdbs_reply_error(EINVAL);
		else
			gdbns_stopped_locked();
	} else if (gdbsrv.ns.on && gdb_cur_prefix(k, "vCtrlC")) {
		/* all-stop has Ctrl-C (0x03) and leaves vCtrlC unsupported */
		if (k->p != k->end) {
			gdbs_reply_error(EINVAL);
		} else {
			gdbs_reply_str("OK");
			gdbns_interrupt_locked();
		}
	} else {
		gdbs_reply_str("");	/* vMustReplyEmpty and the unknown */
	}
}

/* One packet, with every vCPU stopped.  gdbsrv.mtx held. */
void
gdbs_handle_packet(const uint8_t *data, size_t len)
{
	struct gdb_cursor k = { data + 1, data + len };
	int tid, c;

	if (len == 0) {
		gdbs_reply_str("");
		return;
	}
	if (gdbsrv.exited) {
		if (gdbsrv.ns.on && len == 8 && memcmp(data, "vStopped", 8) == 0) {
			gdbs_reply_str("OK");	/* acks %Stop:Wxx */
			return;
		}
		gdb_buf_reset(&gdbsrv.reply);
		gdb_buf_printf(&gdbsrv.reply, "W%02x", gdbsrv.exit_status & 0xff);
		gdbs_send_reply();
		return;
	}
	if (strchr("GPMX", data[0]) != NULL)
		gdbr_state_written();	/* record mode: history changes here */
	switch (data[0]) {
	case 'b':
		gdbr_handle_b(&k);	/* bs, bc: gdb_reverse.c */
		break;
	case '?':
		if (gdbsrv.ns.on) {
			gdbns_status_locked();
			break;
		}
		c = gdbs_pick_event_locked(NULL);
		gdbs_build_stop_locked(c >= 0 ? c : gdbs_default_vcpu(),
		    c >= 0 ? GDB_SIGTRAP : gdbsrv.stop_sig);
		gdbs_send_reply();
		break;
	case 'g':
		h_regs_read();
		break;
	case 'G':
		h_regs_write(&k);
		break;
	case 'p':
		h_reg_read(&k);
		break;
	case 'P':
		h_reg_write(&k);
		break;
	case 'm':
		h_mem_read(&k, false);
		break;
	case 'x':
		h_mem_read(&k, true);
		break;
	case 'M':
		h_mem_write(&k, false);
		break;
	case 'X':
		h_mem_write(&k, true);
		break;
	case 'c':
	case 's':
		h_resume_simple(&k, data[0] == 's', false);
		break;
	case 'C':
	case 'S':
		h_resume_simple(&k, data[0] == 'S', true);
		break;
	case 'H':
		if (len < 3 || (data[1] != 'g' && data[1] != 'c')) {
			gdbs_reply_str("");
			break;
		}
		k.p++;
		if (!gdb_cur_tid(&k, gdbsrv.ncpus, &tid) || k.p != k.end) {
			gdbs_reply_error(EINVAL);
			break;
		}
		if (data[1] == 'g')
			gdbsrv.gsel = tid;
		else
			gdbsrv.csel = tid;
		gdbs_reply_str("OK");
		break;
	case 'T':
		if (gdb_cur_tid(&k, gdbsrv.ncpus, &tid) && k.p == k.end && tid > 0)
			gdbs_reply_str("OK");
		else
			gdbs_reply_error(ENOENT);
		break;
	case 'Z':
	case 'z':
		h_break(&k, data[0] == 'Z');
		break;
	case 'D':
		h_detach();
		break;
	case 'k':
		h_kill(false);
		break;
	case 'q':
		k.p = data;
		h_query(&k);
		break;
	case 'Q':
		if (len == 15 && memcmp(data, "QStartNoAckMode", 15) == 0) {
			gdbs_reply_str("OK");
			gdbsrv.noack = true;
		} else if (gdb_cur_prefix(&k, "NonStop:")) {
			gdbns_h_qnonstop(&k);
		} else {
			gdbs_reply_str("");
		}
		break;
	case 'v':
		k.p = data;
		h_v(&k);
		break;
	default:
		gdbs_reply_str("");
		break;
	}
}

