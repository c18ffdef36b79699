"""Reply parsing edge cases and the exact shape of each request, without a network."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import xmltodict

from smsbridge.errors import (
    AuthenticationError,
    ConnectError,
    DuplicateError,
    InvalidRecipientError,
    InvalidSenderError,
    Outcome,
    RateLimitedError,
    ServiceUnavailableError,
    UnreadableReplyError,
)
from smsbridge.models import RawReply
from smsbridge.testing import SentRequest, fake_account, reply

from .support import ACCNAME, ACCPASS, NUMBER, REF, SENDER, WIRE_NUMBER, url

TOKEN = "tok-Zx81kQ2pLm"
TOKEN_REPLY = reply(f"\r\nBearer {TOKEN}\r\n", content_type="text/html; charset=UTF-8")
ASMX = '<?xml version="1.0" encoding="utf-8"?>\r\n<string xmlns="http://tempuri.org/">{}</string>'
XML = "text/xml; charset=utf-8"
PASSWORD_URL = url(auth="password")


def asmx(text: str, status: int = 200) -> RawReply:
    return reply(ASMX.format(text), status=status, content_type=XML)


# ---------------------------------------------------------------------------- request shapes


def test_token_asmx_request_shape() -> None:
    account = fake_account(url(), [TOKEN_REPLY, asmx("\r\nMsgID = 7")])
    result = account.send("0791234567", "hello", client_ref=REF)
    token_req, send_req = account.ctx.http.sent
    assert token_req.method == "GET"
    assert token_req.url == "https://www.josms.net/sms/api/GenerateToken.cfm"
    assert token_req.params == [("accname", ACCNAME), ("accpass", ACCPASS)]
    assert send_req.method == "POST"
    assert send_req.url == "https://www.josms.net/SMSServices/Clients/Prof/SingleSMS3/SMSService.asmx/SendSMS"
    assert send_req.data == [("senderid", SENDER), ("numbers", WIRE_NUMBER), ("msg", "hello"), ("id", REF)]
    assert send_req.params is None
    assert send_req.headers == {"Authorization": f"Bearer {TOKEN}"}
    assert result.receipts[0].message_id == "7"


def test_generated_id_is_sent_and_returned() -> None:
    account = fake_account(url(), [TOKEN_REPLY, asmx("\r\nMsgID = 7")])
    result = account.send(NUMBER, "hello")
    sent_id = dict(account.ctx.http.sent[1].data)["id"]
    assert re.fullmatch(r"[0-9a-f]{20}", sent_id)
    assert result.client_ref == sent_id


def test_rest_request_shape_and_message_gateway_option() -> None:
    account = fake_account(url(api="rest"), [TOKEN_REPLY, reply("MsgID = 8")])
    account.send(NUMBER, "hello", client_ref=REF, options={"gateway": "general"})
    send_req = account.ctx.http.sent[1]
    assert send_req.method == "GET"
    assert send_req.url.endswith("/SMSServices/Clients/Prof/RestSingleSMS_General3/SendSMS")
    assert send_req.params == [("senderid", SENDER), ("numbers", WIRE_NUMBER), ("msg", "hello"), ("id", REF)]
    assert send_req.headers == {"Authorization": f"Bearer {TOKEN}"}


def test_password_request_shape() -> None:
    account = fake_account(url(auth="password", gateway="general"), [reply("MsgID = 9")])
    result = account.send(NUMBER, "hello", client_ref=REF)
    (send_req,) = account.ctx.http.sent
    assert send_req.url == "https://www.josms.net/SMSServices/Clients/Prof/RestSingleSMS_General/SendSMS"
    assert send_req.params == [
        ("senderid", SENDER),
        ("numbers", WIRE_NUMBER),
        ("AccName", ACCNAME),
        ("AccPass", ACCPASS),
        ("msg", "hello"),
        ("id", REF),
    ]
    assert send_req.headers == {}
    assert result.details["route"] == "rest-password"


def test_other_host_and_plain_http() -> None:
    account = fake_account(url("127.0.0.1:8080", plain_http="yes", auth="password"), [reply("MsgID = 1")])
    account.send(NUMBER, "hello")
    assert account.ctx.http.sent[0].url == "http://127.0.0.1:8080/SMSServices/Clients/Prof/RestSingleSMS/SendSMS"


def test_token_is_cached_and_redacted() -> None:
    echo = asmx(f"\r\nMsgID = 5 for Bearer {TOKEN}")
    account = fake_account(url(), [TOKEN_REPLY, asmx("\r\nMsgID = 1"), asmx("\r\nMsgID = 2"), echo])
    account.send(NUMBER, "one", client_ref=REF)
    account.send(NUMBER, "two", client_ref=REF)
    with pytest.raises(UnreadableReplyError) as info:
        account.send(NUMBER, "three", client_ref=REF)
    urls = [s.url for s in account.ctx.http.sent]
    assert sum(u.endswith("GenerateToken.cfm") for u in urls) == 1
    assert info.value.raw is not None
    assert TOKEN not in info.value.raw.body and "Bearer ***" in info.value.raw.body
    assert TOKEN not in repr(account.ctx) and TOKEN not in str(info.value)


def test_one_token_for_concurrent_bulk_requests() -> None:
    def respond(sent: SentRequest) -> RawReply:
        if sent.url.endswith("GenerateToken.cfm"):
            return TOKEN_REPLY
        return reply("MsgID = 31")

    account = fake_account(url(workers="4"), respond)
    numbers = [f"+96277{i:07d}" for i in range(600)]
    summary = account.bulk_send(numbers, "hello")
    assert summary.accepted == 600 and summary.requests == 5
    urls = [s.url for s in account.ctx.http.sent]
    assert sum(u.endswith("GenerateToken.cfm") for u in urls) == 1
    assert all(len(dict(s.params)["numbers"].split(",")) <= 120 for s in account.ctx.http.sent[1:])


def test_bulk_request_shape() -> None:
    account = fake_account(url(), [TOKEN_REPLY, reply("MsgID =44")])
    account.bulk_send(["+962791234567", "0781234567"], "hello all")
    bulk_req = account.ctx.http.sent[1]
    assert bulk_req.method == "GET"
    assert bulk_req.url == "https://www.josms.net/sms/api/SendBulkMessages3.cfm"
    assert bulk_req.params == [
        ("numbers", "962791234567,962781234567"),
        ("senderid", SENDER),
        ("msg", "hello all"),
        ("requesttimeout", "5000000"),
    ]
    assert bulk_req.headers == {"Authorization": f"Bearer {TOKEN}"}


def test_bulk_password_request_shape() -> None:
    account = fake_account(PASSWORD_URL, [reply("MsgID =44")])
    account.bulk_send(["+962791234567", "0781234567"], "hello all")
    (bulk_req,) = account.ctx.http.sent
    assert bulk_req.url == "https://www.josms.net/sms/api/SendBulkMessages.cfm"
    assert ("AccName", ACCNAME) in bulk_req.params and ("AccPass", ACCPASS) in bulk_req.params
    assert bulk_req.headers == {}


TRICKY = [
    "مرحبا <b>bold</b> & 'quotes' \"double\"",
    "]]> <![CDATA[ nested ]]> &amp; literally",
    "line one\r\nline two\nline three\ttab",
    "  leading and trailing spaces  ",
    "emoji 😀 and {braces}",
]


def test_msgs_document_round_trips_every_text() -> None:
    recipients = [{"to": f"+96279123456{i}", "t": text} for i, text in enumerate(TRICKY)]
    account = fake_account(url(gateway="general"), [TOKEN_REPLY, asmx("\r\nMsgID = 12")])
    summary = account.bulk_send(recipients, "{t}")
    assert summary.accepted == len(TRICKY)
    msgs_req = account.ctx.http.sent[1]
    assert msgs_req.method == "POST"
    assert msgs_req.url.endswith("/SMSServices/Clients/Prof/SingleSMS_General3/SMSService.asmx/SendSMS")
    fields = dict(msgs_req.data)
    assert set(fields) == {"numbers", "senderid", "msgs"}
    assert fields["numbers"] == "".join(f"96279123456{i}," for i in range(len(TRICKY)))
    parsed = xmltodict.parse(fields["msgs"], strip_whitespace=False)
    messages = parsed["DocumentElement"]["msg"]
    assert [m["SMS_BODY"] for m in messages] == TRICKY
    assert [m["MOBILE_PHONE"] for m in messages] == [f"96279123456{i}" for i in range(len(TRICKY))]
    assert [m["SMS_ID"] for m in messages] == [str(i) for i in range(1, len(TRICKY) + 1)]
    assert {m["BULK_ID"] for m in messages} == {"1"}


def test_same_rendered_text_uses_the_bulk_route() -> None:
    account = fake_account(url(), [TOKEN_REPLY, reply("MsgID = 3")])
    summary = account.bulk_send([{"to": "+962791234567", "n": "x"}, {"to": "+962781234567", "n": "x"}], "hi {n}")
    assert summary.accepted == 2
    assert account.ctx.http.sent[1].url.endswith("SendBulkMessages3.cfm")
    assert dict(account.ctx.http.sent[1].params)["msg"] == "hi x"


def test_password_account_renders_templates_in_the_core() -> None:
    account = fake_account(PASSWORD_URL, [reply("MsgID = 3")])
    assert account.capabilities.templating is False
    summary = account.bulk_send([{"to": "+962791234567", "n": "a"}, {"to": "+962781234567", "n": "b"}], "hi {n}")
    assert summary.accepted == 2 and summary.requests == 2
    assert [dict(s.params)["msg"] for s in account.ctx.http.sent] == ["hi a", "hi b"]


def test_balance_request_uses_password_route_with_token_auth() -> None:
    account = fake_account(url(), [reply('"9994"', content_type="application/json; charset=utf-8")])
    balance = account.balance()
    (sent,) = account.ctx.http.sent
    assert sent.url == "https://www.josms.net/SMS/API/GetBalance"
    assert sent.params == [("AccName", ACCNAME), ("AccPass", ACCPASS)]
    assert balance.amount == Decimal("9994")


# ---------------------------------------------------------------------------- send replies


def _send(body: RawReply) -> Any:
    return fake_account(PASSWORD_URL, [body]).send(NUMBER, "hello", client_ref=REF)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (reply("MsgID = 123"), "123"),
        (reply("MsgID =123"), "123"),
        (reply("msgid=123\r\n"), "123"),
        (reply("  \r\nMsgID = 123  \r\n"), "123"),
        (reply("MsgID = 123", content_type="text/html; charset=UTF-8"), "123"),
        (reply('"MsgID = 123"', content_type="application/json"), "123"),
        (reply('"\\r\\nMsgID = 123"', content_type="application/json"), "123"),
        (asmx("\r\nMsgID = 123"), "123"),
        (reply('<string xmlns="http://tempuri.org/">MsgID = 123</string>'), "123"),
        (reply("<string>MsgID = 123</string>"), "123"),
        (reply('<a:string xmlns:a="http://tempuri.org/">MsgID = 123</a:string>'), "123"),
        (reply("\ufeffMsgID = 123"), "123"),
    ],
)
def test_accepted_forms(body: RawReply, expected: str) -> None:
    assert _send(body).receipts[0].message_id == expected


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (reply("Invalid  Sender\r\nID"), InvalidSenderError),
        (reply("invalid sender id."), InvalidSenderError),
        (reply("Error Invalid Sender ID"), InvalidSenderError),
        (reply("Invalid Mobile Number"), InvalidRecipientError),
        (reply("Invalid Number"), InvalidRecipientError),
        (reply("Invalid user name or password"), AuthenticationError),
        (reply("Message Ignored, Duplicate ID 1234"), DuplicateError),
        (reply("Message Ignored, Duplicate ID"), DuplicateError),
        (reply("Error exists please try again"), ServiceUnavailableError),
        (reply("Connection Failed, please try again"), ServiceUnavailableError),
        (reply("Error Connection Failed, please try again"), ServiceUnavailableError),
        (reply("Invalid Sender ID", status=400), InvalidSenderError),
        (reply("", status=401), AuthenticationError),
        (reply("<html><body>Unauthorized</body></html>", status=401, content_type="text/html"), AuthenticationError),
        (reply("", status=429), RateLimitedError),
    ],
)
def test_refusal_forms(body: RawReply, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        _send(body)
    assert getattr(info.value, "raw", None) is not None


@pytest.mark.parametrize(
    "body",
    [
        reply(""),
        reply("   \r\n "),
        reply("<!DOCTYPE html><html><body>Runtime Error</body></html>", content_type="text/html"),
        reply("<html><head><title>Error</title></head></html>", content_type="text/plain"),
        reply("MsgID = 123", status=500),
        reply("Invalid Sender ID", status=503),
        reply("MsgID = 123", status=302),
        reply("MsgID = 123", status=404),
        reply("OK"),
        reply("MsgID = "),
        reply("MsgID = abc"),
        reply("MsgID = 12 and more"),
        reply("Sent. MsgID = 12"),
        reply('<?xml version="1.0"?><string xmlns="http://tempuri.org/">MsgID = 1'),
        reply("<response><status>OK</status></response>"),
        reply("<string><b>MsgID = 1</b></string>"),
        reply("<string/>"),
        reply('"MsgID = 1'),
        reply('"unterminated \\'),
        reply("null", content_type="application/json"),
        reply('{"MsgID": 123}', content_type="application/json"),
        reply("[1, 2]", content_type="application/json"),
        reply("Invalid Sender ID and more"),
    ],
)
def test_unreadable_forms(body: RawReply) -> None:
    with pytest.raises(UnreadableReplyError) as info:
        _send(body)
    assert info.value.raw is not None and info.value.raw.body == body.body


def test_refusal_keeps_the_providers_wording() -> None:
    with pytest.raises(InvalidRecipientError) as info:
        _send(asmx("Invalid Mobile Number"))
    error = info.value
    assert error.text == "Invalid Mobile Number"
    assert error.code == "invalid_mobile_number"
    assert error.recipient == NUMBER
    assert "Invalid Mobile Number" in str(error)


def test_duplicate_in_a_bulk_request_is_not_sent_not_already_accepted() -> None:
    account = fake_account(url(), [TOKEN_REPLY, reply("Message Ignored, Duplicate ID")])
    summary = account.bulk_send(["+962791234567", "+962781234567"], "hello")
    assert summary.rejected == 2 and summary.accepted == 0
    assert summary.receipts is not None and {r.code for r in summary.receipts} == {"duplicate_id"}


def test_bulk_unknown_reply_leaves_recipients_unknown() -> None:
    account = fake_account(url(), [TOKEN_REPLY, reply("Queued")])
    summary = account.bulk_send(["+962791234567", "+962781234567"], "hello")
    assert summary.unknown == 2 and summary.accepted == 0


# ---------------------------------------------------------------------------- token and balance replies


@pytest.mark.parametrize(
    ("body", "token"),
    [
        (reply("Bearer abc.def-123"), "abc.def-123"),
        (reply("Token created\r\nBearer abc\r\nValid 24h"), "abc"),
        (reply("\n\n   bearer   abc  \n"), "abc"),
        (asmx("Bearer abc"), "abc"),
    ],
)
def test_token_forms(body: RawReply, token: str) -> None:
    account = fake_account(url(), [body])
    assert account.admin("generate_token").data == {"token": token}


@pytest.mark.parametrize(
    "body",
    [reply("Bearer"), reply("Bearer "), reply("Bearer a b"), reply("Token: abc"), reply(""), reply("abc", status=500)],
)
def test_token_unreadable(body: RawReply) -> None:
    account = fake_account(url(), [body])
    with pytest.raises(UnreadableReplyError):
        account.admin("get_token")


def test_token_fetch_transport_error_passes_through() -> None:
    account = fake_account(url(), [ConnectError("refused", provider="jormall")])
    with pytest.raises(ConnectError):
        account.send(NUMBER, "hello")


@pytest.mark.parametrize(
    ("body", "amount"),
    [
        (reply('"9994"'), Decimal(9994)),
        (reply("9994"), Decimal(9994)),
        (reply('"0"'), Decimal(0)),
        (reply('"-3"'), Decimal(-3)),
        (reply('"12.5"'), Decimal("12.5")),
        (reply('<string xmlns="http://tempuri.org/">77</string>'), Decimal(77)),
    ],
)
def test_balance_forms(body: RawReply, amount: Decimal) -> None:
    assert fake_account(url(), [body]).balance().amount == amount


@pytest.mark.parametrize(
    "body",
    [reply('"nine"'), reply("null"), reply("1e5"), reply('"9994'), reply("9994", status=500), reply("")],
)
def test_balance_unreadable(body: RawReply) -> None:
    with pytest.raises(UnreadableReplyError):
        fake_account(url(), [body]).balance()


@pytest.mark.parametrize("options", [{}, {"auth": "password"}])
def test_literal_braces_are_rendered_as_the_core_renders_them(options: dict[str, str]) -> None:
    replies = [reply("MsgID = 3")] if options else [TOKEN_REPLY, reply("MsgID = 3")]
    account = fake_account(url(**options), replies)
    # a text without {name} fields is not a template: it goes exactly as written
    assert account.bulk_send(["+962791234567", "+962781234567"], "Use code {{SALE}}").accepted == 2
    bulk_req = account.ctx.http.sent[-1]
    assert dict(bulk_req.params)["msg"] == "Use code {{SALE}}"
    # in a template {{ is a literal brace
    account = fake_account(url(**options), replies)
    rows = [{"to": "+962791234567", "code": "A1"}, {"to": "+962781234567", "code": "A1"}]
    assert account.bulk_send(rows, "Use {code} {{SALE}}").accepted == 2
    sent = account.ctx.http.sent[-1]
    assert "Use A1 {SALE}" in str(sent.params or sent.data)


# ---------------------------------------------------------------------------- HTTP status boundaries


@pytest.mark.parametrize(
    "text",
    [
        "Invalid Sender ID",
        "Invalid user name or password",
        "Message Ignored, Duplicate ID 1234",
        "Error exists please try again",
        "Invalid Mobile Number",
    ],
)
@pytest.mark.parametrize("status", [500, 501, 599, 300, 302, 399, 100, 199])
def test_a_refusal_text_on_a_server_error_is_unknown(text: str, status: int) -> None:
    """A 5xx (or 1xx/3xx) proves nothing about the message, whatever sentence comes with it."""
    with pytest.raises(UnreadableReplyError) as info:
        _send(reply(text, status=status))
    assert info.value.outcome is Outcome.UNKNOWN
    assert info.value.http_status == status and info.value.text == text and text in str(info.value)


@pytest.mark.parametrize("status", [400, 499])
def test_a_refusal_text_on_a_client_error_keeps_its_meaning(status: int) -> None:
    with pytest.raises(InvalidSenderError) as info:
        _send(reply("Invalid Sender ID", status=status))
    assert info.value.http_status == status and info.value.outcome is Outcome.NOT_SENT


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("body", ["", "<html><body>Forbidden</body></html>", "<string>unclosed"])
def test_a_401_or_403_without_a_readable_body_is_an_authentication_error(status: int, body: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        _send(reply(body, status=status, content_type="text/html" if "html" in body else "text/plain"))
    assert info.value.outcome is Outcome.NOT_SENT and info.value.http_status == status


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (401, "Unauthorized", "text/plain"),
        (401, "Token expired", "text/plain; charset=utf-8"),
        (403, "Forbidden: your IP is not allowed", "text/plain"),
        (401, ASMX.format("Access denied"), XML),
    ],
)
def test_a_plain_text_401_or_403_is_an_authentication_error(status: int, body: str, content_type: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        _send(reply(body, status=status, content_type=content_type))
    error = info.value
    assert error.outcome is Outcome.NOT_SENT and error.http_status == status
    said = " ".join(body.split()) if "<" not in body else "Access denied"
    assert error.text == said and said in str(error)  # JorMall's own words are shown


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(199, "unreadable"), (200, "accepted"), (299, "accepted"), (300, "unreadable"), (399, "unreadable")],
)
def test_only_2xx_can_accept(status: int, outcome: str) -> None:
    if outcome == "accepted":
        assert _send(reply("MsgID = 5", status=status)).receipts[0].message_id == "5"
        return
    with pytest.raises(UnreadableReplyError) as info:
        _send(reply("MsgID = 5", status=status))
    assert info.value.outcome is Outcome.UNKNOWN


@pytest.mark.parametrize("status", [400, 404, 409, 418])
def test_an_unknown_text_on_a_client_error_is_unknown_and_shown(status: int) -> None:
    with pytest.raises(UnreadableReplyError) as info:
        _send(reply("Route moved to v4", status=status))
    assert info.value.outcome is Outcome.UNKNOWN
    assert info.value.text == "Route moved to v4" and "Route moved to v4" in str(info.value)


@pytest.mark.parametrize("body", ["MsgID = ١٢٣", "MsgID = ²²", "MsgID = 12٣"])
def test_message_ids_are_ascii_digits(body: str) -> None:
    with pytest.raises(UnreadableReplyError):
        _send(reply(body))


@pytest.mark.parametrize("body", ['"٩٩٩٤"', '"²"', '"1²"'])
def test_balances_are_ascii_digits(body: str) -> None:
    with pytest.raises(UnreadableReplyError):
        fake_account(url(), [reply(body)]).balance()


# ---------------------------------------------------------------------------- unusable tokens


@pytest.mark.parametrize(
    "token",
    # at least 6 characters: a shorter secret is hidden by field only (smsbridge.redaction)
    ["tök①-1234", "tok\u00e9n-1234", "a" * 4097, "tok\x7fen", "zero\u200bwidth"],
)
def test_an_unusable_token_is_refused_and_never_cached(token: str) -> None:
    good = reply("Bearer tok-good-1")
    account = fake_account(url(), [reply(f"\r\nBearer {token}\r\n"), good, asmx("\r\nMsgID = 9")])
    with pytest.raises(AuthenticationError) as info:
        account.send(NUMBER, "hello")
    error = info.value
    assert error.outcome is Outcome.NOT_SENT and error.code == "unusable_token"
    assert token not in str(error) and error.raw is not None and token not in error.raw.body
    assert [s.url.rsplit("/", 1)[1] for s in account.ctx.http.sent] == ["GenerateToken.cfm"]  # no send left
    # the next send asks again and is not poisoned by the first answer
    assert account.send(NUMBER, "hello").receipts[0].message_id == "9"
    assert account.ctx.http.sent[-1].headers == {"Authorization": "Bearer tok-good-1"}


def test_an_unusable_token_from_the_admin_operation_is_refused_too() -> None:
    account = fake_account(url(), [reply("Bearer tök①")])
    with pytest.raises(AuthenticationError):
        account.admin("generate_token")
    assert "jormall.token" not in account.ctx.cache


@pytest.mark.parametrize(
    "body",
    [
        reply("<html><body>502 Bad Gateway</body></html>", status=200, content_type="text/html"),
        reply("", status=200),
        reply("Token service busy"),
        reply("Bearer ok", status=502),
    ],
)
def test_an_unreadable_token_reply_before_a_send_is_not_sent(body: RawReply) -> None:
    """The token request carries no SMS: whatever it answers, nothing was sent."""
    account = fake_account(url(), [body])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(NUMBER, "hello")
    assert info.value.outcome is Outcome.NOT_SENT and info.value.raw is not None
    assert len(account.ctx.http.sent) == 1


def test_an_unreadable_token_reply_to_the_admin_operation_stays_unknown() -> None:
    """GenerateToken itself may have replaced the token: there the outcome is unknown."""
    with pytest.raises(UnreadableReplyError) as info:
        fake_account(url(), [reply("Token service busy")]).admin("generate_token")
    assert info.value.outcome is Outcome.UNKNOWN
