/*
 * gdb_target.c - generate GDB's target description (target.xml) for the
 * RISC-V rv64 harts rhyve runs: org.gnu.gdb.riscv.cpu, .fpu, .csr and
 * .virtual (priv), laid out as GDB's own riscv-64bit-*.xml files with
 * explicit regnums equal to VM_REG_* (GDB riscv-tdep.h numbering).
 * CSR names: RISC-V Privileged Architecture 20211203, tables 2.2-2.6.
 * Also the target side of the register and memory packets: the vmmapi
 * calls behind g/G/p/P and m/M/x/X.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmmapi/vmmapi.h"
#include "gdb_packet.h"
#include "gdb_target.h"

const char *const gdb_xreg_names[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const freg_names[32] = {
	"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
	"fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
	"fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
	"fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

#define CSR_FFLAGS	0x001
#define CSR_FRM		0x002
#define CSR_FCSR	0x003

static const struct {
	unsigned	num;
	const char	*name;
} csr_names[] = {
	{ 0x001, "fflags" }, { 0x002, "frm" }, { 0x003, "fcsr" },
	{ 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" },
	{ 0x106, "scounteren" }, { 0x10a, "senvcfg" },
	{ 0x140, "sscratch" }, { 0x141, "sepc" }, { 0x142, "scause" },
	{ 0x143, "stval" }, { 0x144, "sip" }, { 0x14d, "stimecmp" },
	{ 0x180, "satp" }, { 0x5a8, "scontext" },
	{ 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" },
	{ 0x303, "mideleg" }, { 0x304, "mie" }, { 0x305, "mtvec" },
	{ 0x306, "mcounteren" }, { 0x30a, "menvcfg" },
	{ 0x310, "mstatush" }, { 0x31a, "menvcfgh" },
	{ 0x320, "mcountinhibit" },
	{ 0x340, "mscratch" }, { 0x341, "mepc" }, { 0x342, "mcause" },
	{ 0x343, "mtval" }, { 0x344, "mip" }, { 0x34a, "mtinst" },
	{ 0x34b, "mtval2" }, { 0x747, "mseccfg" },
	{ 0x7a0, "tselect" }, { 0x7a1, "tdata1" }, { 0x7a2, "tdata2" },
	{ 0x7a3, "tdata3" }, { 0x7a8, "mcontext" },
	{ 0x7b0, "dcsr" }, { 0x7b1, "dpc" }, { 0x7b2, "dscratch0" },
	{ 0x7b3, "dscratch1" },
	{ 0xb00, "mcycle" }, { 0xb02, "minstret" },
	{ 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
	{ 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" },
	{ 0xf14, "mhartid" }, { 0xf15, "mconfigptr" },
};

const char *
gdb_csr_name(unsigned csr, char *buf, size_t bufsz)
{
	size_t i;

	for (i = 0; i < sizeof(csr_names) / sizeof(csr_names[0]); i++)
		if (csr_names[i].num == csr)
			return csr_names[i].name;
	/* numbered families */
	if (csr >= 0x3a0 && csr <= 0x3af)
		snprintf(buf, bufsz, "pmpcfg%u", csr - 0x3a0);
	else if (csr >= 0x3b0 && csr <= 0x3ef)
		snprintf(buf, bufsz, "pmpaddr%u", csr - 0x3b0);
	else if (csr >= 0xb03 && csr <= 0xb1f)
		snprintf(buf, bufsz, "mhpmcounter%u", csr - 0xb00);
	else if (csr >= 0xc03 && csr <= 0xc1f)
		snprintf(buf, bufsz, "hpmcounter%u", csr - 0xc00);
	else if (csr >= 0x323 && csr <= 0x33f)
		snprintf(buf, bufsz, "mhpmevent%u", csr - 0x320);
	else
		return NULL;
	return buf;
}

static bool
is_fp_csr(unsigned csr)
{
	return csr == CSR_FFLAGS || csr == CSR_FRM || csr == CSR_FCSR;
}

int
gdb_target_init(struct gdb_target *t, bool (*probe)(void *arg, int regnum),
    void *arg)
{
	struct gdb_buf b;
	char name[32];
	unsigned csr;
	int i;

	memset(t, 0, sizeof(*t));
	t->has_fpu = probe(arg, VM_REG_F(0)) &&
	    probe(arg, VM_REG_CSR(CSR_FCSR));
	for (csr = 0; csr < GDB_NCSR; csr++) {
		if (is_fp_csr(csr))
			continue;
		if (probe(arg, VM_REG_CSR(csr)))
			t->csrs[t->ncsrs++] = (uint16_t)csr;
	}

	gdb_buf_init(&b);
	gdb_buf_puts(&b, "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	    "<target version=\"1.0\">\n"
	    "<architecture>riscv:rv64</architecture>\n"
	    "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
	/*
	 * generic= is LLDB's way to find pc, sp, fp, ra and the arguments;
	 * GDB ignores attributes it does not know.
	 */
	for (i = 0; i < 32; i++) {
		const char *type = "int";
		char generic[32] = "";

		if (i == 1)
			type = "code_ptr";
		else if (i >= 2 && i <= 4)
			type = "data_ptr";
		if (i == 1)
			snprintf(generic, sizeof(generic), " generic=\"ra\"");
		else if (i == 2)
			snprintf(generic, sizeof(generic), " generic=\"sp\"");
		else if (i == 8)
			snprintf(generic, sizeof(generic), " generic=\"fp\"");
		else if (i >= 10 && i <= 17)
			snprintf(generic, sizeof(generic),
			    " generic=\"arg%d\"", i - 9);
		gdb_buf_printf(&b, "<reg name=\"%s\" bitsize=\"64\" "
		    "type=\"%s\" regnum=\"%d\"%s/>\n", gdb_xreg_names[i],
		    type, VM_REG_X(i), generic);
	}
	gdb_buf_printf(&b, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" "
	    "regnum=\"%d\" generic=\"pc\"/>\n</feature>\n", VM_REG_PC);

	if (t->has_fpu) {
		gdb_buf_puts(&b, "<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
		    "<union id=\"riscv_double\">\n"
		    "<field name=\"float\" type=\"ieee_single\"/>\n"
		    "<field name=\"double\" type=\"ieee_double\"/>\n"
		    "</union>\n");
		for (i = 0; i < 32; i++)
			gdb_buf_printf(&b, "<reg name=\"%s\" bitsize=\"64\" "
			    "type=\"riscv_double\" regnum=\"%d\"/>\n",
			    freg_names[i], VM_REG_F(i));
		gdb_buf_printf(&b,
		    "<reg name=\"fflags\" bitsize=\"32\" type=\"int\" "
		    "regnum=\"%d\"/>\n"
		    "<reg name=\"frm\" bitsize=\"32\" type=\"int\" "
		    "regnum=\"%d\"/>\n"
		    "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" "
		    "regnum=\"%d\"/>\n</feature>\n",
		    VM_REG_CSR(CSR_FFLAGS), VM_REG_CSR(CSR_FRM),
		    VM_REG_CSR(CSR_FCSR));
	}

	if (t->ncsrs > 0) {
		gdb_buf_puts(&b, "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
		for (i = 0; i < t->ncsrs; i++) {
			const char *n = gdb_csr_name(t->csrs[i], name,
			    sizeof(name));

			if (n == NULL) {
				snprintf(name, sizeof(name), "csr%u",
				    t->csrs[i]);
				n = name;
			}
			gdb_buf_printf(&b, "<reg name=\"%s\" bitsize=\"64\" "
			    "type=\"int\" regnum=\"%d\" group=\"csr\"/>\n", n,
			    VM_REG_CSR(t->csrs[i]));
		}
		gdb_buf_puts(&b, "</feature>\n");
	}

	gdb_buf_printf(&b, "<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
	    "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"%d\" "
	    "group=\"system\"/>\n</feature>\n</target>\n", VM_REG_PRIV);
	gdb_buf_putc(&b, '\0');
	if (b.oom) {
		gdb_buf_free(&b);
		return -1;
	}
	t->xml = (char *)b.data;
	t->xml_len = b.len - 1;
	return 0;
}

void
gdb_target_free(struct gdb_target *t)
{
	free(t->xml);
	t->xml = NULL;
	t->xml_len = 0;
}

size_t
gdb_target_reg_size(const struct gdb_target *t, int regnum)
{
	int i;

	if (regnum >= VM_REG_X(0) && regnum <= VM_REG_PC)
		return 8;
	if (regnum == VM_REG_PRIV)
		return 8;
	if (t->has_fpu) {
		if (regnum >= VM_REG_F(0) && regnum <= VM_REG_F(31))
			return 8;
		if (regnum >= VM_REG_CSR(CSR_FFLAGS) &&
		    regnum <= VM_REG_CSR(CSR_FCSR))
			return 4;
	}
	if (regnum >= VM_REG_CSR(0) && regnum < VM_REG_CSR(GDB_NCSR)) {
		unsigned csr = (unsigned)(regnum - VM_REG_CSR(0));

		/* csrs[] is sorted: probe order */
		int lo = 0, hi = t->ncsrs - 1;

		while (lo <= hi) {
			i = (lo + hi) / 2;
			if (t->csrs[i] == csr)
				return 8;
			if (t->csrs[i] < csr)
				lo = i + 1;
			else
				hi = i - 1;
		}
	}
	return 0;
}

/* ---- register and memory access ----------------------------------------- */

static int
g_count(const struct gdb_target *t)
{
	return t->has_fpu ? VM_REG_F(31) + 1 : VM_REG_PC + 1;
}

/* Registers in a 'g' reply at most: x0..x31, pc, f0..f31. */
#define G_MAX	(VM_REG_F(31) + 1)

/*
 * 'g' and 'G' go through the batch calls: one freeze of the vCPU for the
 * whole packet rather than one per register (65 with an FPU), which was
 * most of the server's own time for a 'g' (docs/benchmarks.md).
 */
int
gdb_target_read_g(const struct gdb_target *t, struct vmctx *ctx, int vcpu,
    struct gdb_buf *out)
{
	uint64_t vals[G_MAX];
	int i, n = g_count(t);

	if (vm_get_registers(ctx, vcpu, VM_REG_X(0), n, vals) != 0)
		return EINVAL;
	/* the target's byte order (little) in memory: one hex pass */
	for (i = 0; i < n; i++)
		vals[i] = htole64(vals[i]);
	gdb_buf_hex(out, vals, (size_t)n * sizeof(vals[0]));
	return 0;
}

int
gdb_target_write_g(const struct gdb_target *t, struct vmctx *ctx, int vcpu,
    const uint8_t *hex, size_t len)
{
	uint64_t vals[G_MAX];
	size_t i, n = len / 16;

	if (len % 16 != 0 || n > (size_t)g_count(t))
		return EINVAL;
	/* Whole packet parsed first: bad hex writes nothing. */
	for (i = 0; i < n; i++)
		if (!gdb_hex_le(hex + 16 * i, 16, 8, &vals[i]))
			return EINVAL;
	/* x0 is hard-wired to zero: skip it */
	if (n <= 1)
		return 0;
	return vm_set_registers(ctx, vcpu, VM_REG_X(1), (int)n - 1,
	    &vals[1]) != 0 ? EINVAL : 0;
}

int
gdb_target_read_reg(const struct gdb_target *t, struct vmctx *ctx, int vcpu,
    uint64_t regnum, struct gdb_buf *out)
{
	uint64_t val;
	size_t size;

	if (regnum > VM_REG_LAST ||
	    (size = gdb_target_reg_size(t, (int)regnum)) == 0 ||
	    vm_get_register(ctx, vcpu, (int)regnum, &val) != 0)
		return EINVAL;
	gdb_buf_hex_le(out, val, size);
	return 0;
}

int
gdb_target_write_reg(const struct gdb_target *t, struct vmctx *ctx, int vcpu,
    uint64_t regnum, const uint8_t *hex, size_t len)
{
	uint64_t val;
	size_t size;

	if (regnum > VM_REG_LAST ||
	    (size = gdb_target_reg_size(t, (int)regnum)) == 0 ||
	    !gdb_hex_le(hex, len, size, &val))
		return EINVAL;
	if (regnum == VM_REG_X(0))
		return 0;	/* hard-wired: accepted, ignored */
	return vm_set_register(ctx, vcpu, (int)regnum, val) != 0 ? EINVAL : 0;
}

size_t
gdb_target_mem(struct vmctx *ctx, int vcpu, bool phys, uint64_t addr,
    uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;

	while (done < len) {
		uint64_t a = addr + done, gpa;
		size_t chunk = 4096 - (size_t)(a & 4095);
		void *h;
		int fault = 0;

		if (chunk > len - done)
			chunk = len - done;
		if (phys) {
			gpa = a;
		} else if (vm_gla2gpa(ctx, vcpu, a, VM_PROT_READ, &gpa,
		    &fault) != 0 || fault) {
			/* execute-only pages: GDB reads code too */
			fault = 0;
			if (vm_gla2gpa(ctx, vcpu, a, VM_PROT_EXEC, &gpa,
			    &fault) != 0 || fault)
				break;
		}
		h = vm_map_gpa(ctx, gpa, chunk);
		if (h == NULL)
			break;		/* MMIO or nothing: not touched */
		if (write) {
			memcpy(h, buf + done, chunk);
			vm_invalidate_code(ctx, gpa, chunk);
		} else {
			memcpy(buf + done, h, chunk);
		}
		done += chunk;
	}
	return done;
}

/*
 * A hart stopped while it slept in WFI has retired the WFI (the sleep is
 * abandoned, a legal spurious wake-up) and sits just after it.
 */
bool
gdb_target_after_wfi(struct vmctx *ctx, int vcpu, uint64_t pc)
{
	uint32_t insn = 0;

	return gdb_target_mem(ctx, vcpu, false, pc - 4, (uint8_t *)&insn, 4,
	    false) == 4 && insn == 0x10500073;
}

void
gdb_target_dump_csrs(struct vmctx *ctx, int vcpu, struct gdb_buf *out)
{
	static const unsigned show[] = {
		0x300, 0x304, 0x344, 0x305, 0x341, 0x342, 0x343,
		0x180, 0x100, 0x105, 0x141, 0x142, 0x143,
	};
	char name[32];
	uint64_t val;
	size_t i;

	for (i = 0; i < sizeof(show) / sizeof(show[0]); i++)
		if (vm_get_register(ctx, vcpu, VM_REG_CSR(show[i]), &val) == 0)
			gdb_buf_printf(out, "  %-8s 0x%016llx\n",
			    gdb_csr_name(show[i], name, sizeof(name)),
			    (unsigned long long)val);
}
