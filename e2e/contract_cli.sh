#!/usr/bin/env bash
# A contract product end to end, with the tollgate client commands and the
# stock AWS CLI v2: the seller registers a contract with a configurable,
# floating dimension and a tiered one; the buyer signs up for a term; the
# license the marketplace issues is in the buyer's list-received-licenses
# with the entitlements bought, active, and checks out at once; an upgrade
# makes version 2, which the next checkout sees; cancelling ends checkouts
# and the entitlement at once. Then a private offer: its purchase URL works
# for the named buyer and is 404 to any other account.
source "$(dirname "$0")/lib.sh"

: "${TOLLGATE_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MP_FINGERPRINT="aws:294406891311:AWS/Marketplace:issuer-fingerprint"
tg() { "$TOLLGATE_BIN" "$@" --endpoint-url "$ENDPOINT"; }

say "the seller registers a contract product"
cat >"$tmp/contract.json" <<'JSON'
{"Name": "Acme Seats", "Kind": "contract", "Description": "Seats and an edition, by the month or the year.",
 "Pricing": {"Contract": {"Durations": ["P1M", "P12M"], "Dimensions": [
   {"Name": "Seats", "Unit": "Count", "Type": "Configurable", "Floating": true, "Price": {"P1M": "10.00", "P12M": "100.00"}},
   {"Name": "Edition", "Type": "Tiered", "Tiers": {"BasicTier": {"P1M": "0.00", "P12M": "0.00"},
                                                   "ProfessionalTier": {"P1M": "50.00", "P12M": "500.00"}}}]}}}
JSON
product=$(as seller tg product create --file "$tmp/contract.json") || fail "product create: $product"
product_id=$(jq -r .ProductId <<<"$product")
code=$(jq -r .ProductCode <<<"$product")
expect_json "$product" .Kind contract
[[ "$code" =~ ^[a-z0-9]{8,25}$ ]] || fail "product code $code is not 8-25 lowercase letters and digits"
ok "product $product_id, code $code"

say "the buyer is not entitled before signing up"
check=$(as buyer tg entitlement check --product-code "$code") || fail "entitlement check: $check"
expect_json "$check" ".Entitled | tostring" false

say "the buyer signs up for a year: 3 seats, the professional tier"
sub=$(as buyer tg subscribe --product-code "$code" --duration P12M --quantity Seats=3 --tier ProfessionalTier) ||
	fail "subscribe: $sub"
sub_id=$(jq -r .SubscriptionId <<<"$sub")
arn=$(jq -r .LicenseArn <<<"$sub")
expect_json "$sub" .Status active
check=$(as buyer tg entitlement check --product-code "$code")
expect_json "$check" ".Entitled | tostring" true

say "the license is in the buyer's list-received-licenses, as bought"
lic=$(as buyer awscli license-manager list-received-licenses) || fail "list-received-licenses: $lic"
lic=$(jq --arg arn "$arn" '.Licenses[] | select(.LicenseArn == $arn)' <<<"$lic")
[[ -n "$lic" ]] || fail "license $arn not received by the buyer"
expect_json "$lic" .ProductSKU "$product_id"
expect_json "$lic" .Version 1
expect_json "$lic" .Issuer.KeyFingerprint "$MP_FINGERPRINT"
expect_json "$lic" .ReceivedMetadata.ReceivedStatus ACTIVE
expect_json "$lic" '.Entitlements[] | select(.Name == "Seats") | .MaxCount' 3
expect_json "$lic" '.Entitlements[] | select(.Name == "ProfessionalTier") | .Unit' None

checkout() { # QUANTITY: a floating checkout of seats, as the buyer's software makes it
	as buyer awscli license-manager checkout-license --product-sku "$product_id" --key-fingerprint "$MP_FINGERPRINT" \
		--checkout-type PROVISIONAL --entitlements "Name=Seats,Value=$1,Unit=Count" --client-token "$(uuidgen)"
}

say "checkout works at once; the tier is found by naming every tier"
out=$(checkout 3) || fail "checkout of 3 seats: $out"
expect_json "$out" .LicenseArn "$arn"
expect_aws_error NoEntitlementsAllowedException checkout 1
out=$(as buyer awscli license-manager checkout-license --product-sku "$product_id" --key-fingerprint "$MP_FINGERPRINT" \
	--checkout-type PROVISIONAL --entitlements Name=BasicTier,Unit=None Name=ProfessionalTier,Unit=None \
	--client-token "$(uuidgen)") || fail "tiered checkout: $out"
expect_json "$out" '.EntitlementsAllowed[0].Name' ProfessionalTier

say "an upgrade to 5 seats makes version 2, and the next checkout sees it"
out=$(as buyer tg subscription change "$sub_id" --quantity Seats=5) || fail "upgrade: $out"
expect_json "$out" '.Contract.Quantities.Seats' 5
expect_json "$out" .Contract.Tier ProfessionalTier
lic=$(as buyer awscli license-manager get-license --license-arn "$arn")
expect_json "$lic" .License.Version 2
expect_json "$lic" '.License.Entitlements[] | select(.Name == "Seats") | .MaxCount' 5
out=$(checkout 2) || fail "checkout of 2 more seats after the upgrade: $out"
ok "3 + 2 seats checked out of 5"

say "cancelling ends checkouts and the entitlement at once"
out=$(as buyer tg subscription cancel "$sub_id") || fail "cancel: $out"
expect_json "$out" .Status cancelled
check=$(as buyer tg entitlement check --product-code "$code")
expect_json "$check" ".Entitled | tostring" false
out=$(checkout 1 2>&1) && fail "checkout after cancelling succeeded: $out"
ok "checkout after cancelling refused: $(grep -o '([A-Za-z]*)' <<<"$out" | head -1)"

say "a private offer's purchase URL: the named buyer sees it, another account gets 404"
offer_product=$(as seller tg product create --file "$tmp/contract.json") || fail "product create: $offer_product"
cat >"$tmp/offer.json" <<JSON
{"ProductId": "$(jq -r .ProductId <<<"$offer_product")", "Buyers": ["$DEMO_BUYER_ACCOUNT"], "DurationMonths": 24,
 "Pricing": {"Contract": {"Durations": ["P24M"], "Dimensions": [
   {"Name": "Seats", "Unit": "Count", "Type": "Configurable", "Floating": true, "Price": {"P24M": "150.00"}}]}}}
JSON
offer=$(as seller tg offer create --file "$tmp/offer.json") || fail "offer create: $offer"
offer_url=$(jq -r .PurchaseUrl <<<"$offer")
[[ "$offer_url" == "$ENDPOINT"/purchase/offer/* ]] || fail "offer purchase URL $offer_url"
console_status() { # ACCOUNT PASSWORD URL: the HTTP status of URL for a console session of ACCOUNT
	local jar="$tmp/jar-$1"
	curl -sS -o /dev/null -c "$jar" --data-urlencode "account=$1" --data-urlencode "password=$2" \
		--data-urlencode "next=/console/" "$ENDPOINT/console/signin"
	curl -sS -o /dev/null -w '%{http_code}' -b "$jar" "$3"
}
expect_eq "offer page for the named buyer" 200 "$(console_status "$DEMO_BUYER_ACCOUNT" tollgate-demo-buyer-password "$offer_url")"
expect_eq "offer page for the operator, not named" 404 \
	"$(console_status "$DEMO_OPERATOR_ACCOUNT" tollgate-demo-operator-password "$offer_url")"
# Signed out, every offer URL, real or not, asks to sign in: none is
# revealed.
expect_eq "offer page signed out" 303 "$(curl -sS -o /dev/null -w '%{http_code}' "$offer_url")"
expect_eq "a made-up offer page signed out" 303 \
	"$(curl -sS -o /dev/null -w '%{http_code}' "$ENDPOINT/purchase/offer/offer-0123456789abcdef0")"
offer_id=$(jq -r .OfferId <<<"$offer")
api_status() { # ROLE PATH
	local role=${1^^}
	local id_var="DEMO_${role}_ACCESS_KEY_ID" secret_var="DEMO_${role}_SECRET_ACCESS_KEY"
	curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:tollgate" \
		--user "${!id_var}:${!secret_var}" "$ENDPOINT$2"
}
expect_eq "GET /v1/offers/ID as the named buyer" 200 "$(api_status buyer "/v1/offers/$offer_id")"
expect_eq "GET /v1/offers/ID as the operator, not named" 404 "$(api_status operator "/v1/offers/$offer_id")"
