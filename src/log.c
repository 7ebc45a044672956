/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The one piece of process-wide state outside main: where messages go. */
static struct {
	const char *ident;
	bool syslog;
	bool debug;
	FILE *file;
} log_state = { "tset", false, false, NULL };

void log_open(const char *ident, bool use_syslog, bool debug)
{
	log_state.ident = ident;
	log_state.syslog = use_syslog;
	log_state.debug = debug;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_to_file(const char *path)
{
	FILE *f = NULL;

	if (path) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

		if (fd < 0)
			return -errno;
		f = fdopen(fd, "a");
		if (!f) {
			int r = -errno;

			close(fd);
			return r;
		}
		setvbuf(f, NULL, _IOLBF, 0);
	}
	if (log_state.file)
		fclose(log_state.file);
	log_state.file = f;
	return 0;
}

void log_close(void)
{
	log_to_file(NULL);
	if (log_state.syslog)
		closelog();
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
	} else if (log_state.syslog) {
		syslog(prio, "%s%s", msg, suffix);
	} else {
		fprintf(stderr, "%s: %s%s\n", log_state.ident, msg, suffix);
	}
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
