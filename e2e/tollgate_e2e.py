"""Helpers for the boto3 end-to-end scripts (e2e/*_boto3.py).

Import it first thing (the runner puts e2e/ on sys.path):

    from tollgate_e2e import *

It checks that the script runs under e2e/run.sh and gives:

    ENDPOINT, AUTH, REGION, DEFAULT_ACCOUNT    what the runner passed
    DEMO[role]["account"|"key"|"secret"]       the demo parties' accounts and keys
    client(service, role=None, key=, secret=)  a boto3 client for ENDPOINT
    strict(), emulator()                       which auth mode the server runs in
    expect_eq(what, want, got)                 fail unless got == want
    expect_error(code, fn, *args, **kwargs)    fail unless fn raises ClientError `code`
    http_status(method, path)                  status of a bare request to ENDPOINT+path
    say(), ok(), fail()                        print progress, a passed check, or fail loudly
"""

import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
from botocore.config import Config

__all__ = [
    "ENDPOINT", "AUTH", "REGION", "DEFAULT_ACCOUNT", "DEMO", "ClientError",
    "client", "strict", "emulator", "expect_eq", "expect_error", "http_status",
    "say", "ok", "fail",
]

ClientError = botocore.exceptions.ClientError
SCRIPT = os.path.basename(sys.argv[0])


def _env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run the end-to-end scripts through e2e/run.sh")
    return value


ENDPOINT = _env("ENDPOINT")
AUTH = _env("TOLLGATE_AUTH")
REGION = _env("AWS_DEFAULT_REGION")
DEFAULT_ACCOUNT = os.environ.get("TOLLGATE_DEFAULT_ACCOUNT", "000000000000")
DEMO = {
    role: {
        "account": _env(f"DEMO_{role.upper()}_ACCOUNT"),
        "key": _env(f"DEMO_{role.upper()}_ACCESS_KEY_ID"),
        "secret": _env(f"DEMO_{role.upper()}_SECRET_ACCESS_KEY"),
    }
    for role in ("operator", "seller", "buyer")
}


def say(msg):
    print(f"  {msg}", flush=True)


def ok(msg):
    print(f"  ok   {msg}", flush=True)


def fail(msg):
    print(f"  FAIL {SCRIPT}: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def strict():
    return AUTH == "strict"


def emulator():
    return AUTH == "emulator"


def client(service, role=None, key=None, secret=None):
    """A boto3 client for ENDPOINT, signing with role's demo keys or key/secret."""
    if role is not None:
        key, secret = DEMO[role]["key"], DEMO[role]["secret"]
    if key is None or secret is None:
        fail(f"client({service!r}) needs a role or a key and a secret")
    session = boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION)
    # One attempt: a server error must show, not be retried away.
    return session.client(service, endpoint_url=ENDPOINT,
                          config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def expect_eq(what, want, got):
    if got != want:
        fail(f"{what}: want {want!r}, got {got!r}")
    ok(f"{what} = {want}")


def expect_error(code, fn, *args, **kwargs):
    """Call fn, which must raise botocore ClientError with Error.Code == code."""
    try:
        result = fn(*args, **kwargs)
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        if got != code:
            fail(f"want error {code}, got {got}: {e}")
        ok(f"fails with {code} (HTTP {e.response['ResponseMetadata'].get('HTTPStatusCode')})")
        return e
    fail(f"want error {code}, but the call succeeded: {result}")


def http_status(method, path):
    req = urllib.request.Request(ENDPOINT + path, method=method)  # no body, no Content-Type
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
