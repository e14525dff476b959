# shellcheck shell=bash
# lib.sh: what the benchmark scripts share. Source it after `set -euo
# pipefail`:
#
#   source "$(dirname "$0")/lib.sh"
#   bench_init NAME        $root, a temporary $work, and a trap that stops
#                          every server in $pids and removes $work on exit
#   build_binaries [load]  $tollgate (and $load), from TOLLGATE_BIN /
#                          TOLLGATE_LOAD_BIN or built into $work
#   free_port              an unused loopback port
#   start_server DATA NAME [ARGS...]
#                          `tollgate serve --demo` on DATA and a free port,
#                          waited for until /healthz answers; sets $endpoint
#                          and $pid and adds $pid to $pids
#   machine_line           the machine, its load average and Go's version
#   median N...            the median of the numbers

bench_init() {
	root=$(cd "$(dirname "$0")/.." && pwd)
	work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-$1.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
}

bench_cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		if kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}

build_binaries() {
	tollgate=${TOLLGATE_BIN:-}
	if [[ -z "$tollgate" ]]; then
		tollgate=$work/tollgate
		(cd "$root" && go build -o "$tollgate" ./cmd/tollgate)
	fi
	if [[ "${1:-}" == load ]]; then
		load=${TOLLGATE_LOAD_BIN:-}
		if [[ -z "$load" ]]; then
			load=$work/tollgate-load
			(cd "$root" && go build -o "$load" ./cmd/tollgate-load)
		fi
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

start_server() {
	local data=$1 name=$2 port
	shift 2
	port=$(free_port)
	endpoint=http://127.0.0.1:$port
	"$tollgate" serve --demo --data "$data" --addr "127.0.0.1:$port" --log-level warn "$@" >"$work/$name.out" 2>&1 &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 600); do
		if curl -fsS -o /dev/null "$endpoint/healthz" 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { cat "$work/$name.out" >&2; exit 1; }
		sleep 0.05
	done
	curl -fsS -o /dev/null "$endpoint/healthz"
}

machine_line() {
	echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version 2>/dev/null | cut -d' ' -f3-4)"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
