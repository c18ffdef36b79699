"""getInfo, getAckBySmsId/getAcks, simulateCampaign and getPulls through cassettes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from smsbridge.client import connect
from smsbridge.errors import AuthenticationError, InsufficientCreditError, UnreadableReplyError
from smsbridge.models import DeliveryStatus

from .support import API_KEY, FR, FR2, URL

PARIS_WINTER = dt.timezone(dt.timedelta(hours=1))


def form(cassette: object, index: int = 0) -> dict[str, str]:
    request = cassette.data[index][0]  # type: ignore[attr-defined]
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    return {k: v[0] for k, v in parse_qs(body).items()}


@pytest.mark.vcr
def test_balance(vcr: object) -> None:
    with connect(URL) as account:
        balance = account.balance()
    assert balance.amount == Decimal("1847")
    assert balance.unit == "credits"
    assert balance.raw is not None and API_KEY not in balance.raw.body
    assert form(vcr) == {"login": "FILTERED", "apiKey": "FILTERED", "returnformat": "json"}


@pytest.mark.vcr
def test_balance_bad_credentials() -> None:
    with connect(URL) as account, pytest.raises(AuthenticationError) as info:
        account.balance()
    assert info.value.code == "102"


@pytest.mark.vcr
def test_delivery_status_by_sms_id(vcr: object) -> None:
    with connect(URL) as account:
        (report,) = account.delivery_status("330792bd-8e0b-11e5-bf51-0025907cd72e")
    assert report.message_id == "330792bd-8e0b-11e5-bf51-0025907cd72e"
    assert report.status is DeliveryStatus.DELIVERED
    assert report.recipient == FR
    assert report.provider_code == "1" and report.provider_text == "Delivered"
    assert report.updated_at == dt.datetime(2014, 2, 19, 11, 40, 35, tzinfo=PARIS_WINTER)
    assert form(vcr)["smsId"] == "330792bd-8e0b-11e5-bf51-0025907cd72e"


@pytest.mark.vcr
def test_delivery_status_without_ack_yet() -> None:
    with connect(URL) as account:
        (report,) = account.delivery_status(["9a1f0000-0000-11e5-bf51-0025907cd72e"])
    assert report.status is DeliveryStatus.UNKNOWN
    assert report.message_id == "9a1f0000-0000-11e5-bf51-0025907cd72e"


@pytest.mark.vcr
def test_delivery_status_of_a_campaign(vcr: object) -> None:
    with connect(URL) as account:
        reports = account.delivery_status("campaign:api-campaign-1")
    assert [r.status for r in reports] == [
        DeliveryStatus.FAILED,
        DeliveryStatus.SENT,
        DeliveryStatus.REJECTED,
        DeliveryStatus.REJECTED,
    ]
    assert [r.provider_code for r in reports] == ["2", "3", "4", "5"]
    assert reports[0].recipient == FR and reports[1].recipient == FR2
    assert all(r.message_id == "campaign:api-campaign-1" for r in reports)
    assert form(vcr)["campId"] == "api-campaign-1"


@pytest.mark.vcr
def test_estimate(vcr: object) -> None:
    with connect(URL + "?sender=Shop") as account:
        estimate = account.estimate("x" * 200, [FR, FR2])
    assert estimate.provider_cost == Decimal("45")
    assert estimate.cost_unit == "credits"
    assert estimate.provider_segments == 3
    assert (estimate.text.segments, estimate.recipients, estimate.segments_total) == (2, 2, 4)
    data = json.loads(form(vcr)["smsData"])["DATA"]
    assert data["TPOA"] == "Shop" and len(data["SMS"]) == 2


@pytest.mark.vcr
def test_estimate_not_enough_credit() -> None:
    with connect(URL) as account, pytest.raises(InsufficientCreditError) as info:
        account.estimate("Hello", [FR])
    assert info.value.code == "104"


@pytest.mark.vcr
def test_inbound() -> None:
    with connect(URL) as account:
        messages = account.inbound()
    assert [(m.sender, m.text) for m in messages] == [(FR, "STOP"), (FR2, "Oui, je confirme")]
    assert messages[0].received_at == dt.datetime(2024, 1, 15, 9, 30, tzinfo=PARIS_WINTER)
    assert messages[0].id == "1001"


@pytest.mark.vcr
def test_inbound_none() -> None:
    with connect(URL) as account:
        assert account.inbound() == []


@pytest.mark.vcr
def test_inbound_html_error_page() -> None:
    with connect(URL) as account, pytest.raises(UnreadableReplyError) as info:
        account.inbound()
    assert info.value.http_status == 502 and info.value.raw is not None


@pytest.mark.vcr
def test_delivery_status_bad_credentials() -> None:
    with connect(URL) as account, pytest.raises(AuthenticationError) as info:
        account.delivery_status("330792bd-8e0b-11e5-bf51-0025907cd72e")
    assert info.value.code == "102" and info.value.raw is not None


@pytest.mark.vcr
def test_inbound_bad_credentials() -> None:
    with connect(URL) as account, pytest.raises(AuthenticationError):
        account.inbound()
