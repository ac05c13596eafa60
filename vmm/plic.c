/*
 * plic.c - the RISC-V PLIC as QEMU virt has it (see plic.h): priorities
 * at 0x0, pending bits at 0x1000, per-context enables at 0x2000 +
 * 0x80*ctx, threshold and claim/complete at 0x200000 + 0x1000*ctx.
 * Context 2*h drives hart h's MEIP, 2*h+1 its SEIP.  Level-triggered
 * gateways: a source that is claimed is not pended again until it is
 * completed; if its line is still high then, it pends again.
 * Spec: riscv-plic-spec 1.0.0.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "plic.h"
#include "vmm.h"
#include "vmm_hart.h"
#include "vmm_intr.h"

#define NSRC		VM_PLIC_NSOURCES
#define NWORDS		((NSRC + 31) / 32)
#define PLIC_PENDING	0x1000
#define PLIC_ENABLE	0x2000
#define PLIC_CONTEXT	0x200000

/* Legend: (i) set at creation; (x) under mtx. */
struct plic {
	struct vm	*vm;			/* (i) */
	int		 ncpus;			/* (i) */
	int		 nctx;			/* (i) 2 per hart */
	pthread_mutex_t	 mtx;
	uint32_t	 prio[NSRC];		/* (x) */
	uint32_t	 pending[NWORDS];	/* (x) */
	uint32_t	 claimed[NWORDS];	/* (x) in progress */
	uint32_t	 level[NWORDS];		/* (x) line state */
	/*
	 * (x) Sources signalled VM_IRQ_LATCHED (QEMU's gateway, plic.h),
	 * and those of them requested again while claimed.
	 */
	uint32_t	 latched[NWORDS];
	uint32_t	 again[NWORDS];
	uint32_t	(*enable)[NWORDS];	/* (x) [nctx] */
	uint32_t	*threshold;		/* (x) [nctx] */
	bool		*out;			/* (x) [nctx] output level driven */
};

struct plic *
plic_create(struct vm *vm, int ncpus)
{
	struct plic *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->vm = vm;
	p->ncpus = ncpus;
	p->nctx = 2 * ncpus;
	p->enable = calloc((size_t)p->nctx, sizeof(*p->enable));
	p->threshold = calloc((size_t)p->nctx, sizeof(*p->threshold));
	p->out = calloc((size_t)p->nctx, sizeof(*p->out));
	if (p->enable == NULL || p->threshold == NULL || p->out == NULL) {
		plic_destroy(p);
		return NULL;
	}
	pthread_mutex_init(&p->mtx, NULL);
	return p;
}

void
plic_destroy(struct plic *p)
{
	if (p == NULL)
		return;
	free(p->enable);
	free(p->threshold);
	free(p->out);
	free(p);
}

void
plic_reset(struct plic *p)
{
	pthread_mutex_lock(&p->mtx);
	memset(p->prio, 0, sizeof(p->prio));
	memset(p->claimed, 0, sizeof(p->claimed));
	memcpy(p->pending, p->level, sizeof(p->pending));
	memset(p->enable, 0, sizeof(*p->enable) * (size_t)p->nctx);
	memset(p->threshold, 0, sizeof(*p->threshold) * (size_t)p->nctx);
	for (int ctx = 0; ctx < p->nctx; ctx++) {
		p->out[ctx] = false;
		vmm_set_mip_ext(p->vm, ctx / 2, (ctx & 1) ? MIP_SEIP : MIP_MEIP,
		    false);
	}
	pthread_mutex_unlock(&p->mtx);
}

size_t
plic_state_size(const struct plic *p)
{
	return sizeof(p->prio) + sizeof(p->pending) + sizeof(p->claimed) +
	    sizeof(p->level) + sizeof(p->latched) + sizeof(p->again) + (size_t)p->nctx * (sizeof(*p->enable) +
	    sizeof(*p->threshold) + sizeof(*p->out));
}

/* Copy each field to (save) or from (restore) the image at *pos. */
static void
image(uint8_t **pos, void *field, size_t n, bool save)
{
	if (save)
		memcpy(*pos, field, n);
	else
		memcpy(field, *pos, n);
	*pos += n;
}

static void
plic_image(struct plic *p, uint8_t *pos, bool save)
{
	image(&pos, p->prio, sizeof(p->prio), save);
	image(&pos, p->pending, sizeof(p->pending), save);
	image(&pos, p->claimed, sizeof(p->claimed), save);
	image(&pos, p->level, sizeof(p->level), save);
	image(&pos, p->latched, sizeof(p->latched), save);
	image(&pos, p->again, sizeof(p->again), save);
	image(&pos, p->enable, (size_t)p->nctx * sizeof(*p->enable), save);
	image(&pos, p->threshold, (size_t)p->nctx * sizeof(*p->threshold), save);
	image(&pos, p->out, (size_t)p->nctx * sizeof(*p->out), save);
}

void
plic_state_save(struct plic *p, void *buf)
{
	pthread_mutex_lock(&p->mtx);
	plic_image(p, buf, true);
	pthread_mutex_unlock(&p->mtx);
}

void
plic_state_restore(struct plic *p, const void *buf)
{
	pthread_mutex_lock(&p->mtx);
	plic_image(p, (uint8_t *)(uintptr_t)buf, false);
	for (int ctx = 0; ctx < p->nctx; ctx++)
		vmm_set_mip_ext(p->vm, ctx / 2, (ctx & 1) ? MIP_SEIP : MIP_MEIP,
		    p->out[ctx]);
	pthread_mutex_unlock(&p->mtx);
}

static bool
bit(const uint32_t *w, int i)
{
	return (w[i / 32] >> (i % 32)) & 1;
}

static void
setbit(uint32_t *w, int i, bool v)
{
	if (v)
		w[i / 32] |= 1u << (i % 32);
	else
		w[i / 32] &= ~(1u << (i % 32));
}

/* Best source for a context: highest priority > threshold, lowest id. */
static int
plic_best(struct plic *p, int ctx)
{
	uint32_t best_prio = p->threshold[ctx];
	int best = 0;

	for (int i = 1; i < NSRC; i++) {
		if (bit(p->pending, i) && !bit(p->claimed, i) &&
		    bit(p->enable[ctx], i) && p->prio[i] > best_prio) {
			best_prio = p->prio[i];
			best = i;
		}
	}
	return best;
}

/* Recompute every context's output; drive MEIP/SEIP where it changed. */
static void
plic_update(struct plic *p)
{
	for (int ctx = 0; ctx < p->nctx; ctx++) {
		bool o = plic_best(p, ctx) != 0;

		if (o != p->out[ctx]) {
			p->out[ctx] = o;
			vmm_set_mip_ext(p->vm, ctx / 2,
			    (ctx & 1) ? MIP_SEIP : MIP_MEIP, o);
		}
	}
}

void
plic_set_irq(struct plic *p, int irq, int level)
{
	bool high = (level & 1) != 0, latched = (level & VM_IRQ_LATCHED) != 0;

	if (irq < 1 || irq >= NSRC)
		return;
	pthread_mutex_lock(&p->mtx);
	setbit(p->level, irq, high);
	setbit(p->latched, irq, latched);
	if (high && !bit(p->claimed, irq)) {
		setbit(p->pending, irq, true);
	} else if (high) {
		/* claimed: a latched source is pended again at completion */
		setbit(p->again, irq, latched);
	} else {
		setbit(p->pending, irq, false);
		setbit(p->again, irq, false);
	}
	plic_update(p);
	pthread_mutex_unlock(&p->mtx);
}

int
plic_mmio(struct plic *p, uint64_t off, int size, bool write, uint64_t *val)
{
	uint32_t v = write ? (uint32_t)*val : 0, r = 0;

	if (size != 4 || (off & 3))
		return VMM_MMIO_FAULT;
	pthread_mutex_lock(&p->mtx);
	if (off < PLIC_PENDING) {
		int i = (int)(off / 4);

		if (i > 0 && i < NSRC) {
			if (write)
				p->prio[i] = v & 7;
			r = p->prio[i];
		}
	} else if (off < PLIC_ENABLE) {
		int w = (int)((off - PLIC_PENDING) / 4);

		if (w < NWORDS)
			r = p->pending[w];	/* read-only */
	} else if (off < PLIC_CONTEXT) {
		int ctx = (int)((off - PLIC_ENABLE) / 0x80);
		int w = (int)(((off - PLIC_ENABLE) % 0x80) / 4);

		if (ctx < p->nctx && w < NWORDS) {
			if (write)
				p->enable[ctx][w] = w == 0 ? v & ~1u : v;
			r = p->enable[ctx][w];
		}
	} else {
		int ctx = (int)((off - PLIC_CONTEXT) / 0x1000);
		uint64_t reg = (off - PLIC_CONTEXT) % 0x1000;

		if (ctx < p->nctx && reg == 0) {
			if (write)
				p->threshold[ctx] = v & 7;
			r = p->threshold[ctx];
		} else if (ctx < p->nctx && reg == 4) {
			if (write) {			/* complete */
				if (v > 0 && v < NSRC && bit(p->claimed, (int)v) &&
				    bit(p->enable[ctx], (int)v)) {
					setbit(p->claimed, (int)v, false);
					if (bit(p->latched, (int)v) ?
					    bit(p->again, (int)v) :
					    bit(p->level, (int)v))
						setbit(p->pending, (int)v, true);
					setbit(p->again, (int)v, false);
				}
			} else {			/* claim */
				int s = plic_best(p, ctx);

				if (s != 0) {
					setbit(p->pending, s, false);
					setbit(p->claimed, s, true);
				}
				r = (uint32_t)s;
			}
		}
	}
	if (write || off >= PLIC_CONTEXT)
		plic_update(p);
	pthread_mutex_unlock(&p->mtx);
	if (!write)
		*val = r;
	return VMM_MMIO_DONE;
}
