#!/usr/bin/env python3
"""The paid-image flow of seeds 000 and 001 with boto3: the seller registers
a paid-image product and an image, attaches the code and shares the image;
the buyer's launch is refused with OptInRequired naming the purchase URL
until the buyer subscribes; then it launches, and DescribeInstances shows
the code; the seller's ConfirmProductInstance answers true with the buyer's
account, the buyer's own is refused. Rebundling: an image the buyer registers
or imports from a raw snapshot of the instance's root volume has no product
code (Linux); CreateImage and CopyImage keep it. In emulator mode, an account selected
by its 12-digit key owns what it registers, as in test suites written for
moto or LocalStack."""

import json
import os
import subprocess
import tempfile
import uuid

from tollgate_e2e import *

BIN = os.environ["TOLLGATE_BIN"]
buyer_account = DEMO["buyer"]["account"]


def tollgate(role, *args):
    """Run a tollgate client command as a demo party; return its JSON."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=DEMO[role]["key"], AWS_SECRET_ACCESS_KEY=DEMO[role]["secret"])
    out = subprocess.run([BIN, *args, "--endpoint-url", ENDPOINT], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"tollgate {' '.join(args)}: {out.stderr}{out.stdout}")
    return json.loads(out.stdout)


seller, buyer, operator = client("ec2", "seller"), client("ec2", "buyer"), client("ec2", "operator")

say("the seller registers a paid-image product")


def create_product(name):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump({"Name": name, "Kind": "paid-image", "InstanceTypes": ["m5.large"],
                   "Pricing": {"Hourly": {"m5.large": "0.50"}}}, f)
        f.flush()
        return tollgate("seller", "product", "create", "--file", f.name)["ProductCode"]


code = create_product("Acme Analytics AMI (boto3)")
other_code = create_product("Acme Reports AMI (boto3)")
ok(f"product codes {code}, {other_code}")

say("the seller registers an image, attaches the code and shares the image")
ami = seller.register_image(
    Name=f"acme analytics {uuid.uuid4()}", RootDeviceName="/dev/xvda",
    BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}],
    TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "product", "Value": "analytics"}]}])["ImageId"]
seller.modify_image_attribute(ImageId=ami, ProductCodes=[code])
seller.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"UserId": buyer_account}]})
codes = seller.describe_image_attribute(ImageId=ami, Attribute="productCodes")["ProductCodes"]
expect_eq("product codes", [{"ProductCodeId": code, "ProductCodeType": "marketplace"}], codes)
expect_error("UnsupportedOperation", seller.modify_image_attribute, ImageId=ami, ProductCodes=[other_code])
expect_error("InvalidParameterValue", seller.modify_image_attribute, ImageId=ami, ProductCodes=["nosuchcode0000000000"])
image = seller.describe_images(ImageIds=[ami])["Images"][0]
expect_eq("tags", [{"Key": "product", "Value": "analytics"}], image["Tags"])

say("the buyer sees the image; another account does not")
shared = buyer.describe_images(ExecutableUsers=["self"], Filters=[{"Name": "product-code", "Values": [code]}])["Images"]
expect_eq("shared images", [ami], [i["ImageId"] for i in shared])
expect_eq("another account's listing", [], operator.describe_images(Owners=[DEMO["seller"]["account"]])["Images"])
expect_error("InvalidAMIID.NotFound", operator.describe_images, ImageIds=[ami])

say("the buyer's launch is refused until it subscribes")
err = expect_error("OptInRequired", buyer.run_instances, ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1)
url = f"{ENDPOINT}/purchase/{code}"
if url not in err.response["Error"]["Message"]:
    fail(f"OptInRequired does not name {url}: {err.response['Error']['Message']}")
ok(f"OptInRequired names {url}")

say("the buyer subscribes, and launches")
expect_eq("subscription status", "active", tollgate("buyer", "subscribe", "--product-code", code)["Status"])
res = buyer.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1)
instance_id = res["Instances"][0]["InstanceId"]
expect_eq("launched state", "pending", res["Instances"][0]["State"]["Name"])
waiter = buyer.get_waiter("instance_running")
waiter.wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
desc = buyer.describe_instances(Filters=[{"Name": "product-code", "Values": [code]}])
instances = [i for r in desc["Reservations"] for i in r["Instances"]]
expect_eq("instances with the code", [instance_id], [i["InstanceId"] for i in instances])
expect_eq("their product codes", [{"ProductCodeId": code, "ProductCodeType": "marketplace"}], instances[0]["ProductCodes"])

say("the seller confirms the buyer's instance; the buyer cannot ask")
conf = seller.confirm_product_instance(InstanceId=instance_id, ProductCode=code)
expect_eq("Return", True, conf["Return"])
expect_eq("OwnerId", buyer_account, conf["OwnerId"])
expect_error("AuthFailure", buyer.confirm_product_instance, InstanceId=instance_id, ProductCode=code)

say("rebundling: a raw snapshot of the paid Linux instance registers an image without the code; CreateImage keeps it")
vols = buyer.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"]
root = [v for v in vols if v["Attachments"][0]["Device"] == "/dev/xvda"]
expect_eq("root volumes", 1, len(root))
snap = buyer.create_snapshot(VolumeId=root[0]["VolumeId"], Description="raw copy",
                             TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "Name", "Value": "raw"}]}])
expect_eq("snapshot answered", "pending", snap["State"])
buyer.get_waiter("snapshot_completed").wait(SnapshotIds=[snap["SnapshotId"]], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
raw = buyer.register_image(Name=f"raw rebundle {uuid.uuid4()}", RootDeviceName="/dev/xvda",
                           BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap["SnapshotId"]}}])["ImageId"]
expect_eq("raw rebundle's product codes", [], buyer.describe_images(ImageIds=[raw])["Images"][0].get("ProductCodes", []))
bundled = buyer.create_image(InstanceId=instance_id, Name=f"tool rebundle {uuid.uuid4()}", NoReboot=True)["ImageId"]
buyer.get_waiter("image_available").wait(ImageIds=[bundled], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
image = buyer.describe_images(ImageIds=[bundled])["Images"][0]
expect_eq("CreateImage's product codes", [{"ProductCodeId": code, "ProductCodeType": "marketplace"}], image["ProductCodes"])
expect_eq("CreateImage's source", instance_id, image["SourceInstanceId"])
copied = buyer.copy_image(SourceImageId=ami, SourceRegion="us-east-1", Name=f"copy {uuid.uuid4()}", ClientToken=str(uuid.uuid4()))["ImageId"]
expect_eq("CopyImage's product codes", [{"ProductCodeId": code, "ProductCodeType": "marketplace"}],
          buyer.describe_images(ImageIds=[copied])["Images"][0]["ProductCodes"])
task = buyer.import_image(Platform="Linux", DiskContainers=[{"SnapshotId": snap["SnapshotId"]}])
done = buyer.describe_import_image_tasks(ImportTaskIds=[task["ImportTaskId"]])["ImportImageTasks"][0]
expect_eq("import task", "completed", done["Status"])
expect_eq("imported image's product codes", [], buyer.describe_images(ImageIds=[done["ImageId"]])["Images"][0].get("ProductCodes", []))
expect_error("InvalidSnapshot.InUse", buyer.delete_snapshot, SnapshotId=snap["SnapshotId"])
expect_error("InvalidSnapshot.NotFound", seller.describe_snapshots, SnapshotIds=[snap["SnapshotId"]])

say("bad input gets EC2 errors")
expect_error("InvalidAMIID.Malformed", buyer.run_instances, ImageId="ami-nope", InstanceType="m5.large", MinCount=1, MaxCount=1)
expect_error("InvalidParameterValue", buyer.run_instances, ImageId=ami, InstanceType="m5.large", MinCount=2, MaxCount=1)
expect_error("InvalidInstanceID.Malformed", buyer.terminate_instances, InstanceIds=["i-nope"])
expect_error("InvalidInstanceID.NotFound", seller.terminate_instances, InstanceIds=[instance_id])
expect_error("InvalidAMIName.Malformed", seller.register_image, Name="x" * 10000)

buyer.terminate_instances(InstanceIds=[instance_id])
buyer.get_waiter("instance_terminated").wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
ok("terminated")
expect_error("IncorrectInstanceState", buyer.create_image, InstanceId=instance_id, Name=f"too late {uuid.uuid4()}")

if emulator():
    say("a 12-digit key selects the account that owns what it registers")
    other = client("ec2", key="210987654321", secret="anything")
    mine = other.register_image(Name=f"emulated {uuid.uuid4()}")["ImageId"]
    owned = other.describe_images(Owners=["self"])["Images"]
    expect_eq("owner", "210987654321", owned[0]["OwnerId"])
    expect_eq("image", mine, owned[0]["ImageId"])
