#!/usr/bin/env python3
"""The instance metadata service with botocore and boto3, as software inside
a buyer's paid instance sees it: the buyer launches the seller's paid image
(requiring IMDSv2 tokens, with an instance profile), `tollgate instance
metadata-endpoint` gives the instance's endpoint, and with only
AWS_EC2_METADATA_SERVICE_ENDPOINT set botocore's fetchers read the instance
ID, product codes and region, the identity document verifies under the
certificate the platform publishes, and boto3's default credential chain
(and the AWS CLI v2's) finds the role's credentials and acts as the buyer. Nobody else gets the
endpoint; a terminated instance answers nothing."""

import base64
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid

import boto3
import botocore.session
from botocore.utils import InstanceMetadataFetcher, InstanceMetadataRegionFetcher, IMDSFetcher

from tollgate_e2e import *

BIN = os.environ["TOLLGATE_BIN"]
buyer_account = DEMO["buyer"]["account"]


def tollgate(role, *args, check=True):
    """Run a tollgate client command as a demo party; return its output."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=DEMO[role]["key"], AWS_SECRET_ACCESS_KEY=DEMO[role]["secret"])
    out = subprocess.run([BIN, *args, "--endpoint-url", ENDPOINT], env=env, capture_output=True, text=True)
    if check and out.returncode != 0:
        fail(f"tollgate {' '.join(args)}: {out.stderr}{out.stdout}")
    return out


seller, buyer = client("ec2", "seller"), client("ec2", "buyer")

say("the seller sells an image; the buyer subscribes and launches it, requiring IMDSv2")
with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
    json.dump({"Name": "Acme IMDS AMI (boto3)", "Kind": "paid-image", "InstanceTypes": ["m5.large"],
               "Pricing": {"Hourly": {"m5.large": "0.50"}}}, f)
    f.flush()
    code = json.loads(tollgate("seller", "product", "create", "--file", f.name).stdout)["ProductCode"]
ami = seller.register_image(Name=f"acme imds {uuid.uuid4()}")["ImageId"]
seller.modify_image_attribute(ImageId=ami, ProductCodes=[code])
seller.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"UserId": buyer_account}]})
tollgate("buyer", "subscribe", "--product-code", code)
res = buyer.run_instances(ImageId=ami, InstanceType="m5.large", MinCount=1, MaxCount=1,
                          MetadataOptions={"HttpTokens": "required"}, IamInstanceProfile={"Name": "acme-agent"})
instance = res["Instances"][0]
instance_id = instance["InstanceId"]
expect_eq("metadata options", "required", instance["MetadataOptions"]["HttpTokens"])
ok(f"instance {instance_id}")

say("the buyer gets the instance's metadata endpoint; the seller does not")
endpoint = tollgate("buyer", "instance", "metadata-endpoint", "--instance-id", instance_id).stdout.strip()
if f"/{instance_id}/" not in endpoint:
    fail(f"endpoint {endpoint!r} does not name the instance")
refused = tollgate("seller", "instance", "metadata-endpoint", "--instance-id", instance_id, check=False)
expect_eq("the seller's exit status", 1, refused.returncode)
ok(endpoint)

# Software in the instance: only the endpoint variable, no keys at all.
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(name, None)
os.environ["AWS_EC2_METADATA_DISABLED"] = "false"
os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoint
session = botocore.session.get_session()
config = {"ec2_metadata_service_endpoint": session.get_config_variable("ec2_metadata_service_endpoint")}
expect_eq("the endpoint botocore resolves", endpoint, config["ec2_metadata_service_endpoint"])

say("botocore's fetchers read the instance as the instance")
fetcher = IMDSFetcher(timeout=5, num_attempts=2, config=config)
token = fetcher._fetch_metadata_token()
if not token:
    fail("no IMDSv2 token")


def get(path):
    resp = fetcher._get_request(path, None, token)
    expect_eq(f"status of {path}", 200, resp.status_code)
    return resp.text


expect_eq("instance-id", instance_id, get("latest/meta-data/instance-id"))
expect_eq("product-codes", code, get("latest/meta-data/product-codes"))
expect_eq("ami-id", ami, get("latest/meta-data/ami-id"))
expect_eq("region", REGION, InstanceMetadataRegionFetcher(timeout=5, num_attempts=2, config=config).retrieve_region())
document = get("latest/dynamic/instance-identity/document")
doc = json.loads(document)
expect_eq("document's account", buyer_account, doc["accountId"])
expect_eq("document's marketplace codes", [code], doc["marketplaceProductCodes"])

say("IMDSv1 is refused: the instance requires tokens")
url = "http://" + endpoint.split("@", 1)[1] + "latest/meta-data/instance-id"
try:
    urllib.request.urlopen(url)
    fail("an IMDSv1 request was answered")
except urllib.error.HTTPError as e:
    expect_eq("IMDSv1 status", 401, e.code)

say("the document verifies under the certificate the platform publishes (openssl)")
cert = subprocess.run([BIN, "platform", "identity-certificate", "--endpoint-url", ENDPOINT], capture_output=True, text=True, check=True).stdout
with tempfile.TemporaryDirectory() as d:
    paths = {n: os.path.join(d, n) for n in ("cert.pem", "doc.json", "sig", "pkcs7.pem")}
    open(paths["cert.pem"], "w").write(cert)
    open(paths["doc.json"], "w").write(document)
    open(paths["sig"], "wb").write(base64.b64decode(get("latest/dynamic/instance-identity/signature")))
    open(paths["pkcs7.pem"], "w").write("-----BEGIN PKCS7-----\n" + get("latest/dynamic/instance-identity/pkcs7") + "\n-----END PKCS7-----\n")
    pub = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", paths["cert.pem"]], capture_output=True, text=True, check=True).stdout
    open(os.path.join(d, "pub.pem"), "w").write(pub)
    dgst = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(d, "pub.pem"), "-signature", paths["sig"], paths["doc.json"]],
                          capture_output=True, text=True)
    expect_eq("openssl dgst -verify", "Verified OK", dgst.stdout.strip())
    smime = subprocess.run(["openssl", "smime", "-verify", "-in", paths["pkcs7.pem"], "-inform", "PEM", "-certfile", paths["cert.pem"],
                            "-noverify"], capture_output=True, text=True)
    expect_eq("openssl smime -verify", 0, smime.returncode)
    expect_eq("the content openssl verified", document, smime.stdout)
    open(paths["doc.json"], "w").write(document.replace(buyer_account, "999999999999"))
    tampered = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(d, "pub.pem"), "-signature", paths["sig"], paths["doc.json"]],
                              capture_output=True, text=True)
    if tampered.returncode == 0:
        fail("a tampered document verified")

say("boto3's default credential chain finds the role's credentials and acts as the buyer")
creds = InstanceMetadataFetcher(timeout=5, num_attempts=2, config=config).retrieve_iam_role_credentials()
expect_eq("role", "acme-agent", creds.get("role_name"))
if not creds.get("access_key", "").startswith("ASIA") or not creds.get("token"):
    fail(f"instance credentials {creds!r}")
chain = boto3.Session(region_name=REGION)
expect_eq("credential source", "iam-role", chain.get_credentials().method)
identity = chain.client("sts", endpoint_url=ENDPOINT).get_caller_identity()
if strict():
    expect_eq("caller's account", buyer_account, identity["Account"])
    if instance_id not in identity["Arn"]:
        fail(f"the caller {identity['Arn']} does not name the instance")

say("the AWS CLI v2 finds the same credentials with nothing configured")
cli = subprocess.run(["/usr/bin/aws", "--endpoint-url", ENDPOINT, "--output", "json", "sts", "get-caller-identity"],
                     env=dict(os.environ), capture_output=True, text=True)
if cli.returncode != 0:
    fail(f"aws sts get-caller-identity: {cli.stderr}")
if strict():
    expect_eq("the AWS CLI's account", buyer_account, json.loads(cli.stdout)["Account"])

say("a terminated instance answers nothing")
client("ec2", "buyer").terminate_instances(InstanceIds=[instance_id])
try:
    urllib.request.urlopen(urllib.request.Request(url, headers={"X-aws-ec2-metadata-token": token}))
    fail("a terminated instance was answered")
except urllib.error.HTTPError as e:
    expect_eq("terminated instance's status", 404, e.code)
ok("done")
