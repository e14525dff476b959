#!/usr/bin/env bash
# run.sh: Tollgate's end-to-end suite. Builds the binary, starts a live
# server with the demo world, and drives it with the real AWS clients: every
# e2e/*_cli.sh (AWS CLI v2), e2e/*_boto3.py (boto3) and e2e/*_go.sh (Go
# programs from cmd/, such as the hostile-client suite), first against a
# strict-auth server, then against an emulator-mode one; every e2e/*_curl.sh
# (curl --aws-sigv4 against the native API) too. See e2e/README.md.
#
#   e2e/run.sh                  everything
#   E2E_RUN=sts e2e/run.sh      only scripts whose file name matches the regex
#   E2E_MODES=strict e2e/run.sh only these auth modes (strict, emulator)
#   E2E_PARALLEL=0 e2e/run.sh   the modes one after the other (default: at once)
#   E2E_KEEP=1 e2e/run.sh       keep the temp dir (binary, data, server logs)
#   E2E_PYTHON=/path/python3    the interpreter for *_boto3.py (must import boto3)
#   E2E_SCRIPT_TIMEOUT=600      seconds one script may take
#   E2E_SERVER_FILES=4096       the server's open-file limit (ulimit -n), from
#                               which it derives its connection limit
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
e2e="$root/e2e"
cd "$root"

run_filter=${E2E_RUN:-}
modes=${E2E_MODES:-strict emulator}
script_timeout=${E2E_SCRIPT_TIMEOUT:-600}
# Below the 10,000 idle connections the hostile suite holds, so that they
# meet the server's connection limit (derived from this) and must make room.
server_files=${E2E_SERVER_FILES:-4096}

work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-e2e.XXXXXX")
server_pid=""
script_pid=""
child_pids=() # the runs of the modes side by side

stop_server() {
	local pid=$server_pid rc=0
	server_pid=""
	[[ -n "$pid" ]] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "e2e: server $pid did not stop within 10s of SIGTERM; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

cleanup() {
	if ((${#child_pids[@]} > 0)); then
		kill -TERM "${child_pids[@]}" 2>/dev/null || true
		wait "${child_pids[@]}" 2>/dev/null || true
	fi
	if [[ -n "$script_pid" ]]; then
		kill -TERM "$script_pid" 2>/dev/null || true
		wait "$script_pid" 2>/dev/null || true
	fi
	stop_server || true
	if [[ -n "${E2E_KEEP:-}" ]]; then
		echo "e2e: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "e2e: $*" >&2
	exit 1
}

# --- prerequisites ---------------------------------------------------------

# The AWS CLI v2, by path: an `aws` earlier on PATH may be pip's v1.
[[ -x /usr/bin/aws ]] || die "/usr/bin/aws (AWS CLI v2) not found: apt-get install awscli"
/usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2\.' || die "/usr/bin/aws is not AWS CLI v2: $(/usr/bin/aws --version 2>&1)"
for tool in go jq curl python3 timeout; do
	command -v "$tool" >/dev/null || die "$tool not found (.ci/run installs what the suite needs)"
done
python=${E2E_PYTHON:-}
if [[ -z "$python" ]]; then
	for candidate in python3 /usr/bin/python3; do
		if "$candidate" -c 'import boto3' 2>/dev/null; then
			python=$candidate
			break
		fi
	done
fi
[[ -n "$python" ]] && "$python" -c 'import boto3' 2>/dev/null ||
	die "no python3 that imports boto3: apt-get install python3-boto3 (or set E2E_PYTHON)"

# --- scripts ---------------------------------------------------------------

scripts=()
for f in "$e2e"/*_cli.sh "$e2e"/*_curl.sh "$e2e"/*_boto3.py "$e2e"/*_go.sh; do
	[[ -e "$f" ]] || continue
	name=$(basename "$f")
	if [[ -n "$run_filter" ]] && ! [[ "$name" =~ $run_filter ]]; then
		continue
	fi
	scripts+=("$name")
done
((${#scripts[@]} > 0)) || die "no scripts match E2E_RUN='$run_filter'"
mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" | sort)

# --- the modes side by side --------------------------------------------------

# Each auth mode has a server and a store of its own, so that the modes run
# at once, each in a run of this script of its own (E2E_PARALLEL=0: one
# after the other, in this run); each run's output is printed whole once
# it ends, and the totals after them.
read -ra mode_list <<<"$modes"
if ((${#mode_list[@]} > 1)) && [[ ${E2E_PARALLEL:-1} != 0 ]]; then
	start_all=$SECONDS
	for mode in "${mode_list[@]}"; do
		E2E_MODES=$mode "$e2e/run.sh" >"$work/$mode.out" 2>&1 &
		child_pids+=($!)
	done
	rc=0 passed=0 failed=0
	for i in "${!mode_list[@]}"; do
		wait "${child_pids[$i]}" || rc=1
		cat "$work/${mode_list[$i]}.out"
		echo
		if totals=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$work/${mode_list[$i]}.out"); then
			read -r _ p _ f _ <<<"$totals"
			passed=$((passed + p)) failed=$((failed + f))
		else
			echo "e2e: the ${mode_list[$i]} run ended without its totals"
			rc=1
		fi
	done
	child_pids=()
	echo "e2e: ${mode_list[*]} side by side took $((SECONDS - start_all))s"
	echo "e2e: $passed passed, $failed failed"
	exit "$rc"
fi

# --- build -----------------------------------------------------------------

echo "e2e: building tollgate"
go build -o "$work/tollgate" ./cmd/tollgate
go build -o "$work/tollgate-hostile" ./cmd/tollgate-hostile
go build -o "$work/instance-app" ./examples/instance-app
echo "e2e: aws $(/usr/bin/aws --version 2>&1 | cut -d' ' -f1 | cut -d/ -f2), boto3 $("$python" -c 'import boto3; print(boto3.__version__)') ($python)"

# --- environment the scripts see ---------------------------------------------

# The demo world's fixed identities (internal/demo); the README documents them.
export DEMO_OPERATOR_ACCOUNT=111111111111 DEMO_OPERATOR_ACCESS_KEY_ID=AKIATOLLGATEOPERATOR
export DEMO_OPERATOR_SECRET_ACCESS_KEY=tollgate-demo-operator-secret-0000000000
export DEMO_SELLER_ACCOUNT=222222222222 DEMO_SELLER_ACCESS_KEY_ID=AKIATOLLGATESELLER01
export DEMO_SELLER_SECRET_ACCESS_KEY=tollgate-demo-seller-secret-000000000000
export DEMO_BUYER_ACCOUNT=333333333333 DEMO_BUYER_ACCESS_KEY_ID=AKIATOLLGATEBUYER001
export DEMO_BUYER_SECRET_ACCESS_KEY=tollgate-demo-buyer-secret-0000000000000
export TOLLGATE_DEFAULT_ACCOUNT=000000000000
export TOLLGATE_BIN="$work/tollgate" TOLLGATE_HOSTILE_BIN="$work/tollgate-hostile" TOLLGATE_INSTANCE_APP_BIN="$work/instance-app"
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
# One attempt per call, so that a server error shows instead of being retried away.
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
# Nothing from the caller's own AWS setup leaks in.
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
	AWS_SECURITY_TOKEN AWS_CA_BUNDLE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_EC2 \
	AWS_ENDPOINT_URL_LICENSE_MANAGER AWS_ENDPOINT_URL_MARKETPLACE_METERING \
	AWS_ENDPOINT_URL_MARKETPLACE_ENTITLEMENT_SERVICE AWS_USE_FIPS_ENDPOINT AWS_USE_DUALSTACK_ENDPOINT
export PYTHONPATH="$e2e${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

# --- server ------------------------------------------------------------------

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server MODE: a fresh store, the demo world, a free loopback port.
start_server() {
	local mode=$1 data="$work/$mode-data" log="$work/$mode-server.log" port attempt
	for attempt in 1 2 3; do
		port=$(free_port)
		ENDPOINT="http://127.0.0.1:$port"
		rm -rf "$data"
		# exec keeps the PID: the subshell only lowers the file limit.
		(ulimit -n "$server_files" && exec "$work/tollgate" serve --demo --data "$data" --addr "127.0.0.1:$port" \
			--auth "$mode" --log-level debug --default-account "$TOLLGATE_DEFAULT_ACCOUNT" --imds-listen 127.0.0.1:0) >"$log" 2>&1 &
		server_pid=$!
		for _ in $(seq 1 300); do # 30 s
			if ! kill -0 "$server_pid" 2>/dev/null; then
				break
			fi
			if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/healthz")" == 200 ]]; then
				export ENDPOINT TOLLGATE_AUTH=$mode TOLLGATE_DATA=$data TOLLGATE_SERVER_PID=$server_pid TOLLGATE_SERVER_LOG=$log
				# The demo world the server printed must be the one the scripts use.
				local role id_var secret_var
				for role in OPERATOR SELLER BUYER; do
					id_var="DEMO_${role}_ACCESS_KEY_ID" secret_var="DEMO_${role}_SECRET_ACCESS_KEY"
					grep -qF "AWS_ACCESS_KEY_ID=${!id_var} AWS_SECRET_ACCESS_KEY=${!secret_var}" "$log" ||
						die "the server's demo ${role,,} is not ${!id_var} / ${!secret_var}; update e2e/run.sh and the README"
				done
				echo "e2e: $mode server pid $server_pid at $ENDPOINT (data $data)"
				return 0
			fi
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null; then
			stop_server || true
			tail -n 50 "$log" >&2
			die "$mode server did not answer /healthz within 30s"
		fi
		stop_server || true
		if grep -q 'address already in use' "$log"; then
			echo "e2e: port $port was taken; trying another (attempt $attempt)" >&2
			continue
		fi
		tail -n 50 "$log" >&2
		die "$mode server exited before answering /healthz"
	done
	die "could not start the $mode server on a free port"
}

# --- run ---------------------------------------------------------------------

passed=0
failed=0
failures=()
start_all=$SECONDS
for mode in $modes; do
	case $mode in strict | emulator) ;; *) die "unknown auth mode '$mode' in E2E_MODES" ;; esac
	start_server "$mode"
	for name in "${scripts[@]}"; do
		echo
		echo "=== RUN   $mode/$name"
		t0=$SECONDS
		case $name in
		*.sh) cmd=(bash "$e2e/$name") ;;
		*.py) cmd=("$python" "$e2e/$name") ;;
		esac
		rc=0
		# In the background and waited for, so that a signal to the runner is
		# handled at once (the EXIT trap then stops the script and the server).
		timeout "$script_timeout" "${cmd[@]}" </dev/null 2>&1 &
		script_pid=$!
		wait "$script_pid" || rc=$?
		script_pid=""
		if ((rc == 0)); then
			echo "--- PASS: $mode/$name ($((SECONDS - t0))s)"
			passed=$((passed + 1))
		else
			((rc == 124)) && echo "e2e: $name timed out after ${script_timeout}s" >&2
			echo "--- FAIL: $mode/$name (exit $rc, $((SECONDS - t0))s); last lines of the server log:"
			tail -n 20 "$work/$mode-server.log" | sed 's/^/    | /'
			failed=$((failed + 1))
			failures+=("$mode/$name")
		fi
	done
	# SIGTERM must stop the server cleanly (exit 0 after in-flight requests).
	rc=0
	stop_server || rc=$?
	if ((rc != 0)); then
		echo "--- FAIL: $mode server exited $rc after SIGTERM; last lines of its log:"
		tail -n 20 "$work/$mode-server.log" | sed 's/^/    | /'
		failed=$((failed + 1))
		failures+=("$mode/shutdown")
	else
		echo
		echo "e2e: $mode server stopped cleanly"
	fi
done

echo
for f in "${failures[@]}"; do echo "e2e: failed: $f"; done
echo "e2e: took $((SECONDS - start_all))s"
echo "e2e: $passed passed, $failed failed"
((failed == 0))
