/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <gps.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpsclient.h"

/* One line of gpsd's JSON that tsetd acts on fits with room to spare
 * (a DEVICES report of four devices is under 1 KiB); a longer one is
 * copied cut, and a cut report is never used. */
#define GPSCLIENT_LINE_MAX 4096
#define NS_PER_S	   1000000000L

struct gpsclient {
	struct gps_data_t data; /* libgps's state: read and copied out at once */
	bool connected;
	char host[256], port[8], name[272];
	gpsclient_fn fn;
	void *userdata;
	struct gpsclient_counters n;
	char line[GPSCLIENT_LINE_MAX];
	struct gpsclient_msg msg;
};

int gpsclient_new(struct gpsclient **ret, const char *host, uint16_t port, gpsclient_fn fn,
		  void *userdata)
{
	struct gpsclient *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	snprintf(c->host, sizeof(c->host), "%s", host && host[0] ? host : GPSCLIENT_HOST);
	snprintf(c->port, sizeof(c->port), "%u", port ? (unsigned)port : GPSCLIENT_PORT);
	snprintf(c->name, sizeof(c->name), strchr(c->host, ':') ? "[%s]:%s" : "%s:%s", c->host,
		 c->port);
	c->data.gps_fd = -1;
	c->fn = fn;
	c->userdata = userdata;
	*ret = c;
	return 0;
}

void gpsclient_free(struct gpsclient *c)
{
	if (!c)
		return;
	gpsclient_close(c);
	free(c);
}

int gpsclient_connect(struct gpsclient *c)
{
	int fd, fl;

	if (c->connected)
		return c->data.gps_fd;
	/* libgps returns its own codes (negative, in errno too): not errnos */
	if (gps_open(c->host, c->port, &c->data) != 0)
		return -ECONNREFUSED;
	c->connected = true;
	fd = c->data.gps_fd;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    gps_stream(&c->data, WATCH_ENABLE | WATCH_JSON | WATCH_PPS, NULL) != 0) {
		gpsclient_close(c);
		return -EIO;
	}
	return fd;
}

bool gpsclient_is_connected(const struct gpsclient *c)
{
	return c->connected;
}

int gpsclient_fd(const struct gpsclient *c)
{
	return c->connected ? c->data.gps_fd : -1;
}

void gpsclient_close(struct gpsclient *c)
{
	if (!c->connected)
		return;
	gps_close(&c->data);
	c->data.gps_fd = -1;
	c->connected = false;
}

const struct gpsclient_counters *gpsclient_counters(const struct gpsclient *c)
{
	return &c->n;
}

const char *gpsclient_name(const struct gpsclient *c)
{
	return c->name;
}

/* Is the line one complete JSON object? libgps acts on a cut line as far
 * as it goes (a TPV cut after "mode":3 says "3D fix"): such a line, or
 * one too long to copy whole, is never used. */
static bool gpsclient_line_is_whole(const char *line)
{
	size_t n = strnlen(line, GPSCLIENT_LINE_MAX);

	if (n >= GPSCLIENT_LINE_MAX - 1)
		return false;
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	return n >= 2 && line[0] == '{' && line[n - 1] == '}';
}

/* A real/clock pair: both set and in range, else false. */
static bool gpsclient_pair(struct gpsclient_msg *m, const struct timedelta_t *td)
{
	if (td->real.tv_sec <= 0 || td->clock.tv_sec <= 0 || td->real.tv_nsec < 0 ||
	    td->real.tv_nsec >= NS_PER_S || td->clock.tv_nsec < 0 || td->clock.tv_nsec >= NS_PER_S)
		return false;
	m->real = td->real;
	m->clock = td->clock;
	return true;
}

static void gpsclient_copy_devices(struct gpsclient_msg *m, const struct gps_data_t *d)
{
	int n = d->devices.ndevices;

	if (n < 0)
		n = 0;
	if (n > GPSCLIENT_MAX_DEVICES)
		n = GPSCLIENT_MAX_DEVICES;
	m->n_devices = (unsigned)n;
	for (int i = 0; i < n; i++)
		snprintf(m->devices[i], sizeof(m->devices[i]), "%s", d->devices.list[i].path);
}

/* What the last report was, from the bits libgps set (each report sets
 * its own: we cleared them before the read). Returns false for a report
 * tsetd does not act on, or a time pair out of range (counted). */
static bool gpsclient_decode(struct gpsclient *c, struct gpsclient_msg *m)
{
	const struct gps_data_t *d = &c->data;
	gps_mask_t set = d->set;

	memset(m, 0, sizeof(*m));
	snprintf(m->device, sizeof(m->device), "%s", d->dev.path);
	if (set & STATUS_SET) { /* only a TPV sets it */
		m->kind = GPSCLIENT_TPV;
		m->mode = (set & MODE_SET) ? d->fix.mode : GPSCLIENT_MODE_UNKNOWN;
		return true;
	}
	if (set & (TOFF_SET | PPS_SET)) {
		/* libgps 3.22 (Debian 12) decodes a TOFF into pps, and sets
		 * TOFF_SET; later releases into toff. Both were cleared before
		 * the read: the one that holds a time is this report's. */
		const struct timedelta_t *td =
			(set & TOFF_SET) && d->toff.real.tv_sec != 0 ? &d->toff : &d->pps;

		m->kind = (set & TOFF_SET) ? GPSCLIENT_TOFF : GPSCLIENT_PPS;
		if (gpsclient_pair(m, td))
			return true;
		c->n.bad_time++;
		return false;
	}
	if (set & DEVICELIST_SET) {
		m->kind = GPSCLIENT_DEVICES;
		gpsclient_copy_devices(m, d);
		return true;
	}
	if (set & DEVICE_SET) {
		m->kind = GPSCLIENT_DEVICE;
		m->activated = d->dev.activated.tv_sec != 0 || d->dev.activated.tv_nsec != 0;
		return true;
	}
	if (set & VERSION_SET) {
		m->kind = GPSCLIENT_VERSION;
		snprintf(m->release, sizeof(m->release), "%.31s", d->version.release);
		return true;
	}
	return false;
}

/* Clear what a report sets, so that what is there after the read is this
 * report's alone (libgps leaves the previous values in place). */
static void gpsclient_clear(struct gps_data_t *d)
{
	d->set = 0;
	d->dev.path[0] = '\0';
	memset(&d->dev.activated, 0, sizeof(d->dev.activated));
	memset(&d->toff, 0, sizeof(d->toff));
	memset(&d->pps, 0, sizeof(d->pps));
	d->devices.ndevices = 0;
}

int gpsclient_drain(struct gpsclient *c, unsigned max)
{
	for (unsigned i = 0; i < max; i++) {
		int r;

		if (!c->connected)
			return -ENOTCONN;
		gpsclient_clear(&c->data);
		c->line[0] = '\0';
		r = gps_read(&c->data, c->line, (int)sizeof(c->line));
		if (r < 0) /* closed, an error, or a line longer than libgps holds */
			return -ECONNRESET;
		if (r == 0)
			return 0;
		if (!gpsclient_line_is_whole(c->line)) {
			c->n.malformed++;
			continue;
		}
		c->n.reports++;
		if (gpsclient_decode(c, &c->msg))
			c->fn(c->userdata, &c->msg);
	}
	return 1;
}
