#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/vm, group systemd: run by vm-check.service once systemd (the
# guest's PID 1) has booted to multi-user.target with the units that
# `meson install` put in place and tset.service enabled. It prints the
# facts in scenario.sh's words (B/M/J/L/D lines) on the serial console and
# powers the guest off; run_vm.py judges them. It only looks and asks:
# the clock is changed by tset.service and tset-resync.service alone.

if ! grep -qw tset_vm_guest=1 /proc/cmdline || [ ! -e /etc/tset-vm-guest ]; then
	echo "check.sh: not the tests/vm guest; refusing to run" >&2
	exit 1
fi
SC=systemd
CONF=$(sed -n 's/^TSET_CONFIG=//p' /etc/tset-vm/paths)

m() { echo "M $SC $*"; }
# show TAG UNIT PROPERTY...: systemctl show's values as TAG.Property=value
show() {
	tag=$1 unit=$2
	shift 2
	props=
	for p; do props="$props -p $p"; done
	# shellcheck disable=SC2086
	m "$(systemctl show $props "$unit" | sed "s/^/$tag./" | tr '\n' ' ')"
}
# out TAG UNIT: what the unit's tset printed (JSON) and said on stderr
out() {
	echo "J $SC $1 $(tr '\n' ' ' <"/run/vm/$2.out" 2>/dev/null)"
	sed "s/^/L $SC $1: /" "/run/vm/$2.err" 2>/dev/null
}
# t TAG CMD...: a tset run of ours, as scenario.sh notes one
t() {
	tag=$1
	shift
	"$@" >/run/vm/t.json 2>/run/vm/t.err
	m "$tag.rc=$?"
	echo "J $SC $tag $(tr '\n' ' ' </run/vm/t.json)"
	sed "s/^/L $SC $tag: /" /run/vm/t.err
}
# resync TAG: tset-resync.service once (a oneshot: start waits for it)
resync() {
	systemctl start tset-resync.service
	m "$1.rc=$?"
	show "$1" tset-resync.service Result ExecMainStatus InvocationID \
		ExecMainStartTimestampMonotonic
	out "$1" tset-resync
}
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		usleep 50000
		n=$((n - 1))
	done
	return 1
}

echo
echo "B $SC"
m "$(cat /run/vm/before)"
# the boot: tset.service ran once, before time-sync.target, and stepped
# the clock by the server's 5 s
show boot tset.service ActiveState Result ExecMainStatus InvocationID \
	ExecMainStartTimestampMonotonic ExecMainExitTimestampMonotonic
show sync time-sync.target ActiveState ActiveEnterTimestampMonotonic
show server vm-server.service ActiveState ExecMainStartTimestampMonotonic
show daemon chrony.service ActiveState ExecMainStartTimestampMonotonic
m "marker=$([ -e /run/systemd/timesync/synchronized ] && echo 1 || echo 0)"
out boot tset
echo "M $SC$(vmtool -t after offset)"

# a second start of the oneshot is a no-op (RemainAfterExit=yes)
systemctl start tset.service
m "again.rc=$?"
show again tset.service ActiveState InvocationID ExecMainStartTimestampMonotonic
echo "M $SC$(vmtool -t again offset)"
t query tset -q -j -c "$CONF"

# tset-resync.service (the timer's and the hooks') runs each time
resync resync1

# tsetd.socket: systemd binds port 123 and holds it until a request
# starts tsetd; tset must not take that for a time daemon's socket
systemctl start tsetd.socket
m "socket.rc=$?"
show socket tsetd.socket ActiveState
show idle tsetd.service ActiveState
resync resync2

# the first request starts tsetd.service (socket activation, Type=notify,
# DynamicUser): it answers
t tsetd tset -q -j 127.0.0.1
show tsetd tsetd.service ActiveState Result NRestarts
# its status file, in its RuntimeDirectory (tsetd.conf has an SHM reference)
wait_for 10 test -s /run/tsetd/status.json
m "status_file=$([ -s /run/tsetd/status.json ] && echo 1 || echo 0)"
m "status_owner=$(stat -c %u /run/tsetd/status.json 2>/dev/null)"
# tset beside a running tsetd (the sockets shared by systemd and tsetd)
resync resync3

# while systemd-timesyncd runs, the units are skipped by their condition
systemctl start systemd-timesyncd.service
m "timesyncd.rc=$?"
echo "M $SC$(vmtool -t skip_before offset)"
systemctl start tset-resync.service
m "skipped.rc=$?"
show skipped tset-resync.service ConditionResult Result ExecMainStartTimestampMonotonic
echo "M $SC$(vmtool -t skip_after offset)"
systemctl stop systemd-timesyncd.service
echo "D $SC"

echo "VMTEST-END systemd"
sync
poweroff -f
