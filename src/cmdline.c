/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

/* The long option "--name[=value]" names, or NULL. */
static const struct option *cmdline_long(const struct option *l, const char *arg, size_t len)
{
	for (; l && l->name; l++)
		if (strlen(l->name) == len && strncmp(arg, l->name, len) == 0)
			return l;
	return NULL;
}

void cmdline_bad_option(const char *prog, int c, char *const *argv, const struct option *longopts)
{
	/* getopt has moved past the argument it refused */
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (strncmp(arg, "--", 2) == 0) {
		size_t len = strcspn(arg + 2, "=");
		const struct option *l = cmdline_long(longopts, arg + 2, len);

		if (l)
			fprintf(stderr, "%s: option --%s %s\n", prog, l->name,
				l->has_arg == no_argument ? "takes no argument"
							  : "needs an argument");
		else
			fprintf(stderr, "%s: unknown option --%.*s\n", prog, (int)len, arg + 2);
	} else if (c == ':') {
		fprintf(stderr, "%s: option -%c needs an argument\n", prog, optopt);
	} else if (optopt > ' ' && optopt < 0x7f) {
		fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
	} else {
		fprintf(stderr, "%s: unknown option in '%s'\n", prog, arg);
	}
}
