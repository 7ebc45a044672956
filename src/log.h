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

/* Connect to syslog now, before a chroot hides /dev/log: messages go
 * there after log_open(ident, true, ...), and errors (LOG_ERR and worse)
 * go there as well as to a log file, so that a file that can no longer
 * be reopened is never lost without a word. */
void log_syslog_connect(void);

/*
 * Send further messages to a file (tsetd's logfile) instead; NULL: back.
 * The file's directory is held open (O_PATH), so that log_reopen() finds
 * the name again after a chdir, a chroot into it, or without the right to
 * search the path. The file is never a symbolic link (O_NOFOLLOW).
 */
int log_to_file(const char *path);

/*
 * While on, warnings and errors that go to a log file or to syslog go to
 * stderr as well: a daemon that is not up yet says why it failed where
 * it was started, not only in its log.
 */
void log_also_stderr(bool on);

/*
 * Before chroot(root_dir): a directory held open outside the new root
 * would be a way out of it (openat(dir, "..")), so let it go unless the
 * log file's directory is inside root_dir. log_reopen() then fails with
 * -EXDEV.
 */
void log_file_confine(const char *root_dir);

/*
 * Open the log file's name again (logrotate moved the file away). Returns
 * 0 when a new file is in use, 1 when the name still is the file in use
 * (nothing to do: a plain SIGHUP needs no right to the file), or a
 * negative errno with the previous file kept: -EXDEV after
 * log_file_confine() let the directory go, -EACCES when this user may not
 * create the file, -EBADF when no file is in use.
 */
int log_reopen(void);

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
