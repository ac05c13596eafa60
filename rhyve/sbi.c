/*
 * sbi.c - the built-in SBI: what OpenSBI does for an S-mode kernel,
 * answered by the hypervisor on each vCPU's thread when the hart exits
 * with VM_EXITCODE_ECALL (VM_CAP_SBI_EXIT), as KVM's and bhyve's SBI do.
 *
 * Spec: RISC-V Supervisor Binary Interface Specification v2.0
 * (github.com/riscv-non-isa/riscv-sbi-doc): calling convention in
 * chapter 3 (a7 = extension, a6 = function, a0..a5 = arguments; a0 =
 * error, a1 = value), Base (4), legacy 0.1 calls (5), TIME (6), IPI (7),
 * RFENCE (8), HSM (9), SRST (10), DBCN (12).
 *
 * No state of its own: every call acts on the vmm through vmmapi, so
 * calls from several vCPU threads at once need no lock here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../vmmapi/vmmapi.h"
#include "devices.h"
#include "sbi.h"

#define SBI_SPEC_VERSION	((UINT64_C(2) << 24) | 0)	/* 2.0 */

/* CSRs the SBI touches on a hart, through vm_get/set_register. */
#define CSR_SIP		0x144
#define CSR_STIMECMP	0x14d
#define CSR_MEDELEG	0x302
#define CSR_MIDELEG	0x303
#define CSR_MCOUNTEREN	0x306
#define CSR_MENVCFG	0x30a
#define CSR_MVENDORID	0xf11
#define CSR_MARCHID	0xf12
#define CSR_MIMPID	0xf13
#define MIP_SSIP	(UINT64_C(1) << 1)

/* hart_suspend types (9.4). */
#define HSM_SUSPEND_RET_DEFAULT		UINT64_C(0x00000000)
#define HSM_SUSPEND_NONRET_DEFAULT	UINT64_C(0x80000000)

/* system_reset types and reasons (10.1). */
#define SRST_SHUTDOWN		0
#define SRST_COLD_REBOOT	1
#define SRST_WARM_REBOOT	2
#define SRST_REASON_NONE	0
#define SRST_REASON_FAILURE	1

#define HART_MASK_ALL	UINT64_MAX	/* hart_mask_base = -1: every hart */

struct sbiret {
	int64_t		error;
	uint64_t	value;
};

static struct sbiret
ret_err(int64_t error)
{
	return (struct sbiret){ .error = error };
}

static struct sbiret
ret_val(uint64_t value)
{
	return (struct sbiret){ .error = SBI_SUCCESS, .value = value };
}

/* Give 'vcpu' the M-mode state firmware leaves behind (sbi.h). */
static int
firmware_csrs(struct vmctx *ctx, int vcpu)
{
	static const struct {
		int		csr;
		uint64_t	val;
	} regs[] = {
		{ CSR_MIDELEG, SBI_MIDELEG },
		{ CSR_MEDELEG, SBI_MEDELEG },
		{ CSR_MCOUNTEREN, SBI_MCOUNTEREN },
		{ CSR_MENVCFG, SBI_MENVCFG },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (vm_set_register(ctx, vcpu, VM_REG_CSR(regs[i].csr),
		    regs[i].val) != 0)
			return -1;
	}
	return 0;
}

int
sbi_init(struct vmctx *ctx)
{
	int n = vm_get_ncpus(ctx);

	for (int i = 0; i < n; i++) {
		if (vm_set_capability(ctx, i, VM_CAP_SBI_EXIT, 1) != 0 ||
		    firmware_csrs(ctx, i) != 0) {
			fprintf(stderr, "rhyve: built-in SBI: vCPU %d: %s\n", i,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- hart masks ---------------------------------------------------------- */

/*
 * The harts named by (hart_mask, hart_mask_base) (3.1): bit i of the
 * mask is hart base + i; base -1 means every hart.  A hart that does not
 * exist is SBI_ERR_INVALID_PARAM, and then nothing is done.
 */
static int64_t
hart_mask_set(struct vmctx *ctx, uint64_t mask, uint64_t base, cpuset_t *set)
{
	uint64_t ncpus = (uint64_t)vm_get_ncpus(ctx);

	cpuset_zero(set);
	if (base == HART_MASK_ALL) {
		for (uint64_t i = 0; i < ncpus; i++)
			cpuset_set((int)i, set);
		return SBI_SUCCESS;
	}
	for (int i = 0; i < 64; i++) {
		if (!((mask >> i) & 1))
			continue;
		if (base >= ncpus || (uint64_t)i >= ncpus - base)
			return SBI_ERR_INVALID_PARAM;
		cpuset_set((int)(base + (uint64_t)i), set);
	}
	return SBI_SUCCESS;
}

/*
 * A legacy hart mask (5.1): a guest-virtual pointer, in the caller's
 * address space, to a bit vector of unsigned longs; NULL means every
 * hart.
 */
static int64_t
legacy_hart_mask_set(struct vmctx *ctx, int vcpu, uint64_t gla, cpuset_t *set)
{
	int ncpus = vm_get_ncpus(ctx);

	cpuset_zero(set);
	if (gla == 0)
		return hart_mask_set(ctx, 0, HART_MASK_ALL, set);
	if (gla & 7)
		return SBI_ERR_INVALID_ADDRESS;
	for (int w = 0; w < (ncpus + 63) / 64; w++) {
		uint64_t gpa, word;
		const void *p;
		int fault;

		if (vm_gla2gpa(ctx, vcpu, gla + 8 * (uint64_t)w, VM_PROT_READ,
		    &gpa, &fault) != 0 || fault)
			return SBI_ERR_INVALID_ADDRESS;
		if ((p = vm_map_gpa(ctx, gpa, 8)) == NULL)
			return SBI_ERR_INVALID_ADDRESS;
		memcpy(&word, p, 8);
		for (int i = 0; i < 64; i++) {
			if (((word >> i) & 1) && 64 * w + i < ncpus)
				cpuset_set(64 * w + i, set);
		}
	}
	return SBI_SUCCESS;
}

/* ---- the extensions ------------------------------------------------------ */

static bool
ext_present(uint64_t eid)
{
	switch (eid) {
	case SBI_EXT_LEGACY_SET_TIMER ... SBI_EXT_LEGACY_SHUTDOWN:
	case SBI_EXT_BASE:
	case SBI_EXT_TIME:
	case SBI_EXT_IPI:
	case SBI_EXT_RFENCE:
	case SBI_EXT_HSM:
	case SBI_EXT_SRST:
	case SBI_EXT_DBCN:
		return true;
	default:
		return false;
	}
}

static struct sbiret
csr_value(struct vmctx *ctx, int vcpu, int csr)
{
	uint64_t v;

	if (vm_get_register(ctx, vcpu, VM_REG_CSR(csr), &v) != 0)
		return ret_err(SBI_ERR_FAILED);
	return ret_val(v);
}

static struct sbiret
sbi_base(struct vmctx *ctx, int vcpu, uint64_t fid, const uint64_t *a)
{
	switch (fid) {
	case 0:
		return ret_val(SBI_SPEC_VERSION);
	case 1:
		return ret_val(SBI_IMPL_ID_RHYVE);
	case 2:
		return ret_val(SBI_IMPL_VERSION_RHYVE);
	case 3:
		return ret_val(ext_present(a[0]) ? 1 : 0);
	case 4:
		return csr_value(ctx, vcpu, CSR_MVENDORID);
	case 5:
		return csr_value(ctx, vcpu, CSR_MARCHID);
	case 6:
		return csr_value(ctx, vcpu, CSR_MIMPID);
	default:
		return ret_err(SBI_ERR_NOT_SUPPORTED);
	}
}

/*
 * With Sstc on, the next timer event is stimecmp itself: the hart raises
 * STIP while time >= stimecmp, so a later value also clears a pending one.
 */
static struct sbiret
set_timer(struct vmctx *ctx, int vcpu, uint64_t when)
{
	if (vm_set_register(ctx, vcpu, VM_REG_CSR(CSR_STIMECMP), when) != 0)
		return ret_err(SBI_ERR_FAILED);
	return ret_val(0);
}

/* An IPI to a hart the guest has not started is lost, as on hardware. */
static struct sbiret
send_ipis(struct vmctx *ctx, const cpuset_t *set)
{
	cpuset_t started;
	int i;

	if (vm_started_cpus(ctx, &started) != 0)
		return ret_err(SBI_ERR_FAILED);
	CPUSET_FOREACH(i, set) {
		if (cpuset_isset(i, &started) && vm_raise_ssip(ctx, i) != 0)
			return ret_err(SBI_ERR_FAILED);
	}
	return ret_val(0);
}

/*
 * Remote fences flush everything (a range or an ASID is a hint we may
 * widen).  The vmm applies one before its target next enters the guest;
 * the caller must not return before every target has done so (the guest
 * frees page tables right after), so each other target is then made to
 * leave the guest: reading a register waits until it is out, and it
 * re-enters through the fence.  The caller's own fence applies when its
 * ecall completes.
 */
static struct sbiret
fence_harts(struct vmctx *ctx, int vcpu, const cpuset_t *set, int what)
{
	uint64_t pc;
	int i;

	CPUSET_FOREACH(i, set) {
		if (vm_remote_fence(ctx, i, what) != 0)
			return ret_err(SBI_ERR_FAILED);
	}
	CPUSET_FOREACH(i, set) {
		if (i != vcpu && vm_get_register(ctx, i, VM_REG_PC, &pc) != 0)
			return ret_err(SBI_ERR_FAILED);
	}
	return ret_val(0);
}

static struct sbiret
sbi_ipi(struct vmctx *ctx, uint64_t fid, const uint64_t *a)
{
	cpuset_t set;
	int64_t err;

	if (fid != 0)
		return ret_err(SBI_ERR_NOT_SUPPORTED);
	if ((err = hart_mask_set(ctx, a[0], a[1], &set)) != SBI_SUCCESS)
		return ret_err(err);
	return send_ipis(ctx, &set);
}

static struct sbiret
sbi_rfence(struct vmctx *ctx, int vcpu, uint64_t fid, const uint64_t *a)
{
	cpuset_t set;
	int64_t err;
	int what;

	switch (fid) {
	case 0:				/* remote_fence_i */
		what = VM_FENCE_I;
		break;
	case 1:				/* remote_sfence_vma */
	case 2:				/* remote_sfence_vma_asid */
		what = VM_FENCE_TLB;
		break;
	default:			/* hfence.*: no H extension */
		return ret_err(SBI_ERR_NOT_SUPPORTED);
	}
	if ((err = hart_mask_set(ctx, a[0], a[1], &set)) != SBI_SUCCESS)
		return ret_err(err);
	return fence_harts(ctx, vcpu, &set, what);
}

static struct sbiret
hart_start(struct vmctx *ctx, uint64_t hartid, uint64_t addr, uint64_t opaque)
{
	if (hartid >= (uint64_t)vm_get_ncpus(ctx))
		return ret_err(SBI_ERR_INVALID_PARAM);
	/* The hart starts with its MMU off: addr is physical, and must be RAM. */
	if (vm_map_gpa(ctx, addr, 4) == NULL)
		return ret_err(SBI_ERR_INVALID_ADDRESS);
	if (vm_hart_start(ctx, (int)hartid, addr, hartid, opaque, PRV_S) != 0) {
		if (errno == EALREADY)
			return ret_err(SBI_ERR_ALREADY_AVAILABLE);
		return ret_err(errno == EINVAL ? SBI_ERR_INVALID_PARAM :
		    SBI_ERR_FAILED);
	}
	/*
	 * vm_hart_start() resets the hart.  The vmm must keep the M-mode
	 * configuration across an S-mode start, or the hart's first
	 * instructions run without it (tests/unit/sbi.c,
	 * started_hart_has_firmware_state); writing it again here is cheap.
	 */
	if (firmware_csrs(ctx, (int)hartid) != 0)
		return ret_err(SBI_ERR_FAILED);
	return ret_val(0);
}

static struct sbiret
hart_status(struct vmctx *ctx, uint64_t hartid)
{
	struct vcpu_info info;

	if (hartid >= (uint64_t)vm_get_ncpus(ctx))
		return ret_err(SBI_ERR_INVALID_PARAM);
	if (vm_get_vcpu_info(ctx, (int)hartid, &info) != 0)
		return ret_err(SBI_ERR_FAILED);
	return ret_val(info.started ? SBI_HSM_STARTED : SBI_HSM_STOPPED);
}

static struct sbiret
sbi_hsm(struct vmctx *ctx, int vcpu, struct vm_exit *vme, uint64_t fid,
    const uint64_t *a)
{
	uint64_t type;

	switch (fid) {
	case 0:
		return hart_start(ctx, a[0], a[1], a[2]);
	case 1:
		/* Does not return: the hart sleeps until a hart_start. */
		if (vm_hart_stop(ctx, vcpu) != 0)
			return ret_err(SBI_ERR_FAILED);
		vme->u.ecall.no_ret = true;
		return ret_val(0);
	case 2:
		return hart_status(ctx, a[0]);
	case 3:
		type = (uint32_t)a[0];		/* a uint32_t argument (3.1) */
		/*
		 * A default retentive suspend may wake spuriously, like WFI:
		 * returning at once is one.  The default non-retentive one
		 * is not done; platform-specific types name nothing here,
		 * which the spec (9.4) answers as reserved ones.
		 */
		if (type == HSM_SUSPEND_RET_DEFAULT)
			return ret_val(0);
		if (type == HSM_SUSPEND_NONRET_DEFAULT)
			return ret_err(SBI_ERR_NOT_SUPPORTED);
		return ret_err(SBI_ERR_INVALID_PARAM);
	default:
		return ret_err(SBI_ERR_NOT_SUPPORTED);
	}
}

/* On success the VM is going down: the caller never sees a return. */
static struct sbiret
system_reset(struct vmctx *ctx, int vcpu, struct vm_exit *vme, uint64_t type,
    uint64_t reason)
{
	int how;

	if (reason != SRST_REASON_NONE && reason != SRST_REASON_FAILURE)
		return ret_err(SBI_ERR_INVALID_PARAM);
	switch (type) {
	case SRST_SHUTDOWN:
		how = reason == SRST_REASON_FAILURE ? VM_SUSPEND_HALT :
		    VM_SUSPEND_POWEROFF;
		break;
	case SRST_COLD_REBOOT:
	case SRST_WARM_REBOOT:
		how = VM_SUSPEND_RESET;
		break;
	default:
		return ret_err(SBI_ERR_INVALID_PARAM);
	}
	/* EALREADY: another hart got there first; the VM goes down anyway. */
	if (vm_suspend(ctx, how, vcpu, how == VM_SUSPEND_HALT ? 1 : 0) != 0 &&
	    errno != EALREADY)
		return ret_err(SBI_ERR_FAILED);
	vme->u.ecall.no_ret = true;
	return ret_val(0);
}

static struct sbiret
sbi_srst(struct vmctx *ctx, int vcpu, struct vm_exit *vme, uint64_t fid,
    const uint64_t *a)
{
	if (fid != 0)
		return ret_err(SBI_ERR_NOT_SUPPORTED);
	/* uint32_t arguments: the spec (3.1) has us use the low 32 bits. */
	return system_reset(ctx, vcpu, vme, (uint32_t)a[0], (uint32_t)a[1]);
}

/*
 * DBCN buffers are guest-physical (12.1): base_addr_hi holds the bits
 * above XLEN, so on RV64 it must be 0.
 */
static void *
dbcn_buffer(struct vmctx *ctx, uint64_t len, uint64_t lo, uint64_t hi)
{
	if (hi != 0 || len > SIZE_MAX)
		return NULL;
	return vm_map_gpa(ctx, lo, (size_t)len);
}

static struct sbiret
sbi_dbcn(struct vmctx *ctx, uint64_t fid, const uint64_t *a)
{
	uint8_t *buf, byte;
	uint64_t n;
	int c;

	switch (fid) {
	case 0:				/* console_write */
		if (a[0] == 0)
			return ret_val(0);
		if ((buf = dbcn_buffer(ctx, a[0], a[1], a[2])) == NULL)
			return ret_err(SBI_ERR_INVALID_PARAM);
		console_write(buf, (size_t)a[0]);
		return ret_val(a[0]);
	case 1:				/* console_read */
		if (a[0] == 0)
			return ret_val(0);
		if ((buf = dbcn_buffer(ctx, a[0], a[1], a[2])) == NULL)
			return ret_err(SBI_ERR_INVALID_PARAM);
		for (n = 0; n < a[0] && (c = console_getc()) >= 0; n++)
			buf[n] = (uint8_t)c;
		return ret_val(n);
	case 2:				/* console_write_byte */
		byte = (uint8_t)a[0];
		console_write(&byte, 1);
		return ret_val(0);
	default:
		return ret_err(SBI_ERR_NOT_SUPPORTED);
	}
}

/*
 * Legacy calls (chapter 5) return one value in a0 and leave a1 as it
 * was; an error is a negative a0.
 */
static int64_t
sbi_legacy(struct vmctx *ctx, int vcpu, struct vm_exit *vme, uint64_t eid,
    const uint64_t *a)
{
	struct sbiret r;
	cpuset_t set;
	int64_t err;
	uint8_t byte;
	uint64_t sip;
	int c;

	switch (eid) {
	case SBI_EXT_LEGACY_SET_TIMER:
		return set_timer(ctx, vcpu, a[0]).error;
	case SBI_EXT_LEGACY_PUTCHAR:
		byte = (uint8_t)a[0];
		console_write(&byte, 1);
		return 0;
	case SBI_EXT_LEGACY_GETCHAR:
		c = console_getc();
		return c < 0 ? -1 : c;
	case SBI_EXT_LEGACY_CLEAR_IPI:
		if (vm_get_register(ctx, vcpu, VM_REG_CSR(CSR_SIP), &sip) != 0 ||
		    vm_set_register(ctx, vcpu, VM_REG_CSR(CSR_SIP),
		    sip & ~MIP_SSIP) != 0)
			return SBI_ERR_FAILED;
		return 0;
	case SBI_EXT_LEGACY_SEND_IPI:
	case SBI_EXT_LEGACY_FENCE_I:
	case SBI_EXT_LEGACY_SFENCE_VMA:
	case SBI_EXT_LEGACY_SFENCE_VMA_ASID:
		if ((err = legacy_hart_mask_set(ctx, vcpu, a[0], &set)) != 0)
			return err;
		if (eid == SBI_EXT_LEGACY_SEND_IPI)
			r = send_ipis(ctx, &set);
		else
			r = fence_harts(ctx, vcpu, &set, eid == SBI_EXT_LEGACY_FENCE_I ?
			    VM_FENCE_I : VM_FENCE_TLB);
		return r.error;
	case SBI_EXT_LEGACY_SHUTDOWN:
		return system_reset(ctx, vcpu, vme, SRST_SHUTDOWN,
		    SRST_REASON_NONE).error;
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
}

void
sbi_handle_ecall(struct vmctx *ctx, int vcpu, struct vm_exit *vme)
{
	const uint64_t *a = vme->u.ecall.args;
	uint64_t eid = a[7], fid = a[6];
	struct sbiret r;

	vme->u.ecall.no_ret = false;
	switch (eid) {
	case SBI_EXT_LEGACY_SET_TIMER ... SBI_EXT_LEGACY_SHUTDOWN:
		vme->u.ecall.ret[0] = (uint64_t)sbi_legacy(ctx, vcpu, vme, eid, a);
		vme->u.ecall.ret[1] = a[1];
		return;
	case SBI_EXT_BASE:
		r = sbi_base(ctx, vcpu, fid, a);
		break;
	case SBI_EXT_TIME:
		r = fid == 0 ? set_timer(ctx, vcpu, a[0]) :
		    ret_err(SBI_ERR_NOT_SUPPORTED);
		break;
	case SBI_EXT_IPI:
		r = sbi_ipi(ctx, fid, a);
		break;
	case SBI_EXT_RFENCE:
		r = sbi_rfence(ctx, vcpu, fid, a);
		break;
	case SBI_EXT_HSM:
		r = sbi_hsm(ctx, vcpu, vme, fid, a);
		break;
	case SBI_EXT_SRST:
		r = sbi_srst(ctx, vcpu, vme, fid, a);
		break;
	case SBI_EXT_DBCN:
		r = sbi_dbcn(ctx, fid, a);
		break;
	default:
		r = ret_err(SBI_ERR_NOT_SUPPORTED);
		break;
	}
	vme->u.ecall.ret[0] = (uint64_t)r.error;
	vme->u.ecall.ret[1] = r.value;
}
