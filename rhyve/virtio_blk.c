/*
 * virtio_blk.c - virtio block device (Virtual I/O Device (VIRTIO) Version
 * 1.2, section 5.2) over the virtio-mmio transport (virtio_mmio.c), backed
 * by a raw image file.
 *
 * Features: FLUSH, SEG_MAX, BLK_SIZE, and RO for a read-only drive.
 * Requests: IN, OUT, FLUSH (fdatasync before the request completes, so
 * what the guest flushed is on the disk), GET_ID (the drive id as the
 * serial); anything else is UNSUPP.  Without FLUSH negotiated the disk is
 * write-through, as the spec says (5.2.5): each OUT is fdatasync'ed.  A
 * request that names sectors past the end, or is not a whole number of
 * sectors, fails with IOERR, as does a host I/O error.
 *
 * I/O is synchronous: pread/pwrite run on the vCPU thread that wrote
 * QueueNotify, under the transport's mutex.  Simple and correct (the
 * guest sees a slow "disk" for as long as the host I/O takes); an I/O
 * thread per device is the obvious next step if guests need overlap.
 *
 * The image is locked like QEMU locks it (an OFD lock: exclusive for a
 * writable drive, shared for a read-only one), so a second rhyve, or a
 * QEMU, on the same image fails to start instead of corrupting it.
 *
 * In record mode a writable disk's requests go through the recorder
 * (virtio_blk_set_recorder(), devices.h), which logs what each one gave
 * the guest and gives it back when replaying, without the image.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices.h"
#include "iov.h"
#include "virt.h"
#include "virtio_mmio.h"

#define VIRTIO_ID_BLOCK		2

#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VIRTIO_BLK_ID_BYTES	20
#define BLK_SECTOR		512
#define BLK_QUEUE_MAX		256
/* Room for the header and the status byte in a chain of QueueNumMax. */
#define BLK_SEG_MAX		(BLK_QUEUE_MAX - 2)
#define BLK_CFG_SIZE		36	/* through num_queues (5.2.4) */

struct virtio_blk_outhdr {
	uint32_t	type;
	uint32_t	ioprio;
	uint64_t	sector;
};

/*
 * One disk.  Locking legend: (i) set at init; (m) under the transport's
 * mutex (vm.mtx), which every request and config access holds.
 */
struct blk {
	struct virtio_mmio vm;
	bool		 active;		/* (i) */
	int		 fd;			/* (i); fini closes it (m) */
	const char	*path;			/* (i) */
	bool		 readonly;		/* (i) */
	uint64_t	 sectors;		/* (i) capacity */
	char		 serial[VIRTIO_BLK_ID_BYTES];	/* (i) */
	uint8_t		 cfg[BLK_CFG_SIZE];	/* (i) config space */
	struct vq_chain	 chain;			/* (m) request being served */
	struct iovec	 data[VQ_CHAIN_MAX];	/* (m) its data buffers */
};

/*
 * Static, one per slot: a straggling access after virtio_blk_fini() finds
 * a dead device (its transport has no queues), never freed memory.
 */
static struct blk blks[VIRT_VIRTIO_COUNT];

/*
 * Build in out[] the part [off, off + len) of iov[0..n).  Returns the
 * number of entries.
 */
static int
iov_slice(const struct iovec *iov, int n, size_t off, size_t len,
    struct iovec *out)
{
	int k = 0;

	for (int i = 0; i < n && len > 0; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k].iov_len = l;
		k++;
		len -= l;
		off = 0;
	}
	return k;
}

/* Advance an iovec list past 'done' bytes. */
static void
iov_advance(struct iovec **iovp, int *np, size_t done)
{
	while (*np > 0 && done >= (*iovp)->iov_len) {
		done -= (*iovp)->iov_len;
		(*iovp)++;
		(*np)--;
	}
	if (*np > 0 && done > 0) {
		(*iovp)->iov_base = (uint8_t *)(*iovp)->iov_base + done;
		(*iovp)->iov_len -= done;
	}
}

/*
 * Read or write all of iov at file offset 'off', despite short transfers
 * and EINTR.  A read past the end of the file (the image shrank under us)
 * returns zeros.  Returns 0 or -1 (errno).
 */
static int
blk_rw(int fd, bool write, struct iovec *iov, int n, off_t off)
{
	ssize_t r;

	while (n > 0) {
		if (write)
			r = pwritev(fd, iov, n, off);
		else
			r = preadv(fd, iov, n, off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			if (write) {
				errno = EIO;
				return -1;
			}
			for (int i = 0; i < n; i++)
				memset(iov[i].iov_base, 0, iov[i].iov_len);
			return 0;
		}
		off += r;
		iov_advance(&iov, &n, (size_t)r);
	}
	return 0;
}

/* Is [sector, sector + len) a whole number of sectors inside the disk? */
static bool
blk_range_ok(const struct blk *b, uint64_t sector, uint64_t len)
{
	return len % BLK_SECTOR == 0 && sector <= b->sectors &&
	    len / BLK_SECTOR <= b->sectors - sector;
}

/*
 * Serve one request.  Returns the number of bytes written into the
 * guest's buffers (status byte included), or -1 when the chain cannot
 * carry a request at all (the device then needs reset).
 */
static int64_t
blk_request(struct blk *b)
{
	struct vq_chain *c = &b->chain;
	struct virtio_blk_outhdr hdr;
	struct iovec *wiov = &c->iov[c->nread];
	struct iovec *last;
	uint8_t status, *statusp;
	uint64_t len;
	int nd;

	if (c->read_len < sizeof(hdr) || c->write_len < 1) {
		virtio_mmio_error(&b->vm, "request without header or status");
		return -1;
	}
	(void)iov_to_buf(c->iov, c->nread, 0, &hdr, sizeof(hdr));
	last = &wiov[c->nwrite - 1];
	statusp = (uint8_t *)last->iov_base + last->iov_len - 1;

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		len = c->write_len - 1;
		if (!blk_range_ok(b, hdr.sector, len)) {
			status = VIRTIO_BLK_S_IOERR;
			len = 0;
			break;
		}
		nd = iov_slice(wiov, c->nwrite, 0, len, b->data);
		status = blk_rw(b->fd, false, b->data, nd,
		    (off_t)(hdr.sector * BLK_SECTOR)) == 0 ?
		    VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_OUT:
		len = c->read_len - sizeof(hdr);
		if (b->readonly || !blk_range_ok(b, hdr.sector, len)) {
			status = VIRTIO_BLK_S_IOERR;
		} else {
			nd = iov_slice(c->iov, c->nread, sizeof(hdr), len,
			    b->data);
			status = blk_rw(b->fd, true, b->data, nd,
			    (off_t)(hdr.sector * BLK_SECTOR)) == 0 ?
			    VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
			/*
			 * A driver that did not take FLUSH has a write-
			 * through disk (5.2.5): durable at completion.
			 */
			if (status == VIRTIO_BLK_S_OK &&
			    !virtio_has_feature(&b->vm, VIRTIO_BLK_F_FLUSH) &&
			    fdatasync(b->fd) != 0)
				status = VIRTIO_BLK_S_IOERR;
		}
		len = 0;	/* nothing written into guest memory */
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(b->fd) == 0 || b->readonly ?
		    VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		len = 0;
		break;
	case VIRTIO_BLK_T_GET_ID:
		len = c->write_len - 1;
		if (len > VIRTIO_BLK_ID_BYTES)
			len = VIRTIO_BLK_ID_BYTES;
		(void)iov_from_buf(wiov, c->nwrite, 0, b->serial, len);
		status = VIRTIO_BLK_S_OK;
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		len = 0;
		break;
	}
	*statusp = status;
	return (int64_t)len + 1;
}

/* Record mode: the recorder (set before the vCPUs run). */
static blk_rr_fn *blk_recorder;

void
virtio_blk_set_recorder(blk_rr_fn *rec)
{
	blk_recorder = rec;
}

static int64_t
blk_serve(void *arg)
{
	return blk_request(arg);
}

/* blk_request() through the recorder: what it would write, if anything. */
static int64_t
blk_request_recorded(struct blk *b)
{
	struct vq_chain *c = &b->chain;
	struct blk_rr_req q = { .disk = (int)(b - blks),
	    .wiov = &c->iov[c->nread], .nwrite = c->nwrite };
	struct virtio_blk_outhdr hdr;

	if (c->read_len >= sizeof(hdr) && c->write_len >= 1) {
		(void)iov_to_buf(c->iov, c->nread, 0, &hdr, sizeof(hdr));
		q.len = c->read_len - sizeof(hdr);
		q.off = hdr.sector * BLK_SECTOR;
		q.write = hdr.type == VIRTIO_BLK_T_OUT && q.len > 0 &&
		    blk_range_ok(b, hdr.sector, q.len);
	}
	return blk_recorder(&q, blk_serve, b);
}

int
virtio_blk_read_image(int disk, uint64_t off, void *buf, size_t len)
{
	struct iovec iov = { buf, len };

	if (disk < 0 || disk >= VIRT_VIRTIO_COUNT || !blks[disk].active) {
		errno = EINVAL;
		return -1;
	}
	return blk_rw(blks[disk].fd, false, &iov, 1, (off_t)off);
}

int
virtio_blk_write_image(int disk, uint64_t off, const void *buf, size_t len)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };

	if (disk < 0 || disk >= VIRT_VIRTIO_COUNT || !blks[disk].active ||
	    blks[disk].readonly) {
		errno = EINVAL;
		return -1;
	}
	if (blk_rw(blks[disk].fd, true, &iov, 1, (off_t)off) != 0)
		return -1;
	return fdatasync(blks[disk].fd);
}

static void
blk_notify(struct virtio_mmio *vm, int q)
{
	struct blk *b = vm->softc;
	struct vqueue *vq = &vm->queues[q];
	int64_t len;

	while (vq_getchain(vm, vq, &b->chain) == 1) {
		len = blk_recorder != NULL && !b->readonly ?
		    blk_request_recorded(b) : blk_request(b);
		if (len < 0)
			break;
		vq_relchain(vm, vq, b->chain.head, (uint32_t)len);
	}
	vq_endchains(vm, vq);
}

static int
blk_cfg_access(struct virtio_mmio *vm, bool write, uint64_t off, int size,
    uint64_t *val)
{
	struct blk *b = vm->softc;
	uint64_t v = 0;

	if (write)
		return 0;	/* nothing writable (no CONFIG_WCE) */
	/* Little-endian host: the bytes are the value. */
	if (off < BLK_CFG_SIZE)
		memcpy(&v, b->cfg + off, (size_t)size < BLK_CFG_SIZE - off ?
		    (size_t)size : BLK_CFG_SIZE - off);
	*val = v;
	return 0;
}

static void
blk_build_cfg(struct blk *b)
{
	uint64_t cap = b->sectors;
	uint32_t seg_max = BLK_SEG_MAX, blk_size = BLK_SECTOR;
	uint16_t nq = 1;

	memset(b->cfg, 0, sizeof(b->cfg));
	memcpy(b->cfg + 0, &cap, 8);		/* capacity */
	memcpy(b->cfg + 12, &seg_max, 4);	/* seg_max */
	memcpy(b->cfg + 20, &blk_size, 4);	/* blk_size */
	memcpy(b->cfg + 34, &nq, 2);		/* num_queues */
}

/* Open, size and lock the image.  Returns the fd or -1 (message printed). */
static int
blk_open(const struct disk_config *d, uint64_t *bytes)
{
	struct flock fl;
	struct stat st;
	uint64_t sz;
	int fd;

	fd = open(d->path, (d->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "rhyve: %s: %s\n", d->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "rhyve: %s: %s\n", d->path, strerror(errno));
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		sz = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz) != 0) {
			fprintf(stderr, "rhyve: %s: %s\n", d->path,
			    strerror(errno));
			goto fail;
		}
	} else {
		fprintf(stderr, "rhyve: %s: not a regular file or block "
		    "device\n", d->path);
		goto fail;
	}

	memset(&fl, 0, sizeof(fl));
	fl.l_type = d->readonly ? F_RDLCK : F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		if (errno == EAGAIN || errno == EACCES) {
			fprintf(stderr, "rhyve: %s: image is locked by another "
			    "process (failed to get \"%s\" lock)\n", d->path,
			    d->readonly ? "read" : "write");
			goto fail;
		}
		/* A file system without locks: go on, as QEMU does. */
		fprintf(stderr, "rhyve: %s: warning: cannot lock image: %s\n",
		    d->path, strerror(errno));
	}
	*bytes = sz;
	return fd;
fail:
	close(fd);
	return -1;
}

static const struct virtio_dev_ops blk_ops_rw = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.queue_max = BLK_QUEUE_MAX,
	.features = (UINT64_C(1) << VIRTIO_BLK_F_SEG_MAX) |
	    (UINT64_C(1) << VIRTIO_BLK_F_BLK_SIZE) |
	    (UINT64_C(1) << VIRTIO_BLK_F_FLUSH),
	.notify = blk_notify,
	.cfg_access = blk_cfg_access,
};

static const struct virtio_dev_ops blk_ops_ro = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.queue_max = BLK_QUEUE_MAX,
	.features = (UINT64_C(1) << VIRTIO_BLK_F_SEG_MAX) |
	    (UINT64_C(1) << VIRTIO_BLK_F_BLK_SIZE) |
	    (UINT64_C(1) << VIRTIO_BLK_F_FLUSH) |
	    (UINT64_C(1) << VIRTIO_BLK_F_RO),
	.notify = blk_notify,
	.cfg_access = blk_cfg_access,
};

int
virtio_blk_init(struct vmctx *ctx, const struct disk_config *d)
{
	struct blk *b;
	uint64_t bytes;
	size_t idlen;
	int fd;

	if (d->slot < 0 || d->slot >= VIRT_VIRTIO_COUNT) {
		fprintf(stderr, "rhyve: %s: no virtio-mmio slot %d (0..%d)\n",
		    d->path, d->slot, VIRT_VIRTIO_COUNT - 1);
		return -1;
	}
	if (blks[d->slot].active) {
		fprintf(stderr, "rhyve: %s: virtio-mmio slot %d is taken\n",
		    d->path, d->slot);
		return -1;
	}
	if ((fd = blk_open(d, &bytes)) < 0)
		return -1;
	b = &blks[d->slot];
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->path = d->path;
	b->readonly = d->readonly;
	/* A partial last sector is not addressable, as in QEMU. */
	b->sectors = bytes / BLK_SECTOR;
	if (d->id != NULL) {
		/* The serial is 20 bytes, NUL-padded, not terminated. */
		idlen = strlen(d->id);
		memcpy(b->serial, d->id, idlen < VIRTIO_BLK_ID_BYTES ? idlen :
		    VIRTIO_BLK_ID_BYTES);
	}
	blk_build_cfg(b);
	if (virtio_mmio_init(&b->vm, ctx,
	    VIRT_VIRTIO_BASE + (uint64_t)d->slot * VIRT_VIRTIO_SIZE,
	    VIRT_VIRTIO_IRQ + d->slot, d->legacy,
	    d->readonly ? &blk_ops_ro : &blk_ops_rw, b) != 0) {
		close(fd);
		b->fd = -1;
		return -1;
	}
	b->active = true;
	return 0;
}

void
virtio_blk_fini(void)
{
	struct blk *b;

	for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
		b = &blks[i];
		if (!b->active)
			continue;
		pthread_mutex_lock(&b->vm.mtx);
		if (b->fd >= 0) {
			if (!b->readonly && fsync(b->fd) != 0)
				fprintf(stderr, "rhyve: %s: fsync: %s\n",
				    b->path, strerror(errno));
			close(b->fd);
			b->fd = -1;
		}
		pthread_mutex_unlock(&b->vm.mtx);
		/* The window stays registered until mmio_unregister_all(). */
		virtio_mmio_fini(&b->vm);
		b->active = false;
	}
}

/*
 * Machine reset: every disk's transport goes back to its reset state.
 * The image stays open and locked (no other process may take it between
 * two boots) and what the guest wrote is flushed, as at a FLUSH.
 */
void
virtio_blk_reset(void)
{
	struct blk *b;

	for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
		b = &blks[i];
		if (!b->active)
			continue;
		pthread_mutex_lock(&b->vm.mtx);
		if (b->fd >= 0 && !b->readonly && fdatasync(b->fd) != 0)
			fprintf(stderr, "rhyve: %s: fdatasync: %s\r\n",
			    b->path, strerror(errno));
		pthread_mutex_unlock(&b->vm.mtx);
		virtio_mmio_reset(&b->vm);
	}
}
