"""Bad inputs are refused with a typed error before any request is made."""

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
)
from smsbridge.testing import fake_account, reply

from .support import FR, URL, XML_URL

NEVER = reply('{"status":100,"smsIds":[]}', content_type="application/json")
PAST = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
FUTURE = dt.datetime(2035, 1, 1, tzinfo=dt.timezone.utc)


def refused(url: str, error: type[ProviderError], call: Any) -> ProviderError:
    account = fake_account(url, [NEVER])
    with pytest.raises(error) as info:
        call(account)
    assert account.ctx.http.sent == [], "nothing may be sent"
    assert info.value.before_request
    return info.value


@pytest.mark.parametrize("number", ["12", "abc", "+1", "", "@someone", "#group", "+33 6 12"])
def test_bad_numbers(number: str) -> None:
    refused(URL, InvalidRecipientError, lambda a: a.send(number, "hi"))


@pytest.mark.parametrize(
    "sender",
    [
        "AB",  # too short
        "ABCDEFGHIJKL",  # 12 characters
        "1Shop",  # must start with a letter
        " Shop",  # must start with a letter
        "Shop!",  # punctuation
        "Café",  # accent
        "Shop-Lyon",  # hyphen
        "33612345678",  # numeric senders are not taken
        "+33612345678",
    ],
)
def test_bad_senders(sender: str) -> None:
    refused(URL, InvalidSenderError, lambda a: a.send(FR, "hi", sender=sender))


def test_bad_sender_from_the_url() -> None:
    refused(URL + "?sender=X", InvalidSenderError, lambda a: a.send(FR, "hi"))


@pytest.mark.parametrize("sender", ["Shop", "ABC", "A2345678901", "Shop Lyon"])
def test_good_senders_pass(sender: str) -> None:
    account = fake_account(URL, [NEVER])
    account.send(FR, "hi", sender=sender)
    assert len(account.ctx.http.sent) == 1


@pytest.mark.parametrize("text", ["", "   ", "\n", "x" * 641, "é" * 641])
def test_bad_texts(text: str) -> None:
    refused(URL, InvalidMessageError, lambda a: a.send(FR, text))


def test_640_characters_pass() -> None:
    account = fake_account(URL, [NEVER])
    account.send(FR, "x" * 640)
    assert len(account.ctx.http.sent) == 1


def test_rendered_text_too_long() -> None:
    refused(URL, InvalidMessageError, lambda a: a.send({"to": FR, "name": "x" * 700}, "Hi {name}"))


@pytest.mark.parametrize(
    "schedule", [PAST, dt.datetime(2035, 1, 1), dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)]
)
def test_bad_schedules(schedule: dt.datetime) -> None:
    refused(URL, InvalidMessageError, lambda a: a.send(FR, "hi", schedule=schedule))


@pytest.mark.parametrize(
    "text",
    [
        "Hi {0}",  # positional field
        "Hi {name} {}",  # a positional field in a template
        "Hi {name}",  # no value for the field
        "Hi {name.upper}",  # attribute access
    ],
)
def test_bad_templates(text: str) -> None:
    refused(URL, InvalidMessageError, lambda a: a.send(FR, text))


@pytest.mark.parametrize(
    "options",
    [{"priority": "high"}, {"campaign": "x", "TPOA": "Other"}, {"mail_notif": "maybe"}, {"mail_notif": 2}],
)
def test_bad_message_options(options: dict[str, Any]) -> None:
    refused(URL, InvalidMessageError, lambda a: a.send(FR, "hi", options=options))


def test_xml_forbidden_characters() -> None:
    refused(XML_URL, InvalidMessageError, lambda a: a.send(FR, "bell\x07"))


def test_bad_schedule_in_a_bulk_send_sends_nothing() -> None:
    account = fake_account(URL, [NEVER])
    with pytest.raises(InvalidMessageError):
        account.bulk_send([FR], "hi", schedule=PAST)
    assert account.ctx.http.sent == []


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("deleteCampaign", {"campaignId": "  "}),
        ("getCreditsByCountryIsoCode", {"isoCode": "FRA"}),
        ("getCreditsByCountryIsoCode", {"isoCode": "F1"}),
        ("getBlacklist", {"fields": {"apiKey": "other"}}),
        ("getBlacklist", {"fields": "login=someone"}),
        ("getBlacklist", {"fields": "returnformat=xml"}),
        ("getBlacklist", {"fields": "no pairs here"}),
        ("getBlacklist", {"fields": 42}),
        ("createSubAccount", {"fields": {"subLogin": ["a", "b"]}}),
        ("deleteCampaign", {"campaignId": "1", "fields": {"campaignId": "2"}}),
        ("deleteCampaign", {}),  # missing required parameter (core check)
        ("getBlacklist", {"unknown": "x"}),  # undeclared parameter (core check)
    ],
)
def test_bad_admin_parameters(operation: str, params: dict[str, Any]) -> None:
    refused(URL, InvalidMessageError, lambda a: a.admin(operation, **params))


@pytest.mark.parametrize("ids", [[""], ["  "], ["campaign:"], ["ok-id", ""]])
def test_bad_message_ids(ids: list[str]) -> None:
    refused(URL, InvalidMessageError, lambda a: a.delivery_status(ids))


@pytest.mark.parametrize(
    "url",
    [
        "allmysms://dummy-login@default",  # no API key
        "allmysms://:dummy-key@default",  # no login
        URL + "?flow=csv",
        URL + "?batch_size=0",
        URL + "?batch_size=many",
        URL + "?mail_notif=maybe",
        URL + "?campain=typo",
        "allmysms://dummy-login:dummy-key@default?plain_http=yes",  # never plain http to the real host
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        connect(url)
    assert "dummy-key" not in str(info.value)
