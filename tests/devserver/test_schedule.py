"""Scheduled sends wait for their time before reports; provider times read back right."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

import smsbridge


@pytest.mark.parametrize("provider", ["aspsms", "junubsms", "allmysms"])
def test_reports_wait_for_the_schedule(smsbridge_dev: Any, provider: str) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    account = smsbridge.connect(smsbridge_dev.account_url(provider))
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=3)
    account.send("+61491570157", "later", schedule=when, ledger=False)
    (message,) = smsbridge_dev.messages()
    assert message["scheduled"]
    time.sleep(1.0)
    assert smsbridge_dev.message(message["id"])["recipients"][0]["status"] == "accepted"
    smsbridge_dev.wait_for_status(message["id"], "failed", timeout=10)
    assert dt.datetime.now(dt.timezone.utc) >= when


def test_playsms_report_times_read_back_as_now(smsbridge_dev: Any) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    account = smsbridge.connect(smsbridge_dev.account_url("junubsms"))
    receipt = account.send("+61491570156", "x", ledger=False).receipts[0]
    (message,) = smsbridge_dev.messages()
    smsbridge_dev.wait_for_status(message["id"], "delivered")
    (report,) = account.delivery_status([receipt.message_id])
    assert report.submitted_at is not None
    assert abs((report.submitted_at - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60
    smsbridge_dev.add_inbound("junubsms", "+211912345678", "hello")
    for folder in ("in",):
        (received,) = account.inbound(folder)
        assert received.received_at is not None
        assert abs((received.received_at - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60
