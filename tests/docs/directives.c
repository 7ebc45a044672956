/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * directives: print the config parser's directive table, one line each:
 * "NAME tset|tsetd|both|daemon". test_manpages.py checks the man pages
 * against it, so the list is the code's, never a copy kept by hand.
 */
#include <stdio.h>

#include "config.h"

int main(void)
{
	const char *name;
	bool tset, tsetd;

	for (size_t i = 0; (name = config_directive_name(i, &tset, &tsetd)); i++)
		printf("%s %s\n", name,
		       tset && tsetd ? "both"
		       : tset	     ? "tset"
		       : tsetd	     ? "tsetd"
				     : "daemon");
	return 0;
}
