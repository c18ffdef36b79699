"""InquireDeliveryNotifications against cassettes."""

from __future__ import annotations

import datetime as dt

import pytest

from smsbridge.errors import AuthenticationError, InvalidMessageError
from smsbridge.models import DeliveryStatus

from .support import connect, url

UTC = dt.timezone.utc


@pytest.mark.vcr
def test_delivery_status_delivered() -> None:
    with connect(url()) as account:
        (report,) = account.delivery_status(["4242"])
    assert report.message_id == "4242"
    assert report.status is DeliveryStatus.DELIVERED
    assert report.provider_code == "0"
    assert report.provider_text == "Delivered"
    assert report.reason is None  # Reasoncode "000" means nothing once delivered
    assert report.submitted_at == dt.datetime(2021, 1, 21, 13, 46, 28, tzinfo=UTC)
    assert report.updated_at == dt.datetime(2021, 1, 21, 13, 46, 34, tzinfo=UTC)
    assert report.provider == "aspsms"


@pytest.mark.vcr
def test_delivery_status_every_state() -> None:
    ids = ["Queued1", "Rejected1", "Buffered1", "Expired1", "Failed1", "Missing1"]
    with connect(url()) as account:
        reports = account.delivery_status(ids)
    assert [r.message_id for r in reports] == ids
    by_id = {r.message_id: r for r in reports}
    assert by_id["Queued1"].status is DeliveryStatus.QUEUED
    assert by_id["Queued1"].reason is None  # Reasoncode ":" is junk before submission
    assert by_id["Rejected1"].status is DeliveryStatus.REJECTED
    assert by_id["Rejected1"].reason == "206 Invalid destination address"
    assert by_id["Buffered1"].status is DeliveryStatus.SENT
    assert by_id["Buffered1"].reason == "107 absent subscriber"  # no description: the table's text
    assert by_id["Expired1"].status is DeliveryStatus.EXPIRED
    assert by_id["Failed1"].status is DeliveryStatus.FAILED
    assert by_id["Failed1"].reason == "010 Network time-out"
    assert by_id["Missing1"].status is DeliveryStatus.UNKNOWN
    assert not by_id["Missing1"].status.final


@pytest.mark.vcr
def test_delivery_status_refused_authentication() -> None:
    with connect(url()) as account, pytest.raises(AuthenticationError) as info:
        account.delivery_status(["4242"])
    assert info.value.code == "3"


@pytest.mark.vcr
def test_delivery_status_missing_trn() -> None:
    with connect(url()) as account, pytest.raises(InvalidMessageError) as info:
        account.delivery_status(["4242"])
    assert info.value.code == "23"
