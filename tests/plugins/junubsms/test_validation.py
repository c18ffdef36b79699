"""Bad input is refused with a typed error before any request is made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import (
    ConfigurationError,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    SmsBridgeError,
)
from smsbridge.testing import fake_account

from .support import NUMBER, QUEUE, url

FUTURE = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)


def refused(
    account_url: str, action: Callable[[Any], Any], error: type[SmsBridgeError], *, flagged: bool = True
) -> SmsBridgeError:
    account = fake_account(account_url, [])
    with pytest.raises(error) as info:
        action(account)
    assert account.ctx.http.sent == []
    if flagged and error is not ConfigurationError:
        assert getattr(info.value, "before_request", False)
    return info.value


@pytest.mark.parametrize(
    "number",
    ["", "   ", "abc", "+1", "12", "+21191234567890123", "@", "#", "@bad,user", "#a b", "@al ice", "#GRP;x", "@ä"],
)
def test_bad_recipients(number: str) -> None:
    refused(url(), lambda a: a.send(number, "hi"), InvalidRecipientError)


def test_no_recipient() -> None:
    refused(url(), lambda a: a.send([], "hi"), InvalidRecipientError)


def test_one_bad_recipient_stops_the_whole_send() -> None:
    refused(url("batch=5"), lambda a: a.send([NUMBER, "+1"], "hi"), InvalidRecipientError)


@pytest.mark.parametrize("sender", ["ThisSenderIsTooLong", "", "+12345678901234567890"])
def test_bad_senders(sender: str) -> None:
    if sender == "":
        # an empty sender means "the account's default": nothing to refuse
        account = fake_account(url(), [])
        assert account._check_sender("") is None
        return
    refused(url(), lambda a: a.send(NUMBER, "hi", sender=sender), InvalidSenderError)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_bad_texts(text: str) -> None:
    refused(url(), lambda a: a.send(NUMBER, text), InvalidMessageError)


def test_text_over_max_length() -> None:
    refused(url("max_length=10"), lambda a: a.send(NUMBER, "x" * 11), InvalidMessageError)


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2031, 1, 1, 10, 0),  # naive
        dt.datetime(2001, 1, 1, 10, 0, tzinfo=dt.timezone.utc),  # past
    ],
)
def test_bad_schedules(when: dt.datetime) -> None:
    refused(url(), lambda a: a.send(NUMBER, "hi", schedule=when), InvalidMessageError)


@pytest.mark.parametrize(
    "options",
    [
        {"colour": "red"},
        {"footer": 5},
        {"footer": "-- x", "nofooter": True},
        {"nofooter": "maybe"},
        {"type": "flash"},
    ],
)
def test_bad_message_options(options: dict[str, Any]) -> None:
    refused(url(), lambda a: a.send(NUMBER, "hi", options=options, schedule=FUTURE), InvalidMessageError)


def test_bad_options_refused_in_bulk_before_any_request() -> None:
    account = fake_account(url(), [])
    summary = account.bulk_send([NUMBER], "hi", options={"colour": "red"})
    assert summary.rejected == 1 and account.ctx.http.sent == []


@pytest.mark.parametrize(
    "account_url",
    [
        "junubsms://user@default",  # no token
        "junubsms://:dummy-t@default",  # no user
        url("timezone=Mars/Olympus"),
        url("timezone=%2B25:00"),
        url("batch=0"),
        url("batch=501"),
        url("batch=many"),
        url("format=csv"),
        url("auth=magic"),
        url("max_length=0"),
        url("colour=red"),
        url("plain_http=yes"),  # never for the default host
    ],
)
def test_bad_urls(account_url: str) -> None:
    with pytest.raises(ConfigurationError):
        smsbridge.connect(account_url)


def test_playsms_needs_a_host() -> None:
    with pytest.raises(ConfigurationError) as info:
        fake_account("playsms://u:dummy-t@default", [])
    assert "sms.example.org" in str(info.value)


@pytest.mark.parametrize("ident", ["abc", "12ab", "", QUEUE[:-1], "-5", "1" * 21, "٣"])
def test_bad_delivery_ids(ident: str) -> None:
    refused(url(), lambda a: a.delivery_status([NUMBER[1:], ident]), InvalidMessageError)


@pytest.mark.parametrize(
    "query",
    [
        {"folder": "trash"},
        {"folder": "in", "since_id": "x7"},
        {"folder": "in", "limit": 0},
        {"folder": "in", "limit": True},
        {"folder": "in", "colour": "red"},
    ],
)
def test_bad_inbound_queries(query: dict[str, Any]) -> None:
    refused(url(), lambda a: a.inbound(**query), InvalidMessageError)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("accountban", {}),
        ("accountban", {"data_username": "bob", "data_colour": "red"}),
        (
            "accountadd",
            {"data_status": 9, "data_username": "b", "data_password": "p", "data_name": "B", "data_email": "e"},
        ),
        ("creditadd", {"data_username": "bob", "data_amount": "-5"}),
        ("creditadd", {"data_username": "bob", "data_amount": "lots"}),
        ("accountconf", {"data_username": "bob", "data_fwd_to_inbox": "maybe"}),
        ("accountconf", {"data_username": "bob", "data_local_length": "nine"}),
        ("get_contact", {"kwd": "x", "c": "x"}),
        ("get_contact", {"kwd": ["x"]}),
        ("ws_login", {}),
    ],
)
def test_bad_admin_parameters(operation: str, params: dict[str, Any]) -> None:
    refused(url(), lambda a: a.admin(operation, **params), InvalidMessageError)


def test_unknown_admin_operation() -> None:
    from smsbridge.errors import UnsupportedOperationError

    refused(url(), lambda a: a.admin("get_token"), UnsupportedOperationError, flagged=False)
