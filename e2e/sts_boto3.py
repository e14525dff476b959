#!/usr/bin/env python3
"""STS GetCallerIdentity with boto3: who a key acts as, and the error codes
for a wrong secret and an unknown key (strict mode); any key accepted and the
reset endpoint (emulator mode)."""

from tollgate_e2e import *

if strict():
    for role in ("operator", "seller", "buyer"):
        say(f"{role}'s key: get_caller_identity")
        ident = client("sts", role).get_caller_identity()
        expect_eq("Account", DEMO[role]["account"], ident["Account"])
        expect_eq("Arn", f"arn:aws:iam::{DEMO[role]['account']}:root", ident["Arn"])
    expect_eq("buyer account", "333333333333", DEMO["buyer"]["account"])

    say("buyer's key with a wrong secret")
    sts = client("sts", key=DEMO["buyer"]["key"], secret="wrong-secret-wrong-secret-wrong-secret00")
    expect_error("SignatureDoesNotMatch", sts.get_caller_identity)

    say("an access key nobody registered")
    sts = client("sts", key="AKIAUNKNOWNUNKNOWN00", secret=DEMO["buyer"]["secret"])
    expect_error("InvalidClientTokenId", sts.get_caller_identity)

    say("no emulator reset in strict mode")
    expect_eq("POST /moto-api/reset status", 404, http_status("POST", "/moto-api/reset"))

if emulator():
    say("a 12-digit access key ID selects that account")
    ident = client("sts", key="210987654321", secret="anything").get_caller_identity()
    expect_eq("Account", "210987654321", ident["Account"])

    say("a registered key acts as its account, whatever the secret")
    ident = client("sts", key=DEMO["buyer"]["key"], secret="wrong-secret").get_caller_identity()
    expect_eq("Account", DEMO["buyer"]["account"], ident["Account"])

    say("any other key acts as the default account")
    ident = client("sts", key="AKIAUNKNOWNUNKNOWN00", secret="anything").get_caller_identity()
    expect_eq("Account", DEFAULT_ACCOUNT, ident["Account"])

    say("POST /moto-api/reset (moto's spelling of /_tollgate/reset)")
    expect_eq("POST /moto-api/reset status", 200, http_status("POST", "/moto-api/reset"))
    ident = client("sts", "buyer").get_caller_identity()
    expect_eq("Account after reset", DEMO["buyer"]["account"], ident["Account"])
