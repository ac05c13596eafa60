/*
 * sbi.h - rhyve's built-in SBI: the hypervisor answers the S-mode
 * kernel's ecalls (VM_EXITCODE_ECALL) the way KVM and bhyve do for RISC-V
 * guests, so no M-mode firmware runs.  RISC-V SBI specification v2.0
 * (github.com/riscv-non-isa/riscv-sbi-doc): Base, TIME, IPI, RFENCE, HSM,
 * SRST, DBCN and the legacy extensions 0x00-0x08.
 */
#ifndef RHYVE_SBI_H
#define RHYVE_SBI_H

#include <stdint.h>

struct vmctx;
struct vm_exit;

/* SBI implementation ID (not assigned by the spec): ASCII "rhyv". */
#define SBI_IMPL_ID_RHYVE	UINT64_C(0x72687976)
#define SBI_IMPL_VERSION_RHYVE	UINT64_C(0x00000001)	/* major << 16 | minor: 0.1 */

/* Error codes (SBI v2.0 section 3.2). */
#define SBI_SUCCESS			0
#define SBI_ERR_FAILED			(-1)
#define SBI_ERR_NOT_SUPPORTED		(-2)
#define SBI_ERR_INVALID_PARAM		(-3)
#define SBI_ERR_DENIED			(-4)
#define SBI_ERR_INVALID_ADDRESS		(-5)
#define SBI_ERR_ALREADY_AVAILABLE	(-6)
#define SBI_ERR_ALREADY_STARTED		(-7)
#define SBI_ERR_ALREADY_STOPPED		(-8)

/* Extension IDs. */
#define SBI_EXT_LEGACY_SET_TIMER	0x00
#define SBI_EXT_LEGACY_PUTCHAR		0x01
#define SBI_EXT_LEGACY_GETCHAR		0x02
#define SBI_EXT_LEGACY_CLEAR_IPI	0x03
#define SBI_EXT_LEGACY_SEND_IPI		0x04
#define SBI_EXT_LEGACY_FENCE_I		0x05
#define SBI_EXT_LEGACY_SFENCE_VMA	0x06
#define SBI_EXT_LEGACY_SFENCE_VMA_ASID	0x07
#define SBI_EXT_LEGACY_SHUTDOWN		0x08
#define SBI_EXT_BASE			0x10
#define SBI_EXT_TIME			0x54494D45
#define SBI_EXT_IPI			0x735049
#define SBI_EXT_RFENCE			0x52464E43
#define SBI_EXT_HSM			0x48534D
#define SBI_EXT_SRST			0x53525354
#define SBI_EXT_DBCN			0x4442434E

/* HSM hart states (hart_get_status). */
#define SBI_HSM_STARTED		0
#define SBI_HSM_STOPPED		1

/*
 * The M-mode state an SBI firmware leaves a hart in before entering
 * S-mode, which sbi_init() gives every vCPU and hart_start gives each
 * hart it starts: S-level interrupts and the exceptions a kernel handles
 * delegated to S-mode, Sstc on (menvcfg.STCE, so set_timer is a write of
 * stimecmp and the hart raises STIP itself), every counter readable.
 */
#define SBI_MIDELEG	UINT64_C(0x222)		/* SSIP, STIP, SEIP */
#define SBI_MEDELEG	UINT64_C(0xb1ff)	/* 0-8, 12, 13, 15: all but ecall from S/M */
#define SBI_MCOUNTEREN	UINT64_C(0xffffffff)
#define SBI_MENVCFG	(UINT64_C(1) << 63)	/* STCE */

/*
 * Turn on VM_CAP_SBI_EXIT and the firmware state above on every vCPU.
 * Call it after the boot hart got its registers (vm_hart_start resets a
 * hart's CSRs).  Returns 0, or -1 after printing one line.
 */
int	sbi_init(struct vmctx *ctx);

/*
 * Answer the ECALL exit 'vme' of 'vcpu', on that vCPU's own thread:
 * fills vme->u.ecall.ret[] (or sets no_ret); the next vm_run() on the
 * vCPU retires the ecall.  Never fails: a bad call gets an SBI error.
 */
void	sbi_handle_ecall(struct vmctx *ctx, int vcpu, struct vm_exit *vme);

#endif
