/*
 * qmp_cmds.c - the QMP commands rhyve implements: a table of {name,
 * handler, accepted arguments} (the gdbstub habit: the table is also what
 * query-commands reports, so nothing is advertised that is not there).
 *
 * QEMU's commands keep QEMU's names, arguments and reply shapes
 * (the qapi schema); rhyve's own are prefixed x-rhyve- as QEMU prefixes
 * experimental ones.  Run control goes through the operator's pause
 * (vm_pause_cpu/vm_unpause_cpu), the hold that composes with the
 * debugger's (docs/design-notes.md, "Two holds"):
 *	stop		pause every vCPU: STOP if the VM was not stopped;
 *	cont		unpause every vCPU: RESUME if it was;
 *	x-rhyve-suspend-cpu / x-rhyve-resume-cpu {"cpu-index": N}
 *			the same for one vCPU (all without cpu-index), the
 *			seed's VM_SUSPEND_CPU/VM_RESUME_CPU for rhyvectl.
 * Neither touches the debugger's set, so a debugger's continue does not
 * undo a stop, nor a cont a debugger's stop.
 *
 * system_powerdown: QEMU's virt board has no ACPI power button and the
 * guest has no device to be told with, so rhyve does what the guest's
 * own poweroff path does at its end (sifive_test PASS, SBI SRST
 * shutdown): the VM is suspended with VM_SUSPEND_POWEROFF, disks are
 * flushed and rhyve exits with status 0.  POWERDOWN then SHUTDOWN are
 * emitted.  The guest gets no chance to shut down cleanly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../vmmapi/vmmapi.h"
#include "../machine.h"
#include "../version.h"
#include "qmp_int.h"

int
qmp_fail(struct qmp_error *err, const char *cls, const char *fmt, ...)
{
	va_list ap;

	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Optional integer argument 'name' in [lo, hi]: 1 if present (*val set),
 * 0 if absent, -1 (err set) if malformed.
 */
static int
arg_int(const struct json *args, const char *name, long lo, long hi,
    long *val, struct qmp_error *err)
{
	const struct json *v = json_get(args, name);

	if (v == NULL)
		return 0;
	if (v->type != JSON_NUMBER || !v->is_int)
		return qmp_fail(err, "GenericError", "Invalid parameter type "
		    "for '%s', expected: integer", name);
	if (v->i < lo || v->i > hi)
		return qmp_fail(err, "GenericError", "Parameter '%s' is out of "
		    "range", name);
	*val = (long)v->i;
	return 1;
}

/* cpu-index, or -1 (all) when absent. */
static int
arg_cpu(struct qmp_session *s, const struct json *args, long *cpu,
    struct qmp_error *err)
{
	int r = arg_int(args, "cpu-index", 0, vm_get_ncpus(s->ctx) - 1, cpu,
	    err);

	if (r == 0)
		*cpu = -1;
	return r < 0 ? -1 : 0;
}

/* ---- run state ------------------------------------------------------------------ */

/* Every active vCPU paused (the VM is "stopped" as QEMU means it). */
static bool
all_paused(struct vmctx *ctx)
{
	cpuset_t active, paused;

	if (vm_active_cpus(ctx, &active) != 0 ||
	    vm_paused_cpus(ctx, &paused) != 0 || cpuset_empty(&active))
		return false;
	return cpuset_subset(&paused, &active);
}

/*
 * QEMU's RunState names: "paused" when the operator stopped every vCPU
 * (it outlasts a debugger's continue, so it is what the VM will do),
 * else "debug" while the debugger holds any vCPU, else "running";
 * "shutdown" once rhyve is ending.
 */
static const char *
run_state(struct vmctx *ctx, bool *running)
{
	cpuset_t debug;

	*running = false;
	if (qmp_shutting_down())
		return "shutdown";
	if (all_paused(ctx))
		return "paused";
	if (vm_debug_cpus(ctx, &debug) == 0 && !cpuset_empty(&debug))
		return "debug";
	*running = true;
	return "running";
}

/* Pause or unpause (cpu -1: all), with QEMU's STOP/RESUME on a change. */
static int
set_paused(struct qmp_session *s, long cpu, bool pause, struct qmp_error *err)
{
	bool before = all_paused(s->ctx), after;
	int r = pause ? vm_pause_cpu(s->ctx, (int)cpu) :
	    vm_unpause_cpu(s->ctx, (int)cpu);

	if (r != 0)
		return qmp_fail(err, "GenericError", "CPU %ld cannot be %s",
		    cpu, pause ? "suspended" : "resumed");
	after = all_paused(s->ctx);
	if (!before && after)
		qmp_event("STOP", NULL);
	else if (before && !after)
		qmp_event("RESUME", NULL);
	return 0;
}

/* ---- QEMU's commands ------------------------------------------------------------ */

static int
cmd_qmp_capabilities(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	const struct json *en = json_get(args, "enable");

	(void)ret;
	if (atomic_load(&s->negotiated))
		return qmp_fail(err, "CommandNotFound", "Capabilities "
		    "negotiation is already complete, command ignored");
	if (en != NULL && (en->type != JSON_ARRAY || en->n > 0))
		return qmp_fail(err, "GenericError", "Capability '%s' not "
		    "available", en->type == JSON_ARRAY &&
		    en->items[0]->type == JSON_STRING ? en->items[0]->s : "?");
	atomic_store(&s->negotiated, true);
	return 0;
}

static int
cmd_query_status(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	bool running;
	const char *st = run_state(s->ctx, &running);

	(void)args;
	(void)err;
	jbuf_printf(ret, "{\"status\": \"%s\", \"running\": %s}", st,
	    running ? "true" : "false");
	return 0;
}

static int
cmd_stop(struct qmp_session *s, const struct json *args, struct jbuf *ret,
    struct qmp_error *err)
{
	(void)args;
	(void)ret;
	return set_paused(s, -1, true, err);
}

static int
cmd_cont(struct qmp_session *s, const struct json *args, struct jbuf *ret,
    struct qmp_error *err)
{
	(void)args;
	(void)ret;
	return set_paused(s, -1, false, err);
}

static int
cmd_query_cpus_fast(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	int n = vm_get_ncpus(s->ctx);

	(void)args;
	(void)err;
	jbuf_puts(ret, "[");
	for (int i = 0; i < n; i++)
		jbuf_printf(ret, "%s{\"cpu-index\": %d, \"qom-path\": "
		    "\"/machine/soc0/harts[%d]\", \"thread-id\": %d, "
		    "\"props\": {\"core-id\": %d}, \"target\": \"riscv64\"}",
		    i > 0 ? ", " : "", i, i, qmp_vcpu_tid(i), i);
	jbuf_puts(ret, "]");
	return 0;
}

static int
cmd_system_reset(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	(void)args;
	(void)ret;
	qmp_set_reason(QMP_REASON_RESET);
	if (vm_suspend(s->ctx, VM_SUSPEND_RESET, -1, 0) != 0) {
		qmp_set_reason(QMP_REASON_NONE);
		return qmp_fail(err, "GenericError", "the machine is already "
		    "resetting or shutting down");
	}
	return 0;
}

static int
cmd_system_powerdown(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	(void)args;
	(void)ret;
	qmp_set_reason(QMP_REASON_POWERDOWN);
	if (vm_suspend(s->ctx, VM_SUSPEND_POWEROFF, -1, 0) != 0) {
		qmp_set_reason(QMP_REASON_NONE);
		return qmp_fail(err, "GenericError", "the machine is already "
		    "resetting or shutting down");
	}
	qmp_event("POWERDOWN", NULL);
	return 0;
}

static int
cmd_quit(struct qmp_session *s, const struct json *args, struct jbuf *ret,
    struct qmp_error *err)
{
	(void)args;
	(void)ret;
	(void)s;
	(void)err;
	qmp_set_reason(QMP_REASON_QUIT);
	machine_request_exit(0);
	return 0;
}

static int
cmd_query_version(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	(void)s;
	(void)args;
	(void)err;
	jbuf_printf(ret, "{\"qemu\": {\"micro\": %d, \"minor\": %d, "
	    "\"major\": %d}, \"package\": \"rhyve %s\"}", RHYVE_VERSION_MICRO,
	    RHYVE_VERSION_MINOR, RHYVE_VERSION_MAJOR, RHYVE_VERSION);
	return 0;
}

static int
cmd_query_commands(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	size_t n;
	const struct qmp_command *t = qmp_commands(&n);

	(void)s;
	(void)args;
	(void)err;
	jbuf_puts(ret, "[");
	for (size_t k = 0; k < n; k++) {
		jbuf_puts(ret, k > 0 ? ", {\"name\": " : "{\"name\": ");
		jbuf_cstring(ret, t[k].name);
		jbuf_puts(ret, "}");
	}
	jbuf_puts(ret, "]");
	return 0;
}

static int
cmd_hmp(struct qmp_session *s, const struct json *args, struct jbuf *ret,
    struct qmp_error *err)
{
	const struct json *line = json_get(args, "command-line");
	struct jbuf text = { .p = NULL };
	long cpu = s->hmp_cpu;

	if (line == NULL)
		return qmp_fail(err, "GenericError",
		    "Parameter 'command-line' is missing");
	if (line->type != JSON_STRING)
		return qmp_fail(err, "GenericError", "Invalid parameter type "
		    "for 'command-line', expected: string");
	if (arg_int(args, "cpu-index", 0, vm_get_ncpus(s->ctx) - 1, &cpu,
	    err) < 0)
		return -1;
	qmp_hmp(s, line->s, (int)cpu, &text);
	jbuf_string(ret, text.p != NULL ? text.p : "", text.len);
	jbuf_free(&text);
	return 0;
}

/* ---- rhyve's (rhyvectl) --------------------------------------------------------- */

static int
cmd_suspend_cpu(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	long cpu;

	(void)ret;
	if (arg_cpu(s, args, &cpu, err) != 0)
		return -1;
	return set_paused(s, cpu, true, err);
}

static int
cmd_resume_cpu(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	long cpu;

	(void)ret;
	if (arg_cpu(s, args, &cpu, err) != 0)
		return -1;
	return set_paused(s, cpu, false, err);
}

static const char *const vcpu_state_names[] = {
	[VCPU_IDLE] = "idle", [VCPU_FROZEN] = "frozen",
	[VCPU_RUNNING] = "running", [VCPU_SLEEPING] = "sleeping",
};

static int
cmd_query_vcpus(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	int n = vm_get_ncpus(s->ctx);

	(void)args;
	jbuf_puts(ret, "[");
	for (int i = 0; i < n; i++) {
		struct vcpu_info vi;

		if (vm_get_vcpu_info(s->ctx, i, &vi) != 0)
			return qmp_fail(err, "GenericError", "CPU %d: no "
			    "information", i);
		jbuf_printf(ret, "%s{\"cpu-index\": %d, \"state\": \"%s\", "
		    "\"active\": %s, \"started\": %s, \"paused\": %s, "
		    "\"debugged\": %s, \"wfi\": %s, \"priv\": %d, "
		    "\"pc\": %llu}", i > 0 ? ", " : "", i,
		    vi.state >= 0 && vi.state <= VCPU_SLEEPING ?
		    vcpu_state_names[vi.state] : "?",
		    vi.active ? "true" : "false", vi.started ? "true" : "false",
		    vi.paused ? "true" : "false", vi.debugged ? "true" : "false",
		    vi.in_wfi ? "true" : "false", vi.priv,
		    (unsigned long long)vi.pc);
	}
	jbuf_puts(ret, "]");
	return 0;
}

static const char *const exit_names[VM_EXITCODE_MAX] = {
	[VM_EXITCODE_BOGUS] = "bogus", [VM_EXITCODE_DEBUG] = "debug",
	[VM_EXITCODE_MTRAP] = "mtrap", [VM_EXITCODE_BPT] = "bpt",
	[VM_EXITCODE_WATCH] = "watch", [VM_EXITCODE_MMIO] = "mmio",
	[VM_EXITCODE_WFI] = "wfi", [VM_EXITCODE_SUSPENDED] = "suspended",
	[VM_EXITCODE_ECALL] = "ecall", [VM_EXITCODE_INSN_STOP] = "insn_stop",
};

static int
cmd_query_stats(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err)
{
	int n = vm_get_ncpus(s->ctx);
	long cpu;

	if (arg_cpu(s, args, &cpu, err) != 0)
		return -1;
	jbuf_puts(ret, "[");
	for (int i = 0; i < n; i++) {
		struct vcpu_stats st;

		if (cpu >= 0 && i != cpu)
			continue;
		if (vm_get_stats(s->ctx, i, &st) != 0)
			return qmp_fail(err, "GenericError", "CPU %d: no "
			    "statistics", i);
		jbuf_printf(ret, "%s{\"cpu-index\": %d, \"instret\": %llu, "
		    "\"wfi\": %llu, \"host-ns\": %llu, "
		    "\"code-pages-reused\": %llu, \"exits\": {",
		    cpu < 0 && i > 0 ? ", " : "", i,
		    (unsigned long long)st.instret, (unsigned long long)st.wfi,
		    (unsigned long long)st.host_ns,
		    (unsigned long long)st.code_pages_reused);
		for (int e = 1; e < VM_EXITCODE_MAX; e++)
			jbuf_printf(ret, "%s\"%s\": %llu", e > 1 ? ", " : "",
			    exit_names[e], (unsigned long long)st.exits[e]);
		jbuf_printf(ret, "}, \"engine\": \"%s\", \"jit\": {"
		    "\"blocks\": %llu, \"insns\": %llu, \"code-bytes\": %llu, "
		    "\"code-size\": %llu, \"flushes\": %llu}}",
		    vm_get_engine(s->ctx),
		    (unsigned long long)st.jit_blocks,
		    (unsigned long long)st.jit_insns,
		    (unsigned long long)st.jit_code_bytes,
		    (unsigned long long)st.jit_code_size,
		    (unsigned long long)st.jit_flushes);
	}
	jbuf_puts(ret, "]");
	return 0;
}

static const struct qmp_command table[] = {
	{ "qmp_capabilities", cmd_qmp_capabilities, { "enable" } },
	{ "query-status", cmd_query_status, { NULL } },
	{ "stop", cmd_stop, { NULL } },
	{ "cont", cmd_cont, { NULL } },
	{ "query-cpus-fast", cmd_query_cpus_fast, { NULL } },
	{ "system_reset", cmd_system_reset, { NULL } },
	{ "system_powerdown", cmd_system_powerdown, { NULL } },
	{ "quit", cmd_quit, { NULL } },
	{ "query-version", cmd_query_version, { NULL } },
	{ "query-commands", cmd_query_commands, { NULL } },
	{ "human-monitor-command", cmd_hmp, { "command-line", "cpu-index" } },
	{ "x-rhyve-suspend-cpu", cmd_suspend_cpu, { "cpu-index" } },
	{ "x-rhyve-resume-cpu", cmd_resume_cpu, { "cpu-index" } },
	{ "x-rhyve-query-vcpus", cmd_query_vcpus, { NULL } },
	{ "x-rhyve-query-stats", cmd_query_stats, { "cpu-index" } },
};

const struct qmp_command *
qmp_command_find(const char *name)
{
	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++)
		if (strcmp(table[k].name, name) == 0)
			return &table[k];
	return NULL;
}

const struct qmp_command *
qmp_commands(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}
