"""How each provider plugin looks on the wire, for the fault-injection tests.

A profile tells the loopback server which requests are sends (where faults are injected), what
a success answer and any auxiliary answer (a token) look like, in each provider's real format
(REFERENCE.md), and how many recipients one bulk request takes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import attrs

from smsbridge.testing.server import Reply, Request


@attrs.frozen
class Profile:
    id: str
    url: str  # "{host}" is replaced by the server's 127.0.0.1:port
    number: Callable[[int], str]  # the i-th valid recipient, E.164
    is_send: Callable[[Request], bool]
    ok: Callable[[Request], Reply]
    auxiliary: Callable[[Request], Reply] = lambda request: Reply(404, "not found")
    batch: int = 2  # recipients per bulk request in the bulk test (the URL sets it where it can)
    deduplicates: bool = False


def _form(request: Request) -> dict[str, list[str]]:
    query = parse_qs(urlsplit(request.target).query)
    body = parse_qs(request.body.decode("utf-8", "replace")) if request.body and b"=" in request.body else {}
    return {**query, **body}


# ------------------------------------------------------------------ JorMall (REFERENCE.md, JorMall)

_ASMX_OK = '<?xml version="1.0" encoding="utf-8"?>\r\n<string xmlns="http://tempuri.org/">\r\nMsgID = {n}</string>'


def _jormall_ok(request: Request) -> Reply:
    return Reply(200, _ASMX_OK.format(n=4200 + len(request.body)), content_type="text/xml; charset=utf-8")


def _jormall_aux(request: Request) -> Reply:
    if "GenerateToken" in request.target:
        return Reply(200, "\r\nBearer fault-test-token\r\n", content_type="text/html; charset=UTF-8")
    return Reply(404, "<html>not found</html>", content_type="text/html")


JORMALL = Profile(
    id="jormall",
    url="jormall://dummy-acc:dummy-pass@{host}?plain_http=yes&sender=Shop",
    number=lambda i: f"+96279{1000001 + i:07d}",
    is_send=lambda r: "SendSMS" in r.target or "SendBulkMessages" in r.target,
    ok=_jormall_ok,
    auxiliary=_jormall_aux,
    batch=120,
    deduplicates=True,
)

# ------------------------------------------------------------------ ASPSMS (REFERENCE.md, ASPSMS)

ASPSMS = Profile(
    id="aspsms",
    url="aspsms://dummy-key:dummy-pass@{host}?plain_http=yes&sender=Shop",
    number=lambda i: f"+4179{1000001 + i:07d}",
    is_send=lambda r: r.target.startswith("/SendTextSMS"),
    ok=lambda r: Reply(200, '{"StatusCode":"1","StatusInfo":"OK"}', content_type="application/json; charset=utf-8"),
    batch=1000,
)

# ------------------------------------------------------------------ AllMySMS (REFERENCE.md, AllMySMS)


def _allmysms_ok(request: Request) -> Reply:
    flow = json.loads(_form(request).get("smsData", ["{}"])[0] or "{}")
    phones = [sms.get("MOBILEPHONE") for sms in flow.get("DATA", {}).get("SMS", [])]
    body = {
        "status": 100,
        "statusText": "Your messages have been sent",
        "invalidNumbers": "",
        "campaignId": "fault-campaign",
        "credits": "340",
        "creditsUsed": str(len(phones)),
        "nbContacts": str(len(phones)),
        "nbSms": str(len(phones)),
        "smsIds": [{"phoneNumber": p, "smsId": f"00000000-0000-0000-0000-{i:012d}"} for i, p in enumerate(phones)],
    }
    return Reply(200, json.dumps(body), content_type="application/json; charset=utf-8")


ALLMYSMS = Profile(
    id="allmysms",
    url="allmysms://dummy-login:dummy-key@{host}?plain_http=yes&sender=Shop&batch_size=3",
    number=lambda i: f"+3361{1000001 + i:07d}",
    is_send=lambda r: "/sendSms" in r.target,
    ok=_allmysms_ok,
    batch=3,
)

# ------------------------------------------------------------------ playSMS (REFERENCE.md, JunubSMS = playSMS)


def _playsms_ok(request: Request) -> Reply:
    numbers = [n for n in _form(request).get("to", [""])[0].split(",") if n]
    items = [
        {"status": "OK", "error": "0", "smslog_id": str(30 + i), "queue": f"{i:032x}", "to": n}
        for i, n in enumerate(numbers)
    ]
    body = {"data": items, "error_string": None, "timestamp": 1700000000}
    return Reply(200, json.dumps(body), content_type="application/json")


PLAYSMS = Profile(
    id="playsms",
    url="playsms://dummy-user:dummy-token@{host}/index.php?plain_http=yes&batch=2",
    number=lambda i: f"+21191{i + 1000001:07d}",
    is_send=lambda r: "op=pv" in r.target or b"op=pv" in r.body,
    ok=_playsms_ok,
    batch=2,
)

PROFILES: dict[str, Profile] = {"jormall": JORMALL, "aspsms": ASPSMS, "allmysms": ALLMYSMS, "playsms": PLAYSMS}
