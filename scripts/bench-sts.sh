#!/usr/bin/env bash
# bench-sts.sh: authenticated STS GetCallerIdentity throughput as a share of
# /healthz throughput, on loopback, 64 concurrent connections, measured in one
# run of the load generator (target: at least 60%).
#
#   scripts/bench-sts.sh
#
# Builds tollgate and tollgate-load, starts `tollgate serve --demo` on a
# temporary data directory and a free loopback port, then runs
#   tollgate-load --targets healthz,sts --rounds 3 --duration 10s --concurrency 64
# (each round: healthz then sts, back to back; the ratio is taken per round and
# the median reported). If wrk is installed it then cross-checks with wrk, the
# same rounds and phases, sts replaying one request pre-signed by
# tollgate-load --wrk-lua. Both report the server's CPU time per request, read
# from /proc around each phase.
#
# Env: ROUNDS (3), DURATION (10s), CONCURRENCY (64), WRK=0 skips wrk,
# WRK_THREADS (2), TOLLGATE_BIN / TOLLGATE_LOAD_BIN skip the builds,
# BENCH_JSON=FILE also writes tollgate-load's JSON report there.
#
# Before and after: with BASELINE_BIN=/path/to/an/older/tollgate, both
# builds serve at once (each its own store and port) and ROUNDS (5 here)
# rounds alternate between them, the order swapped every round; each round
# runs healthz then sts against one build, then against the other. It
# prints every round, each build's medians, and the after/before ratios of
# the sts rate and of the sts/healthz share (no wrk).
#
#   BASELINE_BIN=/tmp/tollgate-old scripts/bench-sts.sh
#
# On a machine whose load swings within seconds, phases run one after the
# other see different machines. With SIMULTANEOUS=1 (and BASELINE_BIN) each
# round instead loads both builds at the same moment, one tollgate-load of
# CONCURRENCY connections each, first on healthz then on sts, so that both
# meet the same neighbours; the per-round after/before ratio of each
# target's rate then compares what each build costs, and the median over
# ROUNDS (9 here) is reported.
set -euo pipefail

if [[ -n "${BASELINE_BIN:-}" && "${SIMULTANEOUS:-0}" == 1 ]]; then
	rounds=${ROUNDS:-9}
elif [[ -n "${BASELINE_BIN:-}" ]]; then
	rounds=${ROUNDS:-5}
else
	rounds=${ROUNDS:-3}
fi
duration=${DURATION:-10s}
concurrency=${CONCURRENCY:-64}
wrk_threads=${WRK_THREADS:-2}
access_key=AKIATOLLGATEBUYER001
secret_key=tollgate-demo-buyer-secret-0000000000000

source "$(dirname "$0")/lib.sh"
bench_init bench-sts
build_binaries load

declare -A ep pidof

# start_both starts BASELINE_BIN ("before") and $tollgate ("after").
start_both() {
	local after=$tollgate
	tollgate=$BASELINE_BIN
	start_server "$work/data-before" before
	ep[before]=$endpoint pidof[before]=$pid
	tollgate=$after
	start_server "$work/data-after" after
	ep[after]=$endpoint pidof[after]=$pid
	machine_line
	echo "before: $BASELINE_BIN (pid ${pidof[before]}); after: $after (pid ${pidof[after]})"
}

# rate_of BUILD TARGET prints tollgate-load's rate for TARGET on BUILD, a
# phase of $duration after a second's warm-up.
rate_of() {
	"$load" --endpoint "${ep[$1]}" --target "$2" --duration "$duration" --concurrency "$concurrency" \
		--access-key "$access_key" --secret-key "$secret_key" --server-pid "${pidof[$1]}" --json 2>/dev/null |
		jq -r '.phases[0].requests_per_second'
}

# simultaneous loads both builds at once, round after round.
simultaneous() {
	local round target b a loads
	start_both
	echo "== $rounds rounds, both builds loaded at once ($concurrency connections each), healthz then sts, $duration each"
	printf '%-5s %-8s %12s %12s %12s\n' round target "before/s" "after/s" "after/before"
	: >"$work/healthz" && : >"$work/sts"
	for ((round = 1; round <= rounds; round++)); do
		for target in healthz sts; do
			rate_of before "$target" >"$work/b" &
			loads=($!)
			rate_of after "$target" >"$work/a" &
			loads+=($!)
			wait "${loads[@]}"
			b=$(<"$work/b") a=$(<"$work/a")
			echo "$b $a $(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')" >>"$work/$target"
			printf '%-5d %-8s %12.0f %12.0f %11.1f%%\n' "$round" "$target" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN {print 100 * a / b}')"
		done
	done
	echo
	for target in healthz sts; do
		printf '%-8s median of %d rounds: before %.0f req/s, after %.0f req/s; median after/before %.1f%% (per round: %s)\n' "$target" "$rounds" \
			"$(median $(awk '{print $1}' "$work/$target"))" "$(median $(awk '{print $2}' "$work/$target"))" \
			"$(awk -v r="$(median $(awk '{print $3}' "$work/$target"))" 'BEGIN {print 100 * r}')" \
			"$(awk '{printf "%.1f%% ", 100 * $3}' "$work/$target" | sed 's/ $//; s/ /, /g')"
	done
}

# compare measures BASELINE_BIN ("before") against $tollgate ("after"),
# alternating rounds.
compare() {
	local build round order json h s hp sp scpu
	start_both
	echo "== $rounds rounds, alternating builds; each: healthz then sts, $concurrency connections, $duration each, sts pre-signed"
	printf '%-5s %-6s %12s %9s %12s %9s %10s %14s\n' round build "healthz/s" "p99 ms" "sts/s" "p99 ms" "sts/healthz" "server µs/sts"
	: >"$work/before" && : >"$work/after"
	for ((round = 1; round <= rounds; round++)); do
		order=(before after)
		((round % 2 == 0)) && order=(after before)
		for build in "${order[@]}"; do
			json=$("$load" --endpoint "${ep[$build]}" --targets healthz,sts --rounds 1 --duration "$duration" --concurrency "$concurrency" \
				--access-key "$access_key" --secret-key "$secret_key" --server-pid "${pidof[$build]}" --json 2>/dev/null)
			read -r h hp s sp scpu < <(jq -r '[(.phases[] | select(.target=="healthz") | .requests_per_second, .p99_ms),
				(.phases[] | select(.target=="sts") | .requests_per_second, .p99_ms, (.server_cpu_us_per_request // 0))] | @tsv' <<<"$json")
			echo "$h $s $(awk -v s="$s" -v h="$h" 'BEGIN {print s / h}') $scpu" >>"$work/$build"
			printf '%-5d %-6s %12.0f %9.1f %12.0f %9.1f %9.1f%% %14.0f\n' "$round" "$build" "$h" "$hp" "$s" "$sp" \
				"$(awk -v s="$s" -v h="$h" 'BEGIN {print 100 * s / h}')" "$scpu"
		done
	done
	echo
	for build in before after; do
		printf '%-6s median of %d: healthz %.0f req/s, sts %.0f req/s, sts/healthz %.1f%%, server CPU %.0f µs per sts request\n' "$build" "$rounds" \
			"$(median $(awk '{print $1}' "$work/$build"))" "$(median $(awk '{print $2}' "$work/$build"))" \
			"$(awk -v r="$(median $(awk '{print $3}' "$work/$build"))" 'BEGIN {print 100 * r}')" "$(median $(awk '{print $4}' "$work/$build"))"
	done
	printf 'after / before: sts req/s %.1f%%, sts/healthz share %.1f%%\n' \
		"$(awk -v a="$(median $(awk '{print $2}' "$work/after"))" -v b="$(median $(awk '{print $2}' "$work/before"))" 'BEGIN {print 100 * a / b}')" \
		"$(awk -v a="$(median $(awk '{print $3}' "$work/after"))" -v b="$(median $(awk '{print $3}' "$work/before"))" 'BEGIN {print 100 * a / b}')"
}

if [[ -n "${BASELINE_BIN:-}" && "${SIMULTANEOUS:-0}" == 1 ]]; then
	simultaneous
	exit 0
elif [[ -n "${BASELINE_BIN:-}" ]]; then
	compare
	exit 0
fi

start_server "$work/data" serve

machine_line
echo "server: pid $pid on $endpoint (tollgate serve --demo, SQLite, strict SigV4)"
echo
echo "== tollgate-load: healthz then sts, rounds: $rounds, $concurrency connections, $duration each, sts pre-signed (aws-sdk-go-v2)"
load_args=(--endpoint "$endpoint" --targets healthz,sts --rounds "$rounds" --duration "$duration"
	--concurrency "$concurrency" --access-key "$access_key" --secret-key "$secret_key" --server-pid "$pid")
if [[ -n "${BENCH_JSON:-}" ]]; then
	# --json puts the report on stdout and the text lines on stderr.
	"$load" "${load_args[@]}" --json >"$BENCH_JSON"
else
	"$load" "${load_args[@]}"
fi

if [[ "${WRK:-1}" == 0 ]] || ! command -v wrk >/dev/null; then
	[[ "${WRK:-1}" == 0 ]] || echo "(wrk not installed: apt-get install -y wrk for the cross-check)"
	exit 0
fi

# cpu_ticks prints the server's user+system CPU time in clock ticks (1/100 s).
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat"; }

# run_wrk NAME [wrk args...]: one phase; appends "rps p99_ms cpu_us_per_req" to $work/NAME.
run_wrk() {
	local name=$1 out before after rps p99 reqs
	shift
	# Warm up for a second (connections, key cache), unmeasured, as tollgate-load does.
	wrk -t"$wrk_threads" -c"$concurrency" -d1s "$@" >/dev/null
	before=$(cpu_ticks)
	out=$(wrk -t"$wrk_threads" -c"$concurrency" -d"$duration" --latency "$@")
	after=$(cpu_ticks)
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "wrk $name: the server answered with errors:" >&2
		echo "$out" >&2
		exit 1
	fi
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/, "", v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v*=1000}; print v}' <<<"$out")
	echo "$rps $p99 $(awk -v t=$((after - before)) -v n="$reqs" 'BEGIN {printf "%.0f", t * 10000 / n}')" >>"$work/$name"
	printf '%-8s round %d/%d: %.0f req/s, p99 %s ms (server CPU per request %s µs)\n' "$name" "$round" "$rounds" "$rps" "$p99" \
		"$(awk -v t=$((after - before)) -v n="$reqs" 'BEGIN {printf "%.0f", t * 10000 / n}')"
}

echo
echo "== wrk cross-check: healthz then sts, rounds: $rounds, -t$wrk_threads -c$concurrency -d$duration; sts replays one pre-signed request"
: >"$work/healthz"
: >"$work/sts"
for ((round = 1; round <= rounds; round++)); do
	# Sign afresh each round: a signature is good for 15 minutes.
	"$load" --endpoint "$endpoint" --target sts --access-key "$access_key" --secret-key "$secret_key" --wrk-lua "$work/sts.lua"
	run_wrk healthz "$endpoint/healthz"
	run_wrk sts -s "$work/sts.lua" "$endpoint/"
done
ratios=()
while read -r h _ _ && read -r s _ _ <&3; do
	ratios+=("$(awk -v s="$s" -v h="$h" 'BEGIN {printf "%.4f", s / h}')")
done <"$work/healthz" 3<"$work/sts"
for name in healthz sts; do
	printf '%-8s median of %d: %.0f req/s, p99 %s ms, server CPU %s µs/request\n' "$name" "$rounds" \
		"$(median $(awk '{print $1}' "$work/$name"))" "$(median $(awk '{print $2}' "$work/$name"))" \
		"$(median $(awk '{print $3}' "$work/$name"))"
done
printf 'wrk ratio sts/healthz: %.1f%% (median of per-round ratios: %s)\n' "$(awk -v r="$(median "${ratios[@]}")" 'BEGIN {print 100 * r}')" \
	"$(for r in "${ratios[@]}"; do awk -v r="$r" 'BEGIN {printf "%.1f%% ", 100 * r}'; done | sed 's/ $//; s/ /, /g')"
