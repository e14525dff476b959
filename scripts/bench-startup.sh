#!/usr/bin/env bash
# bench-startup.sh: how long `tollgate serve` takes from exec to a 200 from
# /healthz, with a fresh, empty SQLite store each time (so every run creates
# the database file and applies every migration).
#
#   scripts/bench-startup.sh [RUNS]        (default 10)
#
# Builds the binary once, then for each run: makes an empty data directory,
# starts the server on a free loopback port, polls /healthz every millisecond
# until it answers 200, records the elapsed milliseconds, and stops the server.
# Prints every run and the median. Target: median under 200 ms.
#
# Env: TOLLGATE_BIN=path skips the build; BENCH_STARTUP_DEMO=1 adds --demo.
set -euo pipefail

runs=${1:-10}
source "$(dirname "$0")/lib.sh"
bench_init bench-startup
build_binaries
extra=()
if [[ "${BENCH_STARTUP_DEMO:-}" == 1 ]]; then
	extra+=(--demo)
fi

# Time comes from bash's $EPOCHREALTIME (microseconds, digits only once the
# decimal point is dropped) and the probe is a bash /dev/tcp connection:
# neither forks, so the poll loop measures the server, not date's or curl's
# start-up. It sends one GET and reads the status line.
probe() {
	local port=$1 line
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
	printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 || { exec 3>&-; return 1; }
	IFS= read -r -t 2 line <&3 || line=""
	exec 3>&- 3<&-
	[[ "$line" == "HTTP/1.1 200"* ]]
}

mkfifo "$work/tick"
exec {tick}<>"$work/tick"

times=()
for ((i = 1; i <= runs; i++)); do
	data=$work/data-$i
	port=$(free_port)
	start=${EPOCHREALTIME/[.,]/}
	"$tollgate" serve --data "$data" --addr "127.0.0.1:$port" --log-level warn ${extra[@]+"${extra[@]}"} >"$work/out-$i" 2>&1 &
	pid=$!
	pids=("$pid")
	ok=0
	while kill -0 "$pid" 2>/dev/null; do
		if probe "$port"; then
			ok=1
			break
		fi
		if ((${EPOCHREALTIME/[.,]/} - start > 10000000)); then
			break
		fi
		# Wait 1 ms between probes: a read timing out on an idle FIFO (a
		# builtin, no fork). Spinning instead would take one of the two cores
		# from the server being timed.
		read -r -t 0.001 -u "$tick" _ || true
	done
	end=${EPOCHREALTIME/[.,]/}
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pids=()
	if ((ok == 0)); then
		echo "run $i: server did not answer /healthz within 10 s" >&2
		cat "$work/out-$i" >&2
		exit 1
	fi
	ms=$((end - start)) # microseconds
	ms=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
	times+=("$ms")
	printf 'run %2d: %s ms\n' "$i" "$ms"
done

median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}')
printf 'startup median of %d: %s ms (target < 200 ms)\n' "$runs" "$median"
