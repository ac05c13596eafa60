/*
 * state_image.h - one way for a device model in rhyve/ to save its
 * guest-visible state into, and restore it from, its slot of a
 * record/replay snapshot (rhyve/replay/replay.c; the slot sizes are in
 * devices.h).  The device describes the slot's layout once, as a struct
 * (never instantiated: only its member offsets and types count), and
 * lists its fields once, in an image function run both ways:
 *
 *	static void
 *	dev_image(uint8_t *img, bool save)
 *	{
 *		STATE_IMAGE(save, img, struct dev_state, level, dev.level);
 *		STATE_IMAGE_BYTES(save, img, struct dev_state, fifo, dev.fifo);
 *	}
 *	void
 *	dev_state_save(uint8_t *buf)
 *	{
 *		state_image_save(buf, DEV_STATE_SIZE, &dev.mtx, dev_image);
 *	}
 *	(and dev_state_restore: state_image_restore(buf, &dev.mtx, dev_image))
 *
 * so that save and restore cannot drift apart (the way vmm/plic.c's
 * image() does for the PLIC).
 *
 * Contract: img points at the slot, of any alignment (fields are copied
 * with memcpy).  The image function runs under the device's lock and
 * writes only the members it lists; state_image_save() zeroes the whole
 * slot first, so that padding and unused bytes are zero and the slot's
 * bytes (hashed into a recording's end-state hash, which a replay checks)
 * depend on the state alone.  STATE_IMAGE converts with a cast, to the
 * member's type when saving and back to the field's when restoring, so a
 * member may be narrower than its field when the field's values fit (an
 * int that is only 0 or 1 kept as a uint8_t, say).  STATE_IMAGE_BYTES
 * copies an array byte for byte; the member and the field must have the
 * same size (checked at compile time).
 */
#ifndef RHYVE_STATE_IMAGE_H
#define RHYVE_STATE_IMAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A device's image function: its fields to (save) or from img. */
typedef void state_image_fn(uint8_t *img, bool save);

/* Save into the slot buf of size bytes: zeroed, then image(buf, true). */
static inline void
state_image_save(uint8_t *buf, size_t size, pthread_mutex_t *mtx,
    state_image_fn *image)
{
	memset(buf, 0, size);
	pthread_mutex_lock(mtx);
	image(buf, true);
	pthread_mutex_unlock(mtx);
}

/* Restore from the slot buf: image(buf, false), which only reads it. */
static inline void
state_image_restore(const uint8_t *buf, pthread_mutex_t *mtx,
    state_image_fn *image)
{
	pthread_mutex_lock(mtx);
	image((uint8_t *)(uintptr_t)buf, false);
	pthread_mutex_unlock(mtx);
}

/*
 * A scalar field, member `member` of the layout struct `stype`: saved as
 * that member's type, restored as the field's.
 */
#define STATE_IMAGE(save, img, stype, member, field) do {		\
	__typeof__(((stype *)0)->member) state_v_;			\
									\
	if (save) {							\
		state_v_ = (__typeof__(state_v_))(field);		\
		memcpy((img) + offsetof(stype, member), &state_v_,	\
		    sizeof(state_v_));					\
	} else {							\
		memcpy(&state_v_, (img) + offsetof(stype, member),	\
		    sizeof(state_v_));					\
		(field) = (__typeof__(field))state_v_;			\
	}								\
} while (0)

/* An array field, copied whole to or from member `member` of `stype`. */
#define STATE_IMAGE_BYTES(save, img, stype, member, field) do {		\
	_Static_assert(sizeof(((stype *)0)->member) == sizeof(field),	\
	    #field " and " #stype "." #member " differ in size");	\
	if (save)							\
		memcpy((img) + offsetof(stype, member), (field),	\
		    sizeof(field));					\
	else								\
		memcpy((field), (img) + offsetof(stype, member),	\
		    sizeof(field));					\
} while (0)

#endif
