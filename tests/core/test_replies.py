"""smsbridge.replies: the reply helpers every plugin parser starts with, non-2xx replies above all."""

from __future__ import annotations

import pytest

from smsbridge.errors import (
    AuthenticationError,
    Outcome,
    PermissionDeniedError,
    ProviderError,
    RateLimitedError,
    UnreadableReplyError,
)
from smsbridge.replies import MAX_ERROR_TEXT, error_text, expect_ok_status, json_body, status_error, xml_body
from smsbridge.testing import reply

JSON = "application/json"
HTML_PAGE = "<html><head><title>401</title></head><body>Authorization Required</body></html>"


@pytest.mark.parametrize(
    ("status", "error", "outcome"),
    [
        (401, AuthenticationError, Outcome.NOT_SENT),
        (403, PermissionDeniedError, Outcome.NOT_SENT),
        (429, RateLimitedError, Outcome.NOT_SENT),
        (400, UnreadableReplyError, Outcome.UNKNOWN),
        (402, UnreadableReplyError, Outcome.UNKNOWN),
        (404, UnreadableReplyError, Outcome.UNKNOWN),
        (302, UnreadableReplyError, Outcome.UNKNOWN),
        (500, UnreadableReplyError, Outcome.UNKNOWN),
        (503, UnreadableReplyError, Outcome.UNKNOWN),
    ],
)
def test_a_status_says_by_itself(status: int, error: type[ProviderError], outcome: Outcome) -> None:
    found = status_error(reply("Go away", status=status), "acme")
    assert type(found) is error and found.outcome is outcome
    assert found.http_status == status and found.raw is not None
    assert found.text == "Go away" and "Go away" in str(found)


def test_server_and_client_statuses_are_named_apart() -> None:
    assert "server error 500" in str(status_error(reply("", status=500), "acme"))
    assert "unexpected HTTP status 499" in str(status_error(reply("", status=499), "acme"))


def test_the_plugins_reading_of_the_body_wins() -> None:
    found = status_error(reply('{"e":"k","msg":"bad key"}', status=401), "acme", text="bad key", code="k")
    assert (found.text, found.code) == ("bad key", "k")
    assert "bad key" in str(found) and '{"e"' not in str(found)


def test_error_text_is_one_short_line_and_never_an_html_page() -> None:
    assert error_text(reply("  Invalid\r\n  key  ")) == "Invalid key"
    assert error_text(reply("")) is None
    assert error_text(reply(HTML_PAGE, content_type="text/html")) is None
    long = error_text(reply("x" * 1000))
    assert long is not None and len(long) == MAX_ERROR_TEXT and long.endswith("...")


def test_html_and_empty_bodies_are_described_not_quoted() -> None:
    assert "an HTML page" in str(status_error(reply(HTML_PAGE, status=502, content_type="text/html"), "acme"))
    assert "an empty body" in str(status_error(reply("", status=502), "acme"))


def test_expect_ok_status() -> None:
    expect_ok_status(reply("", status=200), "acme")
    expect_ok_status(reply("", status=299), "acme")
    with pytest.raises(UnreadableReplyError):
        expect_ok_status(reply("", status=300), "acme")
    with pytest.raises(UnreadableReplyError):
        expect_ok_status(reply("", status=199), "acme")
    with pytest.raises(AuthenticationError) as info:
        expect_ok_status(reply("{}", status=401), "acme", text="Unknown API key")
    assert info.value.text == "Unknown API key"


def test_json_body_reads_listed_error_statuses_only() -> None:
    body = reply('{"error":"bad_key"}', status=401, content_type=JSON)
    assert json_body(body, "acme", error_statuses=range(400, 500)) == {"error": "bad_key"}
    assert json_body(body, "acme", error_statuses=(401,)) == {"error": "bad_key"}
    with pytest.raises(AuthenticationError):
        json_body(body, "acme")
    with pytest.raises(UnreadableReplyError):
        json_body(reply('{"error":"x"}', status=500, content_type=JSON), "acme", error_statuses=range(400, 500))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(HTML_PAGE, "text/html"), ("", "text/plain"), ('{"error":', JSON), ("[1]", JSON), ("Unauthorized", "text/plain")],
)
def test_an_unreadable_error_body_falls_back_to_its_status(body: str, content_type: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        json_body(reply(body, status=401, content_type=content_type), "acme", error_statuses=(401,))
    assert info.value.outcome is Outcome.NOT_SENT and info.value.raw is not None
    with pytest.raises(PermissionDeniedError):
        xml_body(reply(body, status=403, content_type=content_type), "acme", error_statuses=(403,))


def test_unreadable_2xx_bodies_stay_unreadable() -> None:
    for body in ("", HTML_PAGE, '{"a":', "[]"):
        with pytest.raises(UnreadableReplyError):
            json_body(reply(body, content_type=JSON), "acme")


def test_xml_body_reads_listed_error_statuses() -> None:
    body = reply("<error><code>7</code></error>", status=400, content_type="text/xml")
    assert xml_body(body, "acme", error_statuses=(400,)) == {"error": {"code": "7"}}
    with pytest.raises(UnreadableReplyError) as info:
        xml_body(body, "acme")
    assert info.value.text == "<error><code>7</code></error>"
