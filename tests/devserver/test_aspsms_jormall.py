"""ASPSMS, server2sms and JorMall through their real plugins against ``smsbridge dev``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import AuthenticationError, DuplicateError
from smsbridge.models import DeliveryStatus, ReceiptStatus

DELIVERED, FAILED, EXPIRED, DELAYED = "+61491570156", "+61491570157", "+61491570158", "+61491570159"
JO = "+962791234567"


@pytest.mark.parametrize("provider", ["aspsms", "server2sms"])
def test_aspsms_send_status_balance(smsbridge_dev: Any, provider: str) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    account = smsbridge.connect(smsbridge_dev.account_url(provider) + "&sender=Shop")
    result = account.send([DELIVERED, FAILED, "+41790000000"], "Hello €", ledger=False)
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED] * 3
    (message,) = smsbridge_dev.wait_for_messages(1)
    assert message["provider"] == provider and message["account"] == "d***r"
    assert message["sender"] == "Shop" and message["text"] == "Hello €"
    assert message["encoding"] == "gsm7" and message["segments"] == 1
    assert "devpass123" not in str(message["raw"])
    ids = [r.message_id for r in result.receipts]
    assert [r["message_id"] for r in message["recipients"]] == ids
    smsbridge_dev.wait_for_status(message["id"], "failed", number=FAILED)
    smsbridge_dev.wait_for_status(message["id"], "delivered", number="+41790000000")
    reports = {r.message_id: r.status for r in account.delivery_status(ids)}
    assert reports == {
        ids[0]: DeliveryStatus.DELIVERED,
        ids[1]: DeliveryStatus.FAILED,
        ids[2]: DeliveryStatus.DELIVERED,
    }
    balance = account.balance()
    assert balance.amount == Decimal(10_000 - 3)


def test_aspsms_expired_and_delayed_statuses(smsbridge_dev: Any) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    result = account.send([EXPIRED, DELAYED], "x", ledger=False)
    (message,) = smsbridge_dev.wait_for_messages(1)
    smsbridge_dev.wait_for_status(message["id"], "expired", number=EXPIRED)
    smsbridge_dev.wait_for_status(message["id"], "delayed", number=DELAYED)
    reports = account.delivery_status([r.message_id for r in result.receipts])
    assert [r.status for r in reports] == [DeliveryStatus.EXPIRED, DeliveryStatus.SENT]


def test_aspsms_wrong_password(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms", password="wrong"))
    with pytest.raises(AuthenticationError):
        account.send(DELIVERED, "x", ledger=False)
    with pytest.raises(AuthenticationError):
        account.balance()
    assert smsbridge_dev.messages() == []


def test_aspsms_bulk(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    numbers = [f"+4179000{i:04d}" for i in range(25)]
    summary = account.bulk_send(numbers, "bulk text", ledger=False)
    assert summary.accepted == 25
    messages = smsbridge_dev.messages()
    assert sum(len(m["recipients"]) for m in messages) == 25


@pytest.mark.parametrize("auth", ["token", "password"])
def test_jormall_send_bulk_balance(smsbridge_dev: Any, auth: str) -> None:
    url = smsbridge_dev.account_url("jormall") + f"&sender=MyShop&auth={auth}"
    account = smsbridge.connect(url)
    result = account.send(JO, "مرحبا", ledger=False)
    assert result.receipts[0].status is ReceiptStatus.ACCEPTED
    (message,) = smsbridge_dev.wait_for_messages(1)
    assert message["recipients"][0]["number"] == JO
    assert message["recipients"][0]["message_id"] == result.receipts[0].message_id
    assert message["encoding"] == "ucs2" and message["sender"] == "MyShop"
    assert "devpass123" not in str(message["raw"])
    summary = account.bulk_send(["+962791234568", "+962791234569"], "bulk", ledger=False)
    assert summary.accepted == 2
    assert account.balance().amount == Decimal(10_000 - 3)


def test_jormall_repeated_id_is_not_sent_twice(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("jormall") + "&sender=MyShop")
    account.send(JO, "one", client_ref="abc123", ledger=False)
    with pytest.raises(DuplicateError):
        account.send(JO, "one", client_ref="abc123", ledger=False)
    assert len(smsbridge_dev.messages()) == 1


def test_jormall_wrong_password(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("jormall", password="wrong") + "&sender=MyShop")
    with pytest.raises(AuthenticationError):
        account.send(JO, "x", ledger=False)


def test_jormall_password_route_keeps_no_password(smsbridge_dev: Any) -> None:
    secret = "AccPass-s3cret"
    url = smsbridge_dev.account_url("jormall", password=secret) + "&sender=MyShop&auth=password"
    smsbridge.connect(url).bulk_send(["+962791234568", "+962791234569"], "x", ledger=False)
    (message,) = smsbridge_dev.messages()
    assert secret not in str(message["raw"]) and "AccPass=***" in message["raw"]["path"]
    assert len({r["message_id"] for r in message["recipients"]}) == 1  # JorMall: one MsgID per request
