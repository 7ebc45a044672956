/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resolve_probe: drive the resolve module on one poll loop, for the DNS
 * integration test.
 *
 *   resolve_probe RESOLVCONF FAMILY(0|4|6) DEADLINE_S NAME...
 *
 * RESOLVCONF "-" means the c-ares default. All names are started at once;
 * the loop runs until every name is done or the deadline passes. Then one
 * line per name, in argument order:
 *   NAME ok ADDR,ADDR,...[ dropped N]
 *   NAME error MESSAGE
 *   NAME deadline
 * The environment variable RESOLVE_PROBE_MAX caps the addresses of each family
 * (default RESOLVE_MAX_ADDRS). Exit 0; 1 when the resolver cannot be set
 * up or leaves a descriptor watched after resolve_free(); 2 on usage.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "resolve.h"

/* Any port: the probe checks that every address carries it. */
#define PROBE_PORT 123

struct probe_name {
	const char *name;
	bool done;
	struct resolve_result res;
};

static void probe_done(void *userdata, const struct resolve_result *res)
{
	struct probe_name *p = userdata;

	if (p->done) {
		fprintf(stderr, "resolve_probe: second callback for \"%s\"\n", p->name);
		exit(1);
	}
	p->done = true;
	p->res = *res;
}

static uint16_t probe_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void probe_print(const struct probe_name *p)
{
	const struct resolve_result *res = &p->res;
	char host[NI_MAXHOST];

	if (!p->done) {
		printf("%s deadline\n", p->name);
		return;
	}
	if (res->n == 0) {
		printf("%s error %s\n", p->name, res->error);
		return;
	}
	printf("%s ok ", p->name);
	for (unsigned i = 0; i < res->n; i++) {
		if (getnameinfo((const struct sockaddr *)&res->addrs[i], res->addr_lens[i], host,
				sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "?");
		if (probe_port(&res->addrs[i]) != PROBE_PORT)
			snprintf(host, sizeof(host), "bad-port");
		printf("%s%s", i ? "," : "", host);
	}
	if (res->n_dropped)
		printf(" dropped %u", res->n_dropped);
	printf("\n");
}

/* One loop until nothing is pending or the deadline passes. */
static void probe_run(struct loop *l, struct resolve *r, int64_t deadline_ns)
{
	while (resolve_busy(r)) {
		int64_t next = resolve_next_ns(r), now;

		if (loop_run_once(l, next < deadline_ns ? next : deadline_ns) < 0)
			return;
		now = loop_now_ns();
		if (now >= resolve_next_ns(r))
			resolve_timeouts(r);
		if (now >= deadline_ns)
			return;
	}
}

static int probe_family(const char *s)
{
	if (strcmp(s, "0") == 0)
		return AF_UNSPEC;
	if (strcmp(s, "4") == 0)
		return AF_INET;
	if (strcmp(s, "6") == 0)
		return AF_INET6;
	return -1;
}

static unsigned probe_max(void)
{
	const char *s = getenv("RESOLVE_PROBE_MAX");
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v >= 1 && v <= RESOLVE_MAX_ADDRS ? (unsigned)v : RESOLVE_MAX_ADDRS;
}

static void probe_start(struct resolve *r, struct probe_name *names, int n)
{
	for (int i = 0; i < n; i++) {
		int err = resolve_start(r, names[i].name, PROBE_PORT, probe_max(), probe_done,
					&names[i]);

		if (err < 0) {
			names[i].done = true;
			snprintf(names[i].res.error, sizeof(names[i].res.error), "start: %s",
				 strerror(-err));
		}
	}
}

int main(int argc, char **argv)
{
	struct probe_name *names = NULL;
	struct resolve *r = NULL;
	struct loop *l = NULL;
	int family, n = argc - 4, err, ret = 1;
	double deadline_s;

	if (argc < 5 || (family = probe_family(argv[2])) < 0 ||
	    (deadline_s = strtod(argv[3], NULL)) <= 0 || deadline_s > 3600) {
		fprintf(stderr,
			"usage: resolve_probe RESOLVCONF FAMILY(0|4|6) DEADLINE_S NAME...\n");
		return 2;
	}
	names = calloc((size_t)n, sizeof(*names));
	if (!names || loop_new(&l) < 0)
		goto out;
	err = resolve_new(&r, l, strcmp(argv[1], "-") ? argv[1] : NULL, family);
	if (err < 0) {
		fprintf(stderr, "resolve_probe: cannot set up resolver: %s\n", strerror(-err));
		goto out;
	}
	for (int i = 0; i < n; i++)
		names[i].name = argv[4 + i];
	probe_start(r, names, n);
	probe_run(l, r, loop_now_ns() + (int64_t)(deadline_s * 1e9));
	for (int i = 0; i < n; i++)
		probe_print(&names[i]);
	resolve_free(r);
	ret = 0;
	if (loop_n_watched(l) != 0) {
		fprintf(stderr, "resolve_probe: %u fds still watched\n", loop_n_watched(l));
		ret = 1;
	}
out:
	loop_free(l);
	free(names);
	return ret;
}
