/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmdline: what getopt_long() refused, said in the program's own name
 * ("tset: unknown option --foo"), not in that of the path it was run by
 * as getopt's own messages are.
 */
#ifndef TSET_CMDLINE_H
#define TSET_CMDLINE_H

#include <getopt.h>

/*
 * getopt_long() returned c, '?' or ':' (opterr 0, an optstring that
 * starts with ':'): print on stderr "prog: unknown option -x", "prog:
 * option -c needs an argument", "prog: unknown option --foo" or "prog:
 * option --help takes no argument". longopts: the long options given to
 * getopt_long() (may be NULL).
 */
void cmdline_bad_option(const char *prog, int c, char *const *argv, const struct option *longopts);

#endif
