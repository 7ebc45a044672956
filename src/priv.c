/* SPDX-License-Identifier: BSD-2-Clause */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

/* A decimal id, or -1. */
static long priv_number(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return (errno || *end || v < 0) ? -1 : v;
}

static int priv_lookup_group(const char *name, gid_t *ret)
{
	struct group *gr = getgrnam(name);
	long n;

	if (gr) {
		*ret = gr->gr_gid;
		return 0;
	}
	n = priv_number(name);
	if (n < 0)
		return -ENOENT;
	*ret = (gid_t)n;
	return 0;
}

int priv_lookup(const char *spec, uid_t *ret_uid, gid_t *ret_gid)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;
	long n;

	if (len == 0 || len >= sizeof(user))
		return -ENOENT;
	memcpy(user, spec, len);
	user[len] = '\0';
	pw = getpwnam(user);
	if (pw) {
		*ret_uid = pw->pw_uid;
		*ret_gid = pw->pw_gid;
	} else {
		n = priv_number(user);
		if (n < 0 || !colon)
			return -ENOENT; /* a bare uid has no primary group to take */
		*ret_uid = (uid_t)n;
	}
	return colon ? priv_lookup_group(colon + 1, ret_gid) : 0;
}

/* Apply the capability state set up in libcap-ng; with an identity
 * (looked up already: a chroot has no passwd), become it. */
static int priv_apply(bool change_id, uid_t uid, gid_t gid)
{
	if (!change_id) {
		/* without CAP_SETPCAP the bounding set stays as it is */
		if (capng_apply(CAPNG_SELECT_ALL) == 0 || capng_apply(CAPNG_SELECT_BOTH) == 0)
			return 0;
		return -EPERM;
	}
	return capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) < 0
		       ? -EPERM
		       : 0;
}

int priv_keep_sys_time(const char *spec)
{
	uid_t uid = 0;
	gid_t gid = 0;
	int r;

	bool have;

	if (geteuid() != 0)
		return spec ? -EPERM : 0;
	if (spec && (r = priv_lookup(spec, &uid, &gid)) < 0)
		return r;
	/* root without CAP_SYS_TIME (a container): keep nothing; setting the
	 * clock then fails as it would anyway, and tset says why */
	capng_get_caps_process();
	have = capng_have_capability(CAPNG_PERMITTED, CAP_SYS_TIME);
	capng_clear(CAPNG_SELECT_ALL);
	if (have && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				 CAP_SYS_TIME) < 0)
		return -EINVAL;
	return priv_apply(spec != NULL, uid, gid);
}

const char *priv_first_user(const char *const *names)
{
	for (; *names; names++)
		if (getpwnam(*names))
			return *names;
	return NULL;
}

int priv_drop_all(const char *spec, const char *chroot_dir)
{
	uid_t uid = 0;
	gid_t gid = 0;
	int r;

	if (geteuid() != 0)
		return (spec || chroot_dir) ? -EPERM : 0;
	if (spec && (r = priv_lookup(spec, &uid, &gid)) < 0)
		return r;
	if (chroot_dir && (chroot(chroot_dir) < 0 || chdir("/") < 0))
		return -errno;
	capng_clear(CAPNG_SELECT_ALL);
	return priv_apply(spec != NULL, uid, gid);
}

bool priv_holds_none(void)
{
	capng_get_caps_process();
	return capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE;
}
