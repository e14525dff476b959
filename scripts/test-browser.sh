#!/usr/bin/env bash
# test-browser.sh: run the console's browser tests (every test named
# TestBrowser*) in the headless Chromium that $TOLLGATE_TEST_CHROMIUM names,
# verbosely, keeping their screenshots in $TOLLGATE_SCREENSHOTS, and prove
# that they ran: any of them skipped is a failure.
#
#   TOLLGATE_TEST_CHROMIUM=/usr/bin/chromium TOLLGATE_SCREENSHOTS=screenshots scripts/test-browser.sh
set -euo pipefail
cd "$(dirname "$0")/.."

: "${TOLLGATE_TEST_CHROMIUM:?set TOLLGATE_TEST_CHROMIUM to a Chromium binary, such as /usr/bin/chromium (apt-get install chromium)}"
if [[ ! -x "$TOLLGATE_TEST_CHROMIUM" ]]; then
	echo "test-browser: $TOLLGATE_TEST_CHROMIUM is not an executable; install Chromium (apt-get install chromium)" >&2
	exit 1
fi
# Absolute: go test runs each package in its own directory.
mkdir -p "${TOLLGATE_SCREENSHOTS:-screenshots}"
TOLLGATE_SCREENSHOTS=$(cd "${TOLLGATE_SCREENSHOTS:-screenshots}" && pwd)
export TOLLGATE_SCREENSHOTS
"$TOLLGATE_TEST_CHROMIUM" --version || true

out=$(mktemp "${TMPDIR:-/tmp}/tollgate-test-browser.XXXXXX")
trap 'rm -f "$out"' EXIT

rc=0
go test -count=1 -v -run '^TestBrowser' ./internal/console/ >"$out" 2>&1 || rc=$?

grep -E '^\s*(=== RUN|--- (PASS|FAIL|SKIP)|ok|FAIL|panic:)|screenshot:' "$out" || true

if ((rc != 0)); then
	echo
	echo "test-browser: go test failed (exit $rc); its full output:"
	cat "$out"
	exit "$rc"
fi
if grep -qE '^\s*--- SKIP: TestBrowser' "$out"; then
	echo "test-browser: browser tests were SKIPPED; they must run"
	grep -E -B3 '^\s*--- SKIP: TestBrowser' "$out"
	exit 1
fi
passed=$(grep -cE '^--- PASS: TestBrowser' "$out" || true)
if ((passed == 0)); then
	echo "test-browser: no browser test ran" >&2
	exit 1
fi
echo "test-browser: $passed browser tests passed; screenshots in $TOLLGATE_SCREENSHOTS:"
ls -1 "$TOLLGATE_SCREENSHOTS"
