/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpsclient.h"
#include "log.h"
#include "ntp_time.h"
#include "priv.h"
#include "refstatus.h"

#define REFSTATUS_TMP "status.json.tmp"

/* A bounded writer into a fixed buffer: no allocation. */
struct refstatus_buf {
	char *p;
	size_t len, cap;
	bool full;
};

static void refstatus_put(struct refstatus_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refstatus_put(struct refstatus_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->full = true;
		return;
	}
	b->len += (size_t)n;
}

/* A JSON string: printable ASCII as is (quote and backslash escaped),
 * anything else as \u00XX. */
static void refstatus_str(struct refstatus_buf *b, const char *s, size_t max)
{
	refstatus_put(b, "\"");
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			refstatus_put(b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			refstatus_put(b, "%c", c);
		else
			refstatus_put(b, "\\u%04x", c);
	}
	refstatus_put(b, "\"");
}

static const char *refstatus_driver(const struct refclock *r)
{
	return r->kind == REFCLOCK_GPSD ? "gpsd" : r->kind == REFCLOCK_SHM ? "shm" : "local";
}

/* The refid as text: four ASCII characters, or a dotted quad (the local
 * clock's 127.127.1.1). */
static void refstatus_refid(const struct refclock *r, char ret[16])
{
	bool text = true;

	for (int i = 0; i < 4; i++)
		if (r->refid[i] && (r->refid[i] < 0x20 || r->refid[i] >= 0x7f))
			text = false;
	if (text)
		snprintf(ret, 16, "%.4s", (const char *)r->refid);
	else
		snprintf(ret, 16, "%u.%u.%u.%u", r->refid[0], r->refid[1], r->refid[2],
			 r->refid[3]);
}

static void refstatus_json_ref(struct refstatus_buf *b, struct refclock_set *set, unsigned i,
			       int serving, int64_t now_ns)
{
	const struct refclock *r = &set->ref[i];
	struct refclock_report rep;
	char refid[16];

	refclock_describe(set, i, now_ns, &rep);
	refstatus_refid(r, refid);
	refstatus_put(b, "%s\n  {\"address\": \"127.127.%u.%u\", \"driver\": \"%s\", \"refid\": ",
		      i ? "," : "", r->type, r->unit, refstatus_driver(r));
	refstatus_str(b, refid, sizeof(refid));
	refstatus_put(
		b, ", \"stratum\": %u, \"usable\": %s, \"serving\": %s, \"reason\": ", r->stratum,
		rep.usable ? "true" : "false", (int)i == serving ? "true" : "false");
	if (rep.why)
		refstatus_str(b, rep.why, 128);
	else
		refstatus_put(b, "null");
	refstatus_put(b, ", \"reach\": %u, \"samples\": %llu, \"last_offset\": %.9f", r->reach,
		      (unsigned long long)rep.samples, (double)rep.last_offset_ns / 1e9);
	if (rep.usable)
		refstatus_put(b, ", \"offset\": %.9f, \"root_dispersion\": %.9f",
			      (double)rep.state.offset_ns / 1e9,
			      ntp_time_short_to_s(rep.state.root_disp_ntp32));
	else
		refstatus_put(b, ", \"offset\": null, \"root_dispersion\": null");
	if (rep.has_est)
		refstatus_put(b, ", \"spread\": %.9f, \"age\": %.3f, \"source\": \"%s\"}",
			      rep.est.spread_s, rep.est.age_s,
			      r->kind == REFCLOCK_SHM ? "shm"
			      : rep.pps		      ? "pps"
						      : "serial");
	else
		refstatus_put(b, ", \"spread\": null, \"age\": null, \"source\": null}");
}

static void refstatus_json_gpsd(struct refstatus_buf *b, const struct refclock_set *set)
{
#if TSET_HAVE_GPSD
	const struct gpsclient_counters *n;

	if (!set->gps) {
		refstatus_put(b, "null");
		return;
	}
	n = gpsclient_counters(set->gps);
	refstatus_put(b, "{\"address\": ");
	refstatus_str(b, gpsclient_name(set->gps), 300);
	refstatus_put(b, ", \"connected\": %s, \"devices\": [",
		      gpsclient_is_connected(set->gps) ? "true" : "false");
	for (unsigned i = 0; i < set->n_devices; i++) {
		refstatus_put(b, i ? ", " : "");
		refstatus_str(b, set->devices[i], GPSCLIENT_PATH_MAX);
	}
	refstatus_put(b, "], \"reports\": %llu, \"malformed\": %llu, \"bad_time\": %llu}",
		      (unsigned long long)n->reports, (unsigned long long)n->malformed,
		      (unsigned long long)n->bad_time);
#else
	refstatus_put(b, "null");
#endif
}

/* The whole document into b. */
static void refstatus_json(struct refstatus_buf *b, struct refclock_set *set, int64_t now_ns)
{
	int serving = -1;

	for (unsigned i = 0; i < set->n && serving < 0; i++) {
		struct refclock_report rep;

		refclock_describe(set, i, now_ns, &rep);
		if (rep.usable)
			serving = (int)i;
	}
	refstatus_put(b, "{\"serving\": ");
	if (serving >= 0)
		refstatus_put(b, "\"127.127.%u.%u\"", set->ref[serving].type,
			      set->ref[serving].unit);
	else
		refstatus_put(b, "null");
	refstatus_put(b, ",\n \"references\": [");
	for (unsigned i = 0; i < set->n; i++)
		refstatus_json_ref(b, set, i, serving, now_ns);
	refstatus_put(b, "],\n \"gpsd\": ");
	refstatus_json_gpsd(b, set);
	refstatus_put(b, "}\n");
}

static const char *refstatus_dir_name(void)
{
	static char dir[256];
	const char *env = getenv("RUNTIME_DIRECTORY"); /* systemd's RuntimeDirectory= */
	size_t n;

	if (!env || !env[0])
		return REFCLOCK_RUN_DIR;
	n = strcspn(env, ":"); /* the first of several */
	snprintf(dir, sizeof(dir), "%.*s", (int)n, env);
	return dir;
}

void refstatus_open(struct refclock_set *set)
{
	const char *dir = refstatus_dir_name();

	if (mkdir(dir, 0755) == 0)
		set->status_created = true;
	else if (errno != EEXIST) {
		log_errno(LOG_WARNING, -errno, "cannot create '%s'; no status file", dir);
		return;
	}
	set->status_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (set->status_dir < 0)
		log_errno(LOG_WARNING, -errno, "cannot open '%s'; no status file", dir);
}

void refstatus_hand_over(struct refclock_set *set, const char *user)
{
	uid_t uid;
	gid_t gid;

	if (set->status_dir < 0 || !set->status_created || !user || geteuid() != 0 ||
	    priv_lookup(user, &uid, &gid) < 0)
		return;
	if (fchownat(set->status_dir, "", uid, gid, AT_EMPTY_PATH) < 0)
		log_errno(LOG_WARNING, -errno, "cannot give '%s' to '%s'", refstatus_dir_name(),
			  user);
}

void refstatus_close(struct refclock_set *set)
{
	if (set->status_dir >= 0)
		close(set->status_dir);
	set->status_dir = -1;
}

static int refstatus_replace(int dir, const char *text, size_t len)
{
	int fd = openat(dir, REFSTATUS_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			0644);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, text, len);
	if (w != (ssize_t)len) {
		int r = w < 0 ? -errno : -EIO;

		close(fd);
		unlinkat(dir, REFSTATUS_TMP, 0);
		return r;
	}
	if (close(fd) < 0 || renameat(dir, REFSTATUS_TMP, dir, REFCLOCK_STATUS_FILE) < 0)
		return -errno;
	return 0;
}

void refstatus_write(struct refclock_set *set, int64_t now_ns)
{
	static char text[REFCLOCK_STATUS_MAX];
	struct refstatus_buf b = { .p = text, .cap = sizeof(text) };
	int r;

	if (set->status_dir < 0)
		return;
	refstatus_json(&b, set, now_ns);
	r = b.full ? -ENOSPC : refstatus_replace(set->status_dir, text, b.len);
	if (r < 0 && !set->status_failed)
		log_errno(LOG_WARNING, r,
			  "cannot write the status file '%s/%s' (the user tsetd "
			  "runs as must be able to write in that directory)",
			  refstatus_dir_name(), REFCLOCK_STATUS_FILE);
	set->status_failed = r < 0;
}

void refstatus_log(struct refclock_set *set)
{
	int64_t now = loop_now_ns();
	int serving = -1;

	for (unsigned i = 0; i < set->n; i++) {
		const struct refclock *r = &set->ref[i];
		struct refclock_report rep;
		char refid[16];

		refclock_describe(set, i, now, &rep);
		if (rep.usable && serving < 0)
			serving = (int)i;
		refstatus_refid(r, refid);
		log_info("reference 127.127.%u.%u (%s, refid %s, stratum %u): %s%s, reach %03o, "
			 "samples %llu, last offset %+.6f s, spread %.6f s, source %s",
			 r->type, r->unit, refstatus_driver(r), refid, r->stratum,
			 (int)i == serving ? "serving"
			 : rep.usable	   ? "usable"
					   : "unusable: ",
			 rep.why ? rep.why : "", r->reach, (unsigned long long)rep.samples,
			 (double)rep.last_offset_ns / 1e9, rep.has_est ? rep.est.spread_s : 0.0,
			 !rep.has_est		   ? "-"
			 : r->kind == REFCLOCK_SHM ? "shm"
			 : rep.pps		   ? "pps"
						   : "serial");
	}
#if TSET_HAVE_GPSD
	if (set->gps) {
		const struct gpsclient_counters *n = gpsclient_counters(set->gps);

		log_info("gpsd at %s: %s, %u devices, reports %llu, malformed %llu, bad time %llu",
			 gpsclient_name(set->gps),
			 gpsclient_is_connected(set->gps)    ? "connected"
			 : gpsclient_is_connecting(set->gps) ? "connecting"
							     : "not connected",
			 set->n_devices, (unsigned long long)n->reports,
			 (unsigned long long)n->malformed, (unsigned long long)n->bad_time);
	}
#endif
}
