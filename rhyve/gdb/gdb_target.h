/*
 * gdb_target.h - the target description GDB reads with
 * qXfer:features:read:target.xml, generated from what the hart engine
 * actually implements.  Spec: GDB manual, appendix G "Target
 * Descriptions" and G.5.x "RISC-V Features"; register numbers are GDB's
 * riscv-tdep.h ones, which vmm/vmm.h's VM_REG_* follow exactly, so a
 * tdesc regnum, a 'p'/'P' register number and a VM_REG_* are one number.
 */
#ifndef RHYVE_GDB_TARGET_H
#define RHYVE_GDB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_NCSR	4096

struct gdb_target {
	bool	 has_fpu;		/* f0..f31, fflags, frm, fcsr */
	int	 ncsrs;			/* CSRs other than the FP ones */
	uint16_t csrs[GDB_NCSR];
	char	*xml;			/* target.xml, NUL-terminated */
	size_t	 xml_len;
};

/*
 * Build the description.  probe(arg, regnum) returns true when the
 * register exists (rhyve asks vm_get_register() on vCPU 0).  Returns 0,
 * or -1 on ENOMEM.
 */
int	gdb_target_init(struct gdb_target *t,
	    bool (*probe)(void *arg, int regnum), void *arg);
void	gdb_target_free(struct gdb_target *t);

/*
 * Size in bytes of register 'regnum' as the description declares it, or
 * 0 when the description does not contain it.
 */
size_t	gdb_target_reg_size(const struct gdb_target *t, int regnum);

/* Standard name of CSR 'csr' (privileged spec), or NULL if unnamed. */
const char *gdb_csr_name(unsigned csr, char *buf, size_t bufsz);

/*
 * Register and memory access for the packets, through vmmapi.  The vCPU
 * must be stopped.  Register functions return 0 or EINVAL (bad number,
 * bad hex, or the vmm refused); values are hex in target byte order.
 */
struct vmctx;
struct gdb_buf;

/*
 * 'g': x0..x31, pc, then f0..f31 when the description has an FPU, read
 * as one snapshot (a single vm_get_registers() call).
 */
int	gdb_target_read_g(const struct gdb_target *t, struct vmctx *ctx,
	    int vcpu, struct gdb_buf *out);
/*
 * 'G': any number of whole registers of the 'g' layout (x0 ignored),
 * written with a single vm_set_registers() call; nothing is written if
 * the hex is bad.
 */
int	gdb_target_write_g(const struct gdb_target *t, struct vmctx *ctx,
	    int vcpu, const uint8_t *hex, size_t len);
/* 'p' / 'P': one register of the description, at its declared size. */
int	gdb_target_read_reg(const struct gdb_target *t, struct vmctx *ctx,
	    int vcpu, uint64_t regnum, struct gdb_buf *out);
int	gdb_target_write_reg(const struct gdb_target *t, struct vmctx *ctx,
	    int vcpu, uint64_t regnum, const uint8_t *hex, size_t len);

/*
 * Copy between buf and guest memory at 'addr': virtual through vCPU
 * 'vcpu''s current translation (no A/D update, no guest fault) or
 * physical.  Only RAM is touched (MMIO reads have side effects); writes
 * drop the hart engine's decoded code for the range.  Returns the number
 * of bytes done (0 when the first byte is not accessible).
 */
size_t	gdb_target_mem(struct vmctx *ctx, int vcpu, bool phys, uint64_t addr,
	    uint8_t *buf, size_t len, bool write);
/* Is the instruction just before 'pc' a WFI (a stopped sleeper)? */
bool	gdb_target_after_wfi(struct vmctx *ctx, int vcpu, uint64_t pc);
/* The trap-related CSRs of a hart, one per line, for the monitor. */
void	gdb_target_dump_csrs(struct vmctx *ctx, int vcpu, struct gdb_buf *out);

/* GDB's names of x0..x31 (ABI names, as riscv-64bit-cpu.xml). */
extern const char *const gdb_xreg_names[32];

#endif
