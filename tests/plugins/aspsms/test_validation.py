"""Bad inputs are refused with a typed error before any request is made."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from smsbridge.errors import (
    ConfigurationError,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    ProviderError,
    UnsupportedOperationError,
)
from smsbridge.models import Recipient
from smsbridge.testing import fake_account

from .support import NUMBER, OTHER, ok, url

FUTURE = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.timezone.utc)
LONG_URL = "https://shop.example/dlr?TRN=<TRN>&x=" + "a" * 170  # 208 characters


def _refused(error: type[Exception], query: str = "sender=Shop", **send: Any) -> ProviderError:
    account = fake_account(url("aspsms", query), [ok()])
    to = send.pop("to", NUMBER)
    text = send.pop("text", "Hello")
    with pytest.raises(error) as info:
        account.send(to, text, **send)
    assert account.ctx.http.sent == []
    exc = info.value
    assert isinstance(exc, ProviderError) and exc.before_request
    return exc


@pytest.mark.parametrize("number", ["", "12", "not-a-number", "+999123", "@user", "#group", "+41 79 123"])
def test_bad_recipient(number: str) -> None:
    _refused(InvalidRecipientError, to=number)


def test_no_recipient() -> None:
    _refused(InvalidRecipientError, to=[])


@pytest.mark.parametrize(
    "sender",
    ["TooLongSender1", "Shop-Name", "Shöp", "My Shop", "Shop!", "12345678901234567", "١٢٣٤٥"],
)
def test_bad_sender(sender: str) -> None:
    _refused(InvalidSenderError, sender=sender)


def test_bad_sender_in_the_url() -> None:
    _refused(InvalidSenderError, query="sender=Shop_Name")


@pytest.mark.parametrize("text", ["", "   ", "x" * 604, "é" * 700])
def test_bad_text(text: str) -> None:
    exc = _refused(InvalidMessageError, text=text)
    if len(text) > 603:
        assert "603" in str(exc) and "segments" in str(exc)


def test_text_limit_counts_the_rendered_template() -> None:
    _refused(InvalidMessageError, to=[Recipient(NUMBER, {"name": "x" * 600})], text="Hi {name}!!")


@pytest.mark.parametrize(
    "schedule",
    [dt.datetime(2030, 1, 1, 9, 0), dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)],
)
def test_bad_schedule(schedule: dt.datetime) -> None:
    _refused(InvalidMessageError, schedule=schedule)


def test_simple_mode_cannot_schedule_or_flash() -> None:
    _refused(UnsupportedOperationError, query="simple=yes", schedule=FUTURE)
    _refused(UnsupportedOperationError, query="simple=yes", flash=True)


def test_unknown_encoding() -> None:
    _refused(InvalidMessageError, encoding="utf8")


@pytest.mark.parametrize(
    "options",
    [
        {"notify_deliverd": "https://x.example/"},
        {"notify_delivered": LONG_URL},
        {"notify_buffered": "ftp://x.example/"},
        {"notify_not_delivered": "https://x.example/a b"},
        {"notify_delivered": 42},
        {"affiliate_id": 7},
        {"trn": "bad-trn"},
        {"trn": 12},
        {"trn": {NUMBER: 5}},
    ],
)
def test_bad_message_options(options: dict[str, Any]) -> None:
    _refused(InvalidMessageError, options=options)


def test_trn_text_needs_one_recipient() -> None:
    _refused(InvalidMessageError, to=[NUMBER, OTHER], options={"trn": "One"})


@pytest.mark.parametrize("reference", ["with space", "dash-ed", "semi;colon", "colon:", "ümlaut"])
def test_bad_recipient_reference(reference: str) -> None:
    _refused(InvalidMessageError, to=Recipient(NUMBER, reference=reference))


@pytest.mark.parametrize(
    "send",
    [
        {"options": {"notify_delivered": "https://x.example/"}},
        {"options": {"trn": "T1"}},
        {"options": {"affiliate_id": "A"}},
        {"to": Recipient(NUMBER, reference="T1")},
    ],
)
def test_simple_mode_refuses_what_it_cannot_send(send: dict[str, Any]) -> None:
    _refused(InvalidMessageError, query="simple=yes", **send)


def test_unavailable_time_zone_for_a_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_zone(name: str) -> dt.tzinfo:
        raise ValueError(f"time zone {name!r} is unknown here")

    monkeypatch.setattr("smsbridge_aspsms.sending.parse_zone", no_zone)
    _refused(InvalidMessageError, schedule=FUTURE)


# ------------------------------------------------------------------ account options


@pytest.mark.parametrize(
    "query",
    [
        "notify_delivered=" + LONG_URL.replace("&", "%26"),
        "notify_buffered=mailto:x@example.com",
        "deferred_format=yyyyMMdd",
        "deferred_timezone=Mars/Olympus",
        "deferred_timezone=%2B25:00",
        "simple=yes&notify_delivered=https://x.example/",
        "simple=yes&affiliate_id=A1",
        "simple=maybe",
        "unknown_option=1",
    ],
)
def test_bad_account_options(query: str) -> None:
    with pytest.raises(ConfigurationError):
        fake_account(url("aspsms", query), [ok()])


def test_missing_password() -> None:
    with pytest.raises(ConfigurationError):
        fake_account("aspsms://only-userkey@default", [ok()])


# ------------------------------------------------------------------ delivery status


@pytest.mark.parametrize("ids", [["bad id"], ["a;b"], [""], ["ok1", "+41791234567:T1"]])
def test_bad_delivery_ids(ids: list[str]) -> None:
    account = fake_account(url(), [ok()])
    with pytest.raises(InvalidMessageError) as info:
        account.delivery_status(ids)
    assert info.value.before_request
    assert account.ctx.http.sent == []


# ------------------------------------------------------------------ admin operations

TOKEN = {"Recipients": NUMBER, "MessageData": "Code: <VERIFICATIONCODE>", "TokenReference": "r1"}


@pytest.mark.parametrize(
    ("operation", "params", "error"),
    [
        ("SendTokenSMS", {**TOKEN, "MessageData": "Code: 1234"}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "MessageData": "<VERIFICATIONCODE>" + "x" * 600}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "TokenMask": "##X#"}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "TokenValidity": 0}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "TokenValidity": "five"}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "TokenValidity": True}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "TokenCaseSensitive": "maybe"}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "Recipients": "abc"}, InvalidRecipientError),
        ("SendTokenSMS", {**TOKEN, "Originator": "Too-Long-Originator"}, InvalidSenderError),
        ("SendTokenSMS", {**TOKEN, "URLDeliveryNotification": LONG_URL}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "URLBufferedMessageNotification": "ftp://x"}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "TokenReference": ["r"]}, InvalidMessageError),
        ("SendTokenSMS", {**TOKEN, "Token": "x"}, InvalidMessageError),  # unknown parameter
        ("SendTokenSMS", {"Recipients": NUMBER, "MessageData": "<VERIFICATIONCODE>"}, InvalidMessageError),
        ("VerifyToken", {"PhoneNumber": "123", "TokenReference": "r1", "VerificationCode": "1"}, InvalidRecipientError),
        ("VerifyToken", {"PhoneNumber": NUMBER, "TokenReference": "r1", "VerificationCode": ""}, InvalidMessageError),
        ("SendOriginatorUnlockCode", {"Originator": "Shop"}, InvalidSenderError),
        ("UnlockOriginator", {"Originator": "123", "UnlockCode": "1"}, InvalidSenderError),
        ("CheckOriginatorAuthorization", {"Originator": "not a number"}, InvalidSenderError),
        ("CreateVoucher", {"NumberOfVouchers": 0, "AmountCreditsPerVoucher": 1}, InvalidMessageError),
        ("CreateVoucher", {"NumberOfVouchers": 1, "AmountCreditsPerVoucher": -1}, InvalidMessageError),
        ("CreateVoucher", {"NumberOfVouchers": 1, "AmountCreditsPerVoucher": "lots"}, InvalidMessageError),
        ("CreateVoucher", {"NumberOfVouchers": 1, "AmountCreditsPerVoucher": "NaN"}, InvalidMessageError),
        ("CreateVoucher", {"NumberOfVouchers": 1, "AmountCreditsPerVoucher": True}, InvalidMessageError),
        ("RedeemVoucher", {"RedeemCode": ""}, InvalidMessageError),
        ("VersionInfo", {"Verbose": True}, InvalidMessageError),
    ],
)
def test_bad_admin_parameters(operation: str, params: dict[str, Any], error: type[Exception]) -> None:
    account = fake_account(url(), [ok()])
    with pytest.raises(error) as info:
        account.admin(operation, **params)
    assert isinstance(info.value, ProviderError) and info.value.before_request
    assert account.ctx.http.sent == []


def test_unknown_admin_operation() -> None:
    account = fake_account(url(), [ok()])
    with pytest.raises(UnsupportedOperationError):
        account.admin("SendBinarySMS")
    assert account.ctx.http.sent == []
