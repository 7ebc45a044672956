/* SPDX-License-Identifier: BSD-2-Clause */
#include <check.h>

#include "check_run.h"
#include "gate.h"

enum {
	A = GATE_MODE_AUTO,
	S = GATE_MODE_STEP,
	W = GATE_MODE_SLEW
};
enum {
	NONE = GATE_ACTION_NONE,
	STEP = GATE_ACTION_STEP,
	SLEW = GATE_ACTION_SLEW,
	REFUSE = GATE_ACTION_REFUSE
};

/* Every combination of offset size, -b/-B, -g, panic 0 and -q. */
static const struct {
	double offset_s;
	int mode;
	bool g, q;
	double panic_s, step_s;
	int want;
} cases[] = {
	/* default policy, sizes around the step threshold, both signs */
	{ 0.0, A, 0, 0, 1000, 0.128, SLEW },
	{ 0.05, A, 0, 0, 1000, 0.128, SLEW },
	{ -0.128, A, 0, 0, 1000, 0.128, SLEW },
	{ 0.1281, A, 0, 0, 1000, 0.128, STEP },
	{ -0.5, A, 0, 0, 1000, 0.128, STEP },
	{ 1000.0, A, 0, 0, 1000, 0.128, STEP },
	{ -1000.5, A, 0, 0, 1000, 0.128, REFUSE },
	{ 5000.0, A, 0, 0, 1000, 0.128, REFUSE },
	/* -g lets a big offset through */
	{ 5000.0, A, 1, 0, 1000, 0.128, STEP },
	{ -1e6, A, 1, 0, 1000, 0.128, STEP },
	{ 0.01, A, 1, 0, 1000, 0.128, SLEW },
	/* -b / -B force the method, not past the panic gate */
	{ 0.001, S, 0, 0, 1000, 0.128, STEP },
	{ 0.5, W, 0, 0, 1000, 0.128, SLEW },
	{ 2000.0, S, 0, 0, 1000, 0.128, REFUSE },
	{ 2000.0, W, 0, 0, 1000, 0.128, REFUSE },
	{ 2000.0, S, 1, 0, 1000, 0.128, STEP },
	{ 2000.0, W, 1, 0, 1000, 0.128, SLEW },
	/* panic 0: no panic check at all */
	{ 1e7, A, 0, 0, 0, 0.128, STEP },
	{ 1e7, W, 0, 0, 0, 0.128, SLEW },
	{ 0.001, A, 0, 0, 0, 0.128, SLEW },
	/* -G 10: a smaller panic threshold */
	{ 11.0, A, 0, 0, 10, 0.128, REFUSE },
	{ 9.0, A, 0, 0, 10, 0.128, STEP },
	/* tinker step 0: never step; tinker step 1 */
	{ 50.0, A, 0, 0, 1000, 0, SLEW },
	{ 0.9, A, 0, 0, 1000, 1.0, SLEW },
	{ 1.1, A, 0, 0, 1000, 1.0, STEP },
	/* -q never touches the clock, whatever the size */
	{ 0.5, A, 0, 1, 1000, 0.128, NONE },
	{ 5000.0, A, 0, 1, 1000, 0.128, NONE },
	{ 5000.0, S, 1, 1, 0, 0.128, NONE },
};

START_TEST(test_gate_decisions)
{
	struct gate_policy p;

	gate_policy_init(&p);
	p.mode = (enum gate_mode)cases[_i].mode;
	p.allow_panic = cases[_i].g;
	p.query_only = cases[_i].q;
	p.panic_s = cases[_i].panic_s;
	p.step_s = cases[_i].step_s;
	ck_assert_msg((int)gate_decide(&p, cases[_i].offset_s) == cases[_i].want,
		      "case %d: offset %g gave %s", _i, cases[_i].offset_s,
		      gate_action_str(gate_decide(&p, cases[_i].offset_s)));
}
END_TEST

START_TEST(test_gate_default_policy_is_the_contract)
{
	struct gate_policy p;

	gate_policy_init(&p);
	ck_assert_int_eq(p.mode, GATE_MODE_AUTO);
	ck_assert_double_eq(p.step_s, 0.128);
	ck_assert_double_eq(p.panic_s, 1000.0);
	ck_assert(!p.allow_panic && !p.query_only);
	ck_assert(gate_beyond_panic(&p, -1000.001));
	ck_assert(!gate_beyond_panic(&p, 999.0));
	p.panic_s = 0;
	ck_assert(!gate_beyond_panic(&p, 1e9));
}
END_TEST

START_TEST(test_gate_exit_status_precedence)
{
	/* tset(8), EXIT STATUS: 2, 7, 1, 6, 3, 4, 5, the first that applies */
	static const struct {
		unsigned fail;
		int want;
	} rows[] = {
		{ 0, 0 },
		{ GATE_FAIL_RTC, 5 },
		{ GATE_FAIL_CLOCK, 4 },
		{ GATE_FAIL_CLOCK | GATE_FAIL_RTC, 4 },
		{ GATE_FAIL_PANIC, 3 },
		{ GATE_FAIL_PANIC | GATE_FAIL_CLOCK | GATE_FAIL_RTC, 3 },
		{ GATE_FAIL_NO_MAJORITY, 6 },
		{ GATE_FAIL_NO_MAJORITY | GATE_FAIL_PANIC, 6 },
		{ GATE_FAIL_NO_TIME, 1 },
		{ GATE_FAIL_NO_TIME | GATE_FAIL_NO_MAJORITY, 1 },
		{ GATE_FAIL_LOCK, 7 },
		{ GATE_FAIL_LOCK | GATE_FAIL_NO_TIME | GATE_FAIL_RTC, 7 },
		{ GATE_FAIL_USAGE, 2 },
		{ 0x7f, 2 },
	};

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(gate_exit_status(rows[i].fail) == rows[i].want,
			      "failures %#x gave %d, want %d", rows[i].fail,
			      gate_exit_status(rows[i].fail), rows[i].want);
}
END_TEST

START_TEST(test_gate_every_failure_pair_takes_the_earlier)
{
	/* bits in the contract's order and the status each one means */
	static const unsigned bits[] = { GATE_FAIL_USAGE,	GATE_FAIL_LOCK,	 GATE_FAIL_NO_TIME,
					 GATE_FAIL_NO_MAJORITY, GATE_FAIL_PANIC, GATE_FAIL_CLOCK,
					 GATE_FAIL_RTC };
	static const int status[] = { 2, 7, 1, 6, 3, 4, 5 };

	for (unsigned i = 0; i < 7; i++)
		for (unsigned j = i; j < 7; j++)
			ck_assert_int_eq(gate_exit_status(bits[i] | bits[j]), status[i]);
}
END_TEST

START_TEST(test_gate_leap_only_on_the_last_day_of_june_or_december)
{
	ck_assert(gate_leap_armable(NTP_LEAP_INSERT, 6, 30));
	ck_assert(gate_leap_armable(NTP_LEAP_DELETE, 12, 31));
	ck_assert(!gate_leap_armable(NTP_LEAP_INSERT, 6, 29));
	ck_assert(!gate_leap_armable(NTP_LEAP_INSERT, 7, 1));
	ck_assert(!gate_leap_armable(NTP_LEAP_INSERT, 12, 30));
	ck_assert(!gate_leap_armable(NTP_LEAP_INSERT, 3, 31));
	ck_assert(!gate_leap_armable(NTP_LEAP_NONE, 6, 30));
	ck_assert(!gate_leap_armable(NTP_LEAP_UNSYNC, 12, 31));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_gate_decisions, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_gate_default_policy_is_the_contract);
	tcase_add_test(tc, test_gate_exit_status_precedence);
	tcase_add_test(tc, test_gate_every_failure_pair_takes_the_earlier);
	tcase_add_test(tc, test_gate_leap_only_on_the_last_day_of_june_or_december);
	suite_add_tcase(s, tc);
	return check_run(s);
}
