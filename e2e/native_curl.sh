#!/usr/bin/env bash
# The native API (/v1/) with plain curl, signed by curl's own SigV4
# (--aws-sigv4 "aws:amz:REGION:tollgate"), and with the tollgate client
# commands: the OpenAPI document, who a key acts as, a seller's product with
# its purchase URL, bad input answered with problem details naming every
# field, a buyer's sign-up and entitlement, the seller's view of its
# subscribers, isolation from a third account, and cancellation.
# A third account is made with `tollgate account create` on the server's store.
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# call ROLE METHOD PATH [BODY_FILE]: curl signed as ROLE's demo key (or
# the third account's, for ROLE third); the body goes to $tmp/body and
# BODY, the status to STATUS, the content type to CTYPE.
call() {
	local role=$1 method=$2 path=$3 file=${4:-} id_var secret_var out
	role=${role^^}
	id_var="DEMO_${role}_ACCESS_KEY_ID" secret_var="DEMO_${role}_SECRET_ACCESS_KEY"
	local args=(-sS -X "$method" -o "$tmp/body" -w '%{http_code} %{content_type}'
		--aws-sigv4 "aws:amz:us-east-1:tollgate" --user "${!id_var}:${!secret_var}")
	if [[ -n "$file" ]]; then
		args+=(-H 'Content-Type: application/json' --data-binary "@$file")
	fi
	out=$(curl "${args[@]}" "$ENDPOINT$path") || fail "curl $method $path failed"
	STATUS=${out%% *} CTYPE=${out#* }
	BODY=$(cat "$tmp/body")
}

expect_status() {
	[[ "$STATUS" == "$1" ]] || fail "$2: want HTTP $1, got $STATUS: $BODY"
	ok "$2: HTTP $1"
}

expect_problem() { # STATUS CODE WHAT
	expect_status "$1" "$3"
	[[ "$CTYPE" == application/problem+json* ]] || fail "$3: Content-Type $CTYPE, want application/problem+json"
	expect_json "$BODY" .code "$2"
}

say "a third account, neither seller nor buyer nor operator"
third=$("$TOLLGATE_BIN" account create --name "Native API third party" 2>/dev/null) || fail "account create failed"
DEMO_THIRD_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$third")
DEMO_THIRD_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$third")
ok "account $(jq -r .AccountId <<<"$third")"

say "the OpenAPI document, without credentials"
doc=$(curl -sSf "$ENDPOINT/v1/openapi.json") || fail "GET /v1/openapi.json failed"
expect_json "$doc" .openapi 3.1.0
expect_json "$doc" '.paths | has("/v1/products")' true

say "who the buyer's key acts as"
call buyer GET /v1/whoami
expect_status 200 "whoami"
expect_json "$BODY" .AccountId "$DEMO_BUYER_ACCOUNT"
expect_json "$BODY" .AuthenticatedBy sigv4

if strict; then
	say "no signature, a wrong secret, an unknown key"
	out=$(curl -sS -o "$tmp/body" -w '%{http_code}' "$ENDPOINT/v1/whoami")
	expect_eq "unsigned status" 401 "$out"
	expect_json "$(cat "$tmp/body")" .code unauthenticated
	out=$(curl -sS -o "$tmp/body" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:tollgate" \
		--user "$DEMO_BUYER_ACCESS_KEY_ID:wrong-secret" "$ENDPOINT/v1/whoami")
	expect_eq "wrong secret status" 401 "$out"
	expect_json "$(cat "$tmp/body")" .code signature_mismatch
	out=$(curl -sS -o "$tmp/body" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:tollgate" \
		--user "AKIAUNKNOWNUNKNOWN00:x" "$ENDPOINT/v1/whoami")
	expect_eq "unknown key status" 401 "$out"
	expect_json "$(cat "$tmp/body")" .code unknown_access_key
fi

say "the seller registers a paid image with hourly and annual prices"
cat >"$tmp/product.json" <<'EOF'
{"Name": "Curl Analytics", "Kind": "paid-image", "Description": "Registered by curl. <script>alert(1)</script>",
 "InstanceTypes": ["m5.large", "m5.xlarge"],
 "Pricing": {"SignUpFee": "10.00", "Hourly": {"m5.large": "0.50", "m5.xlarge": "1.00"},
             "Annual": {"m5.large": "3000.00", "m5.xlarge": "6000.00"}}}
EOF
call seller POST /v1/products "$tmp/product.json"
expect_status 201 "create product"
product=$BODY
product_id=$(jq -r .ProductId <<<"$product")
code=$(jq -r .ProductCode <<<"$product")
expect_json "$product" .PurchaseUrl "$ENDPOINT/purchase/$code"
expect_json "$product" .Description "Registered by curl. <script>alert(1)</script>"
[[ "$product" != *"<script>"* ]] || fail "markup is written unescaped: $product"
ok "markup in a description is kept as text and written escaped"
expect_json "$product" .Pricing.Annual.\"m5.large\" 3000.00
[[ "$code" =~ ^[a-z0-9]{8,25}$ ]] || fail "product code $code is not 8-25 lowercase alphanumerics"
ok "product $product_id, code $code"

say "bad input: every invalid field in one problem"
cat >"$tmp/bad.json" <<'EOF'
{"Name": "Bad", "Kind": "paid-image", "InstanceTypes": ["m5.large", "z9.nonexistent"],
 "Pricing": {"Hourly": {"m5.large": "-1.00", "z9.nonexistent": "1.00"}, "SignUpFee": "0.12345678901234567890"}}
EOF
call seller POST /v1/products "$tmp/bad.json"
expect_problem 400 invalid_request "an invalid product"
n=$(jq '.errors | length' <<<"$BODY")
((n >= 3)) || fail "want at least 3 field errors, got $n: $BODY"
ok "$n field errors: $(jq -c '[.errors[].field]' <<<"$BODY")"

say "markup in a name"
echo '{"Name": "<script>alert(1)</script>", "Kind": "saas"}' >"$tmp/markup.json"
call seller POST /v1/products "$tmp/markup.json"
expect_problem 400 invalid_request "a name with markup"
expect_json "$BODY" '.errors[0].code' markup
[[ "$BODY" != *"<script>"* ]] || fail "the problem echoes markup unescaped: $BODY"

say "wrong types and unknown fields"
echo '{"Name": 5, "Kind": "paid-image", "Colour": "red"}' >"$tmp/types.json"
call seller POST /v1/products "$tmp/types.json"
expect_problem 400 invalid_request "wrong types"
expect_json "$BODY" '[.errors[] | .code] | sort | join(",")' "unknown_field,wrong_type"

say "a 10 MB description"
python3 -c 'import json; print(json.dumps({"Name": "Big", "Kind": "saas", "Description": "x" * 10_000_000}))' >"$tmp/big.json"
call seller POST /v1/products "$tmp/big.json"
expect_problem 413 body_too_large "a 10 MB body"

say "the buyer subscribes with one annual m5.large"
echo "{\"ProductCode\": \"$code\", \"Annual\": {\"m5.large\": 1}}" >"$tmp/subscribe.json"
call buyer POST /v1/subscriptions "$tmp/subscribe.json"
expect_status 201 "subscribe"
sub_id=$(jq -r .SubscriptionId <<<"$BODY")
expect_json "$BODY" .Status active
expect_json "$BODY" .BuyerAccountId "$DEMO_BUYER_ACCOUNT"

call buyer GET "/v1/entitlements?InstanceType=m5.large&ProductCode=$code"
expect_status 200 "entitlement check"
expect_json "$BODY" .Entitled true

call buyer GET "/v1/subscriptions/$sub_id/charges"
expect_status 200 "charges"
expect_json "$BODY" '[.Charges[].Kind] | index("annual-fee") != null' true

say "the seller confirms the customer and lists its subscribers"
call seller GET "/v1/subscription-confirmations?AccountId=$DEMO_BUYER_ACCOUNT&ProductCode=$code"
expect_status 200 "confirmation"
expect_json "$BODY" .Subscribed true
call seller GET "/v1/products/$product_id/subscribers"
expect_status 200 "subscribers"
expect_json "$BODY" '[.Subscriptions[].SubscriptionId] | index("'"$sub_id"'") != null' true

say "isolation: another account sees neither"
call third GET "/v1/subscriptions/$sub_id"
expect_problem 404 not_found "another account's subscription"
call third GET "/v1/products/$product_id/subscribers"
expect_problem 403 forbidden "another seller's subscribers"
call third GET "/v1/subscriptions"
expect_json "$BODY" '[.Subscriptions[].SubscriptionId] | index("'"$sub_id"'") == null' true
call third DELETE "/v1/subscriptions/$sub_id"
expect_problem 404 not_found "cancelling another account's subscription"

say "the tollgate client commands"
export AWS_ENDPOINT_URL=$ENDPOINT
out=$(as buyer "$TOLLGATE_BIN" subscription list) || fail "tollgate subscription list failed"
expect_json "$out" '[.Subscriptions[].SubscriptionId] | index("'"$sub_id"'") != null' true
rc=0
out=$(as seller "$TOLLGATE_BIN" product create --file "$tmp/bad.json" 2>&1) || rc=$?
expect_eq "exit code of an invalid product" 1 "$rc"
[[ "$out" == *"(invalid_request, HTTP 400)"* && "$out" == *$'\n  InstanceTypes'* ]] ||
	fail "the CLI does not print each field on its own line: $out"
ok "the CLI prints every field error on its own line"

say "the buyer cancels; the entitlement ends at once"
call buyer DELETE "/v1/subscriptions/$sub_id"
expect_status 200 "cancel"
expect_json "$BODY" .Status cancelled
call buyer GET "/v1/entitlements?ProductCode=$code"
expect_json "$BODY" ".Entitled == false" true
