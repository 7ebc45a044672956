/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log: diagnostics to stderr or syslog. Messages are lowercase, without a
 * trailing period, one event per line. A report (tset's output) is not
 * logging and does not go through here.
 */
#ifndef TSET_LOG_H
#define TSET_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Program name for messages, syslog or not; debug enables LOG_DEBUG. */
void log_open(const char *ident, bool use_syslog, bool debug);
/* Send further messages to a file (tsetd's logfile) instead; NULL: back. */
int log_to_file(const char *path);
void log_close(void);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log with ": strerror(-err)" appended and return err (a negative errno). */
int log_errno(int prio, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)

#endif
