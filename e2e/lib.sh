# shellcheck shell=bash
# lib.sh: helpers for the AWS CLI end-to-end scripts (e2e/*_cli.sh).
#
# Source it first thing:   source "$(dirname "$0")/lib.sh"
#
# It turns on `set -euo pipefail`, checks that the script runs under
# e2e/run.sh (ENDPOINT and the demo keys are set), and gives:
#
#   awscli ARGS...                 the AWS CLI v2 (/usr/bin/aws) against $ENDPOINT, JSON output
#   as ROLE CMD...                 run CMD with ROLE's demo keys (operator, seller or buyer)
#   with_keys ID SECRET CMD...     run CMD with these keys
#   expect_eq WHAT WANT GOT        fail unless GOT == WANT
#   expect_json JSON FILTER WANT   fail unless `jq -r FILTER` of JSON == WANT
#   expect_aws_error CODE CMD...   fail unless CMD fails with AWS error CODE
#   http_status METHOD PATH        the HTTP status of a bare request to $ENDPOINT/PATH
#   strict / emulator              true when the server runs in that auth mode
#   say / ok / fail                print progress, a passed check, or fail loudly
set -euo pipefail

: "${ENDPOINT:?ENDPOINT is not set: run the end-to-end scripts through e2e/run.sh}"
: "${TOLLGATE_AUTH:?TOLLGATE_AUTH is not set: run the end-to-end scripts through e2e/run.sh}"
: "${DEMO_BUYER_ACCESS_KEY_ID:?demo keys are not set: run the end-to-end scripts through e2e/run.sh}"

# The AWS CLI v2 from Debian's awscli package. Named by path on purpose: an
# `aws` earlier on PATH may be pip's AWS CLI v1, which behaves differently.
AWS_CLI=/usr/bin/aws
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""

E2E_SCRIPT=$(basename "$0")

# Seed 003's commands make client tokens with uuidgen (Debian's uuid-runtime,
# which .ci/run installs); where it is missing, the kernel makes the same kind
# of random UUID.
if ! command -v uuidgen >/dev/null; then
	uuidgen() { cat /proc/sys/kernel/random/uuid; }
fi

say() { printf '  %s\n' "$*"; }
ok() { printf '  ok   %s\n' "$*"; }
fail() {
	printf '  FAIL %s: %s\n' "$E2E_SCRIPT" "$*" >&2
	exit 1
}

strict() { [[ "$TOLLGATE_AUTH" == strict ]]; }
emulator() { [[ "$TOLLGATE_AUTH" == emulator ]]; }

awscli() { "$AWS_CLI" --endpoint-url "$ENDPOINT" --output json "$@"; }

with_keys() {
	local id=$1 secret=$2
	shift 2
	AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret "$@"
}

as() {
	local role
	role=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
	shift
	local id_var="DEMO_${role}_ACCESS_KEY_ID" secret_var="DEMO_${role}_SECRET_ACCESS_KEY"
	[[ -n "${!id_var:-}" ]] || fail "no demo party named ${role,,}"
	with_keys "${!id_var}" "${!secret_var}" "$@"
}

expect_eq() {
	local what=$1 want=$2 got=$3
	[[ "$got" == "$want" ]] || fail "$what: want '$want', got '$got'"
	ok "$what = $want"
}

expect_json() {
	local json=$1 filter=$2 want=$3 got
	got=$(jq -er "$filter" <<<"$json") || fail "$filter not found in: $json"
	[[ "$got" == "$want" ]] || fail "$filter: want '$want', got '$got' in: $json"
	ok "$filter = $want"
}

# expect_aws_error CODE CMD... runs CMD (normally an awscli call), which must
# exit non-zero and print "An error occurred (CODE)" on stderr.
expect_aws_error() {
	local code=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	((rc != 0)) || fail "want error $code, but the command succeeded: $out"
	[[ "$out" == *"($code)"* ]] || fail "want error $code (exit $rc), got: $out"
	ok "fails with $code (exit $rc)"
}

http_status() {
	curl -s -o /dev/null -w '%{http_code}' -X "$1" "$ENDPOINT$2"
}
