#!/usr/bin/env bash
# test-postgres.sh: run the PostgreSQL tests (every test whose name contains
# "Postgres") against $TOLLGATE_TEST_POSTGRES, verbosely, and prove that they
# ran: any of them skipped is a failure, so a CI run without a database
# cannot pass by skipping them.
#
#   TOLLGATE_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' scripts/test-postgres.sh
#   TEST_PKGS=./internal/store scripts/test-postgres.sh     (only some packages)
set -euo pipefail
cd "$(dirname "$0")/.."

: "${TOLLGATE_TEST_POSTGRES:?set TOLLGATE_TEST_POSTGRES to a PostgreSQL URL, such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

out=$(mktemp "${TMPDIR:-/tmp}/tollgate-test-postgres.XXXXXX")
trap 'rm -f "$out"' EXIT

rc=0
go test -count=1 -v -run Postgres ${TEST_PKGS:-./...} >"$out" 2>&1 || rc=$?

# The summary: which tests ran and how each ended.
grep -E '^\s*(=== RUN|--- (PASS|FAIL|SKIP)|ok|FAIL|panic:)' "$out" || true

if ((rc != 0)); then
	echo
	echo "test-postgres: go test failed (exit $rc); its full output:"
	cat "$out"
	exit "$rc"
fi

if grep -qE '^\s*--- SKIP: \S*Postgres' "$out"; then
	echo
	echo "test-postgres: PostgreSQL tests were SKIPPED; they must run. Is PostgreSQL up at the URL in TOLLGATE_TEST_POSTGRES?"
	grep -E -B3 '^\s*--- SKIP: \S*Postgres' "$out"
	exit 1
fi

passed=$(grep -cE '^\s*--- PASS: \S*Postgres' "$out" || true)
if ((passed == 0)); then
	echo "test-postgres: warning: there are no PostgreSQL tests yet (none is named *Postgres*)"
else
	echo "test-postgres: $passed PostgreSQL tests and subtests passed, none skipped"
fi
