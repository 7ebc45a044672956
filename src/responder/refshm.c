/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refshm.h"

#define NS_PER_S	     INT64_C(1000000000)
#define REFSHM_PRECISION_MIN (-30)
#define REFSHM_PRECISION_MAX (-1) /* 0 would mean none of its own */
#define REFSHM_PERM_PRIVATE  0600 /* units 0 and 1: root's writers */
#define REFSHM_PERM_SHARED   0666 /* units 2 and above */

/* seconds + nanoseconds, the nanoseconds when they agree with the
 * microseconds (a writer that does not know the field leaves it 0). */
static bool refshm_ns(time_t sec, int usec, unsigned nsec, int64_t *ret)
{
	if (sec <= 0 || usec < 0 || usec >= 1000000 || nsec >= NS_PER_S)
		return false;
	*ret = (int64_t)sec * NS_PER_S +
	       ((int)(nsec / 1000) == usec ? (int64_t)nsec : (int64_t)usec * 1000);
	return true;
}

enum refshm_read refshm_take(struct refshm_segment *seg, int64_t *ret_offset_ns,
			     int8_t *ret_precision)
{
	struct refshm_segment c;
	int64_t clock_ns, recv_ns;
	bool still_valid;
	int count;

	if (!seg->valid)
		return REFSHM_NONE;
	count = seg->count;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&c, (const void *)seg, sizeof(c));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* a writer clears valid, then counts, then writes: one that started
	 * after valid was seen but before count was read shows as valid
	 * cleared; one that started later, as the count changed */
	still_valid = seg->valid && seg->count == count;
	seg->valid = 0;
	if (c.mode == 1 && !still_valid)
		return REFSHM_TORN;
	if (c.mode != 0 && c.mode != 1)
		return REFSHM_BAD;
	if (c.leap == REFSHM_LEAP_UNSYNC)
		return REFSHM_UNSYNC;
	if (!refshm_ns(c.clock_sec, c.clock_usec, c.clock_nsec, &clock_ns) ||
	    !refshm_ns(c.receive_sec, c.receive_usec, c.receive_nsec, &recv_ns))
		return REFSHM_BAD;
	*ret_offset_ns = clock_ns - recv_ns;
	*ret_precision = (int8_t)(c.precision > REFSHM_PRECISION_MAX   ? REFSHM_PRECISION_MAX
				  : c.precision < REFSHM_PRECISION_MIN ? REFSHM_PRECISION_MIN
								       : c.precision);
	return REFSHM_SAMPLE;
}

void refshm_init(struct refshm *s, unsigned unit, double time1_s)
{
	memset(s, 0, sizeof(*s));
	s->unit = unit;
	s->time1_ns = (int64_t)(time1_s * 1e9);
}

/*
 * A segment of unit 0 or 1 carries root's time: one that another user
 * created first, or may write, is refused (-EPERM), or whoever owns it
 * would set the time served to the LAN. Units 2 and above are every
 * user's by design (mode 0666, as ntpd's) and are not checked.
 */
static int refshm_check_private(int id)
{
	struct shmid_ds ds;
	uid_t me = geteuid();

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return -errno;
	if ((ds.shm_perm.uid != 0 && ds.shm_perm.uid != me) ||
	    (ds.shm_perm.cuid != 0 && ds.shm_perm.cuid != me) ||
	    (ds.shm_perm.mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

int refshm_attach(struct refshm *s)
{
	int perm = s->unit <= 1 ? REFSHM_PERM_PRIVATE : REFSHM_PERM_SHARED;
	int id = shmget((key_t)(REFSHM_KEY_BASE + s->unit), sizeof(struct refshm_segment),
			IPC_CREAT | perm);
	void *p;
	int r;

	if (id < 0)
		return -errno;
	r = perm == REFSHM_PERM_PRIVATE ? refshm_check_private(id) : 0;
	if (r < 0)
		return r;
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return -errno;
	s->seg = p;
	return 0;
}

void refshm_detach(struct refshm *s)
{
	if (s->seg)
		shmdt(s->seg);
	s->seg = NULL;
}

void refshm_poll(struct refshm *s, int64_t mono_ns, int64_t base_ns)
{
	int64_t off;
	int8_t prec;

	if (!s->seg)
		return;
	switch (refshm_take(s->seg, &off, &prec)) {
	case REFSHM_NONE:
		return;
	case REFSHM_TORN:
		s->n_torn++;
		return;
	case REFSHM_UNSYNC:
		s->n_unsync++;
		return;
	case REFSHM_BAD:
		s->n_bad++;
		return;
	case REFSHM_SAMPLE:
		break;
	}
	off += s->time1_ns;
	refest_add(&s->est, mono_ns, off + base_ns);
	s->precision = prec;
	s->last_offset_ns = off;
	s->n_samples++;
}

const char *refshm_estimate(const struct refshm *s, int64_t now_ns, struct refest_result *ret,
			    int8_t *ret_precision)
{
	if (!s->seg)
		return "no segment";
	if (s->n_samples == 0)
		return "no sample yet";
	if (!refest_estimate(&s->est, now_ns, (int64_t)REFSHM_MAX_AGE_S * NS_PER_S, ret))
		return "samples stopped";
	*ret_precision = s->precision;
	return NULL;
}
