"""JunubSMS / playSMS through the real plugin against ``smsbridge dev``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import AuthenticationError
from smsbridge.models import DeliveryStatus, ReceiptStatus

DELIVERED, FAILED = "+61491570156", "+61491570157"


@pytest.mark.parametrize("provider", ["junubsms", "playsms"])
def test_send_status_balance(smsbridge_dev: Any, provider: str) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    account = smsbridge.connect(smsbridge_dev.account_url(provider) + "&sender=Junub")
    result = account.send(FAILED, "سلام", ledger=False)
    receipt = result.receipts[0]
    assert receipt.status is ReceiptStatus.ACCEPTED
    (message,) = smsbridge_dev.wait_for_messages(1)
    assert message["provider"] == provider and message["encoding"] == "ucs2"
    assert message["recipients"][0]["message_id"] == receipt.message_id
    assert "devpass123" not in str(message["raw"])
    smsbridge_dev.wait_for_status(message["id"], "failed")
    (report,) = account.delivery_status([receipt.message_id])
    assert report.status is DeliveryStatus.FAILED
    assert account.balance().amount == Decimal(9_999)


def test_bulk_in_batches(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("junubsms") + "&batch=10&force_batch=yes")
    summary = account.bulk_send([f"+2119123456{i:02d}" for i in range(15)], "hello", ledger=False)
    assert summary.accepted == 15
    assert sum(len(m["recipients"]) for m in smsbridge_dev.messages()) == 15


def test_inbound_poll(smsbridge_dev: Any) -> None:
    smsbridge_dev.add_inbound("junubsms", "+211912345678", "YES please", to="1234")
    smsbridge_dev.add_inbound("playsms", "+211912345679", "other provider")
    account = smsbridge.connect(smsbridge_dev.account_url("junubsms"))
    (received,) = account.inbound("in")
    assert received.text == "YES please" and received.sender.endswith("211912345678")


def test_wrong_token(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("junubsms", password="wrong"))
    with pytest.raises(AuthenticationError):
        account.send(DELIVERED, "x", ledger=False)
