/* SPDX-License-Identifier: BSD-2-Clause */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* What the user and group databases say about a name each. */
struct priv_answer {
	bool user_found, group_found;
	uid_t uid;
	gid_t user_gid; /* the user's primary group */
	gid_t gid;
};

static void priv_ask_here(const char *user, const char *group, struct priv_answer *a)
{
	struct passwd *pw = user ? getpwnam(user) : NULL;
	struct group *gr;

	if (pw) {
		a->user_found = true;
		a->uid = pw->pw_uid;
		a->user_gid = pw->pw_gid;
	}
	gr = group ? getgrnam(group) : NULL;
	if (gr) {
		a->group_found = true;
		a->gid = gr->gr_gid;
	}
}

/*
 * getpwnam() and getgrnam() in a short-lived child: the modules that
 * nsswitch.conf names (libnss_systemd and its libraries: some hundreds of
 * KiB resident) load there, not into a daemon that runs for months. The
 * answer comes back through a pipe; when the child cannot be had, the
 * lookup runs here.
 */
static void priv_ask(const char *user, const char *group, struct priv_answer *a)
{
	int fd[2];
	pid_t pid;
	ssize_t n;

	memset(a, 0, sizeof(*a));
	if (pipe2(fd, O_CLOEXEC) < 0)
		goto here;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		goto here;
	}
	if (pid == 0) {
		close(fd[0]);
		priv_ask_here(user, group, a);
		_exit(write(fd[1], a, sizeof(*a)) == (ssize_t)sizeof(*a) ? 0 : 1);
	}
	close(fd[1]);
	do
		n = read(fd[0], a, sizeof(*a));
	while (n < 0 && errno == EINTR);
	close(fd[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(*a))
		return;
	memset(a, 0, sizeof(*a));
here:
	priv_ask_here(user, group, a);
}

static int priv_lookup_group(const char *name, gid_t *ret)
{
	struct priv_answer a;
	long n;

	priv_ask(NULL, name, &a);
	if (a.group_found) {
		*ret = a.gid;
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
	struct priv_answer a;
	long n;

	if (len == 0 || len >= sizeof(user))
		return -ENOENT;
	memcpy(user, spec, len);
	user[len] = '\0';
	priv_ask(user, NULL, &a);
	if (a.user_found) {
		*ret_uid = a.uid;
		*ret_gid = a.user_gid;
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
	struct priv_answer a;

	for (; *names; names++) {
		priv_ask(*names, NULL, &a);
		if (a.user_found)
			return *names;
	}
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
