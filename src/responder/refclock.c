/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "log.h"
#include "ntp_time.h"
#include "refclock.h"

#define NS_PER_S 1e9

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
	};
	memcpy(ret->refid, r->refid, 4);
}

static bool refclock_add_local(struct refclock_set *set, const struct config_refclock *c)
{
	struct refclock *r = &set->ref[set->n++];

	*r = (struct refclock){
		.kind = REFCLOCK_LOCAL,
		.stratum = REFCLOCK_LOCAL_STRATUM,
		.refid = { 127, 127, 1, 1 },
	};
	if (c->fudge_set & CONFIG_FUDGE_STRATUM)
		r->stratum = (uint8_t)c->stratum;
	if (r->stratum == 0) /* stratum 0 would be a kiss-o'-death */
		r->stratum = 1;
	if (c->fudge_set & CONFIG_FUDGE_REFID)
		strncpy((char *)r->refid, c->refid, 4); /* ASCII, NUL-padded */
	if (c->fudge_set & CONFIG_FUDGE_TIME1)
		r->offset_ns = (int64_t)(c->time1_s * 1e9);
	return true;
}

unsigned refclock_set_init(struct refclock_set *set, const struct config *cfg,
			   const struct clock_ops *clock)
{
	memset(set, 0, sizeof(*set));
	set->clock = clock;
	for (unsigned i = 0; i < cfg->n_refclocks; i++) {
		const struct config_refclock *c = &cfg->refclocks[i];

		if (c->type == CONFIG_REFCLOCK_LOCAL && !(c->flags & CONFIG_SERVER_NOSELECT))
			refclock_add_local(set, c);
		else if (c->type == CONFIG_REFCLOCK_GPSD)
			log_notice("line %u: 127.127.46.%u: the gps reference is not in this "
				   "version of tsetd yet; skipped",
				   c->line, c->unit);
		else if (c->type != CONFIG_REFCLOCK_LOCAL)
			log_notice(
				"line %u: 127.127.%u.%u: tsetd has no driver of type %u; skipped",
				c->line, c->type, c->unit, c->type);
	}
	return set->n;
}

void refclock_current(struct refclock_set *set, int64_t now_ns, struct ref_state *ret)
{
	for (unsigned i = 0; i < set->n; i++) {
		refclock_local(&set->ref[i], set->clock, now_ns, ret);
		if (ret->usable)
			return;
	}
	/* nothing to serve: say unsynchronised, so that clients ignore us; the
	 * refid is ntpd's INIT, so that no client reads a stop kiss in it */
	*ret = (struct ref_state){ .usable = false,
				   .leap = NTP_LEAP_UNSYNC,
				   .stratum = 0,
				   .refid = { 'I', 'N', 'I', 'T' } };
}
