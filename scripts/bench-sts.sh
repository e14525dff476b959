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
set -euo pipefail

rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
concurrency=${CONCURRENCY:-64}
wrk_threads=${WRK_THREADS:-2}
access_key=AKIATOLLGATEBUYER001
secret_key=tollgate-demo-buyer-secret-0000000000000

source "$(dirname "$0")/lib.sh"
bench_init bench-sts
build_binaries load
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
