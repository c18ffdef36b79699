"""AllMySMS through the real plugin against ``smsbridge dev``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import AuthenticationError
from smsbridge.models import DeliveryStatus, ReceiptStatus

DELIVERED, FAILED = "+61491570156", "+61491570157"


@pytest.mark.parametrize("flow", ["json", "xml"])
def test_send_status_balance(smsbridge_dev: Any, flow: str) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    account = smsbridge.connect(smsbridge_dev.account_url("allmysms") + f"&flow={flow}&sender=Shop")
    result = account.send([DELIVERED, FAILED], "Bonjour", ledger=False)
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED] * 2
    (message,) = smsbridge_dev.wait_for_messages(1)
    assert message["provider"] == "allmysms" and message["sender"] == "Shop"
    assert [r["message_id"] for r in message["recipients"]] == [r.message_id for r in result.receipts]
    assert "devpass123" not in str(message["raw"])
    smsbridge_dev.wait_for_status(message["id"], "failed", number=FAILED)
    reports = account.delivery_status([r.message_id for r in result.receipts])
    assert [r.status for r in reports] == [DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
    assert account.balance().amount == Decimal(9_998)


def test_templated_bulk(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("allmysms"))
    rows = [{"number": f"+3361234560{i}", "params": {"name": f"N{i}"}} for i in range(3)]
    summary = account.bulk_send(rows, "Hi {name}", ledger=False)
    assert summary.accepted == 3
    assert sorted(m["text"] for m in smsbridge_dev.messages()) == ["Hi N0", "Hi N1", "Hi N2"]


def test_inbound_pulls_once(smsbridge_dev: Any) -> None:
    smsbridge_dev.add_inbound("allmysms", "+33612345678", "STOP")
    account = smsbridge.connect(smsbridge_dev.account_url("allmysms"))
    (received,) = account.inbound()
    assert received.text == "STOP" and received.sender == "+33612345678"
    assert account.inbound() == []


def test_wrong_key(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("allmysms", password="wrong"))
    with pytest.raises(AuthenticationError):
        account.balance()
