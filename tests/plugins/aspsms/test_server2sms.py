"""server2sms: the same API on json.server2sms.com, against cassettes of its own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smsbridge.errors import AuthenticationError
from smsbridge.models import DeliveryStatus, Recipient

from .support import NUMBER, OTHER, connect, url


@pytest.mark.vcr
def test_server2sms_send() -> None:
    with connect(url("server2sms")) as account:
        result = account.send([Recipient(NUMBER, reference="S2s1"), Recipient(OTHER, reference="S2s2")], "Hello")
    assert result.ok
    assert result.message_ids == ["S2s1", "S2s2"]
    assert {r.provider for r in result.receipts} == {"server2sms"}


@pytest.mark.vcr
def test_server2sms_balance() -> None:
    with connect(url("server2sms")) as account:
        balance = account.balance()
    assert balance.amount == Decimal("98.5")
    assert balance.provider == "server2sms"


@pytest.mark.vcr
def test_server2sms_send_refused_authentication() -> None:
    with connect(url("server2sms")) as account, pytest.raises(AuthenticationError) as info:
        account.send(Recipient(NUMBER, reference="S2s3"), "Hello")
    assert info.value.code == "3"
    assert info.value.provider == "server2sms"


@pytest.mark.vcr
def test_server2sms_balance_refused_invalid_password() -> None:
    with connect(url("server2sms")) as account, pytest.raises(AuthenticationError) as info:
        account.balance()
    assert info.value.code == "9"


@pytest.mark.vcr
def test_server2sms_delivery_status() -> None:
    with connect(url("server2sms")) as account:
        (report,) = account.delivery_status("S2s1")
    assert report.status is DeliveryStatus.DELIVERED
    assert report.provider == "server2sms"


@pytest.mark.vcr
def test_server2sms_verify_token() -> None:
    with connect(url("server2sms")) as account:
        result = account.admin("VerifyToken", PhoneNumber=NUMBER, TokenReference="login-1", VerificationCode="1234")
    assert result.data["verified"] is True
    assert result.provider == "server2sms"
