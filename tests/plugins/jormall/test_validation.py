"""Bad input is refused with a typed error before any request is made."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from smsbridge.client import connect
from smsbridge.errors import (
    ConfigurationError,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    ProviderError,
    UnsupportedOperationError,
)
from smsbridge.testing import fake_account, reply

from .support import ACCNAME, ACCPASS, NUMBER, url

NEVER = reply("MsgID = 1")  # would make a send succeed: none may be asked for


def _account(**options: str) -> Any:
    return fake_account(url(**options), [NEVER])


@pytest.mark.parametrize(
    "number",
    [
        "+96265512345",  # Amman landline
        "+962761234567",  # 76 is no mobile prefix
        "+41791234567",  # not Jordan
        "0041791234567",
        "0791234",  # too short
        "07912345678",  # too long
        "9627912345678",
        "abc",
        "",
        "   ",
        "@someone",
        "#group",
        "+962 79 123 456",
    ],
)
def test_invalid_numbers(number: str) -> None:
    account = _account()
    with pytest.raises(InvalidRecipientError) as info:
        account.send(number, "hello")
    assert info.value.before_request is True
    assert info.value.recipient is not None
    assert account.ctx.http.sent == []


def test_invalid_recipient_error_names_the_number() -> None:
    account = _account()
    with pytest.raises(InvalidRecipientError) as info:
        account.send("+96265512345", "hello")
    assert info.value.recipient == "+96265512345"
    assert "+96265512345" in str(info.value)


@pytest.mark.parametrize(
    "given", ["0791234567", "00962791234567", "+962791234567", "+962 79 123 4567", "962791234567", "079-123-4567"]
)
def test_jordanian_forms_are_normalised(given: str) -> None:
    account = _account()
    assert account.wire_number(given) == "962791234567"
    assert account.ctx.http.sent == []


@pytest.mark.parametrize(
    ("sender", "error"),
    [
        ("TwelveChars1", InvalidSenderError),
        ("My Shop Ltd.", InvalidSenderError),
        ("123456789012", InvalidSenderError),  # numeric, 12 digits: the core allows 16
        ("", InvalidSenderError),
    ],
)
def test_invalid_senders(sender: str, error: type[ProviderError]) -> None:
    account = fake_account(url().replace("sender=MyShop", "sender="), [NEVER])
    with pytest.raises(error) as info:
        account.send(NUMBER, "hello", sender=sender)
    assert info.value.before_request is True
    assert account.ctx.http.sent == []


def test_sender_is_required() -> None:
    account = fake_account(
        f"jormall://{ACCNAME}:{ACCPASS}@default",
        [NEVER],
    )
    with pytest.raises(InvalidSenderError):
        account.send(NUMBER, "hello")
    assert account.ctx.http.sent == []


def test_eleven_characters_with_spaces_are_fine() -> None:
    account = fake_account(url(auth="password"), [NEVER])
    assert account.send(NUMBER, "hello", sender="My Shop 123").ok


@pytest.mark.parametrize(
    ("text", "kwargs", "error"),
    [
        ("", {}, InvalidMessageError),
        ("   \n ", {}, InvalidMessageError),
        ("x" * 801, {}, InvalidMessageError),
        ("ع" * 801, {}, InvalidMessageError),
        ("bad \ud800 surrogate", {}, InvalidMessageError),
        ("hello", {"flash": True}, UnsupportedOperationError),
        ("hello", {"schedule": dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc)}, UnsupportedOperationError),
        ("hello", {"encoding": "utf8"}, InvalidMessageError),
        ("hello", {"options": {"priority": "high"}}, InvalidMessageError),
        ("hello", {"options": {"gateway": "marketing"}}, InvalidMessageError),
        ("hello {name}", {"to": {"to": NUMBER, "other": "x"}}, InvalidMessageError),
    ],
)
def test_invalid_messages(text: str, kwargs: dict[str, Any], error: type[ProviderError]) -> None:
    account = _account()
    to = kwargs.pop("to", NUMBER)
    with pytest.raises(error) as info:
        account.send(to, text, **kwargs)
    assert info.value.before_request is True
    assert account.ctx.http.sent == []


def test_800_characters_are_accepted() -> None:
    account = fake_account(url(auth="password"), [NEVER])
    assert account.send(NUMBER, "ع" * 800).ok


def test_bulk_with_only_invalid_numbers_sends_nothing() -> None:
    account = _account()
    summary = account.bulk_send(["+96265512345", "+41791234567", "nonsense"], "hello")
    assert summary.rejected == 3 and summary.requests == 0
    assert account.ctx.http.sent == []


def test_bulk_text_xml_cannot_carry_is_refused_before_a_request() -> None:
    account = _account()
    people = [{"to": "+962791234567", "t": "bell \x07"}, {"to": "+962781234567", "t": "fine"}]
    summary = account.bulk_send(people, "{t}")
    assert summary.rejected == 2
    assert summary.receipts is not None and "U+0007" in (summary.receipts[0].reason or "")
    assert account.ctx.http.sent == []


def test_bulk_with_bad_option_sends_nothing() -> None:
    account = _account()
    summary = account.bulk_send(["+962791234567", "+962781234567"], "hello", options={"gateway": "x"})
    assert summary.rejected == 2
    assert account.ctx.http.sent == []


@pytest.mark.parametrize(
    "account_url",
    [
        url(auth="oauth"),
        url(gateway="bulk"),
        url(api="soap"),
        url(auth="password", api="asmx"),
        url(colour="blue"),
        url(sender="MyShop", retries="-1"),
        f"jormall://{ACCNAME}@default?sender=MyShop",  # no password
        f"jormall://:{ACCPASS}@default?sender=MyShop",  # no account name
        url(plain_http="maybe"),
    ],
)
def test_invalid_account_urls(account_url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        connect(account_url)
    assert ACCPASS not in str(info.value)


def test_url_shows_no_password() -> None:
    account = connect(url(auth="password"))
    assert ACCPASS not in repr(account) and ACCPASS not in repr(account.ctx.config)
