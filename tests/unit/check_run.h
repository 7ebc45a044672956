/* SPDX-License-Identifier: BSD-2-Clause */
/* check_run: run one Check suite and turn its result into an exit status. */
#ifndef TSET_TESTS_CHECK_RUN_H
#define TSET_TESTS_CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
