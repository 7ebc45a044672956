/* SPDX-License-Identifier: BSD-2-Clause */
#include <math.h>

#include "gate.h"

void gate_policy_init(struct gate_policy *ret)
{
	*ret = (struct gate_policy){
		.mode = GATE_MODE_AUTO,
		.step_s = NTP_STEP_S,
		.panic_s = NTP_PANIC_S,
	};
}

bool gate_beyond_panic(const struct gate_policy *p, double offset_s)
{
	return p->panic_s > 0 && !(fabs(offset_s) <= p->panic_s);
}

enum gate_action gate_decide(const struct gate_policy *p, double offset_s)
{
	if (p->query_only)
		return GATE_ACTION_NONE;
	if (!p->allow_panic && gate_beyond_panic(p, offset_s))
		return GATE_ACTION_REFUSE;
	switch (p->mode) {
	case GATE_MODE_STEP:
		return GATE_ACTION_STEP;
	case GATE_MODE_SLEW:
		return GATE_ACTION_SLEW;
	case GATE_MODE_AUTO:
		break;
	}
	if (p->step_s > 0 && fabs(offset_s) > p->step_s)
		return GATE_ACTION_STEP;
	return GATE_ACTION_SLEW;
}

const char *gate_action_str(enum gate_action a)
{
	switch (a) {
	case GATE_ACTION_NONE:
		return "none";
	case GATE_ACTION_STEP:
		return "step";
	case GATE_ACTION_SLEW:
		return "slew";
	case GATE_ACTION_REFUSE:
		return "refused";
	}
	return "?";
}

int gate_exit_status(unsigned failures)
{
	static const struct {
		unsigned fail;
		int status;
	} order[] = {
		{ GATE_FAIL_USAGE, GATE_EXIT_USAGE },
		{ GATE_FAIL_LOCK, GATE_EXIT_LOCK },
		{ GATE_FAIL_NO_TIME, GATE_EXIT_NO_TIME },
		{ GATE_FAIL_NO_MAJORITY, GATE_EXIT_NO_MAJORITY },
		{ GATE_FAIL_PANIC, GATE_EXIT_PANIC },
		{ GATE_FAIL_CLOCK, GATE_EXIT_CLOCK },
		{ GATE_FAIL_RTC, GATE_EXIT_RTC },
	};

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (failures & order[i].fail)
			return order[i].status;
	return GATE_EXIT_OK;
}

bool gate_leap_armable(enum ntp_leap leap, unsigned month, unsigned mday)
{
	if (leap != NTP_LEAP_INSERT && leap != NTP_LEAP_DELETE)
		return false;
	return (month == 6 && mday == 30) || (month == 12 && mday == 31);
}
