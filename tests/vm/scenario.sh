#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# /init of the tests/vm guest (busybox ash). It sets the stage, runs tset
# against tsetd (fudge time1) or vmtool's server on the guest's loopback,
# and prints what the real kernel then says, one line per fact, on the
# serial console; run_vm.py on the host judges them. It only measures.
#
#   B SCENARIO                   a scenario begins
#   M SCENARIO key=value ...     measurements (vmtool's words, exit codes)
#   J SCENARIO TAG {json}        tset -j's document, on one line
#   L SCENARIO TAG: text         what tset or a server said on stderr
#   D SCENARIO                   the scenario ran to its end
#   VMTEST-END GROUP             every scenario of the group ran
#
# The kernel command line says which group: tset_vm_group=main|local.
# This script changes clocks: it runs only as PID 1 of the test guest.

if [ "$$" -ne 1 ] || [ ! -e /etc/tset-vm-guest ]; then
	echo "scenario.sh: not PID 1 of the tests/vm guest; refusing to run" >&2
	exit 1
fi
export PATH=/bin
echo # end the firmware's last line: the host reads ours from their start
mount -t proc proc /proc
grep -qw tset_vm_guest=1 /proc/cmdline || { echo "not the test guest"; poweroff -f; }
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o mode=0755 run /run # root's alone, as systemd mounts it: tset's lock is there
mount -t tmpfs tmp /tmp
ip link set lo up

group=$(sed -n 's/.*tset_vm_group=\([a-z]*\).*/\1/p' /proc/cmdline)
group=${group:-main}

SC=boot
begin() { SC=$1; echo "B $SC"; }
done_() { echo "D $SC"; }
m() { echo "M $SC $*"; }
# o TAG / a TAG / r TAG EDGES [uie]: the clock offset; adjtimex and the
# offset at the same moment; the RTC
o() { echo "M $SC$(vmtool -t "$1" offset)"; }
a() { echo "M $SC$(vmtool -t "$1" adjtimex)"; }
r() { echo "M $SC$(vmtool -t "$1" rtc-read "$2" ${3:+"$3"})"; }

# t TAG CMD...: run a tset command (with -j), keep its exit code, its JSON
# on one line and its stderr.
t() {
	tag=$1
	shift
	"$@" >/tmp/out.json 2>/tmp/err.txt
	rc=$?
	m "$tag.rc=$rc"
	echo "J $SC $tag $(tr '\n' ' ' </tmp/out.json)"
	sed "s/^/L $SC $tag: /" /tmp/err.txt
}

# pair ADDR TAG1 TAG2 [VAR=value...]: two tset started at once (as the
# boot unit and the dispatcher would), each noted as t notes one.
pair() {
	addr=$1 tag1=$2 tag2=$3
	shift 3
	env "$@" tset -j -c /etc/tset.conf "$addr" >/tmp/p1.json 2>/tmp/p1.err &
	p1=$!
	env "$@" tset -j -c /etc/tset.conf "$addr" >/tmp/p2.json 2>/tmp/p2.err &
	p2=$!
	wait $p1
	rc1=$?
	wait $p2
	m "$tag1.rc=$rc1 $tag2.rc=$?"
	echo "J $SC $tag1 $(tr '\n' ' ' </tmp/p1.json)"
	echo "J $SC $tag2 $(tr '\n' ' ' </tmp/p2.json)"
	sed "s/^/L $SC $tag1: /" /tmp/p1.err
	sed "s/^/L $SC $tag2: /" /tmp/p2.err
}

# tsetd on 127.0.0.N:123 with fudge time1 OFFSET; waits until it serves.
tsetd_start() {
	cat >"/etc/tsetd-$1.conf" <<-EOF
		server 127.127.1.0
		fudge 127.127.1.0 stratum 10 time1 $2
		interface ignore all
		interface listen 127.0.0.$1
		port 123
	EOF
	tsetd -n -c "/etc/tsetd-$1.conf" -l "/tmp/tsetd-$1.log" &
	for _ in $(seq 100); do
		grep -q serving "/tmp/tsetd-$1.log" 2>/dev/null && return 0
		usleep 50000
	done
	echo "L $SC tsetd-$1: did not start: $(cat "/tmp/tsetd-$1.log")"
}

# vmtool's server on 127.0.0.N:PORT (OFFSET [LEAP [BATCH [PORT]]]; PORT
# 12300 unless given: a program other than tsetd on port 123 is taken for a
# time daemon), anchored to MONOTONIC_RAW now.
serve_start() {
	vmtool serve "127.0.0.$1" "${5:-12300}" "$2" "${3:-0}" "${4:-1}" >"/tmp/serve-$1.log" 2>&1 &
	serve_pid=$!
	for _ in $(seq 100); do
		grep -q serving "/tmp/serve-$1.log" && return 0
		usleep 50000
	done
	echo "L $SC serve-$1: did not start: $(cat "/tmp/serve-$1.log")"
}

cat >/etc/tset.conf <<EOF
# tests/vm: the servers come from the command line
deadline 5
EOF
cat >/etc/tset-nokernel.conf <<EOF
deadline 5
disable kernel
EOF

begin boot
m "group=$group kernel=$(uname -r)"
echo "M $SC$(vmtool clocksource 15)"
tsetd_start 1 5.0
tsetd_start 2 0.050
tsetd_start 3 2000
tsetd_start 4 -5.3
# warm-up: the first packets through the guest's network stack run code
# that TCG has still to translate, which slows a request more than its
# reply; one query to each server first keeps that out of the scenarios
for n in 1 2 3 4; do
	tset -q -c /etc/tset.conf 127.0.0.$n >/dev/null 2>&1
	m "warmup$n.rc=$?"
done
done_

# Each scenario starts from a clean kernel: STA_UNSYNC, no slew, no PLL.
scenarios_main() {
	begin step # time1 +5: a step; the kernel and systemd told
	vmtool reset
	mkdir -p /run/systemd
	o before
	t run tset -j -c /etc/tset.conf 127.0.0.1
	a after
	m "synchronized_file=$([ -e /run/systemd/timesync/synchronized ] && echo 1 || echo 0)"
	rm -rf /run/systemd
	done_

	begin slew # time1 +0.050: a slew at 500 ppm, no step
	vmtool reset
	o before
	t run tset -j -c /etc/tset.conf 127.0.0.2
	a after
	sleep 1 # the kernel slews from the next whole second of REALTIME on
	o started
	sleep 5
	a later
	m "systemd_made=$([ -e /run/systemd ] && echo 1 || echo 0)"
	vmtool reset
	done_

	begin backward # time1 -5.3: a step back (ADJ_SETOFFSET wants 0 <= ns < 1e9), a slew back
	vmtool reset
	o before
	t step tset -j -c /etc/tset.conf 127.0.0.4
	a after
	vmtool reset
	o before_B
	t B tset -j -B -c /etc/tset.conf 127.0.0.4
	a after_B
	vmtool reset
	done_

	begin panic # time1 +2000: refused (exit 3), then -g steps
	vmtool reset
	o before
	t refused tset -j -c /etc/tset.conf 127.0.0.3
	a after
	o before_g
	t allowed tset -j -g -c /etc/tset.conf 127.0.0.3
	o after_g
	done_

	begin force # -b steps a small offset, -B slews a large one
	vmtool reset
	o before_b
	t b tset -j -b -c /etc/tset.conf 127.0.0.2
	a after_b
	vmtool reset
	o before_B
	t B tset -j -B -c /etc/tset.conf 127.0.0.1
	a after_B
	vmtool reset
	done_

	begin query # -q (even with -w) touches nothing
	vmtool reset
	vmtool rtc-set -86400
	a before
	o before
	t q tset -j -q -w -c /etc/tset.conf 127.0.0.1
	a after
	r after 1
	done_

	begin rtc # -w under `disable kernel`: tset's own write, read like hwclock
	vmtool reset
	vmtool rtc-set -86400
	r before 1
	o before
	t w tset -j -w -c /etc/tset-nokernel.conf 127.0.0.1
	a after
	r after 2 uie
	done_

	begin rtc_slew # -w during a slew: the RTC gets system time + pending
	vmtool reset
	vmtool rtc-set -86400
	o before
	t w tset -j -w -B -c /etc/tset-nokernel.conf 127.0.0.1
	a after
	r after 2
	vmtool reset
	done_

	begin tsetd # tsetd serves the kernel's state, before and after tset
	vmtool reset
	t unsynced tset -j -q -c /etc/tset.conf 127.0.0.1
	serve_start 5 0
	t set tset -j -c /etc/tset.conf 127.0.0.5:12300
	kill "$serve_pid"
	a before_q
	t synced tset -j -q -c /etc/tset.conf 127.0.0.1
	a after_q
	vmtool reset
	done_

	begin nocap # no CAP_SYS_TIME: an ordinary user, and root without it
	vmtool reset
	o before_user
	t user vmtool asuser 65534 65534 tset -j -c /etc/tset.conf 127.0.0.1
	o after_user
	o before_root
	t root vmtool nocap tset -j -c /etc/tset.conf 127.0.0.1
	o after_root
	done_

	begin pll # the kernel's PLL is on: a daemon owns the clock
	vmtool reset
	vmtool pll
	o before
	t run tset -j -c /etc/tset.conf 127.0.0.1
	a after
	vmtool reset
	done_

	begin guard # a program on port 123 owns the clock; tsetd (127.0.0.1-4:123) does not
	vmtool reset
	serve_start 10 3.0 0 1 123
	o before
	t run tset -j -c /etc/tset.conf 127.0.0.1
	a after
	kill "$serve_pid"
	vmtool reset
	done_

	begin lock # two tset at once: one waits, the clock is stepped once
	# vmtool's server answers requests in pairs (or after 0.9 s), so that
	# two tset that measure at the same time surely get their replies
	# together; the control (the lock in a missing folder) shows it
	vmtool reset
	serve_start 6 3.0 0 2
	o before
	pair 127.0.0.6:12300 first second
	o after
	kill "$serve_pid"
	vmtool reset
	serve_start 9 3.0 0 2
	o before_nolock
	pair 127.0.0.9:12300 first_nolock second_nolock TSET_LOCK=/nonexistent/tset.lock
	o after_nolock
	kill "$serve_pid"
	vmtool reset
	done_

	begin leap # a leap second announced on 30 June: armed, then served by tsetd
	vmtool reset
	now=$(date +%s)
	serve_start 7 $((1813492800 - now)) 1 # 2027-06-20 12:00 UTC: not yet
	t early tset -j -g -c /etc/tset.conf 127.0.0.7:12300
	kill "$serve_pid"
	a early
	vmtool reset
	now=$(date +%s)
	serve_start 8 $((1814356800 - now)) 1 # 2027-06-30 12:00 UTC: the last day
	t last tset -j -g -c /etc/tset.conf 127.0.0.8:12300
	kill "$serve_pid"
	a last
	m "date=$(date -u +%Y-%m-%dT%H:%M)"
	t served tset -j -q -c /etc/tset.conf 127.0.0.1
	vmtool reset # disarm: no leap second at midnight
	done_
}

scenarios_local() {
	begin rtc_local # /etc/adjtime LOCAL, TZ=UTC+3: a local-time RTC that the kernel leaves alone
	vmtool reset
	printf '0.0 0 0.0\n0\nLOCAL\n' >/etc/adjtime
	vmtool rtc-set -86400
	t w env TZ='<+03>-3' tset -j -w -c /etc/tset.conf 127.0.0.1
	a after
	r after 1
	sleep 60
	a minute
	r minute 1
	# the control: once STA_UNSYNC is clear, the kernel's 11-minute mode
	# does write UTC into the RTC, within seconds
	rm /etc/adjtime
	t utc tset -j -c /etc/tset.conf 127.0.0.1
	o control_start
	for _ in $(seq 20); do
		sleep 1
		x=$(vmtool -t c rtc-read 1)
		case "$x" in *c.rtc_minus_sys_s0=-0.* | *c.rtc_minus_sys_s0=0.*) break ;; esac
	done
	o control_end
	echo "M $SC$x"
	vmtool reset
	done_
}

case "$group" in
main) scenarios_main ;;
local) scenarios_local ;;
*) m "unknown_group=$group" ;;
esac
echo "VMTEST-END $group"
sync
poweroff -f
