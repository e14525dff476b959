#!/usr/bin/env bash
# The License Manager command lines of the contract-pricing source document,
# run with the stock AWS CLI v2. Typos corrected: l0 -> 10, 7la47 -> 71a47,
# the missing "--" before options, the stray "Statement":[, the unclosed
# TIERED_ENTITLEMENTS list, BSD `date -v` -> GNU `date -d`, and the comment
# after a line continuation; the tiered checkout gains the --client-token
# the API requires. Everything else runs as written.
#
# The test-license script is run twice, as the document's placeholders
# invite: by the marketplace's operator with ISSUER=AWS/Marketplace (so the
# documented checkout commands, which name the marketplace's fingerprint,
# work unchanged), and by a seller with ISSUER=Self, whose test license is
# checked out with its own fingerprint from GetLicense, as the integration
# steps say. The marketplace's grants are active at once, as AWS accepts and
# activates marketplace licenses for the buyer; the seller's grant goes
# through the document's steps 2 and 3 (grant, then the buyer accepts and
# activates). Each checkout scenario uses its own buyer, because the
# documented commands reuse one client token for different requests.
source "$(dirname "$0")/lib.sh"

: "${TOLLGATE_BIN:?}" "${TOLLGATE_DATA:?}"
SKU="2205b290-19e6-4c76-9eea-377d6bf71a47"
MP_FINGERPRINT="aws:294406891311:AWS/Marketplace:issuer-fingerprint"

new_account() { # prints "ACCOUNT KEY SECRET" of a fresh account
	"$TOLLGATE_BIN" account create --name "$1" --data "$TOLLGATE_DATA" | jq -r '"\(.AccountId) \(.AccessKeyId) \(.SecretAccessKey)"'
}

# create_test_license: the document's test-license script, with its
# placeholders filled from the environment (PRODUCT_ID, BENEFICIARY_ACCOUNT_ID,
# ISSUER, ENTITLEMENTS). Prints the LicenseArn.
create_test_license() {
	# Replace with intended product ID on AWS Marketplace
	PRODUCT_ID=$SKU

	# Replace with license recipient's AWS Account ID
	BENEFICIARY_ACCOUNT_ID=$BENEFICIARY

	# Replace with your product's name
	PRODUCT_NAME="Test Product"

	# Replace with your seller name on AWS Marketplace
	SELLER_OF_RECORD="Test Seller"

	# Replace with intended license name
	LICENSE_NAME="AWSMP Test License"

	# Replace with desired contract dimensions
	CONFIGURABLE_ENTITLEMENTS=$CONFIGURABLE
	TIERED_ENTITLEMENTS=$TIERED

	# Format "yyyy-mm-ddTHH:mm:ss.SSSZ"
	# This creates a validity period of 10 days starting the current day
	VALIDITY_START=$(date +%Y-%m-%dT%H:%M:%S.%SZ)
	VALIDITY_END=$(date -d '+10 days' +%Y-%m-%dT%H:%M:%S.%SZ)

	# Configuration for consumption of the license as set on Marketplace products
	CONSUMPTION_CONFIG='{
	  "RenewType": "None",
	  "ProvisionalConfiguration": {
	    "MaxTimeToLiveInMinutes": 60
	  }
	}'

	# License's home Region
	HOME_REGION=us-east-1

	# License issuer's name
	ISSUER=$ISSUER_NAME

	# Replace CONFIGURABLE_ENTITLEMENTS with TIERED_ENTITLEMENTS if desired
	ENTITLEMENTS=$CONFIGURABLE_ENTITLEMENTS
	[[ "$MODEL" == tiered ]] && ENTITLEMENTS=$TIERED_ENTITLEMENTS

	# Run AWS CLI command to create a license
	aws license-manager create-license \
		--license-name "${LICENSE_NAME}" \
		--product-name "${PRODUCT_NAME}" \
		--product-sku "${PRODUCT_ID}" \
		--issuer Name="${ISSUER}" \
		--beneficiary "${BENEFICIARY_ACCOUNT_ID}" \
		--validity Begin="${VALIDITY_START}",End="${VALIDITY_END}" \
		--entitlements "${ENTITLEMENTS}" \
		--home-region "${HOME_REGION}" \
		--region "${HOME_REGION}" \
		--consumption-configuration "${CONSUMPTION_CONFIG}" \
		--client-token $(uuidgen)
}
aws() { awscli "$@"; }

# grant LICENSE_ARN: the issuer (ISSUER_KEY/ISSUER_SECRET) grants the
# license to the buyer (BENEFICIARY); prints the grant's ARN.
grant() {
	with_keys "$ISSUER_KEY" "$ISSUER_SECRET" aws license-manager create-grant \
		--client-token "$(uuidgen)" --grant-name "contract for $BENEFICIARY" --license-arn "$1" \
		--principals "arn:aws:iam::$BENEFICIARY:root" --home-region us-east-1 \
		--allowed-operations CheckoutLicense CheckInLicense ExtendConsumptionLicense ListPurchasedLicenses \
		--query GrantArn --output text
}
buyer() { with_keys "$BUYER_KEY" "$BUYER_SECRET" "$@"; }

# expect_active GRANT_ARN: a grant of a license the marketplace issued is
# accepted and activated for the buyer, as on AWS: nothing to do.
expect_active() {
	local out
	out=$(buyer aws license-manager get-grant --grant-arn "$1")
	expect_json "$out" .Grant.GrantStatus ACTIVE
}

ISSUER_KEY=$DEMO_OPERATOR_ACCESS_KEY_ID ISSUER_SECRET=$DEMO_OPERATOR_SECRET_ACCESS_KEY ISSUER_NAME=AWS/Marketplace
CONFIGURABLE='[
 { "Name": "DataConsumption", "MaxCount": 30, "Overage": false, "Unit": "Count", "AllowCheckIn": false },
 { "Name": "ReadOnlyUSers", "MaxCount": 10, "Overage": false, "Unit": "Count", "AllowCheckIn": true },
 { "Name": "PowerUsers", "MaxCount": 5, "Overage": false, "Unit": "Count", "AllowCheckIn": true }
]'
TIERED='[
 { "Name": "IntermediateTier", "Value": "Enabled", "Unit": "None" }
]'

# --- drawdown (the demo buyer) ---------------------------------------------
say "drawdown: the marketplace issues a configurable test license to the buyer"
BENEFICIARY=$DEMO_BUYER_ACCOUNT BUYER_KEY=$DEMO_BUYER_ACCESS_KEY_ID BUYER_SECRET=$DEMO_BUYER_SECRET_ACCESS_KEY
MODEL=configurable
out=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" create_test_license 2>&1) || fail "create-license: $out"
LICENSE=$(jq -r .LicenseArn <<<"$out")
expect_json "$out" .Status AVAILABLE
out=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" aws license-manager get-license --license-arn "$LICENSE")
expect_json "$out" .License.Issuer.KeyFingerprint "$MP_FINGERPRINT"

drawdown() {
	buyer aws license-manager checkout-license \
		--product-sku "2205b290-19e6-4c76-9eea-377d6bf71a47" \
		--checkout-type "PERPETUAL" \
		--key-fingerprint "aws:294406891311:AWS/Marketplace:issuer-fingerprint" \
		--entitlements "Name=DataConsumption, Value=10, Unit=Count" \
		--client-token "${1:-AKIAIOSFODNN7EXAMPLE}"
}
say "no checkout before the grant exists"
expect_aws_error NoEntitlementsAllowedException drawdown
say "the marketplace's grant is active at once, as on AWS"
GRANT=$(grant "$LICENSE")
out=$(buyer aws license-manager list-received-licenses)
expect_json "$out" ".Licenses[] | select(.LicenseArn == \"$LICENSE\") | .ReceivedMetadata.ReceivedStatus" ACTIVE
expect_active "$GRANT"
expect_aws_error ValidationException buyer aws license-manager accept-grant --grant-arn "$GRANT"

say "the documented drawdown checkout"
first=$(drawdown)
expect_json "$first" .CheckoutType PERPETUAL
expect_json "$first" '.EntitlementsAllowed[0].Name' DataConsumption
expect_json "$first" '.EntitlementsAllowed[0].Value' 10
say "the same client token again returns the same checkout and draws nothing"
again=$(drawdown)
expect_eq "consumption token of the retry" "$(jq -r .LicenseConsumptionToken <<<"$first")" "$(jq -r .LicenseConsumptionToken <<<"$again")"
say "drawdown until the pool of 30 is spent"
drawdown "$(uuidgen)" >/dev/null && ok "second 10 drawn"
drawdown "$(uuidgen)" >/dev/null && ok "third 10 drawn (30 of 30)"
expect_aws_error NoEntitlementsAllowedException drawdown "$(uuidgen)"
out=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" aws license-manager get-license-usage --license-arn "$LICENSE")
expect_json "$out" '.LicenseUsage.EntitlementUsages[] | select(.Name=="DataConsumption") | .ConsumedValue' 30

# --- floating (a second buyer) -----------------------------------------------
say "floating: a second buyer receives the same product"
read -r BENEFICIARY BUYER_KEY BUYER_SECRET <<<"$(new_account "Floating Buyer")"
MODEL=configurable
out=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" create_test_license 2>&1) || fail "create-license: $out"
LICENSE=$(jq -r .LicenseArn <<<"$out")
expect_active "$(grant "$LICENSE")"
floating() {
	buyer aws license-manager checkout-license \
		--product-sku "2205b290-19e6-4c76-9eea-377d6bf71a47" \
		--checkout-type "PROVISIONAL" \
		--key-fingerprint "aws:294406891311:AWS/Marketplace:issuer-fingerprint" \
		--entitlements "Name=ReadOnlyUSers, Value=10, Unit=Count" \
		--client-token "AKIAIOSFODNN7EXAMPLE"
}
one_more() {
	buyer aws license-manager checkout-license --product-sku "$SKU" --checkout-type PROVISIONAL \
		--key-fingerprint "$MP_FINGERPRINT" --entitlements "Name=ReadOnlyUSers,Value=1,Unit=Count" --client-token "$(uuidgen)"
}
say "the documented floating checkout takes all 10 seats"
out=$(floating)
expect_json "$out" .CheckoutType PROVISIONAL
expect_json "$out" '.EntitlementsAllowed[0].Value' 10
TOKEN=$(jq -r .LicenseConsumptionToken <<<"$out")
expect_aws_error NoEntitlementsAllowedException one_more
out=$(buyer aws license-manager extend-license-consumption --license-consumption-token "$TOKEN")
expect_json "$out" .LicenseConsumptionToken "$TOKEN"
say "check-in returns the seats to the pool"
buyer aws license-manager check-in-license --license-consumption-token "$TOKEN" >/dev/null && ok "checked in"
one_more >/dev/null && ok "a seat is free again"
expect_aws_error ResourceNotFoundException buyer aws license-manager check-in-license --license-consumption-token "$TOKEN"

say "the documented configurable PowerUsers checkout"
out=$(buyer aws license-manager checkout-license \
	--product-sku "2205b290-19e6-4c76-9eea-377d6bf71a47" \
	--checkout-type "PROVISIONAL" \
	--client-token "79464194dca9429698cc774587a603a1" \
	--entitlements "Name=PowerUsers,Value=1,Unit=Count" \
	--key-fingerprint "aws:294406891311:AWS/Marketplace:issuer-fingerprint")
expect_json "$out" '.EntitlementsAllowed[0].Name' PowerUsers

say "the test-license flow's own checkout (step 4) with the script's entitlements"
ENT_ARG=$(jq -c '[.[] | {Name, Unit, Value: "1"}]' <<<"$CONFIGURABLE")
out=$(buyer aws license-manager checkout-license \
	--product-sku "${SKU}" \
	--checkout-type "PROVISIONAL" \
	--key-fingerprint "aws:294406891311:AWS/Marketplace:issuer-fingerprint" \
	--entitlements "${ENT_ARG}" \
	--client-token $(uuidgen))
expect_json "$out" '.EntitlementsAllowed | length' 3

# --- tiered (a third buyer) --------------------------------------------------
say "tiered: a third buyer holds the Intermediate tier"
read -r BENEFICIARY BUYER_KEY BUYER_SECRET <<<"$(new_account "Tiered Buyer")"
MODEL=tiered
out=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" create_test_license 2>&1) || fail "create-license: $out"
expect_active "$(grant "$(jq -r .LicenseArn <<<"$out")")"
out=$(buyer aws  license-manager   checkout-license \
	--product-sku  "2205b290-19e6-4c76-9eea-377d6bf71a47"  \
	--checkout-type  "PROVISIONAL"  \
	--key-fingerprint  "aws:294406891311:AWS/Marketplace:issuer-fingerprint" \
	--entitlements  "Name=BasicTier,  Unit=None"   "Name=IntermediateTier,  Unit=None" "Name=PremiumTier, Unit=None" \
	--client-token "$(uuidgen)")
expect_json "$out" '.EntitlementsAllowed | length' 1
expect_json "$out" '.EntitlementsAllowed[0].Name' IntermediateTier
say "a tier the buyer does not hold"
expect_aws_error NoEntitlementsAllowedException buyer aws license-manager checkout-license \
	--product-sku "2205b290-19e6-4c76-9eea-377d6bf71a47" \
	--checkout-type "PROVISIONAL" \
	--client-token "79464194dca9429698cc774587a603a1" \
	--entitlements "Name=EnterpriseEdition,Unit=None" \
	--key-fingerprint "aws:294406891311:AWS/Marketplace:issuer-fingerprint"

# --- a seller's own test license (ISSUER=Self) --------------------------------
say "a seller's self-issued test license, checked out with its own fingerprint"
read -r BENEFICIARY BUYER_KEY BUYER_SECRET <<<"$(new_account "Test Buyer")"
ISSUER_KEY=$DEMO_SELLER_ACCESS_KEY_ID ISSUER_SECRET=$DEMO_SELLER_SECRET_ACCESS_KEY ISSUER_NAME=Self
CONFIGURABLE='[
 { "Name": "ReadOnly", "MaxCount": 5, "Overage": false, "Unit": "Count", "AllowCheckIn": true }
]'
MODEL=configurable
out=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" create_test_license 2>&1) || fail "create-license: $out"
LICENSE=$(jq -r .LicenseArn <<<"$out")
FINGERPRINT=$(with_keys "$ISSUER_KEY" "$ISSUER_SECRET" aws license-manager get-license --license-arn "$LICENSE" --query License.Issuer.KeyFingerprint --output text)
expect_eq "self-issued fingerprint" "aws:$DEMO_SELLER_ACCOUNT:Self:issuer-fingerprint" "$FINGERPRINT"
PRODUCT_ID=$SKU CONFIGURABLE_ENTITLEMENTS=$(jq -c '[.[] | {Name, Unit, Value: "5"}]' <<<"$CONFIGURABLE")
self_checkout() {
	buyer aws license-manager checkout-license \
		--product-sku "${PRODUCT_ID}" \
		--checkout-type "PROVISIONAL" \
		--key-fingerprint "${FINGERPRINT}" \
		--entitlements "${CONFIGURABLE_ENTITLEMENTS}" \
		--client-token $(uuidgen)
}
say "steps 2 and 3: the seller's grant waits for the buyer to accept and activate it"
GRANT=$(grant "$LICENSE")
out=$(buyer aws license-manager list-received-licenses)
expect_json "$out" ".Licenses[] | select(.LicenseArn == \"$LICENSE\") | .ReceivedMetadata.ReceivedStatus" PENDING_ACCEPT
say "no checkout while the grant waits for acceptance"
expect_aws_error NoEntitlementsAllowedException self_checkout
out=$(buyer aws license-manager accept-grant --grant-arn "$GRANT")
expect_json "$out" .Status DISABLED
say "no checkout after accepting, before activating"
expect_aws_error NoEntitlementsAllowedException self_checkout
out=$(buyer aws license-manager create-grant-version --grant-arn "$GRANT" --status ACTIVE --client-token "$(uuidgen)")
expect_json "$out" .Status ACTIVE
say "step 4: the checkout"
out=$(self_checkout)
expect_json "$out" '.EntitlementsAllowed[0].Value' 5
say "the marketplace's fingerprint does not open a seller's license"
expect_aws_error NoEntitlementsAllowedException buyer aws license-manager checkout-license \
	--product-sku "$SKU" --checkout-type PROVISIONAL --key-fingerprint "$MP_FINGERPRINT" \
	--entitlements "Name=ReadOnly,Value=1,Unit=Count" --client-token "$(uuidgen)"
say "a seller may not issue in the marketplace's name"
ISSUER_NAME=AWS/Marketplace
expect_aws_error AccessDeniedException with_keys "$ISSUER_KEY" "$ISSUER_SECRET" create_test_license
