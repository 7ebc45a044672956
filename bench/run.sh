#!/bin/sh
# run.sh: the tset benchmark (see bench/README.md). Run as root, from anywhere:
#   sudo bench/run.sh [run.py options]      e.g. --fast-runs 101 --jitter-runs 31
# Never sets this machine's clock: every client runs query-only (run.py checks).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: run as root (chronyd servers bind port 123)" >&2
	exit 2
fi
missing=
for f in /usr/sbin/chronyd /usr/bin/ntpdig /usr/sbin/ntpdate /usr/bin/time \
	/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	echo "run.sh: missing:$missing" >&2
	echo "run.sh: apt-get install -y chrony ntpsec-ntpdig ntpsec-ntpdate libfaketime time" >&2
	exit 2
fi
tset="$here/../build/tset"
case " $* " in *" --tset "*) ;; *)
	if [ ! -x "$tset" ]; then
		echo "run.sh: $tset not built: meson setup build && meson compile -C build" >&2
		exit 2
	fi ;;
esac
exec python3 "$here/run.py" "$@"
