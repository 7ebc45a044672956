/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "gpsclient.h"
#include "log.h"
#include "ntp_time.h"
#include "refclock.h"
#include "refstatus.h"

#define NS_PER_S     1e9
#define NS_PER_S_INT INT64_C(1000000000)

static double refclock_cap(double disp_s)
{
	return disp_s < REFCLOCK_LOCAL_DISP_MAX_S ? disp_s : REFCLOCK_LOCAL_DISP_MAX_S;
}

double refclock_local_disp_s(const struct clock_status *st, int64_t now_ns,
			     struct refclock_sync_memory *mem)
{
	double d;

	if (!st->unsync) {
		d = refclock_cap(st->maxerror_us > 0 ? (double)st->maxerror_us * 1e-6 : 0.0);
		*mem = (struct refclock_sync_memory){ .seen = true, .disp_s = d, .at_ns = now_ns };
		return d;
	}
	if (!mem->seen) /* growing since boot: the origin of CLOCK_MONOTONIC */
		return refclock_cap(REFCLOCK_LOCAL_DISP_S +
				    NTP_PHI * (double)(now_ns > 0 ? now_ns : 0) / NS_PER_S);
	d = mem->disp_s +
	    NTP_PHI * (double)(now_ns > mem->at_ns ? now_ns - mem->at_ns : 0) / NS_PER_S;
	return refclock_cap(d > REFCLOCK_LOCAL_DISP_S ? d : REFCLOCK_LOCAL_DISP_S);
}

/* The local clock: always usable; the kernel's state says how good. */
static void refclock_local(struct refclock *r, const struct clock_ops *clock, int64_t now_ns,
			   struct ref_state *ret)
{
	struct clock_status st = { .unsync = true };

	if (clock->read_status(clock->ctx, &st) < 0)
		st = (struct clock_status){ .unsync = true };
	*ret = (struct ref_state){
		.usable = true,
		.leap = st.leap,
		.stratum = r->stratum,
		.root_disp_ntp32 =
			ntp_time_short_from_s(refclock_local_disp_s(&st, now_ns, &r->sync)),
		.offset_ns = r->offset_ns,
		.precision = REFCLOCK_PRECISION_CLOCK,
	};
	memcpy(ret->refid, r->refid, 4);
}

/* REALTIME - MONOTONIC now: what turns a sample (reference time -
 * MONOTONIC) into an offset to the system clock, read back to back. */
static int64_t refclock_base_ns(const struct clock_ops *clock)
{
	struct timespec rt;

	if (clock->now(clock->ctx, &rt) < 0)
		return 0;
	return (int64_t)rt.tv_sec * NS_PER_S_INT + rt.tv_nsec - loop_now_ns();
}

/* A GPS or SHM reference's estimate: NULL and *ret when usable, else why
 * not. */
static const char *refclock_estimate(const struct refclock *r, int64_t now_ns,
				     struct refest_result *ret, int8_t *ret_precision)
{
	if (r->kind == REFCLOCK_GPSD)
		return refgps_estimate(&r->gps, now_ns, ret, ret_precision);
	return refshm_estimate(&r->shm, now_ns, ret, ret_precision);
}

/* The state of reference r at now_ns; NULL when usable, else why not. */
static const char *refclock_state(struct refclock_set *set, struct refclock *r, int64_t now_ns,
				  struct ref_state *ret)
{
	struct refest_result e;
	int8_t precision = 0;
	const char *why;

	if (r->kind == REFCLOCK_LOCAL) {
		refclock_local(r, set->clock, now_ns, ret);
		return NULL;
	}
	why = refclock_estimate(r, now_ns, &e, &precision);
	if (why)
		return why;
	*ret = (struct ref_state){
		.usable = true,
		.leap = NTP_LEAP_NONE,
		.stratum = r->stratum,
		.root_disp_ntp32 = ntp_time_short_from_s(refest_disp_s(&e)),
		.offset_ns = e.value_ns - refclock_base_ns(set->clock),
		.precision = precision,
	};
	memcpy(ret->refid, r->refid, 4);
	return NULL;
}

/* The first usable reference, or -1 with ret unsynchronised. */
static int refclock_select(struct refclock_set *set, int64_t now_ns, struct ref_state *ret)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!refclock_state(set, &set->ref[i], now_ns, ret))
			return (int)i;
	/* nothing to serve: say unsynchronised, so that clients ignore us; the
	 * refid is ntpd's INIT, so that no client reads a stop kiss in it */
	*ret = (struct ref_state){ .usable = false,
				   .leap = NTP_LEAP_UNSYNC,
				   .stratum = 0,
				   .refid = { 'I', 'N', 'I', 'T' },
				   .precision = REFCLOCK_PRECISION_CLOCK };
	return -1;
}

void refclock_current(struct refclock_set *set, int64_t now_ns, struct ref_state *ret)
{
	refclock_select(set, now_ns, ret);
}

static uint64_t refclock_samples(const struct refclock *r)
{
	if (r->kind == REFCLOCK_GPSD)
		return r->gps.n_serial + r->gps.n_pps;
	if (r->kind == REFCLOCK_SHM)
		return r->shm.n_samples;
	return 0;
}

void refclock_describe(struct refclock_set *set, unsigned i, int64_t now_ns,
		       struct refclock_report *ret)
{
	struct refclock *r = &set->ref[i];
	int8_t precision = 0;

	memset(ret, 0, sizeof(*ret));
	ret->why = refclock_state(set, r, now_ns, &ret->state);
	ret->usable = ret->why == NULL;
	ret->samples = refclock_samples(r);
	if (r->kind == REFCLOCK_GPSD)
		ret->last_offset_ns = r->gps.last_offset_ns;
	else if (r->kind == REFCLOCK_SHM)
		ret->last_offset_ns = r->shm.last_offset_ns;
	else
		ret->last_offset_ns = r->offset_ns;
	if (r->kind != REFCLOCK_LOCAL && !refclock_estimate(r, now_ns, &ret->est, &precision)) {
		ret->has_est = true;
		ret->pps = r->kind == REFCLOCK_GPSD && precision == REFGPS_PRECISION_PPS;
	}
}

/* ---- set up ---- */

static struct refclock *refclock_add(struct refclock_set *set, const struct config_refclock *c,
				     enum refclock_kind kind, uint8_t stratum, const char *refid)
{
	struct refclock *r = &set->ref[set->n++];

	*r = (struct refclock){
		.kind = kind, .type = c->type, .unit = c->unit, .line = c->line, .stratum = stratum
	};
	memcpy(r->refid, refid, strnlen(refid, 4));
	if (c->fudge_set & CONFIG_FUDGE_STRATUM)
		r->stratum = (uint8_t)c->stratum;
	if (r->stratum == 0) /* stratum 0 would be a kiss-o'-death */
		r->stratum = 1;
	if (c->fudge_set & CONFIG_FUDGE_REFID) {
		memset(r->refid, 0, 4); /* ASCII, NUL-padded */
		memcpy(r->refid, c->refid, strnlen(c->refid, 4));
	}
	return r;
}

static bool refclock_has_gps_support(void)
{
#if TSET_HAVE_GPSD
	return true;
#else
	return false;
#endif
}

/* Add the references of cfg of one rank: sources (GPS, SHM) before the
 * local clock, each in the order of the config. */
static int refclock_add_rank(struct refclock_set *set, const struct config *cfg, bool local)
{
	for (unsigned i = 0; i < cfg->n_refclocks; i++) {
		const struct config_refclock *c = &cfg->refclocks[i];
		struct refclock *r;

		if (c->flags & CONFIG_SERVER_NOSELECT)
			continue;
		if (local != (c->type == CONFIG_REFCLOCK_LOCAL))
			continue;
		switch (c->type) {
		case CONFIG_REFCLOCK_LOCAL:
			r = refclock_add(set, c, REFCLOCK_LOCAL, REFCLOCK_LOCAL_STRATUM,
					 "\x7f\x7f\x01\x01");
			if (c->fudge_set & CONFIG_FUDGE_TIME1)
				r->offset_ns = (int64_t)(c->time1_s * 1e9);
			break;
		case CONFIG_REFCLOCK_GPSD:
			if (!refclock_has_gps_support()) {
				log_err("line %u: 127.127.46.%u: this tsetd was built without gpsd "
					"support (meson -Dgpsd=disabled)",
					c->line, c->unit);
				return -EPROTONOSUPPORT;
			}
			r = refclock_add(set, c, REFCLOCK_GPSD, REFCLOCK_GPS_STRATUM, "GPS");
			refgps_init(&r->gps, c->unit, c->time1_s, c->time2_s);
			break;
		case CONFIG_REFCLOCK_SHM:
			r = refclock_add(set, c, REFCLOCK_SHM, REFCLOCK_GPS_STRATUM, "SHM");
			refshm_init(&r->shm, c->unit, c->time1_s);
			break;
		default:
			log_notice(
				"line %u: 127.127.%u.%u: tsetd has no driver of type %u; skipped",
				c->line, c->type, c->unit, c->type);
		}
	}
	return 0;
}

int refclock_set_init(struct refclock_set *set, const struct config *cfg,
		      const struct clock_ops *clock)
{
	int r;

	memset(set, 0, sizeof(*set));
	set->clock = clock;
	set->timer_fd = -1;
	set->status_dir = -1;
	set->serving = -1;
	set->gpsd_host = cfg->gpsd_host;
	set->gpsd_port = cfg->gpsd_port;
	r = refclock_add_rank(set, cfg, false);
	if (r == 0)
		r = refclock_add_rank(set, cfg, true);
	return r < 0 ? r : (int)set->n;
}

/* ---- gpsd ---- */

#if TSET_HAVE_GPSD
static bool refclock_device_known(const struct refclock_set *set, const char *dev)
{
	for (unsigned i = 0; i < set->n_devices; i++)
		if (strcmp(set->devices[i], dev) == 0)
			return true;
	return false;
}

static void refclock_device_add(struct refclock_set *set, const char *dev)
{
	if (!dev[0] || refclock_device_known(set, dev) || set->n_devices == REFCLOCK_MAX_DEVICES)
		return;
	snprintf(set->devices[set->n_devices++], GPSCLIENT_PATH_MAX, "%s", dev);
	log_info("gpsd device '%s'", dev);
}

static void refclock_device_remove(struct refclock_set *set, const char *dev)
{
	for (unsigned i = 0; i < set->n_devices; i++) {
		if (strcmp(set->devices[i], dev) != 0)
			continue;
		memcpy(set->devices[i], set->devices[--set->n_devices], GPSCLIENT_PATH_MAX);
		log_info("gpsd device '%s' gone", dev);
		return;
	}
}

/* The GPS reference a report from dev is for: the unit that /dev/gpsN
 * names, as ntpd's driver 46 maps them; else, while gpsd has one device
 * (a receiver on /dev/ttyACM0, a pty under gpsfake), the first GPS
 * reference; else none. */
static struct refclock *refclock_gps_for(struct refclock_set *set, const char *dev)
{
	struct refclock *first = NULL;
	unsigned unit;
	bool named = dev[0] && refgps_device_unit(dev, &unit);

	for (unsigned i = 0; i < set->n; i++) {
		struct refclock *r = &set->ref[i];

		if (r->kind != REFCLOCK_GPSD)
			continue;
		if (named && r->unit == unit)
			return r;
		if (!first || r->unit < first->unit)
			first = r;
	}
	return set->n_devices <= 1 ? first : NULL;
}

static void refclock_on_gps(void *userdata, const struct gpsclient_msg *m)
{
	struct refclock_set *set = userdata;
	struct refclock *r;

	switch (m->kind) {
	case GPSCLIENT_VERSION:
		log_info("gpsd %s at %s", m->release, gpsclient_name(set->gps));
		set->gps_backoff_s = 0; /* it answers: the next retry is prompt */
		return;
	case GPSCLIENT_DEVICES:
		set->n_devices = 0;
		for (unsigned i = 0; i < m->n_devices; i++)
			refclock_device_add(set, m->devices[i]);
		return;
	case GPSCLIENT_DEVICE:
		if (m->activated)
			refclock_device_add(set, m->device);
		else
			refclock_device_remove(set, m->device);
		return;
	default:
		break;
	}
	refclock_device_add(set, m->device);
	r = refclock_gps_for(set, m->device);
	if (r)
		refgps_on_msg(&r->gps, m, loop_now_ns(), refclock_base_ns(set->clock));
}

static void refclock_gps_retry_later(struct refclock_set *set, int64_t now_ns)
{
	unsigned b = set->gps_backoff_s;

	b = b == 0 ? REFCLOCK_GPSD_RETRY_MIN_S : b * 2;
	if (b > REFCLOCK_GPSD_RETRY_MAX_S)
		b = REFCLOCK_GPSD_RETRY_MAX_S;
	set->gps_backoff_s = b;
	set->gps_retry_ns = now_ns + (int64_t)b * NS_PER_S_INT;
}

static void refclock_gps_lost(struct refclock_set *set, const char *why)
{
	int64_t now = loop_now_ns();

	loop_unwatch(set->loop, gpsclient_fd(set->gps));
	gpsclient_close(set->gps);
	set->n_devices = 0;
	set->gps_more = false;
	refclock_gps_retry_later(set, now);
	log_warn("gpsd at %s: %s; retrying in %u s", gpsclient_name(set->gps), why,
		 set->gps_backoff_s);
}

static void refclock_gps_drain(struct refclock_set *set)
{
	int r = gpsclient_drain(set->gps, REFCLOCK_GPSD_DRAIN_MAX);

	set->gps_more = r == 1;
	if (r < 0)
		refclock_gps_lost(set, "connection closed or broken");
}

/* A connection attempt failed (r: why). Logged once per outage, at the
 * first. */
static void refclock_gps_failed(struct refclock_set *set, int64_t now_ns, int r)
{
	if (gpsclient_fd(set->gps) >= 0) {
		loop_unwatch(set->loop, gpsclient_fd(set->gps));
		gpsclient_close(set->gps);
	}
	refclock_gps_retry_later(set, now_ns);
	log_errno(set->gps_backoff_s == REFCLOCK_GPSD_RETRY_MIN_S ? LOG_WARNING : LOG_DEBUG, r,
		  "cannot connect to gpsd at %s; retrying in %u s", gpsclient_name(set->gps),
		  set->gps_backoff_s);
}

static void refclock_on_gps_fd(void *userdata, int fd, short revents);

/* Watch the connection: for POLLOUT while it is being made, then POLLIN. */
static int refclock_gps_watch(struct refclock_set *set)
{
	short events = gpsclient_is_connecting(set->gps) ? POLLOUT : POLLIN;
	int r = loop_watch(set->loop, gpsclient_fd(set->gps), events, refclock_on_gps_fd, set);

	if (r == 0 && events == POLLIN)
		log_info("connected to gpsd at %s", gpsclient_name(set->gps));
	return r;
}

static void refclock_on_gps_fd(void *userdata, int fd, short revents)
{
	struct refclock_set *set = userdata;
	int r;

	if (!gpsclient_is_connecting(set->gps)) {
		refclock_gps_drain(set);
		return;
	}
	r = gpsclient_finish_connect(set->gps);
	if (r == 0)
		r = refclock_gps_watch(set);
	if (r < 0)
		refclock_gps_failed(set, loop_now_ns(), r);
}

/* Connect when due, without waiting: the attempt goes on in the loop,
 * and is given up after REFCLOCK_GPSD_CONNECT_TIMEOUT_S. */
static void refclock_gps_connect(struct refclock_set *set, int64_t now_ns)
{
	int r;

	if (!set->gps)
		return;
	if (gpsclient_is_connecting(set->gps)) {
		if (now_ns - set->gps_connect_ns > REFCLOCK_GPSD_CONNECT_TIMEOUT_S * NS_PER_S_INT)
			refclock_gps_failed(set, now_ns, -ETIMEDOUT);
		return;
	}
	if (gpsclient_fd(set->gps) >= 0 || now_ns < set->gps_retry_ns)
		return;
	set->gps_connect_ns = now_ns;
	r = gpsclient_connect(set->gps);
	if (r >= 0)
		r = refclock_gps_watch(set);
	if (r < 0)
		refclock_gps_failed(set, now_ns, r);
}

int refclock_gps_feed(struct refclock_set *set, const char *data, size_t n)
{
	int r = 0;

	if (!set->gps)
		r = gpsclient_new(&set->gps, set->gpsd_host, set->gpsd_port, refclock_on_gps, set);
	if (r == 0)
		gpsclient_feed(set->gps, data, n);
	return r;
}

static int refclock_gps_start(struct refclock_set *set)
{
	int r;

	for (unsigned i = 0; i < set->n; i++) {
		if (set->ref[i].kind != REFCLOCK_GPSD)
			continue;
		r = gpsclient_new(&set->gps, set->gpsd_host, set->gpsd_port, refclock_on_gps, set);
		if (r < 0)
			return r;
		refclock_gps_connect(set, loop_now_ns());
		return 0;
	}
	return 0;
}
#else
int refclock_gps_feed(struct refclock_set *set, const char *data, size_t n)
{
	return -EPROTONOSUPPORT;
}

static int refclock_gps_start(struct refclock_set *set)
{
	return 0;
}
#endif

/* ---- the one-second timer ---- */

/* Log the served reference when it changes, with the reason. */
static void refclock_log_switch(struct refclock_set *set, int64_t now_ns)
{
	struct ref_state st;
	int k = refclock_select(set, now_ns, &st);
	char why[256] = "";
	size_t n = 0;

	if (set->logged && k == set->serving)
		return;
	/* why each better one is not served */
	for (int i = 0; i < (k < 0 ? (int)set->n : k) && n < sizeof(why); i++) {
		struct ref_state tmp;
		const char *w = refclock_state(set, &set->ref[i], now_ns, &tmp);
		int m = snprintf(why + n, sizeof(why) - n, "%s127.127.%u.%u: %s", n ? "; " : "",
				 set->ref[i].type, set->ref[i].unit, w ? w : "usable");

		n += m > 0 ? (size_t)m : 0;
	}
	if (k >= 0)
		log_notice("serving 127.127.%u.%u, stratum %u%s%s%s", set->ref[k].type,
			   set->ref[k].unit, set->ref[k].stratum, why[0] ? " (" : "", why,
			   why[0] ? ")" : "");
	else
		log_warn("no usable reference: replies say unsynchronised%s%s%s",
			 why[0] ? " (" : "", why, why[0] ? ")" : "");
	set->serving = k;
	set->logged = true;
}

static void refclock_tick(struct refclock_set *set)
{
	int64_t now = loop_now_ns(), base = refclock_base_ns(set->clock);

	for (unsigned i = 0; i < set->n; i++) {
		struct refclock *r = &set->ref[i];
		uint64_t seen;

		if (r->kind == REFCLOCK_SHM)
			refshm_poll(&r->shm, now, base);
		seen = refclock_samples(r);
		r->reach = (uint8_t)(r->reach << 1 | (seen != r->samples_seen ? 1 : 0));
		r->samples_seen = seen;
	}
#if TSET_HAVE_GPSD
	if (set->gps && set->gps_more)
		refclock_gps_drain(set);
	if (set->gps)
		refclock_gps_connect(set, now);
#endif
	refclock_log_switch(set, now);
	refstatus_write(set, now);
}

static void refclock_on_timer(void *userdata, int fd, short revents)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	refclock_tick(userdata);
}

static bool refclock_has_sources(const struct refclock_set *set)
{
	for (unsigned i = 0; i < set->n; i++)
		if (set->ref[i].kind != REFCLOCK_LOCAL)
			return true;
	return false;
}

static int refclock_timer(struct refclock_set *set)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	set->timer_fd = fd;
	return loop_watch(set->loop, fd, POLLIN, refclock_on_timer, set);
}

static void refclock_shm_attach(struct refclock_set *set)
{
	for (unsigned i = 0; i < set->n; i++) {
		struct refclock *r = &set->ref[i];
		int e;

		if (r->kind != REFCLOCK_SHM)
			continue;
		e = refshm_attach(&r->shm);
		if (e == -EPERM)
			log_warn("line %u: 127.127.28.%u: shared memory segment 0x%08x is owned or "
				 "created by another user, or others may write it: refused, the "
				 "reference stays unusable (ipcs -m shows it; remove it with "
				 "ipcrm -M 0x%08x, then restart tsetd)",
				 r->line, r->unit, REFSHM_KEY_BASE + r->unit,
				 REFSHM_KEY_BASE + r->unit);
		else if (e < 0)
			log_errno(LOG_WARNING, e,
				  "line %u: 127.127.28.%u: cannot attach shared memory segment "
				  "0x%08x; the reference stays unusable",
				  r->line, r->unit, REFSHM_KEY_BASE + r->unit);
	}
}

int refclock_watch(struct refclock_set *set, struct loop *l)
{
	int r;

	set->loop = l;
	refstatus_open(set);
	if (!refclock_has_sources(set)) {
		refclock_log_switch(set, loop_now_ns());
		refstatus_write(set, loop_now_ns());
		return 0;
	}
	refclock_shm_attach(set);
	r = refclock_timer(set);
	if (r == 0)
		r = refclock_gps_start(set);
	refclock_log_switch(set, loop_now_ns());
	refstatus_write(set, loop_now_ns());
	return r;
}

void refclock_set_free(struct refclock_set *set)
{
#if TSET_HAVE_GPSD
	if (set->gps && set->loop && gpsclient_fd(set->gps) >= 0)
		loop_unwatch(set->loop, gpsclient_fd(set->gps));
	gpsclient_free(set->gps);
#endif
	set->gps = NULL;
	if (set->timer_fd >= 0) {
		if (set->loop)
			loop_unwatch(set->loop, set->timer_fd);
		close(set->timer_fd);
	}
	set->timer_fd = -1;
	for (unsigned i = 0; i < set->n; i++)
		if (set->ref[i].kind == REFCLOCK_SHM)
			refshm_detach(&set->ref[i].shm);
	refstatus_close(set);
}
