#!/usr/bin/env bash
# bench-checkout.sh: License Manager CheckoutLicense + CheckInLicense pairs on
# loopback, 64 concurrent clients, durable (SQLite, synchronous=FULL, group
# commit), against the same server's authenticated no-op (STS
# GetCallerIdentity), measured in the same run. docs/BENCHMARKS.md, "License
# Manager checkout throughput".
#
#   scripts/bench-checkout.sh                 # 10,000 licenses
#   BIG=1000000 scripts/bench-checkout.sh     # then the 1,000,000-license store
#   PG=1 scripts/bench-checkout.sh            # on PostgreSQL, 32 clients
#
# Builds tollgate and tollgate-load, seeds a data directory with
# `tollgate-load seed-licenses --count $LICENSES` (the hot license, and one
# license per buyer for checkout-spread), starts `tollgate serve --demo` on it,
# and runs
#   tollgate-load --targets sts,checkout-hot,checkout-spread --rounds 3 ...
# (each round: sts, then hot, then spread, back to back; ratios per round to
# sts, and their medians). One checkout-* operation is a pair: a PROVISIONAL
# checkout of one unit, then its check-in, so pairs/s = checkouts/s.
#
# With BIG=N it then seeds a second data directory with N spread licenses
# (minutes for a million), starts a second server on it beside the first, and
# runs checkout-spread against the small and the big store alternately (after
# one unmeasured warm-up phase on the big one), BIG_ROUNDS times, for the
# big/small ratio per round; it prints each server's resident memory (VmRSS,
# split into anonymous and file-backed pages, and its peak VmHWM) idle after
# start and after the load.
#
# With PG=1 the store is PostgreSQL: a fresh schema of the database at PG_URL
# (postgres://postgres@127.0.0.1:5432/test?sslmode=disable), created with psql,
# seeded with `tollgate-load seed-licenses --database-url`, served with
# `tollgate serve --database-url`, dropped at the end; CONCURRENCY defaults to
# 32 and LICENSES to 1000 there, and BIG is not available. A throttled answer
# (ThrottlingException) counts among the errors the report prints.
#
# Env: ROUNDS (3), DURATION (10s), CONCURRENCY (64; 32 with PG=1), LICENSES (10000; 1000 with PG=1),
# BIG (0: skip), BIG_ROUNDS (5: rounds of the small/big comparison), TOLLGATE_BIN / TOLLGATE_LOAD_BIN skip the builds,
# BIG_DATA=DIR reuses (or keeps) a seeded big data directory,
# BENCH_JSON=FILE also writes the first run's JSON report there.
set -euo pipefail

pg=${PG:-}
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
concurrency=${CONCURRENCY:-$([[ -n "$pg" ]] && echo 32 || echo 64)}
licenses=${LICENSES:-$([[ -n "$pg" ]] && echo 1000 || echo 10000)}
big=${BIG:-0}
big_rounds=${BIG_ROUNDS:-5}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}

source "$(dirname "$0")/lib.sh"
bench_init bench-checkout
build_binaries load

# store_args: where the seeder and the server find the store. With PG=1, a
# fresh schema, dropped on exit (after the servers have stopped).
store_args=(--data "$work/data")
store_name="SQLite synchronous=FULL"
if [[ -n "$pg" ]]; then
	if [[ "$big" != 0 ]]; then
		echo "bench-checkout: BIG is not available with PG=1" >&2
		exit 2
	fi
	schema=tollgate_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	psql -q -v ON_ERROR_STOP=1 "$pg_url" -c "CREATE SCHEMA $schema"
	drop_schema() { bench_cleanup; psql -q "$pg_url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
	trap drop_schema EXIT
	sep='?'
	[[ "$pg_url" == *\?* ]] && sep='&'
	store_args=(--database-url "$pg_url${sep}search_path=$schema")
	# A PostgreSQL store needs its secret key given; the seeder and the
	# server find it here.
	export TOLLGATE_SECRET_KEY=${TOLLGATE_SECRET_KEY:-$(head -c 32 /dev/urandom | base64)}
	store_name="PostgreSQL $(psql -tA "$pg_url" -c 'SHOW server_version' | cut -d' ' -f1), schema $schema"
fi

# memory PID: "VmRSS X MiB (anonymous A, file F), VmHWM Y MiB" from /proc:
# anonymous memory is the server's own; file pages are the kernel's cache of
# the store, counted while mapped.
memory() {
	awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^VmHWM:/ {h=$2}
		END {printf "VmRSS %.0f MiB (anonymous %.0f, file %.0f), VmHWM %.0f MiB", r/1024, a/1024, f/1024, h/1024}' "/proc/$1/status"
}

machine_line
echo
echo "== seeding $licenses licenses"
"$load" seed-licenses "${store_args[@]}" --count "$licenses"
start_server "$work/data" small "${store_args[@]}"
small_endpoint=$endpoint small_pid=$pid
echo "server: pid $pid on $endpoint (tollgate serve --demo, $store_name, strict SigV4); idle: $(memory "$pid")"
echo
echo "== tollgate-load: sts, checkout-hot, checkout-spread; rounds: $rounds, $concurrency connections, $duration each"
echo "   (sts replays pre-signed requests; checkouts are pre-signed, check-ins signed as sent; aws-sdk-go-v2 signer)"
load_args=(--endpoint "$endpoint" --targets sts,checkout-hot,checkout-spread --rounds "$rounds" --duration "$duration"
	--concurrency "$concurrency" --demo-keys --licenses "$licenses" --server-pid "$pid")
if [[ -n "${BENCH_JSON:-}" ]]; then
	"$load" "${load_args[@]}" --json >"$BENCH_JSON"
else
	"$load" "${load_args[@]}"
fi
echo "server after the load: $(memory "$pid")"

if [[ "$big" == 0 ]]; then
	exit 0
fi

big_data=${BIG_DATA:-$work/big}
echo
if [[ -f "$big_data/tollgate.db" ]]; then
	echo "== reusing the seeded data directory $big_data"
else
	echo "== seeding $big licenses in $big_data"
	start_seed=$EPOCHREALTIME
	"$load" seed-licenses --data "$big_data" --count "$big" --batch 10000 | tail -1
	echo "seeded in $(awk -v a="$start_seed" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}') s;" \
		"store: $(du -sh "$big_data" | cut -f1)"
fi
start_server "$big_data" big
big_endpoint=$endpoint big_pid=$pid
echo "big server: pid $pid on $endpoint; idle: $(memory "$pid")"
echo
echo "== checkout-spread on the $licenses-license and the $big-license store, alternately; rounds: $big_rounds"
small_rps=() big_rps=() ratios=()
# phase ENDPOINT PID N: one checkout-spread phase; prints its line, echoes pairs/s to fd 3.
phase() {
	local json
	json=$("$load" --endpoint "$1" --target checkout-spread --duration "$duration" --concurrency "$concurrency" \
		--licenses "$3" --server-pid "$2" --json 2>"$work/phase.txt")
	sed "s/^checkout-spread/spread N=$3/" "$work/phase.txt" >&2
	jq -r '.phases[0].requests_per_second' <<<"$json"
}
# The big server has just started: one unmeasured phase warms its caches and
# heap, as the nine phases before warmed the small one's.
"$load" --endpoint "$big_endpoint" --target checkout-spread --duration "$duration" --concurrency "$concurrency" \
	--licenses "$big" >"$work/warmup.out" 2>&1 || { cat "$work/warmup.out" >&2; exit 1; }
echo "(one unmeasured warm-up phase on the $big-license store)"
# Rounds alternate which store goes first (small, big; big, small; ...), so
# that a drift in the machine's load falls on both sides alike.
for ((round = 1; round <= big_rounds; round++)); do
	if ((round % 2)); then
		s=$(phase "$small_endpoint" "$small_pid" "$licenses")
		b=$(phase "$big_endpoint" "$big_pid" "$big")
	else
		b=$(phase "$big_endpoint" "$big_pid" "$big")
		s=$(phase "$small_endpoint" "$small_pid" "$licenses")
	fi
	small_rps+=("$s") big_rps+=("$b")
	ratios+=("$(awk -v b="$b" -v s="$s" 'BEGIN {printf "%.4f", b / s}')")
done 2>&1
printf 'spread N=%s median of %d: %.0f pairs/s\n' "$licenses" "$big_rounds" "$(median "${small_rps[@]}")"
printf 'spread N=%s median of %d: %.0f pairs/s\n' "$big" "$big_rounds" "$(median "${big_rps[@]}")"
printf 'ratio %s-license / %s-license store: %.1f%% (median of per-round ratios: %s)\n' "$big" "$licenses" \
	"$(awk -v r="$(median "${ratios[@]}")" 'BEGIN {print 100 * r}')" \
	"$(for r in "${ratios[@]}"; do awk -v r="$r" 'BEGIN {printf "%.1f%% ", 100 * r}'; done | sed 's/ $//; s/ /, /g')"
echo "memory after the load: $licenses-license server $(memory "$small_pid"); $big-license server $(memory "$big_pid")"
