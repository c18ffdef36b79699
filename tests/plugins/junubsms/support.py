"""Shared test values: credentials (real ones from the environment when re-recording)."""

from __future__ import annotations

import os
from urllib.parse import quote

from smsbridge.models import RawReply
from smsbridge.testing import credential, reply

USER = credential("JUNUBSMS_USER", "dummy-junub-user")
TOKEN = credential("JUNUBSMS_TOKEN", "dummy-junub-token")
PASSWORD = credential("JUNUBSMS_PASSWORD", "dummy-junub-password")
PLAYSMS_USER = credential("PLAYSMS_USER", "dummy-playsms-user")
PLAYSMS_TOKEN = credential("PLAYSMS_TOKEN", "dummy-playsms-token")
#: a self-hosted playSMS (host and path); not a secret
PLAYSMS_SERVER = os.environ.get("PLAYSMS_SERVER", "playsms.example.org/playsms/index.php")

#: the tokens of the loopback playSMS test server (../shared/playsms), when one is running:
#: filtered too, for cassettes recorded from it (test_recorded.py)
LIVE_TOKENS = tuple(
    t for t in (os.environ.get(f"PLAYSMS_{who}_TOKEN") for who in ("ADMIN", "ALICE", "BOB", "CAROL")) if t
)

SECRETS = (USER, TOKEN, PASSWORD, PLAYSMS_USER, PLAYSMS_TOKEN, *LIVE_TOKENS)

NUMBER = "+211912345678"  # South Sudan (Zain)
OTHER = "+211922345678"
THIRD = "+211952345678"
QUEUE = "afb5f34575e30ec4efe4471cf5d1bee4"
TS = 1700000000


def url(query: str = "", *, password: bool = False) -> str:
    """A ``junubsms://`` URL with the test credentials."""
    secret = PASSWORD if password else TOKEN
    base = f"junubsms://{quote(USER, safe='')}:{quote(secret, safe='')}@default"
    options = "&".join(p for p in (query, "auth=password" if password else "") if p)
    return f"{base}?{options}" if options else base


def playsms_url(query: str = "") -> str:
    base = f"playsms://{quote(PLAYSMS_USER, safe='')}:{quote(PLAYSMS_TOKEN, safe='')}@{PLAYSMS_SERVER}"
    return f"{base}?{query}" if query else base


def ok(body: str) -> RawReply:
    """A JSON reply as playSMS sends it (always HTTP 200)."""
    return reply(body, content_type="application/json")


def xml(body: str) -> RawReply:
    return reply(body, content_type="text/xml")


def err(code: str, text: str) -> RawReply:
    return ok(f'{{"status":"ERR","error":"{code}","error_string":"{text}","timestamp":{TS}}}')


def pv_item(to: str, smslog_id: str | int = "30", queue: str = QUEUE, status: str = "OK") -> str:
    sid = smslog_id if isinstance(smslog_id, int) else f'"{smslog_id}"'
    error = "0" if status == "OK" else "200"
    return f'{{"status":"{status}","error":"{error}","smslog_id":{sid},"queue":"{queue}","to":"{to}"}}'


def pv(*items: str) -> RawReply:
    return ok(f'{{"data":[{",".join(items)}],"error_string":null,"timestamp":{TS}}}')
