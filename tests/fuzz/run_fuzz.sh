#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run_fuzz.sh TARGET SEEDS [SECONDS]: run one libFuzzer binary for SECONDS
# (default $FUZZ_SECONDS, else 30) on a copy of the seed corpus SEEDS (a
# directory, may be empty). Exit 0 only when the run ended by itself with
# status 0 and printed no sanitizer or libFuzzer report: a crash, a leak,
# an ASan or UBSan report, a timeout or an out-of-memory input fail it.
# Every report is fatal (halt_on_error); whatever libFuzzer saves (crash-,
# leak-, timeout-, oom- files) goes to a temporary folder, never the
# current directory, and is printed (name, size, first bytes) and kept.
# .ci/run runs every target through this (meson test --suite fuzz), and
# selfcheck.sh proves, on a broken target and on stubs, that it fails.
set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: run_fuzz.sh TARGET SEEDS [SECONDS]" >&2
	exit 2
fi
target=$1
seeds=$2
secs=${3:-${FUZZ_SECONDS:-30}}
name=$(basename "$target")

corpus=$(mktemp -d "${TMPDIR:-/tmp}/$name-corpus.XXXXXX")
artifacts=$(mktemp -d "${TMPDIR:-/tmp}/$name-artifacts.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/$name-log.XXXXXX")
if [ -d "$seeds" ]; then
	cp -R "$seeds"/. "$corpus"/
fi

ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:symbolize=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$target" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
status=$?

tail -n 12 "$log"
report='ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|libFuzzer)'
reports=$(grep -E -c "$report" "$log")
grep -E -m 6 "$report" "$log" | sed "s|^|$name: report: |"
saved=$(find "$artifacts" -type f | wc -l)
for f in $(find "$artifacts" -type f); do
	echo "$name: saved $f ($(wc -c <"$f") bytes):"
	od -A x -t x1z "$f" | head -n 8
done
rm -rf "$corpus"
verdict=ok
if [ "$status" -ne 0 ] || [ "$reports" -ne 0 ] || [ "$saved" -ne 0 ]; then
	verdict=FAILED
	echo "$name: exit status $status, $reports report line(s), $saved saved input(s)"
	echo "$name: full log kept in $log"
else
	rm -f "$log"
	rmdir "$artifacts"
fi
echo "$name: $verdict after ${secs} s"
[ "$verdict" = ok ]
