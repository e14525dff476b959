#!/usr/bin/env bash
# The paid-image flow of seeds 000 and 001 with the stock AWS CLI v2: the
# seller registers a paid-image product and an image, attaches the product
# code and shares the image with the buyer; the buyer's launch is refused
# with OptInRequired naming the purchase URL until the buyer subscribes;
# then it launches, and DescribeInstances shows the product code; the
# seller's ConfirmProductInstance answers true with the buyer's account, and
# the buyer's own on the seller's code is refused. Rebundling: an image
# the buyer registers from a raw snapshot of the instance's root volume has
# no product code (Linux), one it makes with CreateImage keeps it. The
# instance runs with an instance profile: the seller's software inside it
# (examples/instance-app, aws-sdk-go-v2 with no keys, only the metadata
# endpoint) reads its product codes and checks out a seat of the buyer's
# contract as the buyer; once the instance terminates, those credentials
# are refused.
source "$(dirname "$0")/lib.sh"

: "${TOLLGATE_BIN:?}" "${TOLLGATE_INSTANCE_APP_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tg() { "$TOLLGATE_BIN" "$@" --endpoint-url "$ENDPOINT"; }
buyer=$DEMO_BUYER_ACCOUNT

say "the seller registers a paid-image product"
cat >"$tmp/product.json" <<'JSON'
{"Name": "Acme Analytics AMI", "Kind": "paid-image", "Description": "Analytics, by the instance-hour.",
 "InstanceTypes": ["m5.large", "m5.xlarge"],
 "Pricing": {"Hourly": {"m5.large": "0.50", "m5.xlarge": "1.00"}}}
JSON
product=$(as seller tg product create --file "$tmp/product.json") || fail "product create: $product"
code=$(jq -r .ProductCode <<<"$product")
ok "product code $code"

say "the seller registers an image, attaches the code and shares the image"
image=$(as seller awscli ec2 register-image --name "acme analytics $(uuidgen)" --description "Acme Analytics 1.0" \
	--root-device-name /dev/xvda --block-device-mappings 'DeviceName=/dev/xvda,Ebs={VolumeSize=8,VolumeType=gp3}') ||
	fail "register-image: $image"
ami=$(jq -r .ImageId <<<"$image")
[[ "$ami" =~ ^ami-[0-9a-f]{17}$ ]] || fail "image ID $ami"
as seller awscli ec2 create-tags --resources "$ami" --tags Key=product,Value=analytics
as seller awscli ec2 modify-image-attribute --image-id "$ami" --product-codes "$code" >/dev/null
as seller awscli ec2 modify-image-attribute --image-id "$ami" --launch-permission "Add=[{UserId=$buyer}]" >/dev/null
attr=$(as seller awscli ec2 describe-image-attribute --image-id "$ami" --attribute productCodes)
expect_json "$attr" '.ProductCodes[0].ProductCodeId' "$code"
expect_json "$attr" '.ProductCodes[0].ProductCodeType' marketplace
attr=$(as seller awscli ec2 describe-image-attribute --image-id "$ami" --attribute launchPermission)
expect_json "$attr" '.LaunchPermissions[0].UserId' "$buyer"
expect_aws_error UnsupportedOperation as seller awscli ec2 reset-image-attribute --image-id "$ami" --attribute productCodes

say "the buyer sees the shared image with its code; another account does not"
images=$(as buyer awscli ec2 describe-images --executable-users self --filters "Name=product-code,Values=$code")
expect_json "$images" '.Images | length' 1
expect_json "$images" '.Images[0].ImageId' "$ami"
expect_json "$images" '.Images[0].ProductCodes[0].ProductCodeId' "$code"
expect_aws_error InvalidAMIID.NotFound as operator awscli ec2 describe-images --image-ids "$ami"

say "the buyer's launch is refused until it subscribes"
out=$(as buyer awscli ec2 run-instances --image-id "$ami" --instance-type m5.large --count 1 2>&1) &&
	fail "run-instances succeeded before the buyer subscribed: $out"
[[ "$out" == *"(OptInRequired)"* ]] || fail "want OptInRequired, got: $out"
[[ "$out" == *"$ENDPOINT/purchase/$code"* ]] || fail "OptInRequired does not name the purchase URL $ENDPOINT/purchase/$code: $out"
ok "OptInRequired names $ENDPOINT/purchase/$code"

say "the buyer subscribes, and launches"
sub=$(as buyer tg subscribe --product-code "$code") || fail "subscribe: $sub"
expect_json "$sub" .Status active
expect_aws_error InvalidParameterCombination as buyer awscli ec2 run-instances --image-id "$ami" --instance-type t3.micro --count 1
run=$(as buyer awscli ec2 run-instances --image-id "$ami" --instance-type m5.large --count 1 \
	--iam-instance-profile Name=seller-app \
	--tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=analytics-1}]') || fail "run-instances: $run"
id=$(jq -r '.Instances[0].InstanceId' <<<"$run")
expect_json "$run" '.Instances[0].ProductCodes[0].ProductCodeId' "$code"
expect_json "$run" .OwnerId "$buyer"

say "DescribeInstances shows the product code"
desc=$(as buyer awscli ec2 describe-instances --filters "Name=product-code,Values=$code" "Name=instance-state-name,Values=running")
expect_json "$desc" '.Reservations[0].Instances[0].InstanceId' "$id"
expect_json "$desc" '.Reservations[0].Instances[0].ProductCodes[0].ProductCodeId' "$code"
expect_json "$desc" '.Reservations[0].Instances[0].Tags[0].Value' analytics-1
expect_json "$desc" '.Reservations[0].Instances[0].IamInstanceProfile.Arn' "arn:aws:iam::$buyer:instance-profile/seller-app"
attr=$(as buyer awscli ec2 describe-instance-attribute --instance-id "$id" --attribute productCodes)
expect_json "$attr" '.ProductCodes[0].ProductCodeId' "$code"
expect_aws_error InvalidParameterValue as buyer awscli ec2 run-instances --image-id "$ami" --instance-type m5.large --count 1 \
	--iam-instance-profile "Arn=arn:aws:iam::$DEMO_SELLER_ACCOUNT:instance-profile/seller-app"

say "the seller's software in the instance reads its product codes and checks out as the buyer, with no keys"
cat >"$tmp/contract.json" <<'JSON'
{"Name": "Acme Analytics seats", "Kind": "contract", "Description": "Seats of the analytics software.",
 "Pricing": {"Contract": {"Durations": ["P1M"], "Dimensions": [
   {"Name": "Seats", "Unit": "Count", "Type": "Configurable", "Floating": true, "Price": {"P1M": "10.00"}}]}}}
JSON
contract=$(as seller tg product create --file "$tmp/contract.json") || fail "product create: $contract"
sku=$(jq -r .ProductId <<<"$contract")
sub=$(as buyer tg subscribe --product-code "$(jq -r .ProductCode <<<"$contract")" --duration P1M --quantity Seats=2) ||
	fail "subscribe to the contract: $sub"
metadata=$(as buyer tg instance metadata-endpoint --instance-id "$id") || fail "instance metadata-endpoint: $metadata"
# Only the metadata endpoint, Tollgate's URL and the region: no keys, no
# profile, no files, so that the default chain falls through to the
# metadata service.
instance_app() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_EC2_METADATA_DISABLED \
		AWS_EC2_METADATA_SERVICE_ENDPOINT="$metadata" AWS_ENDPOINT_URL="$ENDPOINT" AWS_REGION=us-east-1 \
		"$TOLLGATE_INSTANCE_APP_BIN" -product-code "$code" -sku "$sku"
}
out=$(instance_app 2>&1) || fail "the software in the instance: $out"
grep -qxF "instance $id runs with product code $code" <<<"$out" || fail "product codes not read: $out"
grep -qxF "acting as arn:aws:sts::$buyer:assumed-role/seller-app/$id" <<<"$out" || fail "not acting as the instance's role: $out"
grep -qE "^checked out 1 Seats of arn:aws:license-manager::[0-9]{12}:license:l-" <<<"$out" || fail "no checkout: $out"
grep -qx "checked in" <<<"$out" || fail "no check-in: $out"
ok "product code $code read, a seat checked out and in as assumed-role/seller-app/$id"
# The same credentials, as the metadata service serves them to any client.
creds=$(curl -sf "${metadata}latest/meta-data/iam/security-credentials/seller-app") || fail "security-credentials: $creds"
expect_json "$creds" .Code Success
with_instance_keys() {
	AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$creds") AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$creds") \
		AWS_SESSION_TOKEN=$(jq -r .Token <<<"$creds") "$@"
}

say "the seller confirms the buyer's instance; the buyer cannot ask"
conf=$(as seller awscli ec2 confirm-product-instance --instance-id "$id" --product-code "$code")
expect_json "$conf" '.Return | tostring' true
expect_json "$conf" .OwnerId "$buyer"
expect_aws_error AuthFailure as buyer awscli ec2 confirm-product-instance --instance-id "$id" --product-code "$code"

say "rebundling: a raw snapshot of the paid Linux instance's root volume registers an image without the code; CreateImage keeps it"
vols=$(as buyer awscli ec2 describe-volumes --filters "Name=attachment.instance-id,Values=$id" "Name=attachment.device,Values=/dev/xvda")
expect_json "$vols" '.Volumes[0].State' in-use
vol=$(jq -r '.Volumes[0].VolumeId' <<<"$vols")
snap=$(as buyer awscli ec2 create-snapshot --volume-id "$vol" --description "raw copy of the root volume" \
	--tag-specifications 'ResourceType=snapshot,Tags=[{Key=Name,Value=raw}]') || fail "create-snapshot: $snap"
snap=$(jq -r .SnapshotId <<<"$snap")
as buyer awscli ec2 wait snapshot-completed --snapshot-ids "$snap" || fail "snapshot $snap did not complete"
snaps=$(as buyer awscli ec2 describe-snapshots --owner-ids self --filters "Name=volume-id,Values=$vol")
expect_json "$snaps" '.Snapshots[0].SnapshotId' "$snap"
expect_json "$snaps" '.Snapshots[0].State' completed
raw=$(as buyer awscli ec2 register-image --name "raw rebundle $(uuidgen)" --root-device-name /dev/xvda \
	--block-device-mappings "DeviceName=/dev/xvda,Ebs={SnapshotId=$snap}") || fail "register-image: $raw"
raw=$(jq -r .ImageId <<<"$raw")
img=$(as buyer awscli ec2 describe-images --image-ids "$raw")
expect_json "$img" '.Images[0].ProductCodes | length' 0
expect_json "$img" '.Images[0].PlatformDetails' Linux/UNIX
bundled=$(as buyer awscli ec2 create-image --instance-id "$id" --name "tool rebundle $(uuidgen)" --no-reboot) || fail "create-image: $bundled"
bundled=$(jq -r .ImageId <<<"$bundled")
as buyer awscli ec2 wait image-available --image-ids "$bundled" || fail "image $bundled did not become available"
img=$(as buyer awscli ec2 describe-images --image-ids "$bundled")
expect_json "$img" '.Images[0].ProductCodes[0].ProductCodeId' "$code"
# The stock CLI's model predates SourceInstanceId; the filter finds it.
img=$(as buyer awscli ec2 describe-images --owners self --filters "Name=source-instance-id,Values=$id")
expect_json "$img" '.Images[0].ImageId' "$bundled"
expect_aws_error InvalidSnapshot.InUse as buyer awscli ec2 delete-snapshot --snapshot-id "$snap"
expect_aws_error InvalidSnapshot.NotFound as seller awscli ec2 describe-snapshots --snapshot-ids "$snap"

say "stopped and terminated, the instance is no longer confirmed"
as buyer awscli ec2 stop-instances --instance-ids "$id" >/dev/null
who=$(with_instance_keys awscli sts get-caller-identity) || fail "the instance's credentials after a stop: $who"
expect_json "$who" .Arn "arn:aws:sts::$buyer:assumed-role/seller-app/$id"
conf=$(as seller awscli ec2 confirm-product-instance --instance-id "$id" --product-code "$code")
expect_json "$conf" '.Return | tostring' false
term=$(as buyer awscli ec2 terminate-instances --instance-ids "$id")
expect_json "$term" '.TerminatingInstances[0].CurrentState.Name' shutting-down
desc=$(as buyer awscli ec2 describe-instances --instance-ids "$id")
expect_json "$desc" '.Reservations[0].Instances[0].State.Name' terminated

if strict; then
	say "the terminated instance's credentials are refused at once"
	expect_aws_error InvalidClientTokenId with_instance_keys awscli sts get-caller-identity
	expect_aws_error AuthFailure with_instance_keys awscli ec2 describe-instances
	expect_aws_error UnrecognizedClientException with_instance_keys awscli license-manager list-received-licenses
fi
