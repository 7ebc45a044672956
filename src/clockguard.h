/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * clockguard: is the clock someone else's? A time daemon (chronyd, ntpd,
 * ntpsec, openntpd, systemd-timesyncd) owns the clock while it runs, and
 * tset must not step or slew under it. The guard finds one by what it
 * leaves behind, all of it read from files under a root directory ("/" on
 * a real system, a fake tree in the tests):
 *
 *  - a pid file of a daemon naming a live process of that name
 *    (/proc/PID/stat: it exists, is not a zombie and its name matches, so a
 *    pid file left by a crash, whose pid another program now has, is not
 *    taken for the daemon);
 *  - a daemon's command socket that a process has bound (/proc/net/unix
 *    lists the sockets that are bound, not the files a crash left behind);
 *  - systemd's runtime record of an active systemd-timesyncd.service
 *    (/run/systemd/units/invocation:UNIT: systemd writes it when the unit
 *    starts and removes it when the unit stops or fails);
 *  - a UDP socket bound to local port 123 (/proc/net/udp, udp6) held by
 *    anything but tsetd, which never sets the clock. The owner is found by
 *    scanning /proc/PID/fd; a socket whose owner cannot be found (another
 *    pid namespace, or past the scan's bounds) counts as a daemon's. Only
 *    this sign reads the process list, and only when such a socket exists:
 *    a run on a quiet machine reads a few files, however many processes
 *    it has.
 *
 * The kernel's PLL (STA_PLL) is the clock's own knowledge: clock_ops.owner.
 *
 * The guard also wraps a struct clock_ops: its writes (step, slew,
 * set_sync, mark_synchronized, rtc_write) reach the clock only after a
 * check found nothing, and only while the clock's own owner() says none
 * either; otherwise they fail with -EBUSY and touch nothing. Reads pass.
 */
#ifndef TSET_CLOCKGUARD_H
#define TSET_CLOCKGUARD_H

#include <stddef.h>

#include "clock.h"

/* Bounds of the /proc scan, which runs only when a socket is bound to
 * port 123: processes whose name is read (15-35 us each measured on a
 * loaded 2-core VM: 0.17 s for 5000 processes), and fd links read, mostly
 * to name an owner that is not tsetd. What lies beyond is not found: a
 * socket then stays unexplained, and counts as a daemon's. */
#define CLOCKGUARD_MAX_PIDS 32768
#define CLOCKGUARD_MAX_FDS  16384

/*
 * Look under root for a time daemon. Returns 1 when one was found, 0 when
 * none, a negative errno when the guard cannot tell (/proc/net/udp
 * missing, a pid file that cannot be read); *what (len bytes) then says
 * what was found or what could not be read.
 */
int clockguard_find(const char *root, char *what, size_t len);

struct clockguard {
	const struct clock_ops *inner;
	int verdict; /* as clockguard_find; -ENODATA until checked */
	char what[CLOCK_OWNER_MAX];
};

/* Wrap inner: *ret_ops refuses every write until clockguard_check. */
void clockguard_init(struct clockguard *g, const struct clock_ops *inner,
		     struct clock_ops *ret_ops);

/* Run clockguard_find under root and keep its verdict (returned). */
int clockguard_check(struct clockguard *g, const char *root);

#endif
