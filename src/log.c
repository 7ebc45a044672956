/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_MAX_DEPTH 256 /* directories between a log file and / */

/* The one piece of process-wide state outside main: where messages go. */
static struct {
	const char *ident;
	bool syslog;	       /* messages go to syslog */
	bool syslog_connected; /* errors go there too */
	bool debug;
	bool also_stderr; /* warnings and worse to stderr too */
	FILE *file;
	int dir_fd;		 /* the file's directory (O_PATH), or -1 */
	char name[NAME_MAX + 1]; /* the file's name in it */
} log_state = { "tset", false, false, false, false, NULL, -1, "" };

void log_open(const char *ident, bool use_syslog, bool debug)
{
	log_state.ident = ident;
	log_state.syslog = use_syslog;
	log_state.debug = debug;
	if (use_syslog)
		log_syslog_connect();
}

void log_also_stderr(bool on)
{
	log_state.also_stderr = on;
}

void log_syslog_connect(void)
{
	/* LOG_NDELAY: the socket now; a later openlog() keeps it */
	openlog(log_state.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_state.syslog_connected = true;
}

/* Open name in dir_fd for appending, as a stdio stream. */
static int log_open_in(int dir_fd, const char *name, FILE **ret)
{
	int fd = openat(dir_fd, name,
			O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0640);
	FILE *f;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "a");
	if (!f) {
		int r = -errno;

		close(fd);
		return r;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	*ret = f;
	return 0;
}

/* Use f (may be NULL) and dir_fd (may be -1) from now on. */
static void log_use(FILE *f, int dir_fd)
{
	if (log_state.file)
		fclose(log_state.file);
	log_state.file = f;
	if (log_state.dir_fd >= 0 && log_state.dir_fd != dir_fd)
		close(log_state.dir_fd);
	log_state.dir_fd = dir_fd;
}

int log_to_file(const char *path)
{
	char dir[PATH_MAX];
	const char *slash, *name;
	FILE *f = NULL;
	int dir_fd, r;

	if (!path) {
		log_use(NULL, -1);
		return 0;
	}
	slash = strrchr(path, '/');
	name = slash ? slash + 1 : path;
	if (strlen(name) >= sizeof(log_state.name) || (size_t)(name - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!*name)
		return -EISDIR;
	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	r = log_open_in(dir_fd, name, &f);
	if (r < 0) {
		close(dir_fd);
		return r;
	}
	log_use(f, dir_fd);
	strcpy(log_state.name, name);
	return 0;
}

/* Where a directory is: its mount and inode, as the kernel tells a
 * chroot's root when it walks "..". false if the kernel cannot say. */
static bool log_dir_id(int fd, const char *path, struct statx *ret)
{
	if (statx(fd, path, AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_INO | STATX_MNT_ID, ret) < 0)
		return false;
	return (ret->stx_mask & (STATX_INO | STATX_MNT_ID)) == (STATX_INO | STATX_MNT_ID);
}

static bool log_dir_same(const struct statx *a, const struct statx *b)
{
	return a->stx_mnt_id == b->stx_mnt_id && a->stx_ino == b->stx_ino &&
	       a->stx_dev_major == b->stx_dev_major && a->stx_dev_minor == b->stx_dev_minor;
}

/* Is the directory dir_fd root, or below it? Walks up with "..", as
 * anyone holding dir_fd could, until root or the real /. */
static bool log_dir_is_below(int dir_fd, const struct statx *root)
{
	struct statx st, up;
	int fd = dup(dir_fd), depth = 0;
	bool below = false;

	while (fd >= 0 && log_dir_id(fd, "", &st) && depth++ < LOG_MAX_DEPTH) {
		int parent;

		if (log_dir_same(&st, root)) {
			below = true;
			break;
		}
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = parent;
		if (fd < 0 || !log_dir_id(fd, "", &up) || log_dir_same(&up, &st))
			break; /* the real root: its parent is itself */
	}
	if (fd >= 0)
		close(fd);
	return below;
}

void log_file_confine(const char *root_dir)
{
	struct statx root;

	if (log_state.dir_fd < 0)
		return;
	if (log_dir_id(AT_FDCWD, root_dir, &root) && log_dir_is_below(log_state.dir_fd, &root))
		return;
	close(log_state.dir_fd);
	log_state.dir_fd = -1;
}

int log_reopen(void)
{
	struct stat cur, now;
	FILE *f = NULL;
	int r;

	if (!log_state.file)
		return -EBADF;
	if (log_state.dir_fd < 0)
		return -EXDEV;
	if (fstat(fileno(log_state.file), &cur) == 0 &&
	    fstatat(log_state.dir_fd, log_state.name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_dev == cur.st_dev && now.st_ino == cur.st_ino)
		return 1;
	r = log_open_in(log_state.dir_fd, log_state.name, &f);
	if (r < 0)
		return r;
	log_use(f, log_state.dir_fd);
	return 0;
}

void log_close(void)
{
	log_to_file(NULL);
	if (log_state.syslog_connected)
		closelog();
	log_state.syslog_connected = false;
}

__attribute__((format(printf, 2, 0))) static void log_vmsg(int prio, const char *fmt, va_list ap,
							   const char *suffix)
{
	char msg[1024];

	if (prio == LOG_DEBUG && !log_state.debug)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_state.file) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%d %b %H:%M:%S", localtime_r(&now, &tm));
		fprintf(log_state.file, "%s %s[%d]: %s%s\n", stamp, log_state.ident, (int)getpid(),
			msg, suffix);
		if (log_state.syslog_connected && prio <= LOG_ERR)
			syslog(prio, "%s%s", msg, suffix);
	} else if (log_state.syslog) {
		syslog(prio, "%s%s", msg, suffix);
	}
	if ((!log_state.file && !log_state.syslog) ||
	    (log_state.also_stderr && prio <= LOG_WARNING))
		fprintf(stderr, "%s: %s%s\n", log_state.ident, msg, suffix);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap, "");
	va_end(ap);
}

int log_errno(int prio, int err, const char *fmt, ...)
{
	char suffix[128];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(err < 0 ? -err : err));
	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap, suffix);
	va_end(ap);
	return err;
}
