#!/usr/bin/env python3
"""The user guide's SaaS flow with boto3: an ISV creates, in its own account,
a license for each customer it knows only by an identifier, and checks the
licenses out from its own account on the customer's behalf by naming the
customer as Beneficiary, with no grant. Each customer's license is its own
pool: what one customer draws down, another still has."""
import datetime
import uuid

from tollgate_e2e import *

seller = DEMO["seller"]["account"]
lm = client("license-manager", "seller")
sku = str(uuid.uuid4())
fingerprint = f"aws:{seller}:Self:issuer-fingerprint"
now = datetime.datetime.now(datetime.timezone.utc)


def create_license(beneficiary):
    """The ISV's license for one customer, as the guide's create-license."""
    return lm.create_license(
        LicenseName="SaaS subscription",
        ProductName="Test Product",
        ProductSKU=sku,
        Issuer={"Name": "Self"},
        HomeRegion=REGION,
        Validity={
            "Begin": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "End": (now + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        },
        Entitlements=[
            {"Name": "DataTransfer", "Unit": "Gigabytes", "MaxCount": 10, "Overage": False, "AllowCheckIn": True},
            {"Name": "DataStorage", "Unit": "Gigabytes", "MaxCount": 5, "Overage": False, "AllowCheckIn": True},
        ],
        Beneficiary=beneficiary,
        ConsumptionConfiguration={"RenewType": "None", "ProvisionalConfiguration": {"MaxTimeToLiveInMinutes": 60}},
        ClientToken=str(uuid.uuid4()),
    )["LicenseArn"]


def checkout(beneficiary, entitlements, checkout_type="PERPETUAL"):
    """The guide's CheckoutLicense, from the ISV's own account."""
    return lm.checkout_license(
        ProductSKU=sku,
        CheckoutType=checkout_type,
        KeyFingerprint=fingerprint,
        Entitlements=entitlements,
        ClientToken=str(uuid.uuid4()),
        Beneficiary=beneficiary,
    )


def usage(arn):
    out = lm.get_license_usage(LicenseArn=arn)["LicenseUsage"]["EntitlementUsages"]
    return {u["Name"]: f'{u["ConsumedValue"]}/{u["MaxCount"]}' for u in out}


say("seller: a license for user@domain.com and one for other@domain.com")
user_license = create_license("user@domain.com")
other_license = create_license("other@domain.com")

say("seller: check out the guide's entitlements for user@domain.com")
out = checkout("user@domain.com", [
    {"Name": "DataTransfer", "Unit": "Gigabytes", "Value": "10"},
    {"Name": "DataStorage", "Unit": "Gigabytes", "Value": "5"},
])
expect_eq("LicenseArn", user_license, out["LicenseArn"])
expect_eq("EntitlementsAllowed", [("DataTransfer", "10"), ("DataStorage", "5")],
          [(e["Name"], e["Value"]) for e in out["EntitlementsAllowed"]])
if not out.get("SignedToken") or not out.get("LicenseConsumptionToken"):
    fail(f"no signed token or consumption token: {out}")
ok("a signed token and a consumption token")

say("user@domain.com's pool is drawn down; other@domain.com's is not")
expect_error("NoEntitlementsAllowedException", checkout, "user@domain.com",
             [{"Name": "DataTransfer", "Unit": "Gigabytes", "Value": "1"}])
checkout("other@domain.com", [{"Name": "DataTransfer", "Unit": "Gigabytes", "Value": "4"}])
expect_eq("usage of user@domain.com", {"DataTransfer": "10/10", "DataStorage": "5/5"}, usage(user_license))
expect_eq("usage of other@domain.com", {"DataTransfer": "4/10", "DataStorage": "0/5"}, usage(other_license))

say("a floating checkout for other@domain.com, checked in by the ISV")
floating = checkout("other@domain.com", [{"Name": "DataStorage", "Unit": "Gigabytes", "Value": "5"}], "PROVISIONAL")
expect_eq("DataStorage in use", "5/5", usage(other_license)["DataStorage"])
lm.extend_license_consumption(LicenseConsumptionToken=floating["LicenseConsumptionToken"])
lm.check_in_license(LicenseConsumptionToken=floating["LicenseConsumptionToken"], Beneficiary="other@domain.com")
expect_eq("DataStorage after check-in", "0/5", usage(other_license)["DataStorage"])

say("what finds nothing: no beneficiary, an unknown one, another account")
expect_error("NoEntitlementsAllowedException", checkout, "nobody@domain.com",
             [{"Name": "DataTransfer", "Unit": "Gigabytes", "Value": "1"}])
expect_error("NoEntitlementsAllowedException", lm.checkout_license, ProductSKU=sku, CheckoutType="PERPETUAL",
             KeyFingerprint=fingerprint, ClientToken=str(uuid.uuid4()),
             Entitlements=[{"Name": "DataTransfer", "Unit": "Gigabytes", "Value": "1"}])
buyer = client("license-manager", "buyer")
expect_error("NoEntitlementsAllowedException", buyer.checkout_license, ProductSKU=sku, CheckoutType="PERPETUAL",
             KeyFingerprint=fingerprint, ClientToken=str(uuid.uuid4()), Beneficiary="other@domain.com",
             Entitlements=[{"Name": "DataTransfer", "Unit": "Gigabytes", "Value": "1"}])
