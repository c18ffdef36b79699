"""The profiles alone (no server): callbacks round-trip through each plugin's own parser."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

import smsbridge
from smsbridge.devserver.registry import load_profiles
from smsbridge.models import CallbackRequest, DeliveryStatus
from smsbridge.plugin import EmulatedRecipient, EmulatorCallback, EmulatorInbound, EmulatorProfile

PROFILES = {p.id: p for p in load_profiles()}
NOW = dt.datetime(2030, 7, 1, 8, 30, 2, tzinfo=dt.timezone.utc)
EXPECTED = {
    "delivered": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
    "expired": DeliveryStatus.EXPIRED,
    "delayed": DeliveryStatus.SENT,
}
# AllMySMS's acks know no "expired": a message that expired is "not delivered"
ALLMYSMS = {**EXPECTED, "expired": DeliveryStatus.FAILED}


def _request(callback: EmulatorCallback) -> CallbackRequest:
    parts = urlsplit(callback.url)
    form = {}
    if "application/x-www-form-urlencoded" in callback.headers.get("Content-Type", ""):
        form = {k: v[0] for k, v in parse_qs(callback.body.decode(), keep_blank_values=True).items()}
    return CallbackRequest(
        method=callback.method,
        query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
        form=form,
        body=callback.body,
        headers={k.lower(): v for k, v in callback.headers.items()},
        path=parts.path,
    )


def _recipient(status: str, message_id: str) -> EmulatedRecipient:
    return EmulatedRecipient(
        message=1, number="+61491570156", message_id=message_id, status=status, created=NOW, updated=NOW, text="hi"
    )


def test_every_provider_has_a_profile() -> None:
    assert {"jormall", "aspsms", "server2sms", "junubsms", "playsms", "allmysms"} <= set(PROFILES)
    assert all(isinstance(p, EmulatorProfile) and p.example_url and p.name for p in PROFILES.values())


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("provider", ["aspsms", "server2sms"])
@pytest.mark.parametrize(
    "url", ["http://host.test/cb/status/tok", "http://host.test/cb?TRN=<TRN>&DST=<DST>&RSN=<RSN>&RCPNT=<RCPNT>"]
)
def test_aspsms_report_round_trip(provider: str, status: str, url: str) -> None:
    callback = PROFILES[provider].report_callback(_recipient(status, "abcDEF123"), url)
    assert callback is not None
    account = smsbridge.connect(f"{provider}://k:p@default")
    (report,) = account.parse_callback(_request(callback))
    assert report.message_id == "abcDEF123"
    assert report.status is EXPECTED[status]
    assert report.recipient == "+61491570156"


@pytest.mark.parametrize("status", list(ALLMYSMS))
def test_allmysms_report_round_trip(status: str) -> None:
    callback = PROFILES["allmysms"].report_callback(_recipient(status, "dev1234-42"), "http://host.test/cb")
    assert callback is not None
    (report,) = smsbridge.connect("allmysms://l:k@default").parse_callback(_request(callback))
    assert report.message_id == "dev1234-42"
    assert report.status is ALLMYSMS[status]
    assert report.recipient == "+61491570156"


@pytest.mark.parametrize("provider", ["junubsms", "playsms"])
def test_playsms_inbound_round_trip(provider: str) -> None:
    message = EmulatorInbound(
        id=7, provider=provider, sender="+211912345678", to="1234", text="YES please", created=NOW
    )
    callback = PROFILES[provider].inbound_callback(message, "http://host.test/in/tok?ignored=1")
    assert callback is not None and "?" not in callback.url  # SMS custom posts without the query
    url = "junubsms://u:t@default" if provider == "junubsms" else "playsms://u:t@sms.example.org"
    (received,) = smsbridge.connect(url).parse_inbound_callback(_request(callback))
    assert received.text == "YES please"
    assert received.sender == "+211912345678"
    assert received.keyword == "YES"


def test_providers_without_callbacks_build_none() -> None:
    assert PROFILES["jormall"].report_callback(_recipient("delivered", "1"), "http://h/") is None
    assert PROFILES["junubsms"].report_callback(_recipient("delivered", "1"), "http://h/") is None
