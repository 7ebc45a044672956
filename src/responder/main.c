/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tsetd: serve the local clock (or, later, a GPS) to the LAN over NTP.
 * main owns the process: options, config, daemon manners, signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock_linux.h"
#include "cmdline.h"
#include "config_file.h"
#include "listenfd.h"
#include "log.h"
#include "priv.h"
#include "refstatus.h"
#include "sdnotify.h"
#include "server.h"
#include "tset_version.h"

#define TSETD_CONFIG   "/etc/tsetd.conf"
#define TSETD_PORT     123
#define TSETD_MAX_FILE (1024 * 1024)

struct tsetd_opts {
	const char *config, *user, *chroot, *logfile, *pidfile;
	bool config_given, foreground, debug;
	int family;
};

/* Process state; static: main owns the process. */
static struct {
	struct tsetd_opts o;
	struct config cfg;
	struct keys keys; /* `keys`, read as root before the drop */
	struct clock_linux cl;
	struct clock_ops clock;
	struct server srv;
	struct loop *loop;
	struct sdnotify notify; /* the service manager's NOTIFY_SOCKET, if any */
	bool stop;
	bool pidfile_written;
	int devnull; /* opened before a chroot, for tsetd_ready() */
} d;

/* The SYNOPSIS of tsetd(8), word for word. */
static void tsetd_synopsis(FILE *f)
{
	fprintf(f, "usage: tsetd [-46dhnV] [-c file] [-u user[:group]] [-i chroot-dir]\n"
		   "             [-l logfile] [-p pidfile]\n"
		   "       tsetd --help | --version\n");
}

/* -h, --help: the synopsis, then every flag of OPTIONS, one line each. */
static void tsetd_usage(void)
{
	tsetd_synopsis(stdout);
	printf("\n"
	       "  -4                 serve only IPv4\n"
	       "  -6                 serve only IPv6\n"
	       "  -c file            configuration file (default " TSETD_CONFIG ")\n"
	       "  -d                 debug: stay in the foreground, log at debug level\n"
	       "  -h, --help         print this help and exit\n"
	       "  -i chroot-dir      after binding, change the root directory\n"
	       "  -l logfile         log to this file\n"
	       "  -n                 stay in the foreground\n"
	       "  -p pidfile         write the process id to this file\n"
	       "  -u user[:group]    become this user after binding (default tsetd, ntp or nobody)\n"
	       "  -V, --version      print the version and exit\n");
}

static const struct option tsetd_long[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to run, else the exit status. */
static int tsetd_parse(int argc, char **argv, struct tsetd_opts *o)
{
	int c;

	*o = (struct tsetd_opts){ .config = TSETD_CONFIG, .family = AF_UNSPEC };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46dhnVc:u:i:l:p:", tsetd_long, NULL)) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'd':
			o->debug = o->foreground = true;
			break;
		case 'n':
			o->foreground = true;
			break;
		case 'c':
			o->config = optarg;
			o->config_given = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'i':
			o->chroot = optarg;
			break;
		case 'l':
			o->logfile = optarg;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'h':
			tsetd_usage();
			return 0;
		case 'V':
			printf("tsetd %s\n", TSET_VERSION);
			return 0;
		default:
			cmdline_bad_option("tsetd", c, argv, tsetd_long);
			tsetd_synopsis(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tsetd: unexpected argument '%s'\n", argv[optind]);
		tsetd_synopsis(stderr);
		return 2;
	}
	return -1;
}

static void tsetd_counters(const char *why)
{
	server_log_counters(&d.srv, why);
	refstatus_log(&d.srv.refs);
}

/* SIGHUP: logrotate moved the file away; open its name again. On failure
 * the previous file goes on (and errors reach syslog too): never lost
 * without a word. */
static void tsetd_reopen_log(void)
{
	int r;

	if (!d.o.logfile)
		return;
	r = log_reopen();
	if (r == 0)
		log_info("reopened the log");
	else if (r == 1)
		log_info("'%s' was not moved: kept open", d.o.logfile);
	else if (r == -EXDEV)
		log_err("cannot reopen '%s': it is outside the chroot '%s' (a log file inside it "
			"can be rotated); still logging to the previous file",
			d.o.logfile, d.o.chroot);
	else
		log_err("cannot reopen '%s': %s (the user tsetd runs as must be able to create it "
			"in its directory, or logrotate create it for that user); still logging to "
			"the previous file",
			d.o.logfile, strerror(-r));
}

static void tsetd_on_signal(void *userdata, int fd, short revents)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			d.stop = true;
			break;
		case SIGHUP:
			server_forget_ifnames(&d.srv);
			tsetd_reopen_log();
			break;
		case SIGUSR1:
			tsetd_counters("counters");
			break;
		}
	}
}

static int tsetd_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE); /* a write to a gpsd that went: EPIPE, not death */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return loop_watch(d.loop, fd, POLLIN, tsetd_on_signal, NULL);
}

/*
 * Fork into the background. The caller's process waits until the daemon
 * says it is ready (a byte 0 on the pipe, written by tsetd_ready()) and
 * exits 0, or 1 when the daemon fails first, so that init scripts and
 * people see a failure. The daemon leads no session (no controlling tty).
 */
static int tsetd_daemonize(int *ret_ready)
{
	char status = 1;
	int p[2];
	pid_t pid;

	d.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (d.devnull < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &status, 1) != 1)
			status = 1;
		_exit(status == 0 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	*ret_ready = p[1];
	return 0;
}

/* Tell the waiting parent all went well; let go of the terminal (through
 * /dev/null opened before the chroot, which has none). */
static void tsetd_ready(int ready)
{
	char ok = 0;

	if (ready < 0)
		return;
	dup2(d.devnull, 0);
	dup2(d.devnull, 1);
	dup2(d.devnull, 2);
	if (d.devnull > 2)
		close(d.devnull);
	if (write(ready, &ok, 1) != 1)
		log_warn("cannot tell the parent process that tsetd is ready");
	close(ready);
}

static int tsetd_pidfile(const char *path)
{
	char text[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644), n;

	if (fd < 0)
		return -errno;
	n = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	if (write(fd, text, (size_t)n) != n) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	d.pidfile_written = true;
	return 0;
}

static uint64_t tsetd_seed(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)loop_now_ns();
	return seed | 1;
}

/* The sockets a service manager passed (socket activation), else our own. */
static int tsetd_open_sockets(uint16_t port)
{
	int fds[LISTENFD_MAX], n = listenfd_take();

	if (n < 0)
		return log_errno(LOG_ERR, n,
				 "cannot take the sockets the service manager passed "
				 "(LISTEN_PID, LISTEN_FDS)");
	if (n == 0)
		return server_open(&d.srv, &d.cfg, d.o.family, port);
	for (int i = 0; i < n; i++)
		fds[i] = LISTENFD_START + i;
	return server_adopt(&d.srv, &d.cfg, d.o.family, fds, (unsigned)n);
}

/* Reach the service manager's notification socket now: a chroot (-i)
 * hides its path later. */
static void tsetd_notify_open(void)
{
	int r = sdnotify_open(&d.notify, getenv("NOTIFY_SOCKET"));

	unsetenv("NOTIFY_SOCKET");
	if (r < 0)
		log_errno(LOG_WARNING, r, "cannot reach the service manager (NOTIFY_SOCKET)");
}

static int tsetd_setup_server(void)
{
	uint16_t port = d.cfg.has_port ? d.cfg.port : TSETD_PORT;
	int r;

	clock_linux_init(&d.cl, &d.clock);
	r = handle_env_init(&d.srv.env, &d.cfg, &d.clock, (int8_t)clock_precision_log2(&d.clock),
			    tsetd_seed(), tsetd_seed());
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot set up rate limiting");
	d.srv.env.keys = d.cfg.keys[0] ? &d.keys : NULL;
	if (d.srv.refs.n == 0)
		log_warn("no reference clock to serve (such as `server 127.127.1.0`): every "
			 "reply says unsynchronised");
	return tsetd_open_sockets(port);
}

/* Root without -u: the first of these users that exists (tsetd(8));
 * none: root, without capabilities, and a warning. */
static const char *tsetd_default_user(void)
{
	static const char *const users[] = { "tsetd", "ntp", "nobody", NULL };
	const char *user = priv_first_user(users);

	if (user)
		log_info("no -u: running as user '%s' (first of tsetd, ntp, nobody; -u root "
			 "keeps root)",
			 user);
	else
		log_warn("no -u, and no user tsetd, ntp or nobody: staying root");
	return user;
}

/* Bound: give up every capability and become -u (or the default user),
 * inside -i. */
static int tsetd_drop_privileges(void)
{
	int r;

	if (geteuid() != 0) {
		if (d.o.user || d.o.chroot) {
			log_err("-u and -i need root");
			return -EPERM;
		}
		return 0;
	}
	/* a directory held open outside the chroot would lead out of it */
	if (d.o.chroot)
		log_file_confine(d.o.chroot);
	if (!d.o.user)
		d.o.user = tsetd_default_user();
	refstatus_hand_over(&d.srv.refs, d.o.user);
	r = priv_drop_all(d.o.user, d.o.chroot);
	if (r == -ENOENT)
		log_err("unknown user or group in '%s'", d.o.user);
	else if (r < 0)
		log_errno(LOG_ERR, r, "cannot drop privileges");
	if (r < 0)
		return r;
	if (!priv_holds_none()) {
		log_err("capabilities left after dropping them");
		return -EPERM;
	}
	log_info("running as uid %u, gid %u, without capabilities%s%s", (unsigned)getuid(),
		 (unsigned)getgid(), d.o.chroot ? ", in " : "", d.o.chroot ? d.o.chroot : "");
	return 0;
}

/* After binding: background, pidfile, signals, privileges. */
static int tsetd_become_daemon(int *ret_ready)
{
	int r;

	if (!d.o.foreground && (r = tsetd_daemonize(ret_ready)) < 0)
		return log_errno(LOG_ERR, r, "cannot go to the background");
	/* syslog's socket now: a chroot (-i) hides /dev/log */
	log_syslog_connect();
	if (d.o.pidfile && (r = tsetd_pidfile(d.o.pidfile)) < 0)
		return log_errno(LOG_ERR, r, "cannot write pid file '%s'", d.o.pidfile);
	r = tsetd_signals();
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot set up signals");
	return tsetd_drop_privileges();
}

/* Serve until SIGTERM; the counters every `statsinterval` (hourly by
 * default), on a fixed schedule from the start: the loop never wakes
 * early, a late wake-up does not delay the next line, and one that missed
 * whole periods (a stopped process) logs once, not once for each. */
static void tsetd_run(void)
{
	int64_t period = (int64_t)(d.cfg.stats_interval_s * 1e9);
	int64_t next = loop_now_ns() + period, now;

	while (!d.stop) {
		if (loop_run_once(d.loop, next) < 0)
			break;
		now = loop_now_ns();
		if (now < next)
			continue;
		tsetd_counters("counters");
		while (next <= now)
			next += period;
	}
}

int main(int argc, char **argv)
{
	int r = tsetd_parse(argc, argv, &d.o), ready = -1;

	if (r >= 0)
		return r;
	log_open("tsetd", false, d.o.debug);
	log_also_stderr(true); /* until up: errors reach whoever started it */
	config_init(&d.cfg);
	/* skipped directives: each with -d, else one line for them all */
	r = config_file_load(&d.cfg, d.o.config, CONFIG_PROGRAM_TSETD, d.o.config_given,
			     d.o.debug ? CONFIG_FILE_NOTICES_ALL : CONFIG_FILE_NOTICES_SUMMARY);
	if (r < 0)
		return 2;
	if (r == 1)
		log_warn("no config '%s'", d.o.config);
	keys_init(&d.keys);
	/* a missing keys file (ntpd: a warning) leaves tsetd without keys:
	 * authenticated requests, and notrust clients, then get nothing */
	r = d.cfg.keys[0] ? config_file_load_keys(&d.keys, d.cfg.keys) : 0;
	if (r == -ENOENT)
		d.cfg.keys[0] = '\0';
	else if (r < 0)
		return 2;
	/* a reference this build cannot serve is a configuration error */
	if (refclock_set_init(&d.srv.refs, &d.cfg, &d.clock) < 0)
		return 2;
	if (d.cfg.n_trusted && !d.cfg.keys[0])
		log_warn("%s", "trustedkey without keys: no authenticated request is answered");
	if (!d.o.logfile && d.cfg.logfile[0])
		d.o.logfile = d.cfg.logfile;
	/* the log file first (as root, before a chroot), so it has it all */
	if (d.o.logfile && (r = log_to_file(d.o.logfile)) < 0) {
		log_errno(LOG_ERR, r, "cannot open log file '%s'", d.o.logfile);
		return 1;
	}
	tsetd_notify_open();
	r = loop_new(&d.loop);
	if (r == 0)
		r = tsetd_setup_server();
	if (r == 0)
		r = server_watch(&d.srv, d.loop);
	if (r == 0)
		r = tsetd_become_daemon(&ready);
	if (r == 0) {
		log_info("tsetd %s serving", TSET_VERSION);
		tsetd_ready(ready);
		log_also_stderr(false);
		sdnotify_send(&d.notify, "READY=1\nSTATUS=serving");
		/* errors until now went to the terminal; from here, to syslog */
		if (!d.o.foreground && !d.o.logfile)
			log_open("tsetd", true, d.o.debug);
		tsetd_run();
		sdnotify_send(&d.notify, "STOPPING=1");
		tsetd_counters("exiting");
	}
	sdnotify_close(&d.notify);
	if (d.pidfile_written)
		unlink(d.o.pidfile); /* may fail after the privilege drop, as ntpd's */
	server_close(&d.srv);
	refclock_set_free(&d.srv.refs);
	handle_env_free(&d.srv.env);
	loop_free(d.loop);
	clock_linux_close(&d.cl);
	log_close();
	return r < 0 ? 1 : 0;
}
