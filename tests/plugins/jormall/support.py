"""Test credentials and account URLs shared by the JorMall tests.

Credentials come from ``JORMALL_ACCNAME`` / ``JORMALL_ACCPASS`` when set (re-recording with
``--record-mode=rewrite``), else dummies; cassettes hold ``FILTERED`` in their place either way.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from smsbridge.testing import credential

ACCNAME = credential("JORMALL_ACCNAME", "dummy-account")
ACCPASS = credential("JORMALL_ACCPASS", "dummy-password")
SENDER = "MyShop"
NUMBER = "+962791234567"
WIRE_NUMBER = "962791234567"
REF = "a1b2c3d4e5f6a7b8c9d0"

#: single-send routes: test id -> URL options
SINGLE_ROUTES: dict[str, dict[str, str]] = {
    "asmx-otp": {"api": "asmx", "gateway": "otp"},
    "asmx-general": {"api": "asmx", "gateway": "general"},
    "rest-otp": {"api": "rest", "gateway": "otp"},
    "rest-general": {"api": "rest", "gateway": "general"},
    "password-otp": {"auth": "password", "gateway": "otp"},
    "password-general": {"auth": "password", "gateway": "general"},
}


def url(host: str = "default", **options: str) -> str:
    """A JorMall account URL with the test credentials and ``sender=MyShop``."""
    query = urlencode({"sender": SENDER, **options})
    return f"jormall://{quote(ACCNAME, safe='')}:{quote(ACCPASS, safe='')}@{host}?{query}"
