/*
 * qmp_hmp.c - the few human monitor (HMP) commands QMP's
 * human-monitor-command runs: "info registers" (the current CPU, or every
 * CPU with -a, in the layout of QEMU's riscv_cpu_dump_state: pc, the
 * machine and supervisor CSRs, then x0-x31 four to a line), "info
 * status", "info cpus", "cpu N" (the current CPU of this connection) and
 * "help".  Registers come from vm_get_register(), which briefly freezes a
 * running vCPU: the values are a consistent snapshot of that vCPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmmapi/vmmapi.h"
#include "qmp_int.h"

static const char *const xnames[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const struct {
	const char	*name;
	int		 csr;
} csrs[] = {
	{ "mhartid", 0xf14 }, { "mstatus", 0x300 }, { "misa", 0x301 },
	{ "mip", 0x344 }, { "mie", 0x304 }, { "mideleg", 0x303 },
	{ "medeleg", 0x302 }, { "mtvec", 0x305 }, { "stvec", 0x105 },
	{ "mepc", 0x341 }, { "sepc", 0x141 }, { "mcause", 0x342 },
	{ "scause", 0x142 }, { "mtval", 0x343 }, { "stval", 0x143 },
	{ "mscratch", 0x340 }, { "sscratch", 0x140 }, { "satp", 0x180 },
};

static void
dump_cpu(struct vmctx *ctx, int cpu, struct jbuf *t)
{
	static const char priv_names[] = "US?M";
	uint64_t v, priv = 0;

	jbuf_printf(t, "CPU#%d\n", cpu);
	if (vm_get_register(ctx, cpu, VM_REG_PC, &v) == 0)
		jbuf_printf(t, " %-8s %016llx\n", "pc", (unsigned long long)v);
	if (vm_get_register(ctx, cpu, VM_REG_PRIV, &priv) == 0)
		jbuf_printf(t, " %-8s %c\n", "priv", priv_names[priv & 3]);
	for (size_t k = 0; k < sizeof(csrs) / sizeof(csrs[0]); k++)
		if (vm_get_register(ctx, cpu, VM_REG_CSR(csrs[k].csr), &v) == 0)
			jbuf_printf(t, " %-8s %016llx\n", csrs[k].name,
			    (unsigned long long)v);
	for (int r = 0; r < 32; r++) {
		char name[16];

		if (vm_get_register(ctx, cpu, VM_REG_X(r), &v) != 0)
			v = 0;
		snprintf(name, sizeof(name), "x%d/%s", r, xnames[r]);
		jbuf_printf(t, " %-8s %016llx%s", name, (unsigned long long)v,
		    r % 4 == 3 ? "\n" : "");
	}
}

/* Split off the next blank-separated word of *p (modified in place). */
static char *
word(char **p)
{
	char *w;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0')
		return NULL;
	w = *p;
	while (**p != '\0' && **p != ' ' && **p != '\t')
		(*p)++;
	if (**p != '\0')
		*(*p)++ = '\0';
	return w;
}

void
qmp_hmp(struct qmp_session *s, const char *line, int cpu, struct jbuf *text)
{
	char buf[256], *p = buf, *cmd, *arg, *extra;
	int n = vm_get_ncpus(s->ctx);

	snprintf(buf, sizeof(buf), "%s", line);
	cmd = word(&p);
	arg = word(&p);
	extra = word(&p);
	if (cmd == NULL)
		return;
	if (strcmp(cmd, "help") == 0 && arg == NULL) {
		jbuf_puts(text, "cpu index -- set the default CPU\n"
		    "info registers [-a] -- show the cpu registers "
		    "(-a: all CPUs)\n"
		    "info status -- show the current VM status\n"
		    "info cpus -- show infos for each CPU\n");
	} else if (strcmp(cmd, "cpu") == 0 && arg != NULL && extra == NULL) {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*end != '\0' || end == arg || v < 0 || v >= n)
			jbuf_puts(text, "invalid CPU index\n");
		else
			s->hmp_cpu = (int)v;
	} else if (strcmp(cmd, "info") == 0 && arg != NULL &&
	    strcmp(arg, "registers") == 0) {
		if (extra != NULL && strcmp(extra, "-a") == 0) {
			for (int i = 0; i < n; i++)
				dump_cpu(s->ctx, i, text);
		} else if (extra == NULL) {
			dump_cpu(s->ctx, cpu, text);
		} else {
			jbuf_printf(text, "info registers: invalid argument "
			    "'%s'\n", extra);
		}
	} else if (strcmp(cmd, "info") == 0 && arg != NULL &&
	    strcmp(arg, "status") == 0 && extra == NULL) {
		cpuset_t act, paused, dbg;

		vm_active_cpus(s->ctx, &act);
		vm_paused_cpus(s->ctx, &paused);
		vm_debug_cpus(s->ctx, &dbg);
		if (qmp_shutting_down())
			jbuf_puts(text, "VM status: shutdown\n");
		else if (!cpuset_empty(&act) && cpuset_subset(&paused, &act))
			jbuf_puts(text, "VM status: paused\n");
		else if (!cpuset_empty(&dbg))
			jbuf_puts(text, "VM status: paused (debug)\n");
		else
			jbuf_puts(text, "VM status: running\n");
	} else if (strcmp(cmd, "info") == 0 && arg != NULL &&
	    strcmp(arg, "cpus") == 0 && extra == NULL) {
		for (int i = 0; i < n; i++) {
			uint64_t pc = 0;

			vm_get_register(s->ctx, i, VM_REG_PC, &pc);
			jbuf_printf(text, "%c CPU #%d: pc=0x%016llx "
			    "thread_id=%d\n", i == s->hmp_cpu ? '*' : ' ', i,
			    (unsigned long long)pc, qmp_vcpu_tid(i));
		}
	} else {
		jbuf_printf(text, "unknown command: '%s%s%s'\r\n", cmd,
		    arg != NULL ? " " : "", arg != NULL ? arg : "");
	}
}
