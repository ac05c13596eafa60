/*
 * jit_cache.c - the JIT's code memory and block tables: creation (the
 * W^X double mapping), the per-page tables of blocks, and their
 * invalidation when the decoded cache changes (contract in jit.h).
 *
 * Code memory is a bump allocator: blocks are never freed one by one.
 * Dropping a page's blocks forgets their offsets (and the jumps that
 * other blocks of the page made into them die with them, since
 * invalidation is per page: blocks only jump to blocks of their own
 * page).  When memory runs out, everything is dropped and allocation
 * starts over after the trampoline.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit_internal.h"

/*
 * Code memory per hart.  A Linux SMP boot translates 20-30 MiB per hart
 * (about 50 bytes of host code per guest instruction, each entry point
 * its own block); with 16 MiB the memory filled and everything was
 * translated again several times per boot.  Pages are only touched as
 * code is written.
 */
#define JIT_CODE_SIZE	(32u << 20)

bool
jit_supported(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

int
jit_mem_init(struct jit *j, size_t size)
{
	int fd = memfd_create("rhyve-jit", MFD_CLOEXEC);
	void *rw, *rx;

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) != 0)
		goto fail;
	rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED)
		goto fail;
	rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (rx == MAP_FAILED) {
		munmap(rw, size);
		goto fail;
	}
	close(fd);
	j->rw = rw;
	j->rx = rx;
	j->size = size;
	return 0;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

void
jit_mem_fini(struct jit *j)
{
	if (j->rw != NULL)
		munmap(j->rw, j->size);
	if (j->rx != NULL)
		munmap(j->rx, j->size);
	j->rw = j->rx = NULL;
}

struct jit *
jit_create(struct hart *h)
{
	struct jit *j;

	if (!jit_supported()) {
		errno = ENOTSUP;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->h = h;
	if (jit_mem_init(j, JIT_CODE_SIZE) != 0) {
		free(j);
		return NULL;
	}
	if (jit_emit_trampoline(j) != 0) {
		jit_mem_fini(j);
		free(j);
		errno = ENOMEM;
		return NULL;
	}
	j->st.code_size = JIT_CODE_SIZE;
	return j;
}

void
jit_destroy(struct jit *j)
{
	if (j == NULL)
		return;
	while (j->spare != NULL) {
		struct jit_page *jp = j->spare;

		j->spare = jp->next;
		free(jp->sites);
		free(jp);
	}
	jit_mem_fini(j);
	free(j);
}

struct jit_page *
jit_page_get(struct jit *j, struct dpage *p)
{
	struct jit_page *jp = p->jit;

	if (jp != NULL)
		return jp;
	if (j->spare != NULL) {
		jp = j->spare;
		j->spare = jp->next;
	} else {
		jp = calloc(1, sizeof(*jp));
		if (jp == NULL)
			return NULL;
	}
	p->jit = jp;
	return jp;
}

/* Forget the page's blocks; its table goes back to the spare list. */
static void
page_release(struct jit *j, struct dpage *p)
{
	struct jit_page *jp = p->jit;

	if (jp == NULL)
		return;
	memset(jp->head, 0, sizeof(jp->head));
	memset(jp->covered, 0, sizeof(jp->covered));
	jp->nsites = 0;
	jp->next = j->spare;
	j->spare = jp;
	p->jit = NULL;
	j->st.page_drops++;
}

void
jit_page_dropped(struct hart *h, struct dpage *p)
{
	page_release(h->jit, p);
}

void
jit_cover(struct jit_page *jp, int lo, int hi)
{
	for (int s = lo; s < hi; s++)
		jp->covered[s / 64] |= UINT64_C(1) << (s % 64);
}

/*
 * Slots [lo, hi] of the page were reset (a code write, a breakpoint
 * mark).  If a block translated any of them, every block of the page goes
 * (they jump into each other, see above); if none did (a store to data
 * that shares the page with code, as small guests' and xv6's user
 * programs' do), the blocks stay: they do not depend on those bytes.
 */
void
jit_slots_changed(struct hart *h, struct dpage *p, int lo, int hi)
{
	struct jit_page *jp = p->jit;

	if (jp == NULL)
		return;
	for (int s = lo; s <= hi; s++) {
		if ((s % 64) == 0 && s + 63 <= hi && jp->covered[s / 64] == 0) {
			s += 63;	/* a whole empty word */
			continue;
		}
		if ((jp->covered[s / 64] >> (s % 64)) & 1) {
			page_release(h->jit, p);
			return;
		}
	}
}

void
jit_flush(struct hart *h)
{
	struct jit *j = h->jit;
	struct dcache *dc = &h->dc;

	for (int i = 0; i < dc->nlive; i++)
		page_release(j, dc->pages[dc->live[i]]);
	j->used = j->base;
}

void
jit_get_stats(const struct jit *j, struct jit_stats *st)
{
	*st = j->st;
}
