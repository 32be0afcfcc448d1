#!/usr/bin/env bash
# Load runs of examples/server with wrk, as PERFORMANCE.md reports them:
# the server on loopback with JWT authentication and its request log on, a
# SQLite file of CHANNELS channels (10,000 unless given), and for 10 s each
# at 1, 8 and 64 connections: the first page of 50 ungrouped channels
# (list.lua), then single assigns, moves and removals in equal parts
# (mix.lua). It prints a Markdown table: requests/s, p50 and p99 from wrk,
# the responses that were not 2xx and the socket errors (there should be
# none) and the server's peak RSS during the run.
#
#	examples/server/load/run.sh [CHANNELS]
#
# CHANNELS is at least 3,000: each of the three runs of mix.lua works on
# 1,000 channels of its own.
# It needs Go and wrk (installed from Debian when missing and run as root).
set -euo pipefail

channels=${1:-10000}
if ! [ "$channels" -ge 3000 ] 2>/dev/null; then
	echo "usage: $0 [CHANNELS], CHANNELS at least 3000" >&2
	exit 2
fi
duration=${DURATION:-10s}
addr=127.0.0.1:${PORT:-18080}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$here/.." && go build -o "$work/server" . && go build -o "$work/seed" ./load/seed)
cp "$here/list.lua" "$here/mix.lua" "$work/"
cd "$work"

export GROUPING_JWT_SECRET
GROUPING_JWT_SECRET=$(head -c 32 /dev/urandom | base64)
./server -db load.db -addr "$addr" >server.log 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "http://$addr/healthz" >/dev/null || { cat server.log >&2; exit 1; }

SERVICE_TOKEN=$(./server token -role service -all-tenants -ttl 1h 2>/dev/null)
export SERVICE_TOKEN
./seed -base "http://$addr" -channels "$channels" -mixed 1000 -runs 3 -out vars.lua
org=$(sed -n 's/^org = "\(.*\)"$/\1/p' vars.lua)
token=$(./server token -org "$org" -ttl 1h 2>/dev/null) # a user of the organisation

# peak resets the server's peak RSS; peak_mb prints it in MB, or n/a when
# it could not be reset (it would then be the peak since the start).
peak() { reset=yes; { echo 5 >"/proc/$server_pid/clear_refs"; } 2>/dev/null || reset=; }
peak_mb() {
	if [ -z "$reset" ]; then echo "n/a"; return; fi
	awk '/^VmHWM:/ { printf "%d MB", $2 / 1000 }' "/proc/$server_pid/status"
}

echo "| load | connections | requests/s | p50 | p99 | not 2xx, socket errors | server peak RSS |"
echo "|---|---|---|---|---|---|---|"
row() { # load connections script [run]
	local threads=2
	[ "$2" -lt 2 ] && threads=1
	peak
	local out
	out=$(THREADS=$threads RUN=${4:-0} wrk -t"$threads" -c"$2" -d"$duration" --latency -s "$3" \
		-H "Authorization: Bearer $token" "http://$addr")
	local rps p50 p99 bad errs
	rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out")
	# Socket errors: connect 0, read 0, write 0, timeout 0
	errs=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$out")
	echo "| $1 | $2 | $rps | $p50 | $p99 | ${bad:-0}, ${errs:-0} | $(peak_mb) |"
}
run=0
for c in 1 8 64; do row "page of 50 ungrouped channels" "$c" list.lua; done
for c in 1 8 64; do row "assign / move / remove" "$c" mix.lua "$run"; run=$((run + 1)); done
