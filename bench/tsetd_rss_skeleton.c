/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tsetd_rss_skeleton: the least a daemon such as tsetd does before it
 * serves, for tsetd_rss.py to measure against tsetd: read its options
 * (getopt_long), log a line with a number in it (fprintf, %f), bind a UDP
 * socket to an address given as text (inet_pton, bind), and give up root
 * and every capability with libcap-ng (capng_change_id, then a check
 * that none is left), then wait for SIGTERM and return from main(), as
 * tsetd ends. TSET_RSS_DO names the steps
 * to take, separated by commas ("getopt,printf,socket,caps"; unset: all),
 * so that each one can be measured alone. Built by tsetd_rss.py with every
 * library tsetd links, as the empty program is; run as root.
 */
#include <arpa/inet.h>
#include <cap-ng.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool step(const char *name)
{
	const char *todo = getenv("TSET_RSS_DO");

	return !todo || strstr(todo, name);
}

static void on_term(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = { { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };

	if (step("getopt"))
		while (getopt_long(argc, argv, "hn", longs, NULL) != -1)
			;
	if (step("printf"))
		fprintf(stderr, "skeleton: offset %+.6f s\n", 0.5);
	if (step("socket")) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || inet_pton(AF_INET, "127.0.0.1", &a.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("skeleton: socket");
			return 1;
		}
	}
	if (step("caps")) {
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_change_id(65534, 65534, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) < 0 ||
		    capng_get_caps_process() < 0 ||
		    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
			fputs("skeleton: cannot drop privileges (run as root)\n", stderr);
			return 1;
		}
	}
	signal(SIGTERM, on_term);
	pause();
	return 0;
}
