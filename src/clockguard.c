/* SPDX-License-Identifier: BSD-2-Clause */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clockguard.h"

#define GUARD_NTP_PORT	  123 /* RFC 5905 section 7.2: PORT */
#define GUARD_COMM_LEN	  15  /* the kernel keeps 15 bytes of a name (TASK_COMM_LEN - 1) */
#define GUARD_MAX_SOCKETS 256 /* port-123 sockets looked at; more are a sign */
#define GUARD_TSETD	  "tsetd"
#define GUARD_MANAGER	  "systemd" /* as pid 1: holds tsetd.socket's sockets until tsetd runs */
#define GUARD_TIMESYNCD	  "systemd-timesyncd"
#define GUARD_TIMESYNCD_UNIT                                                                       \
	"run/systemd/units/invocation:systemd-timesyncd.service" /* while the unit is active */

/* Pid files, relative to the root, and the name of the process that
 * writes each (Debian's units and init scripts, and upstream defaults). */
static const struct guard_pidfile {
	const char *daemon;
	const char *path;
} guard_pidfiles[] = {
	{ "chronyd", "run/chrony/chronyd.pid" },     /* Debian, Fedora */
	{ "chronyd", "var/run/chrony/chronyd.pid" }, /* upstream */
	{ "chronyd", "run/chronyd.pid" },	     /* chrony 3 */
	{ "chronyd", "var/run/chronyd.pid" },
	{ "ntpd", "run/ntpd.pid" }, /* ntp, ntpsec (Debian: -p /run/ntpd.pid) */
	{ "ntpd", "var/run/ntpd.pid" },
};

/* Unix sockets that a daemon binds, as /proc/net/unix names them. */
static const struct guard_socket {
	const char *daemon;
	const char *kind;
	const char *path;
} guard_sockets[] = {
	{ "chronyd", "command socket", "/run/chrony/chronyd.sock" },
	{ "chronyd", "command socket", "/var/run/chrony/chronyd.sock" },
	{ "openntpd", "control socket", "/var/lib/openntpd/run/ntpd.sock" }, /* Debian */
	{ "openntpd", "control socket", "/var/run/ntpd.sock" },		     /* upstream */
	{ "openntpd", "control socket", "/run/ntpd.sock" },
};

/* Who holds a port-123 socket. */
enum guard_holder {
	HOLDER_OTHER,	/* a process that may be a time daemon */
	HOLDER_TSETD,	/* tsetd: serves the clock, never changes it */
	HOLDER_MANAGER, /* systemd as pid 1, for socket activation */
};

/* The UDP sockets bound to port 123, and who holds each. */
struct guard_port {
	unsigned long inode[GUARD_MAX_SOCKETS];
	long owner[GUARD_MAX_SOCKETS];	 /* a HOLDER_OTHER pid holding it, 0 while unknown */
	bool tsetd[GUARD_MAX_SOCKETS];	 /* held by tsetd */
	bool manager[GUARD_MAX_SOCKETS]; /* held by the service manager */
	unsigned n;
	bool overflow; /* more than GUARD_MAX_SOCKETS */
	bool partial;  /* the owner scan stopped at its bounds */
};

/* The /proc scan and its bounds. */
struct guard_scan {
	int proc; /* root/proc */
	struct guard_port port;
	unsigned n_pids, n_fds;
};

/* A small file into buf (NUL-terminated); returns its length or -errno. */
static int guard_read(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	r = n < 0 ? -errno : (int)n;
	close(fd);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

static FILE *guard_fopen(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

static DIR *guard_opendir(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* A decimal pid, alone on its line: 1..INT_MAX. */
static long guard_parse_pid(const char *s)
{
	char *end;
	long pid;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	pid = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return errno || *end || pid <= 0 || pid > 0x7fffffff ? 0 : pid;
}

static bool guard_comm_is(const char *comm, const char *name)
{
	size_t n = strnlen(name, GUARD_COMM_LEN);

	return strlen(comm) == n && strncmp(comm, name, n) == 0;
}

/* The comm of process pid (what the kernel calls it) into comm; false
 * when it is gone. */
static bool guard_comm(int proc, const char *pid, char *comm, size_t len)
{
	char path[48];

	snprintf(path, sizeof(path), "%.24s/comm", pid);
	if (guard_read(proc, path, comm, len) <= 0)
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return true;
}

/* A process whose comm says name: does it run name? The file name of
 * /proc/PID/exe decides when it can be read (a process can change its
 * comm, not its exe). */
static bool guard_exe_is(int proc, const char *pid, const char *name)
{
	char path[48], exe[4096], *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%.24s/exe", pid);
	n = readlinkat(proc, path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return true; /* a kernel thread, or not ours to read: comm decides */
	exe[n] = '\0';
	if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
		exe[n - 10] = '\0'; /* replaced on disk by an upgrade */
	base = strrchr(exe, '/');
	return strcmp(base ? base + 1 : exe, name) == 0;
}

static bool guard_proc_is(int proc, const char *pid, const char *name)
{
	char comm[32];

	return guard_comm(proc, pid, comm, sizeof(comm)) && guard_comm_is(comm, name) &&
	       guard_exe_is(proc, pid, name);
}

/* Is pid a process that has not exited (not a zombie)? */
static bool guard_proc_live(int proc, const char *pid)
{
	char path[48], buf[512], *end;

	snprintf(path, sizeof(path), "%.24s/stat", pid);
	if (guard_read(proc, path, buf, sizeof(buf)) <= 0)
		return false;
	end = strrchr(buf, ')'); /* "PID (COMM) STATE ...", COMM may hold ')' */
	return end && end[1] == ' ' && end[2] && !strchr("ZXx", end[2]);
}

/* A pid file naming a live process of its daemon's name. */
static int guard_pidfile_live(int root, int proc, char *what, size_t len)
{
	for (size_t i = 0; i < sizeof(guard_pidfiles) / sizeof(guard_pidfiles[0]); i++) {
		const struct guard_pidfile *p = &guard_pidfiles[i];
		char buf[32], pid[24];
		long n;
		int r = guard_read(root, p->path, buf, sizeof(buf));

		if (r == -ENOENT || r == -ENOTDIR)
			continue;
		if (r < 0) {
			snprintf(what, len, "cannot read /%s: %s", p->path, strerror(-r));
			return r;
		}
		n = guard_parse_pid(buf);
		if (n == 0)
			continue; /* not a pid file's content */
		snprintf(pid, sizeof(pid), "%ld", n);
		/* a pid file left by a crash names a dead process or, once the
		 * pid is reused, one of another name */
		if (!guard_proc_live(proc, pid) || !guard_proc_is(proc, pid, p->daemon))
			continue;
		snprintf(what, len, "%s is running (pid %ld, /%s)", p->daemon, n, p->path);
		return 1;
	}
	return 0;
}

/* A daemon's unix socket that a process has bound: /proc/net/unix lists
 * the bound sockets with their paths; a file left by a crash is not there. */
static int guard_sockets_bound(int proc, char *what, size_t len)
{
	FILE *f = guard_fopen(proc, "net/unix");
	char line[512];
	int found = 0;

	if (!f)
		return 0; /* no unix sockets in this kernel */
	while (!found && fgets(line, sizeof(line), f)) {
		int off = -1;

		/* Num: RefCount Protocol Flags Type St Inode Path */
		sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %n", &off);
		if (off < 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (size_t i = 0; i < sizeof(guard_sockets) / sizeof(guard_sockets[0]); i++) {
			const struct guard_socket *s = &guard_sockets[i];

			if (strcmp(line + off, s->path) == 0) {
				snprintf(what, len, "%s is running (%s %s)", s->daemon, s->kind,
					 s->path);
				found = 1;
				break;
			}
		}
	}
	fclose(f);
	return found;
}

/* The sockets of /proc/net/udp or udp6 bound to local port 123. */
static int guard_port_read(int proc, const char *file, struct guard_port *p)
{
	FILE *f = guard_fopen(proc, file);
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned port;
		unsigned long inode;
		unsigned i;

		/* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*s %*s %*s %*s %*s %*s %*s %lu", &port,
			   &inode) != 2 ||
		    port != GUARD_NTP_PORT || inode == 0)
			continue;
		for (i = 0; i < p->n && p->inode[i] != inode; i++)
			;
		if (i == p->n && p->n == GUARD_MAX_SOCKETS)
			p->overflow = true;
		else if (i == p->n)
			p->inode[p->n++] = inode;
	}
	fclose(f);
	return 0;
}

/* Note which port-123 sockets process pid holds, and as whom. Stops at the
 * scan's bound. */
static void guard_fds_mark(struct guard_scan *s, const char *pid, enum guard_holder who)
{
	char path[48], link[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%.24s/fd", pid);
	d = guard_opendir(s->proc, path);
	if (!d)
		return; /* gone, or not ours to read: its sockets stay unexplained */
	while ((e = readdir(d)) && s->n_fds < CLOCKGUARD_MAX_FDS) {
		unsigned long inode;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		s->n_fds++;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (unsigned i = 0; i < s->port.n; i++) {
			if (s->port.inode[i] != inode)
				continue;
			if (who == HOLDER_TSETD)
				s->port.tsetd[i] = true;
			else if (who == HOLDER_MANAGER)
				s->port.manager[i] = true;
			else if (!s->port.owner[i])
				s->port.owner[i] = strtol(pid, NULL, 10);
		}
	}
	closedir(d);
}

static bool guard_is_pid(const char *name)
{
	return name[0] >= '1' && name[0] <= '9' && strspn(name, "0123456789") == strlen(name);
}

/*
 * The first port-123 socket that may be a time daemon's, with an owner
 * found when named; -1 when there is none. A socket tsetd holds is not;
 * nor is one that only the service manager holds (tsetd.socket while
 * tsetd does not run: nobody reads it), once every process was looked at.
 */
static int guard_port_open(const struct guard_port *p, bool named)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (p->tsetd[i])
			continue;
		if (named ? p->owner[i] != 0 : p->owner[i] || !p->manager[i] || p->partial)
			return (int)i;
	}
	return -1;
}

/* A port-123 socket that tsetd does not hold. */
static bool guard_port_others(const struct guard_port *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!p->tsetd[i])
			return true;
	return false;
}

/* As whom process pid may hold a port-123 socket. */
static enum guard_holder guard_holder_of(int proc, const char *pid)
{
	if (guard_proc_is(proc, pid, GUARD_TSETD))
		return HOLDER_TSETD;
	if (strcmp(pid, "1") == 0 && guard_proc_is(proc, pid, GUARD_MANAGER))
		return HOLDER_MANAGER;
	return HOLDER_OTHER;
}

/*
 * The port-123 sockets that tsetd or the service manager holds: one pass
 * over the processes, reading each one's comm (tens of us each), and the
 * fds of those that run tsetd, and of pid 1 when it is systemd.
 */
static void guard_scan_known(struct guard_scan *s)
{
	enum guard_holder who;
	struct dirent *e;
	DIR *d = guard_opendir(s->proc, ".");

	if (!d)
		return;
	while ((e = readdir(d)) && s->n_pids < CLOCKGUARD_MAX_PIDS) {
		if (!guard_is_pid(e->d_name))
			continue;
		s->n_pids++;
		who = guard_holder_of(s->proc, e->d_name);
		if (who != HOLDER_OTHER)
			guard_fds_mark(s, e->d_name, who);
	}
	closedir(d);
}

/*
 * A socket is not tsetd's: read the other processes' fds until an owner
 * turns up (to name it), or to the end when only the service manager was
 * seen holding it (to know nobody else does), or to the bounds.
 */
static void guard_find_owner(struct guard_scan *s)
{
	struct dirent *e = NULL;
	DIR *d = guard_opendir(s->proc, ".");
	unsigned n = 0;

	if (!d) {
		s->port.partial = true;
		return;
	}
	while (guard_port_open(&s->port, true) < 0) {
		if (n >= CLOCKGUARD_MAX_PIDS || s->n_fds >= CLOCKGUARD_MAX_FDS) {
			s->port.partial = true;
			break;
		}
		if (!(e = readdir(d)))
			break;
		if (!guard_is_pid(e->d_name))
			continue;
		n++;
		if (guard_holder_of(s->proc, e->d_name) == HOLDER_OTHER)
			guard_fds_mark(s, e->d_name, HOLDER_OTHER);
	}
	closedir(d);
}

/* The first port-123 socket not tsetd's: who holds it, if anyone found. */
static void guard_port_what(struct guard_scan *s, char *what, size_t len)
{
	int i = guard_port_open(&s->port, true);
	char comm[32];
	char pid[24];

	if (i >= 0) {
		snprintf(pid, sizeof(pid), "%ld", s->port.owner[i]);
		if (!guard_comm(s->proc, pid, comm, sizeof(comm)))
			snprintf(comm, sizeof(comm), "a process");
		snprintf(what, len, "%s (pid %ld) is bound to udp port %d", comm, s->port.owner[i],
			 GUARD_NTP_PORT);
		return;
	}
	i = guard_port_open(&s->port, false);
	if (s->port.manager[i]) {
		snprintf(what, len,
			 "udp port %d is held by systemd (pid 1), and the process scan ended "
			 "before it could tell that nobody else holds it (socket inode %lu)",
			 GUARD_NTP_PORT, s->port.inode[i]);
		return;
	}
	snprintf(what, len,
		 "udp port %d is bound by a process not found in /proc (socket inode %lu)",
		 GUARD_NTP_PORT, s->port.inode[i]);
}

/* A UDP socket on port 123 that is not tsetd's. The processes are read
 * only when there is such a socket at all. */
static int guard_port(struct guard_scan *s, char *what, size_t len)
{
	if (s->port.overflow) {
		snprintf(what, len, "more than %d sockets are bound to udp port %d",
			 GUARD_MAX_SOCKETS, GUARD_NTP_PORT);
		return 1;
	}
	if (s->port.n == 0)
		return 0;
	guard_scan_known(s);
	if (!guard_port_others(&s->port))
		return 0;
	guard_find_owner(s);
	if (guard_port_open(&s->port, false) < 0)
		return 0; /* only the service manager holds it */
	guard_port_what(s, what, len);
	return 1;
}

static int guard_find_in(int root, struct guard_scan *s, char *what, size_t len)
{
	struct stat st;
	int r;

	r = guard_port_read(s->proc, "net/udp", &s->port);
	if (r < 0) {
		snprintf(what, len, "cannot read /proc/net/udp: %s", strerror(-r));
		return r;
	}
	r = guard_port_read(s->proc, "net/udp6", &s->port);
	if (r < 0 && r != -ENOENT) { /* no udp6 without IPv6 */
		snprintf(what, len, "cannot read /proc/net/udp6: %s", strerror(-r));
		return r;
	}
	r = guard_pidfile_live(root, s->proc, what, len);
	if (r == 0)
		r = guard_sockets_bound(s->proc, what, len);
	if (r == 0 && fstatat(root, GUARD_TIMESYNCD_UNIT, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		snprintf(what, len, "%s is active (/%s)", GUARD_TIMESYNCD, GUARD_TIMESYNCD_UNIT);
		r = 1;
	}
	return r == 0 ? guard_port(s, what, len) : r;
}

int clockguard_find(const char *root, char *what, size_t len)
{
	struct guard_scan s = { .proc = -1 };
	int rootfd, r;

	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		r = -errno;
		snprintf(what, len, "cannot open '%s': %s", root, strerror(-r));
		return r;
	}
	s.proc = openat(rootfd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.proc < 0) {
		r = -errno;
		snprintf(what, len, "cannot open /proc: %s", strerror(-r));
	} else {
		r = guard_find_in(rootfd, &s, what, len);
		close(s.proc);
	}
	close(rootfd);
	return r;
}

/* ---- the guarded clock ------------------------------------------------ */

static int guard_owner(void *ctx, char *ret, size_t len)
{
	struct clockguard *g = ctx;
	int r = g->inner->owner(g->inner->ctx, ret, len);

	if (r != 0)
		return r;
	if (g->verdict != 0)
		snprintf(ret, len, "%s", g->what);
	return g->verdict;
}

/* Writes pass only while nobody else owns the clock. */
static bool guard_clear(struct clockguard *g)
{
	char who[CLOCK_OWNER_MAX];

	return guard_owner(g, who, sizeof(who)) == 0;
}

static int guard_now(void *ctx, struct timespec *ret)
{
	const struct clock_ops *in = ((struct clockguard *)ctx)->inner;

	return in->now(in->ctx, ret);
}

static int guard_read_status(void *ctx, struct clock_status *ret)
{
	const struct clock_ops *in = ((struct clockguard *)ctx)->inner;

	return in->read_status(in->ctx, ret);
}

static int guard_step(void *ctx, int64_t offset_ns)
{
	struct clockguard *g = ctx;

	return guard_clear(g) ? g->inner->step(g->inner->ctx, offset_ns) : -EBUSY;
}

static int guard_slew(void *ctx, int64_t offset_ns)
{
	struct clockguard *g = ctx;

	return guard_clear(g) ? g->inner->slew(g->inner->ctx, offset_ns) : -EBUSY;
}

static int guard_set_sync(void *ctx, const struct clock_sync *sync)
{
	struct clockguard *g = ctx;

	return guard_clear(g) ? g->inner->set_sync(g->inner->ctx, sync) : -EBUSY;
}

static int guard_mark_synchronized(void *ctx)
{
	struct clockguard *g = ctx;

	return guard_clear(g) ? g->inner->mark_synchronized(g->inner->ctx) : -EBUSY;
}

static int guard_rtc_mode(void *ctx, enum clock_rtc_mode *ret)
{
	const struct clock_ops *in = ((struct clockguard *)ctx)->inner;

	return in->rtc_mode(in->ctx, ret);
}

static int guard_rtc_open(void *ctx)
{
	const struct clock_ops *in = ((struct clockguard *)ctx)->inner;

	return in->rtc_open(in->ctx);
}

static int guard_rtc_write(void *ctx, const struct tm *tm)
{
	struct clockguard *g = ctx;

	return guard_clear(g) ? g->inner->rtc_write(g->inner->ctx, tm) : -EBUSY;
}

void clockguard_init(struct clockguard *g, const struct clock_ops *inner, struct clock_ops *ret_ops)
{
	g->inner = inner;
	g->verdict = -ENODATA;
	snprintf(g->what, sizeof(g->what), "not checked for a time daemon");
	*ret_ops = (struct clock_ops){
		.ctx = g,
		.now = guard_now,
		.read_status = guard_read_status,
		.owner = guard_owner,
		.step = guard_step,
		.slew = guard_slew,
		.set_sync = guard_set_sync,
		.mark_synchronized = guard_mark_synchronized,
		.rtc_mode = guard_rtc_mode,
		.rtc_open = guard_rtc_open,
		.rtc_write = guard_rtc_write,
	};
}

int clockguard_check(struct clockguard *g, const char *root)
{
	g->verdict = clockguard_find(root, g->what, sizeof(g->what));
	return g->verdict;
}
