"""The core's conformance suite, for a token account and a password account.

The samples are replies from this plugin's cassettes (each cassette names its source); the
suite feeds every operation malformed replies and every mutation of these samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smsbridge.testing import cassette_replies
from smsbridge.testing.conformance import ProviderConformance

from .support import ACCPASS, url

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "jormall"


def recorded(name: str) -> list[Any]:
    return cassette_replies(CASSETTES / f"{name}.yaml")


class TestJorMallToken(ProviderConformance):
    provider_id = "jormall"
    url = url()
    secrets = (ACCPASS,)
    number = "+962791234567"
    other_number = "+962791234568"
    samples = {
        "send": recorded("test_send/test_send_accepted[asmx-otp]"),  # GenerateToken, then SendSMS
        "bulk_send": recorded("test_bulk/test_bulk_one_text[token]"),
        "balance": recorded("test_balance/test_balance[default]"),
        "admin:generate_token": recorded("test_admin/test_token_operation[generate_token]"),
        "admin:get_token": recorded("test_admin/test_token_operation[get_token]"),
    }


class TestJorMallPassword(ProviderConformance):
    provider_id = "jormall"
    url = url(auth="password", gateway="general")
    secrets = (ACCPASS,)
    number = "+962781234567"
    other_number = "+962781234568"
    samples = {
        "send": recorded("test_send/test_send_accepted[password-general]"),
        "bulk_send": recorded("test_bulk/test_bulk_one_text[password]"),
        "balance": recorded("test_balance/test_balance_zero_with_password_auth"),
        "admin:generate_token": recorded("test_admin/test_token_operation[generate_token]"),
        "admin:get_token": recorded("test_admin/test_token_operation[get_token]"),
    }
