#!/bin/sh
# tsetd_rss.sh: tsetd's peak RSS with its GPS reference at work against an
# empty program and a daemon skeleton linked with the same libraries (see
# tsetd_rss.py). Root: tsetd and the skeleton bind and drop privileges. In
# a network namespace of its own.
#   sudo bench/tsetd_rss.sh [--tsetd PATH] [--seconds 20] [--runs 5]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "tsetd_rss.sh: run as root" >&2
	exit 2
fi
for f in /usr/bin/time /usr/bin/gcc /usr/bin/unshare /usr/sbin/ip; do
	if [ ! -e "$f" ]; then
		echo "tsetd_rss.sh: missing $f (apt-get install -y time gcc util-linux iproute2)" >&2
		exit 2
	fi
done
exec unshare --net -- sh -c 'ip link set lo up && exec python3 "$0" "$@"' \
	"$here/tsetd_rss.py" "$@"
