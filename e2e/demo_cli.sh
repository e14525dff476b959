#!/usr/bin/env bash
# The demo world's contract with the stock AWS CLI v2, as the server's start-up
# message tells a newcomer to try it: the demo buyer holds the demo seller's
# Demo Analytics license, active, and can check out a seat, the tier it bought
# and report credits at once.
source "$(dirname "$0")/lib.sh"

SKU=tollgate-demo-analytics
FINGERPRINT="aws:$DEMO_SELLER_ACCOUNT:Self:issuer-fingerprint"
lm() { as buyer awscli license-manager "$@"; }

say "the buyer has received the demo contract, active"
out=$(lm list-received-licenses --filters "Name=ProductSKU,Values=$SKU") || fail "list-received-licenses: $out"
expect_json "$out" '.Licenses | length' 1
expect_json "$out" '.Licenses[0].ReceivedMetadata.ReceivedStatus' ACTIVE
expect_json "$out" '.Licenses[0].Issuer.KeyFingerprint' "$FINGERPRINT"

say "the start-up message's checkout: one floating seat, and the tier bought"
out=$(lm checkout-license --product-sku "$SKU" --key-fingerprint "$FINGERPRINT" --checkout-type PROVISIONAL \
	--entitlements Name=Seats,Value=1,Unit=Count Name=ProfessionalTier,Unit=None Name=BasicTier,Unit=None \
	--client-token "$(uuidgen)") || fail "checkout-license: $out"
expect_json "$out" '[.EntitlementsAllowed[].Name] | join(",")' Seats,ProfessionalTier
TOKEN=$(jq -r .LicenseConsumptionToken <<<"$out")
lm check-in-license --license-consumption-token "$TOKEN" >/dev/null || fail "check-in-license failed"
ok "checked in"

say "report credits are drawn down for good"
out=$(lm checkout-license --product-sku "$SKU" --key-fingerprint "$FINGERPRINT" --checkout-type PERPETUAL \
	--entitlements Name=Reports,Value=3,Unit=Count --client-token "$(uuidgen)") || fail "checkout-license: $out"
expect_json "$out" '.EntitlementsAllowed[0].Value' 3

say "the seller sees the contract's usage"
arn=$(jq -r '.LicenseArn' <<<"$out")
out=$(as seller awscli license-manager get-license-usage --license-arn "$arn") || fail "get-license-usage: $out"
expect_json "$out" '.LicenseUsage.EntitlementUsages[] | select(.Name == "Reports") | .ConsumedValue' 3
