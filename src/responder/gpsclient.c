/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <gps.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gpsclient.h"

#define NS_PER_S INT64_C(1000000000)

/*
 * libgps's parser of one JSON object into gps_data_t, exported by libgps
 * (meson checks for it) but not declared in <gps.h>. gps_unpack() calls
 * it in a loop until the line is used up, and spins forever when it fails
 * without moving on: a trailing comma in a device list, an unknown array
 * attribute in a device, text after the object that names a class (found
 * by fuzz_gps; a newer gpsd may well send the second). So each line goes
 * through it once, here.
 */
int libgps_json_unpack(const char *buf, struct gps_data_t *gpsdata, const char **end);

/* What gps_stream(WATCH_ENABLE | WATCH_JSON | WATCH_PPS) asks for: JSON
 * reports, with the pulses (gpsd's protocol, the ?WATCH command). */
static const char gpsclient_watch[] = "?WATCH={\"enable\":true,\"json\":true,\"pps\":true};\n";

enum gpsclient_state {
	GPSCLIENT_IDLE,
	GPSCLIENT_CONNECTING,
	GPSCLIENT_UP,
};

struct gpsclient {
	struct gps_data_t data; /* what gps_unpack() fills: copied out at once */
	enum gpsclient_state state;
	int fd;
	char host[256], port[8], name[272];
	gpsclient_fn fn;
	void *userdata;
	struct gpsclient_counters n;
	/* the line being read: buf[0..len), no newline in it yet */
	char buf[GPSCLIENT_LINE_MAX];
	size_t len;
	bool overlong; /* the rest of a line longer than buf, until its end */
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
	c->fd = -1;
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

/* The first address of host:port: by number without a lookup, else the
 * name looked up (the one step that may wait). */
static int gpsclient_resolve(const struct gpsclient *c, struct addrinfo **ret)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	int r = getaddrinfo(c->host, c->port, &hints, ret);

	if (r == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		r = getaddrinfo(c->host, c->port, &hints, ret);
	}
	if (r == 0)
		return 0;
	return r == EAI_MEMORY ? -ENOMEM : r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
}

/* The connection is up: ask for reports. A fresh socket takes the few
 * bytes of ?WATCH whole, or it is broken. */
static int gpsclient_up(struct gpsclient *c)
{
	ssize_t w = send(c->fd, gpsclient_watch, sizeof(gpsclient_watch) - 1,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w < 0)
		return -errno;
	if ((size_t)w != sizeof(gpsclient_watch) - 1)
		return -EIO;
	c->state = GPSCLIENT_UP;
	c->len = 0;
	c->overlong = false;
	return 0;
}

int gpsclient_connect(struct gpsclient *c)
{
	struct addrinfo *ai;
	int r;

	if (c->state != GPSCLIENT_IDLE)
		return c->fd;
	r = gpsclient_resolve(c, &ai);
	if (r < 0)
		return r;
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = -errno;
		freeaddrinfo(ai);
		return r;
	}
	r = connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : -errno;
	freeaddrinfo(ai);
	if (r == -EINPROGRESS) {
		c->state = GPSCLIENT_CONNECTING;
		return c->fd;
	}
	if (r == 0)
		r = gpsclient_up(c);
	if (r < 0) {
		close(c->fd);
		c->fd = -1;
		return r;
	}
	return c->fd;
}

int gpsclient_finish_connect(struct gpsclient *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->state == GPSCLIENT_UP)
		return 0;
	if (c->state != GPSCLIENT_CONNECTING)
		return -ENOTCONN;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	if (err != 0)
		return -err;
	return gpsclient_up(c);
}

bool gpsclient_is_connected(const struct gpsclient *c)
{
	return c->state == GPSCLIENT_UP;
}

bool gpsclient_is_connecting(const struct gpsclient *c)
{
	return c->state == GPSCLIENT_CONNECTING;
}

int gpsclient_fd(const struct gpsclient *c)
{
	return c->fd;
}

void gpsclient_close(struct gpsclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = GPSCLIENT_IDLE;
	c->len = 0;
	c->overlong = false;
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
 * as it goes (a TPV cut after "mode":3 says "3D fix"): such a line is
 * never used. */
static bool gpsclient_line_is_whole(const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	return n >= 2 && line[0] == '{' && line[n - 1] == '}';
}

/* A real/clock pair: both set and in range (seconds in 1 ..
 * GPSCLIENT_SEC_MAX), else false. */
static bool gpsclient_pair(struct gpsclient_msg *m, const struct timedelta_t *td)
{
	if (td->real.tv_sec <= 0 || td->clock.tv_sec <= 0 || td->real.tv_sec > GPSCLIENT_SEC_MAX ||
	    td->clock.tv_sec > GPSCLIENT_SEC_MAX || td->real.tv_nsec < 0 ||
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
		if (m->mode < GPSCLIENT_MODE_UNKNOWN || m->mode > GPSCLIENT_MODE_3D)
			m->mode = GPSCLIENT_MODE_UNKNOWN; /* not one of gpsd's */
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

/* One line (NUL-terminated, without its newline, n bytes): parsed by
 * libgps into data, and handed on when it is a report tsetd acts on.
 * What follows the first object on the line is not read. */
static void gpsclient_line(struct gpsclient *c, char *line, size_t n)
{
	const char *end = NULL;

	if (memchr(line, '\0', n) || !gpsclient_line_is_whole(line, n)) {
		c->n.malformed++;
		return;
	}
	c->n.reports++;
	gpsclient_clear(&c->data);
	(void)libgps_json_unpack(line, &c->data, &end);
	if (gpsclient_decode(c, &c->msg))
		c->fn(c->userdata, &c->msg);
}

/* Hand on the complete lines at the front of buf, at most *budget of
 * them (each counted off); what is left of a line stays at the front. */
static void gpsclient_take_lines(struct gpsclient *c, unsigned *budget)
{
	while (*budget > 0) {
		char *nl = memchr(c->buf, '\n', c->len);
		size_t n;

		if (!nl) {
			if (c->overlong) /* still in the line too long to keep */
				c->len = 0;
			return;
		}
		n = (size_t)(nl - c->buf);
		*nl = '\0';
		if (c->overlong) {
			c->overlong = false; /* its end: counted when it began */
		} else {
			gpsclient_line(c, c->buf, n);
			(*budget)--;
		}
		memmove(c->buf, nl + 1, c->len - n - 1);
		c->len -= n + 1;
	}
}

/* buf is full without a newline: the line is longer than any report
 * tsetd acts on; drop it up to its end (the connection stays). */
static void gpsclient_skip_overlong(struct gpsclient *c)
{
	if (c->len < sizeof(c->buf))
		return;
	c->n.malformed++;
	c->len = 0;
	c->overlong = true;
}

int gpsclient_drain(struct gpsclient *c, unsigned max)
{
	unsigned budget = max;

	if (c->state != GPSCLIENT_UP)
		return -ENOTCONN;
	for (;;) {
		ssize_t r;

		gpsclient_take_lines(c, &budget);
		if (budget == 0)
			return 1;
		gpsclient_skip_overlong(c);
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r == 0)
			return -ECONNRESET; /* gpsd closed */
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		c->len += (size_t)r;
	}
}

void gpsclient_feed(struct gpsclient *c, const char *data, size_t n)
{
	while (n > 0) {
		size_t k = sizeof(c->buf) - c->len;
		unsigned budget = UINT_MAX;

		if (k > n)
			k = n;
		memcpy(c->buf + c->len, data, k);
		c->len += k;
		data += k;
		n -= k;
		gpsclient_take_lines(c, &budget);
		gpsclient_skip_overlong(c);
	}
}
