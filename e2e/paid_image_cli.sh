#!/usr/bin/env bash
# The paid-image flow of seeds 000 and 001 with the stock AWS CLI v2: the
# seller registers a paid-image product and an image, attaches the product
# code and shares the image with the buyer; the buyer's launch is refused
# with OptInRequired naming the purchase URL until the buyer subscribes;
# then it launches, and DescribeInstances shows the product code; the
# seller's ConfirmProductInstance answers true with the buyer's account, and
# the buyer's own on the seller's code is refused. Rebundling: an image
# the buyer registers from a raw snapshot of the instance's root volume has
# no product code (Linux), one it makes with CreateImage keeps it.
source "$(dirname "$0")/lib.sh"

: "${TOLLGATE_BIN:?}"
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
	--tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=analytics-1}]') || fail "run-instances: $run"
id=$(jq -r '.Instances[0].InstanceId' <<<"$run")
expect_json "$run" '.Instances[0].ProductCodes[0].ProductCodeId' "$code"
expect_json "$run" .OwnerId "$buyer"

say "DescribeInstances shows the product code"
desc=$(as buyer awscli ec2 describe-instances --filters "Name=product-code,Values=$code" "Name=instance-state-name,Values=running")
expect_json "$desc" '.Reservations[0].Instances[0].InstanceId' "$id"
expect_json "$desc" '.Reservations[0].Instances[0].ProductCodes[0].ProductCodeId' "$code"
expect_json "$desc" '.Reservations[0].Instances[0].Tags[0].Value' analytics-1
attr=$(as buyer awscli ec2 describe-instance-attribute --instance-id "$id" --attribute productCodes)
expect_json "$attr" '.ProductCodes[0].ProductCodeId' "$code"

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
conf=$(as seller awscli ec2 confirm-product-instance --instance-id "$id" --product-code "$code")
expect_json "$conf" '.Return | tostring' false
term=$(as buyer awscli ec2 terminate-instances --instance-ids "$id")
expect_json "$term" '.TerminatingInstances[0].CurrentState.Name' shutting-down
desc=$(as buyer awscli ec2 describe-instances --instance-ids "$id")
expect_json "$desc" '.Reservations[0].Instances[0].State.Name' terminated
