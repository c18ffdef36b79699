"""Shared test values: credentials (real ones from the environment when re-recording)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import smsbridge
from smsbridge.models import RawReply
from smsbridge.testing import credential, reply

ASPSMS_USERKEY = credential("ASPSMS_USERKEY", "dummy-aspsms-userkey")
ASPSMS_PASSWORD = credential("ASPSMS_PASSWORD", "dummy-aspsms-password")
SERVER2SMS_USERKEY = credential("SERVER2SMS_USERKEY", "dummy-server2sms-userkey")
SERVER2SMS_PASSWORD = credential("SERVER2SMS_PASSWORD", "dummy-server2sms-password")

SECRETS = (ASPSMS_USERKEY, ASPSMS_PASSWORD, SERVER2SMS_USERKEY, SERVER2SMS_PASSWORD)

NUMBER = "+41791234567"
OTHER = "+41791234568"
THIRD = "+41791234569"


def url(provider: str = "aspsms", query: str = "sender=Shop") -> str:
    """An account URL with the test credentials of ``provider``."""
    if provider == "server2sms":
        user, password = SERVER2SMS_USERKEY, SERVER2SMS_PASSWORD
    else:
        user, password = ASPSMS_USERKEY, ASPSMS_PASSWORD
    base = f"{provider}://{quote(user, safe='')}:{quote(password, safe='')}@default"
    return f"{base}?{query}" if query else base


def ok(body: str = '{"StatusCode":"1","StatusInfo":"OK"}') -> RawReply:
    """A JSON reply as ASPSMS sends it (HTTP 200, values as strings)."""
    return reply(body, content_type="application/json; charset=utf-8")


def connect(*sources: Any) -> Any:
    return smsbridge.connect(*sources)
