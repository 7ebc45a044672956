/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "refgps.h"

#define NS_PER_S   INT64_C(1000000000)
#define MAX_AGE_NS ((int64_t)REFGPS_MAX_AGE_S * NS_PER_S)

void refgps_init(struct refgps *g, unsigned unit, double time1_s, double time2_s)
{
	memset(g, 0, sizeof(*g));
	g->unit = unit;
	g->time1_ns = (int64_t)(time1_s * 1e9);
	g->time2_ns = (int64_t)(time2_s * 1e9);
}

static int64_t refgps_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * NS_PER_S + t->tv_nsec;
}

/* real - clock: both were range-checked by gpsclient (seconds in 1 ..
 * GPSCLIENT_SEC_MAX, nanoseconds in range): no overflow. */
static int64_t refgps_offset_ns(const struct gpsclient_msg *m)
{
	return refgps_ns(&m->real) - refgps_ns(&m->clock);
}

/* A pulse numbered by the serial estimate: its offset moved by whole
 * seconds to the nearest of the serial one. False without a serial
 * estimate. */
static bool refgps_number_pulse(const struct refgps *g, int64_t mono_ns, int64_t *value_ns)
{
	struct refest_result r;
	int64_t d, k;

	if (!refest_estimate(&g->serial, mono_ns, MAX_AGE_NS, &r))
		return false;
	d = r.value_ns - *value_ns;
	k = (d >= 0 ? d + NS_PER_S / 2 : d - NS_PER_S / 2) / NS_PER_S;
	*value_ns += k * NS_PER_S;
	return true;
}

void refgps_on_msg(struct refgps *g, const struct gpsclient_msg *m, int64_t mono_ns,
		   int64_t base_ns)
{
	int64_t off;

	switch (m->kind) {
	case GPSCLIENT_TPV:
		if (m->mode == GPSCLIENT_MODE_UNKNOWN)
			return;
		if (m->mode < GPSCLIENT_MODE_2D && g->mode >= GPSCLIENT_MODE_2D) {
			refest_reset(&g->serial);
			refest_reset(&g->pps);
		}
		g->mode = m->mode;
		g->mode_at_ns = mono_ns;
		return;
	case GPSCLIENT_TOFF:
		if (g->mode < GPSCLIENT_MODE_2D)
			return;
		off = refgps_offset_ns(m) + g->time2_ns;
		refest_add(&g->serial, mono_ns, off + base_ns);
		g->n_serial++;
		break;
	case GPSCLIENT_PPS: {
		int64_t v;

		if (g->mode < GPSCLIENT_MODE_2D)
			return;
		off = refgps_offset_ns(m) + g->time1_ns;
		v = off + base_ns;
		if (!refgps_number_pulse(g, mono_ns, &v)) {
			g->n_pps_unnumbered++;
			return;
		}
		off = v - base_ns;
		refest_add(&g->pps, mono_ns, v);
		g->n_pps++;
		break;
	}
	default:
		return;
	}
	g->last_offset_ns = off;
}

const char *refgps_estimate(const struct refgps *g, int64_t now_ns, struct refest_result *ret,
			    int8_t *ret_precision)
{
	if (g->mode_at_ns == 0)
		return "no fix report yet";
	if (now_ns - g->mode_at_ns > MAX_AGE_NS)
		return "fix reports stopped";
	if (g->mode < GPSCLIENT_MODE_2D)
		return "no fix";
	if (refest_estimate(&g->pps, now_ns, MAX_AGE_NS, ret)) {
		*ret_precision = REFGPS_PRECISION_PPS;
		return NULL;
	}
	if (refest_estimate(&g->serial, now_ns, MAX_AGE_NS, ret)) {
		*ret_precision = REFGPS_PRECISION_SERIAL;
		return NULL;
	}
	return "time samples stopped";
}

bool refgps_device_unit(const char *path, unsigned *ret_unit)
{
	static const char prefix[] = "/dev/gps";
	const char *p = path + sizeof(prefix) - 1;
	unsigned u = 0;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || *p == '\0')
		return false;
	/* decimal digits only; a unit is one byte (127.127.46.N) */
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		u = u * 10 + (unsigned)(*p - '0');
		if (u > 255)
			return false;
	}
	*ret_unit = u;
	return true;
}
