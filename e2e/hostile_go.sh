#!/usr/bin/env bash
# The server against a hostile client (cmd/tollgate-hostile): malformed and
# oversized requests, NUL bytes and invalid UTF-8 in every place a client
# controls, overflowing numbers and deep nesting in signed License Manager
# calls, randomly mutated requests, concurrent maximum-size bodies, and
# 10,000 idle plus 1,000 slow-header connections held while real clients
# call. Every request must get a complete answer in its protocol's format
# and no 5xx; the server's log must show no panic; its peak memory must stay
# under 512 MiB. The seed of the random requests is printed; replay it with
# TOLLGATE_TEST_SEED=N.
source "$(dirname "$0")/lib.sh"

: "${TOLLGATE_HOSTILE_BIN:?}" "${TOLLGATE_SERVER_PID:?}" "${TOLLGATE_SERVER_LOG:?}"
"$TOLLGATE_HOSTILE_BIN" --endpoint "$ENDPOINT" --mode "$TOLLGATE_AUTH" \
	--server-pid "$TOLLGATE_SERVER_PID" --server-log "$TOLLGATE_SERVER_LOG" || fail "the server did not hold (see above)"
ok "every hostile request answered in its format, no 5xx, no panic, memory bounded"
