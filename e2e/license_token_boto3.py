#!/usr/bin/env python3
"""The user guide's token flow for ISV customers without an AWS account,
with boto3: the ISV creates a license for a customer and a refresh token for
it (CreateToken); the customer's software, with no AWS credentials of its
own, gets an access token (GetAccessToken, unsigned), assumes the ISV's
AWSLicenseManagerConsumptionRole with it (sts:AssumeRoleWithWebIdentity),
and checks the license out with the temporary credentials, which serve that
license only."""
import base64
import datetime
import json
import uuid

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from tollgate_e2e import *

seller = DEMO["seller"]["account"]
sku = str(uuid.uuid4())
fingerprint = f"aws:{seller}:Self:issuer-fingerprint"
role_arn = f"arn:aws:iam::{seller}:role/AWSLicenseManagerConsumptionRole"
customer_id = f"customer-{uuid.uuid4()}@example.com"
no_retries = Config(retries={"max_attempts": 1, "mode": "standard"})


def claims(jwt):
    """The payload of a JWT, unverified (the server verifies it)."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- The ISV, in its own account -------------------------------------------
isv = client("license-manager", "seller")
now = datetime.datetime.now(datetime.timezone.utc)
license_arn = isv.create_license(
    LicenseName="On-premises subscription", ProductName="Test Product", ProductSKU=sku,
    Issuer={"Name": "Self"}, HomeRegion=REGION, Beneficiary=customer_id,
    Validity={"Begin": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
              "End": (now + datetime.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S.000Z")},
    Entitlements=[{"Name": "Users", "Unit": "Count", "MaxCount": 5, "Overage": False, "AllowCheckIn": True}],
    ConsumptionConfiguration={"RenewType": "None", "ProvisionalConfiguration": {"MaxTimeToLiveInMinutes": 60}},
    ClientToken=str(uuid.uuid4()),
)["LicenseArn"]
other_arn = isv.create_license(
    LicenseName="Another customer", ProductName="Test Product", ProductSKU=sku,
    Issuer={"Name": "Self"}, HomeRegion=REGION, Beneficiary="someone-else@example.com",
    Validity={"Begin": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")},
    Entitlements=[{"Name": "Users", "Unit": "Count", "MaxCount": 5, "Overage": False, "AllowCheckIn": True}],
    ConsumptionConfiguration={"RenewType": "None"}, ClientToken=str(uuid.uuid4()),
)["LicenseArn"]

say("step 1: CreateToken, a refresh token encoded as a JWT")
client_token = str(uuid.uuid4())
token = isv.create_token(LicenseArn=license_arn, RoleArns=[role_arn], TokenProperties=["site-a"],
                         ClientToken=client_token)
refresh = claims(token["Token"])
expect_eq("aud claim", license_arn, refresh["aud"])
expect_eq("amr claim", ["site-a"], refresh["amr"])
again = isv.create_token(LicenseArn=license_arn, RoleArns=[role_arn], TokenProperties=["site-a"],
                         ClientToken=client_token)
expect_eq("the same ClientToken gets the same token", token["TokenId"], again["TokenId"])

# --- The customer's software, without AWS credentials -----------------------
say("step 2: GetAccessToken, unsigned")
anonymous = boto3.session.Session(region_name=REGION).client(
    "license-manager", endpoint_url=ENDPOINT, config=Config(signature_version=UNSIGNED, retries=no_retries.retries))
access_token = anonymous.get_access_token(Token=token["Token"], TokenProperties=["site-a"])["AccessToken"]
expect_eq("access token aud", license_arn, claims(access_token)["aud"])
expect_error("AccessDeniedException", anonymous.get_access_token, Token=token["Token"], TokenProperties=["site-b"])

say("step 3: AssumeRoleWithWebIdentity, with the AWSLicenseManagerConsumptionRole")
sts = boto3.session.Session(region_name=REGION).client("sts", endpoint_url=ENDPOINT, config=no_retries)
assumed = sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="on-premises",
                                            WebIdentityToken=access_token, DurationSeconds=3600)
creds = assumed["Credentials"]
expect_eq("AssumedRoleUser", f"arn:aws:sts::{seller}:assumed-role/AWSLicenseManagerConsumptionRole/on-premises",
          assumed["AssumedRoleUser"]["Arn"])
expect_error("AccessDenied", sts.assume_role_with_web_identity, RoleArn="arn:aws:iam::123456789012:role/Other",
             RoleSessionName="on-premises", WebIdentityToken=access_token)

say("step 4: License Manager with the temporary credentials")
session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"], region_name=REGION)
lm = session.client("license-manager", endpoint_url=ENDPOINT, config=no_retries)
expect_eq("GetCallerIdentity", assumed["AssumedRoleUser"]["Arn"],
          session.client("sts", endpoint_url=ENDPOINT, config=no_retries).get_caller_identity()["Arn"])
out = lm.checkout_license(ProductSKU=sku, CheckoutType="PROVISIONAL", KeyFingerprint=fingerprint,
                          Entitlements=[{"Name": "Users", "Unit": "Count", "Value": "1"}],
                          Beneficiary=customer_id, ClientToken=str(uuid.uuid4()))
expect_eq("checked out", license_arn, out["LicenseArn"])
lm.extend_license_consumption(LicenseConsumptionToken=out["LicenseConsumptionToken"])
expect_eq("GetLicense", license_arn, lm.get_license(LicenseArn=license_arn)["License"]["LicenseArn"])
lm.check_in_license(LicenseConsumptionToken=out["LicenseConsumptionToken"])
ok("extended and checked in")

say("the credentials serve that license only")
expect_error("AccessDeniedException", lm.get_license, LicenseArn=other_arn)
expect_error("NoEntitlementsAllowedException", lm.checkout_license, ProductSKU=sku, CheckoutType="PROVISIONAL",
             KeyFingerprint=fingerprint, Entitlements=[{"Name": "Users", "Unit": "Count", "Value": "1"}],
             Beneficiary="someone-else@example.com", ClientToken=str(uuid.uuid4()))
expect_error("AccessDeniedException", lm.list_licenses)

say("a deleted token shows DELETED and buys nothing")
isv.delete_token(TokenId=token["TokenId"])
listed = isv.list_tokens(TokenIds=[token["TokenId"]])["Tokens"]
expect_eq("status", "DELETED", listed[0]["Status"])
expect_error("AccessDeniedException", anonymous.get_access_token, Token=token["Token"])
expect_error("InvalidIdentityToken", sts.assume_role_with_web_identity, RoleArn=role_arn,
             RoleSessionName="on-premises", WebIdentityToken=access_token)
