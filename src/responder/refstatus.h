/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refstatus: what tsetd says about its references, in place of `ntpq -p`:
 * a line per reference in the log (with the counters, on SIGUSR1 and every
 * statsinterval), and the same as JSON in REFCLOCK_STATUS_FILE in the
 * runtime directory, written to a temporary name and renamed over the old
 * one, so that a reader sees a whole file.
 */
#ifndef TSET_RESPONDER_REFSTATUS_H
#define TSET_RESPONDER_REFSTATUS_H

#include <stdint.h>

#include "refclock.h"

/* Open (create) the runtime directory, before privileges go; a failure is
 * logged and leaves the set without a status file. */
void refstatus_open(struct refclock_set *set);
void refstatus_close(struct refclock_set *set);
/* Give the runtime directory, when refstatus_open() created it, to the
 * user tsetd becomes (user[:group]; NULL: stays root), so that it can
 * still write there. */
void refstatus_hand_over(struct refclock_set *set, const char *user);
/* Replace the status file (a failure is logged once). */
void refstatus_write(struct refclock_set *set, int64_t now_ns);
/* One log line per reference, and one for gpsd. */
void refstatus_log(struct refclock_set *set);

#endif
