#!/usr/bin/env bash
# bench-bodies.sh: the server's resident memory under concurrent unsigned
# request bodies of the largest size (8 MiB), refused in strict mode.
#
#   scripts/bench-bodies.sh
#   BASELINE_BIN=/path/to/old/tollgate scripts/bench-bodies.sh   # before and after
#
# For each build (the baseline first, when given), each mode in MODES and
# each count in COUNTS, RUNS times: starts a fresh `tollgate serve --demo`,
# sends COUNT bodies at once with `tollgate-hostile bodies`, and prints the
# server's RSS before, its peak while they ran (sampled every 5 ms), and its
# RSS two seconds after. A fresh server each time, since the kernel's peak
# (VmHWM) is the process's lifetime peak.
#
# Env: COUNTS ("64 256"), MODES ("strict"), RUNS (3), SIZE (8388608),
# BASELINE_BIN, TOLLGATE_BIN, TOLLGATE_HOSTILE_BIN.
set -euo pipefail

counts=${COUNTS:-64 256}
modes=${MODES:-strict}
runs=${RUNS:-3}
size=${SIZE:-8388608}

source "$(dirname "$0")/lib.sh"
bench_init bench-bodies
build_binaries
hostile=${TOLLGATE_HOSTILE_BIN:-}
if [[ -z "$hostile" ]]; then
	hostile=$work/tollgate-hostile
	(cd "$root" && go build -o "$hostile" ./cmd/tollgate-hostile)
fi
builds=("after=$tollgate")
[[ -n "${BASELINE_BIN:-}" ]] && builds=("before=$BASELINE_BIN" "${builds[@]}")

machine_line
for build in "${builds[@]}"; do
	name=${build%%=*}
	tollgate=${build#*=}
	for mode in $modes; do
		for n in $counts; do
			for ((run = 1; run <= runs; run++)); do
				start_server "$work/data-$name-$mode-$n-$run" "server-$name-$mode-$n-$run" --auth "$mode"
				printf '%-6s %-8s %3d bodies, run %d: ' "$name" "$mode" "$n" "$run"
				"$hostile" bodies --endpoint "$endpoint" --server-pid "$pid" --concurrency "$n" --size "$size" | tr '\n' ' '
				echo
				kill "$pid"
				wait "$pid" 2>/dev/null || true
			done
		done
	done
done
