#!/usr/bin/env bash
# bench-ec2-moto.sh: Tollgate's EC2 API side by side with moto's server, the
# same Go client (tollgate-load, aws-sdk-go-v2's signer) and the same
# workloads against both, in one run. docs/BENCHMARKS.md, "EC2 against moto".
#
#   scripts/bench-ec2-moto.sh
#
# Seeds COUNT (10,000) images with `tollgate-load seed-images`: CODES (100)
# product codes, each on PER_CODE (50) public images of the demo seller, the
# other images private without a code; the same images go to moto as its AMI
# file (MOTO_AMIS_PATH), since moto's API cannot attach product codes. Starts
# `tollgate serve --demo` (SQLite, durable) on the seeded store and two
# `moto_server`s on free loopback ports, one with the seeded images (for
# ec2-images) and one with moto's default images (for ec2-cycle: moto's
# RunInstances slows with the images it holds, Tollgate's does not), and then, ROUNDS (3) times, runs each target against both
# servers back to back (the order swapped every round):
#   ec2-cycle   RunInstances of 1 + DescribeInstances by ID + TerminateInstances
#               (the image: one the target registers first, the caller's own, free)
#   ec2-images  DescribeImages with a product-code filter (50 images answered)
# and prints each phase, the medians and the Tollgate/moto ratio per round
# and its median. Both servers keep what a run creates: terminated instances
# stay listed for a while on both, as on EC2.
#
# With BASELINE_BIN=/path/to/an/older/tollgate, that build serves a copy of
# the seeded store beside the others and runs in every round too, and the
# table adds its figures and this build's ratio to it (after / before).
#
# Env: ROUNDS (3), DURATION (10s), CONCURRENCY (16), COUNT, CODES, PER_CODE,
# TIMEOUT (120s: moto's answers at this concurrency take seconds),
# TOLLGATE_BIN / TOLLGATE_LOAD_BIN skip the builds, MOTO_SERVER (moto_server).
set -euo pipefail

rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
concurrency=${CONCURRENCY:-16}
count=${COUNT:-10000}
codes=${CODES:-100}
per_code=${PER_CODE:-50}
timeout=${TIMEOUT:-120s}
moto_server=${MOTO_SERVER:-moto_server}

source "$(dirname "$0")/lib.sh"
bench_init bench-ec2-moto
build_binaries load
command -v "$moto_server" >/dev/null || { echo "bench-ec2-moto: $moto_server not found (pip install 'moto[server]')" >&2; exit 2; }

machine_line
echo "moto $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')"
echo
echo "== seeding $count images ($codes codes x $per_code images) in Tollgate's store and in moto's AMI file"
"$load" seed-images --data "$work/data" --moto-amis "$work/amis.json" --count "$count" --codes "$codes" --per-code "$per_code" | tail -2
servers=(tollgate)
if [[ -n "${BASELINE_BIN:-}" ]]; then
	cp -r "$work/data" "$work/baseline"
	current=$tollgate tollgate=$BASELINE_BIN
	start_server "$work/baseline" baseline
	tollgate=$current baseline_endpoint=$endpoint baseline_pid=$pid servers+=(baseline)
	echo "baseline: pid $pid on $endpoint ($BASELINE_BIN serve --demo on a copy of the store)"
fi
start_server "$work/data" tollgate
tollgate_endpoint=$endpoint tollgate_pid=$pid
echo "tollgate: pid $pid on $endpoint (tollgate serve --demo, SQLite synchronous=FULL, strict SigV4)"
servers+=(moto)

# start_moto NAME [AMI_FILE]: moto_server on a free port, with the images
# of AMI_FILE instead of its default ones when given; sets $endpoint and
# $pid and adds $pid to $pids.
start_moto() {
	local port
	port=$(free_port)
	endpoint=http://127.0.0.1:$port
	if [[ -n "${2:-}" ]]; then
		MOTO_AMIS_PATH=$2 "$moto_server" -p "$port" >"$work/$1.out" 2>&1 &
	else
		"$moto_server" -p "$port" >"$work/$1.out" 2>&1 &
	fi
	pid=$!
	pids+=("$pid")
	for _ in $(seq 600); do
		curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$work/$1.out" >&2; exit 1; }
		sleep 0.1
	done
	# moto builds a region's images on the first request that needs them.
	curl -sS -o /dev/null --max-time 300 "$endpoint/" -d 'Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-00000000000000000' \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAMOTOLOAD/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0' || true
}
# moto's RunInstances slows with the number of images it holds, so the
# cycle runs against a moto with its default images, and the listing
# against one with the seeded images.
start_moto moto-images "$work/amis.json"
moto_images_endpoint=$endpoint moto_images_pid=$pid
echo "moto for ec2-images: pid $pid on $endpoint (moto_server, MOTO_AMIS_PATH: the $count images)"
start_moto moto-cycle
moto_cycle_endpoint=$endpoint moto_cycle_pid=$pid
echo "moto for ec2-cycle: pid $pid on $endpoint (moto_server, its default images)"
echo
echo "== rounds: $rounds; $concurrency connections, $duration per phase, each target on every server back to back"

# phase NAME TARGET: one phase against server NAME; prints its line to
# stderr, echoes ops/s.
phase() {
	local ep pid keys json
	if [[ $1 == tollgate ]]; then
		ep=$tollgate_endpoint pid=$tollgate_pid keys=(--demo-keys)
	elif [[ $1 == baseline ]]; then
		ep=$baseline_endpoint pid=$baseline_pid keys=(--demo-keys)
	elif [[ $2 == ec2-cycle ]]; then
		ep=$moto_cycle_endpoint pid=$moto_cycle_pid keys=(--access-key AKIAMOTOLOAD --secret-key moto-load-secret)
	else
		ep=$moto_images_endpoint pid=$moto_images_pid keys=(--access-key AKIAMOTOLOAD --secret-key moto-load-secret)
	fi
	json=$("$load" --endpoint "$ep" --target "$2" --duration "$duration" --concurrency "$concurrency" --timeout "$timeout" \
		--codes "$codes" --per-code "$per_code" --server-pid "$pid" "${keys[@]}" --json 2>"$work/phase.txt")
	sed "s/^$2 */$2 $1: /; s/^$2 $1: :/$2 $1:/" "$work/phase.txt" >&2
	jq -r '.phases[0].requests_per_second' <<<"$json"
}

declare -A rps ratios
for ((round = 1; round <= rounds; round++)); do
	for target in ec2-cycle ec2-images; do
		# Every round in the other order, so that a drift in the
		# machine's load falls on every server alike.
		order=("${servers[@]}")
		((round % 2)) || order=($(printf '%s\n' "${servers[@]}" | tac))
		declare -A got=()
		for server in "${order[@]}"; do
			got[$server]=$(phase "$server" "$target")
			rps[$target/$server]+="${got[$server]} "
		done
		ratios[$target/moto]+="$(awk -v t="${got[tollgate]}" -v m="${got[moto]}" 'BEGIN {printf "%.2f", (m > 0 ? t / m : 0)}') "
		if [[ -n "${got[baseline]:-}" ]]; then
			ratios[$target/baseline]+="$(awk -v t="${got[tollgate]}" -v b="${got[baseline]}" 'BEGIN {printf "%.2f", (b > 0 ? t / b : 0)}') "
		fi
	done
done 2>&1
echo
echo "| target | Tollgate (median) | moto (median) | Tollgate / moto, median of rounds | per round |"
echo "| --- | --- | --- | --- | --- |"
for target in ec2-cycle ec2-images; do
	# shellcheck disable=SC2086 # word splitting intended
	printf '| %s | %.0f/s | %.1f/s | **%.1fx** | %s |\n' "$target" "$(median ${rps[$target/tollgate]})" \
		"$(median ${rps[$target/moto]})" "$(median ${ratios[$target/moto]})" "$(echo ${ratios[$target/moto]} | sed 's/ /x, /g')x"
done
if [[ -n "${BASELINE_BIN:-}" ]]; then
	echo
	echo "| target | baseline build (median) | this build (median) | this / baseline, median of rounds | per round |"
	echo "| --- | --- | --- | --- | --- |"
	for target in ec2-cycle ec2-images; do
		# shellcheck disable=SC2086 # word splitting intended
		printf '| %s | %.1f/s | %.0f/s | **%.1fx** | %s |\n' "$target" "$(median ${rps[$target/baseline]})" \
			"$(median ${rps[$target/tollgate]})" "$(median ${ratios[$target/baseline]})" "$(echo ${ratios[$target/baseline]} | sed 's/ /x, /g')x"
	done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
