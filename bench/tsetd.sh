#!/bin/sh
# tsetd.sh: tsetd's throughput benchmark (see bench/README.md). Run as root:
#   sudo bench/tsetd.sh [tsetd_bench.py options]     e.g. --reps 5 --seconds 10
# Never sets this machine's clock: tsetd only reads it, chronyd runs with -x.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "tsetd.sh: run as root (chronyd)" >&2
	exit 2
fi
missing=
for f in /usr/sbin/chronyd /usr/bin/time /usr/bin/taskset /usr/bin/timeout /usr/bin/gcc \
	/usr/include/gps.h /usr/bin/unshare /usr/sbin/ip; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	echo "tsetd.sh: missing:$missing" >&2
	echo "tsetd.sh: apt-get install -y chrony time util-linux coreutils gcc libgps-dev iproute2" >&2
	exit 2
fi
tsetd="$here/../build/tsetd"
case " $* " in *" --tsetd "*) ;; *)
	if [ ! -x "$tsetd" ]; then
		echo "tsetd.sh: $tsetd not built: meson setup build && meson compile -C build" >&2
		exit 2
	fi ;;
esac
if [ "$(nproc)" -lt 2 ]; then
	echo "tsetd.sh: needs 2 CPUs (the server on CPU 1, the load generator on CPU 0)" >&2
	exit 2
fi
# a network namespace of its own: the bench adds its servers' addresses to
# lo, and its ports cannot meet anyone else's
exec unshare --net -- env TSETD_BENCH_NETNS=1 sh -c \
	'ip link set lo up && exec python3 "$0" "$@"' "$here/tsetd_bench.py" "$@"
