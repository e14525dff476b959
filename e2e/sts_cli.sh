#!/usr/bin/env bash
# STS GetCallerIdentity with the stock AWS CLI v2: who a key acts as, and the
# error codes for a wrong secret and an unknown key (strict mode); any key
# accepted and the reset endpoint (emulator mode).
source "$(dirname "$0")/lib.sh"

caller() { awscli sts get-caller-identity; }

if strict; then
	for role in operator seller buyer; do
		id_var="DEMO_${role^^}_ACCOUNT"
		say "$role's key: sts get-caller-identity"
		out=$(as "$role" caller) || fail "get-caller-identity as $role failed"
		expect_json "$out" .Account "${!id_var}"
		expect_json "$out" .Arn "arn:aws:iam::${!id_var}:root"
	done
	expect_eq "buyer account" 333333333333 "$DEMO_BUYER_ACCOUNT"

	say "buyer's key with a wrong secret"
	expect_aws_error SignatureDoesNotMatch \
		with_keys "$DEMO_BUYER_ACCESS_KEY_ID" "wrong-secret-wrong-secret-wrong-secret00" caller

	say "an access key nobody registered"
	expect_aws_error InvalidClientTokenId \
		with_keys AKIAUNKNOWNUNKNOWN00 "$DEMO_BUYER_SECRET_ACCESS_KEY" caller

	say "no emulator reset in strict mode"
	expect_eq "POST /_tollgate/reset status" 404 "$(http_status POST /_tollgate/reset)"
fi

if emulator; then
	say "a 12-digit access key ID selects that account"
	out=$(with_keys 210987654321 anything caller) || fail "get-caller-identity as 210987654321 failed"
	expect_json "$out" .Account 210987654321

	say "a registered key acts as its account, whatever the secret"
	out=$(with_keys "$DEMO_BUYER_ACCESS_KEY_ID" wrong-secret caller) || fail "get-caller-identity failed"
	expect_json "$out" .Account "$DEMO_BUYER_ACCOUNT"

	say "any other key acts as the default account"
	out=$(with_keys AKIAUNKNOWNUNKNOWN00 anything caller) || fail "get-caller-identity failed"
	expect_json "$out" .Account "$TOLLGATE_DEFAULT_ACCOUNT"

	say "POST /_tollgate/reset"
	expect_eq "POST /_tollgate/reset status" 200 "$(http_status POST /_tollgate/reset)"
	say "the demo world is back after the reset"
	out=$(as buyer caller) || fail "get-caller-identity as buyer after reset failed"
	expect_json "$out" .Account "$DEMO_BUYER_ACCOUNT"
fi
