/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * priv: capabilities and identity, through libcap-ng (<cap-ng.h> is
 * included by priv.c alone).
 */
#ifndef TSET_PRIV_H
#define TSET_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

/* Look up "user[:group]" (names or numbers); without a group, the user's
 * primary group. Returns 0, -ENOENT for an unknown user or group. */
int priv_lookup(const char *spec, uid_t *ret_uid, gid_t *ret_gid);

/*
 * tset: when running as root, drop every capability but CAP_SYS_TIME
 * (effective, permitted and bounding sets) and, with spec, become that
 * user:group keeping CAP_SYS_TIME. Not root: nothing to drop; a spec is
 * then -EPERM. Returns 0 or a negative errno.
 */
int priv_keep_sys_time(const char *spec);

/* The first of names (NULL-terminated) that is a user on this system, or
 * NULL. */
const char *priv_first_user(const char *const *names);

/* tsetd: drop every capability, optionally chroot and become spec. */
int priv_drop_all(const char *spec, const char *chroot_dir);

/* Does this process hold no capability at all (effective, permitted)? */
bool priv_holds_none(void);

#endif
