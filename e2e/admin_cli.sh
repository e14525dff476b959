#!/usr/bin/env bash
# The tollgate command line beside a live server, as an operator uses it:
# help and usage errors, accounts and keys created and deleted while the
# server runs (and seen by it at once), public images loaded from a
# describe-images file and seen with the AWS CLI, the clock of a real-clock
# server left alone, and a read-only command that finds no store refusing to
# make one.
source "$(dirname "$0")/lib.sh"
: "${TOLLGATE_BIN:?}" "${TOLLGATE_DATA:?}"

tg() { "$TOLLGATE_BIN" "$@"; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# run_tg CMD...: runs tollgate, keeping its stdout, stderr and exit code.
run_tg() {
	rc=0
	tg "$@" >"$scratch/out" 2>"$scratch/err" || rc=$?
	out=$(<"$scratch/out") err=$(<"$scratch/err")
}

say "help: every level answers --help with exit 0"
for args in "--help" "help" "account --help" "key create --help" "clock advance --help" "serve --help" "completion bash --help"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run_tg $args
	expect_eq "tollgate $args: exit" 0 "$rc"
	[[ "$out" == *"Usage:"* ]] || fail "tollgate $args printed no usage: $out"
done
run_tg serve --help
[[ "$out" == *"--pprof-addr"* && "$out" == *"--database-url"* ]] || fail "serve --help lacks flags: $out"
run_tg clock advance --help
[[ "$out" == *"DURATION"* && "$out" == *"30d"* ]] || fail "clock advance --help does not explain DURATION: $out"
ok "serve --help lists its flags; clock advance --help explains DURATION"

say "usage errors: exit 2, one message and a pointer to --help"
run_tg account list --bogus
expect_eq "unknown flag: exit" 2 "$rc"
expect_eq "unknown flag: stderr" $'tollgate: unknown flag: --bogus\nRun \'tollgate account list --help\' for usage.' "$err"
run_tg clock advance
expect_eq "missing DURATION: exit" 2 "$rc"
run_tg acount list
expect_eq "unknown command: exit" 2 "$rc"
[[ "$err" == *"did you mean account?"* ]] || fail "no suggestion for a misspelt command: $err"
ok "suggests account for acount"

say "account create beside the running server, which accepts its key at once"
run_tg account create --name "e2e admin" --email e2e@example.com
expect_eq "account create: exit" 0 "$rc"
expect_eq "account create: stderr" "tollgate: store: SQLite at $(realpath "$TOLLGATE_DATA")/tollgate.db" "$err"
account=$(jq -r .AccountId <<<"$out") key=$(jq -r .AccessKeyId <<<"$out") secret=$(jq -r .SecretAccessKey <<<"$out")
got=$(with_keys "$key" "$secret" awscli sts get-caller-identity) || fail "get-caller-identity with the new key: $got"
expect_json "$got" .Account "$account"
run_tg account list
expect_json "$out" "[.[] | select(.AccountId == \"$account\") | .Email] | .[0]" e2e@example.com

say "key create and key delete; the server refuses a deleted key within seconds"
run_tg key create --account "$account"
expect_eq "key create: exit" 0 "$rc"
key2=$(jq -r .AccessKeyId <<<"$out") secret2=$(jq -r .SecretAccessKey <<<"$out")
got=$(with_keys "$key2" "$secret2" awscli sts get-caller-identity) || fail "get-caller-identity with the second key: $got"
expect_json "$got" .Account "$account"
run_tg key delete --access-key-id "$key2"
expect_json "$out" .Deleted "$key2"
# Strict mode refuses the deleted key; emulator mode lets it act as the
# default account, as any unknown key does.
for _ in $(seq 1 50); do
	if strict; then
		if ! with_keys "$key2" "$secret2" awscli sts get-caller-identity >/dev/null 2>&1; then break; fi
	else
		got=$(with_keys "$key2" "$secret2" awscli sts get-caller-identity)
		[[ "$(jq -r .Account <<<"$got")" == "$TOLLGATE_DEFAULT_ACCOUNT" ]] && break
	fi
	sleep 0.1
done
if strict; then
	expect_aws_error InvalidClientTokenId with_keys "$key2" "$secret2" awscli sts get-caller-identity
else
	got=$(with_keys "$key2" "$secret2" awscli sts get-caller-identity)
	expect_json "$got" .Account "$TOLLGATE_DEFAULT_ACCOUNT"
fi
run_tg key delete --access-key-id "$key2"
expect_eq "deleting it again: exit" 1 "$rc"
run_tg key create --account 999999999999
expect_eq "key for an unknown account: exit" 1 "$rc"

say "images load-public: the operator's public images, seen by every account with the AWS CLI"
run_tg images load-public --help
[[ "$out" == *"describe-images"* && "$out" == *"ImageOwnerAlias"* ]] || fail "images load-public --help does not describe FILE: $out"
images="$(dirname "$0")/testdata/public_images.json"
for _ in 1 2; do
	run_tg images load-public "$images"
	expect_eq "images load-public: exit" 0 "$rc"
	expect_json "$out" .Loaded 2
done
got=$(as buyer awscli ec2 describe-images --owners amazon) || fail "describe-images --owners amazon: $got"
expect_json "$got" '.Images | length' 1
expect_json "$got" '.Images[0].ImageId' ami-0e2e0000000000001
expect_json "$got" '.Images[0].ImageOwnerAlias' amazon
expect_json "$got" '.Images[0].OwnerId' 137112412989
expect_json "$got" '.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId' snap-0e2e0000000000001
got=$(as seller awscli ec2 describe-images --owners aws-marketplace --filters Name=platform,Values=windows) || fail "describe-images --owners aws-marketplace: $got"
expect_json "$got" '.Images[0].ProductCodes[0].ProductCodeId' e2eacmefirewall0000000001
expect_json "$got" '.Images[0].BlockDeviceMappings[1].VirtualName' ephemeral0
expect_aws_error OptInRequired as buyer awscli ec2 run-instances --image-id ami-0e2e0000000000002 --instance-type m5.large --count 1
echo '{"Images": [{"ImageId": "ami-0e2e0000000000003", "OwnerId": "137112412989", "Name": "x"}]}' >"$scratch/bad.json"
run_tg images load-public "$scratch/bad.json"
expect_eq "a bad images file: exit" 1 "$rc"
[[ "$err" == *"Images[0].Name (image ami-0e2e0000000000003) AMI names must be between 3 and 128 characters"* ]] || fail "a bad images file: $err"
ok "refused, naming the image and the field"

say "an instance of the public image: instance-status-ok, its type and a new one while stopped"
got=$(as buyer awscli ec2 run-instances --image-id ami-0e2e0000000000001 --instance-type t3.micro --count 1) || fail "run-instances: $got"
instance=$(jq -r '.Instances[0].InstanceId' <<<"$got")
as buyer awscli ec2 wait instance-status-ok --instance-ids "$instance" || fail "wait instance-status-ok"
got=$(as buyer awscli ec2 describe-instance-status --instance-ids "$instance")
expect_json "$got" '.InstanceStatuses[0].InstanceStatus.Status' ok
expect_json "$got" '.InstanceStatuses[0].SystemStatus.Details[0].Status' passed
got=$(as buyer awscli ec2 describe-instance-types --instance-types t3.micro)
expect_json "$got" '.InstanceTypes[0].VCpuInfo.DefaultVCpus' 2
expect_json "$got" '.InstanceTypes[0].MemoryInfo.SizeInMiB' 1024
got=$(as buyer awscli ec2 describe-instance-types --filters Name=current-generation,Values=true Name=processor-info.supported-architecture,Values=x86_64 Name=instance-type,Values='t3.*')
expect_json "$got" '.InstanceTypes | length' 7
expect_aws_error InvalidInstanceType as buyer awscli ec2 describe-instance-types --instance-types t1.nonesuch
expect_aws_error IncorrectInstanceState as buyer awscli ec2 modify-instance-attribute --instance-id "$instance" --instance-type t3.small
as buyer awscli ec2 stop-instances --instance-ids "$instance" >/dev/null
as buyer awscli ec2 modify-instance-attribute --instance-id "$instance" --instance-type t3.small || fail "modify-instance-attribute"
got=$(as buyer awscli ec2 describe-instance-attribute --instance-id "$instance" --attribute instanceType)
expect_json "$got" .InstanceType.Value t3.small
as buyer awscli ec2 terminate-instances --instance-ids "$instance" >/dev/null

say "the server runs on the real clock: the clock commands leave it alone"
run_tg clock show
expect_json "$out" .Mode real
run_tg clock advance 61m
expect_eq "clock advance on a real-clock server: exit" 1 "$rc"
[[ "$err" == *"real clock"*"--clock simulated"* ]] || fail "clock advance on a real-clock store: $err"
ok "refused: ${err##*$'\n'}"
run_tg clock show
expect_json "$out" .Mode real

say "a read-only command where there is no store refuses to create one"
mkdir "$scratch/elsewhere"
rc=0
err=$(cd "$scratch/elsewhere" && env -u TOLLGATE_DATA -u TOLLGATE_DATABASE_URL "$TOLLGATE_BIN" account list 2>&1 >/dev/null) || rc=$?
expect_eq "account list with no store: exit" 1 "$rc"
[[ "$err" == "tollgate: no store at $scratch/elsewhere/tollgate-data/tollgate.db; "* ]] || fail "account list with no store: $err"
[[ ! -e "$scratch/elsewhere/tollgate-data" ]] || fail "account list created ./tollgate-data"
ok "no ./tollgate-data left behind"
