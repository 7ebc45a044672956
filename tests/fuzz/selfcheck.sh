#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# selfcheck.sh RUN_FUZZ BROKEN: proves that run_fuzz.sh (what CI runs each
# fuzz target through) fails on every kind of finding and passes a clean
# run. BROKEN is fuzz_selfcheck, a target broken on purpose: each defect
# ("crash", "ub", "leak") must fail the run and leave its input in the
# artifact folder, not in the current directory. Stubs stand for what a
# real target could do: exit non-zero without a word, print a sanitizer
# report and still exit 0 (both must fail), or run clean (must pass).
set -u

if [ $# -ne 2 ]; then
	echo "usage: selfcheck.sh RUN_FUZZ BROKEN" >&2
	exit 2
fi
run_fuzz=$(readlink -f "$1")
broken=$(readlink -f "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-selfcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0

# expect VERDICT WHAT TARGET SEEDS WHY [SAVED]: run_fuzz.sh, run from an
# empty directory that must stay empty, must end with VERDICT (fail or
# pass) and say WHY (an extended regular expression): a run that fails
# for another reason (a wrong path, say) proves nothing. SAVED: the kind
# of file libFuzzer must have saved in the artifact folder.
expect() {
	want=$1
	what=$2
	target=$3
	seeds=$4
	why=$5
	saved=${6:-}
	mkdir -p "$work/cwd" "$work/tmp"
	out=$(cd "$work/cwd" && TMPDIR="$work/tmp" "$run_fuzz" "$target" "$seeds" 2 2>&1)
	status=$?
	got=pass
	[ "$status" -ne 0 ] && got=fail
	if [ "$got" != "$want" ] || ! echo "$out" | grep -E -q "$why" ||
		{ [ -n "$saved" ] && ! echo "$out" | grep -E -q "saved $work/tmp/.*/$saved-"; }; then
		echo "FAIL $what: run_fuzz.sh should $want saying /$why/${saved:+, $saved- saved};" \
			"it did $got (exit $status):"
		echo "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	elif [ -n "$(ls -A "$work/cwd")" ]; then
		echo "FAIL $what: files left in the current directory: $(ls -A "$work/cwd")"
		failed=$((failed + 1))
	else
		echo "ok   $what: run_fuzz.sh says $got"
	fi
	rm -rf "$work/cwd"
}

expect_defect() {
	mkdir -p "$work/seeds-$1"
	printf '%s!' "$1" >"$work/seeds-$1/input"
	expect fail "a target with a $1" "$broken" "$work/seeds-$1" "$2" "$3"
}
expect_defect crash "report: .*ERROR: AddressSanitizer: heap-buffer-overflow" crash
expect_defect ub "report: .*fuzz_selfcheck.c:.*runtime error: signed integer overflow" crash
expect_defect leak "report: .*ERROR: LeakSanitizer: detected memory leaks" leak
mkdir -p "$work/empty"

printf '#!/bin/sh\nexit 1\n' >"$work/exit1"
printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer: heap-buffer-overflow"\nexit 0\n' \
	>"$work/asan-report"
printf '#!/bin/sh\necho "x.c:1:2: runtime error: signed integer overflow"\nexit 0\n' \
	>"$work/ubsan-report"
printf '#!/bin/sh\necho "Done 100 runs in 2 second(s)"\nexit 0\n' >"$work/clean"
chmod +x "$work/exit1" "$work/asan-report" "$work/ubsan-report" "$work/clean"
expect fail "a target that exits 1" "$work/exit1" "$work/empty" "exit status 1, 0 report"
expect fail "an ASan report, exit 0" "$work/asan-report" "$work/empty" "exit status 0, 1 report"
expect fail "a UBSan report, exit 0" "$work/ubsan-report" "$work/empty" "exit status 0, 1 report"
expect pass "a clean run" "$work/clean" "$work/empty" "clean: ok after 2 s"

# what run_fuzz.sh kept of the failed runs is in $work/tmp, removed on exit
if [ "$failed" -ne 0 ]; then
	echo "selfcheck: $failed check(s) failed: CI's fuzz step would not catch that"
	exit 1
fi
echo "selfcheck: every finding fails run_fuzz.sh, a clean run passes"
