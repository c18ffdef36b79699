"""Property tests: whatever JorMall answers, the parser gives a value or an smsbridge error."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsbridge.errors import SmsBridgeError, UnreadableReplyError
from smsbridge.models import RawReply, ReceiptStatus
from smsbridge.testing import fake_account
from smsbridge_jormall.wire import interpret, reply_text

from .support import NUMBER, url

PHRASES = [
    "MsgID = 42861937",
    "MsgID =60123456",
    "MsgID = ",
    "MsgID = -1",
    "Invalid Sender ID",
    "Error Invalid Sender ID",
    "Invalid Mobile Number",
    "Invalid Number",
    "Invalid user name or password",
    "Message Ignored, Duplicate ID",
    "Message Ignored, Duplicate ID 1234",
    "Error exists please try again",
    "Connection Failed, please try again",
    "Error Connection Failed, please try again",
    "Bearer abc.DEF-123",
    "Bearer ",
    '"9994"',
    "9994",
    "",
]
KEYS = ["MsgID", "string", "Bearer", "SendSMSResult", "DocumentElement", "msg", "SMS_ID", "#text", "@xmlns", "token"]
CONTENT_TYPES = [
    "text/xml; charset=utf-8",
    "text/plain; charset=utf-8",
    "text/html; charset=UTF-8",
    "application/json; charset=utf-8",
    "application/octet-stream",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(PHRASES),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    max_leaves=8,
)
xml_names = st.sampled_from(["string", "a:string", "response", "msg", "SMS_BODY"])


@st.composite
def xml_bodies(draw: st.DrawFn) -> str:
    name = draw(xml_names)
    inner = draw(st.one_of(st.sampled_from(PHRASES), st.text(max_size=30)))
    inner = inner.replace("&", "&amp;").replace("<", "&lt;") if draw(st.booleans()) else inner
    attrs = ' xmlns="http://tempuri.org/"' if draw(st.booleans()) else ""
    prolog = '<?xml version="1.0" encoding="utf-8"?>\r\n' if draw(st.booleans()) else ""
    body = f"{prolog}<{name}{attrs}>{draw(st.sampled_from(['', chr(13) + chr(10), ' ']))}{inner}</{name}>"
    cut = draw(st.integers(min_value=0, max_value=len(body)))
    return body[:cut] if draw(st.booleans()) else body


@st.composite
def texts(draw: st.DrawFn) -> str:
    phrase = draw(st.sampled_from(PHRASES))
    pad = st.sampled_from(["", " ", "\r\n", "\t", "\n\n", "\ufeff"])
    return draw(pad) + phrase + draw(st.sampled_from(["", " extra", ".", "!"])) * draw(st.integers(0, 1)) + draw(pad)


bodies = st.one_of(
    st.text(max_size=60),
    texts(),
    texts().map(json.dumps),
    json_values.map(json.dumps),
    xml_bodies(),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["<!DOCTYPE html><html><body>error</body></html>", "<html>", "null", "[]", "{}"]),
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503]), st.integers(100, 599)
)


def raw(body: str, status: int, content_type: str) -> RawReply:
    return RawReply(status=status, body=body, content_type=content_type, url="https://www.josms.net/x")


@settings(max_examples=1000, deadline=None)
@given(
    body=bodies,
    status=statuses,
    content_type=st.sampled_from(CONTENT_TYPES),
    expect=st.sampled_from(["msgid", "balance", "token"]),
    bulk=st.booleans(),
)
def test_interpret_never_crashes(body: str, status: int, content_type: str, expect: Any, bulk: bool) -> None:
    reply = raw(body, status, content_type)
    try:
        value = interpret(reply, provider="jormall", expect=expect, recipient=NUMBER, bulk=bulk)
    except UnreadableReplyError as exc:
        assert exc.raw is reply
        return
    except SmsBridgeError as exc:
        assert getattr(exc, "raw", None) is reply
        return
    assert 200 <= status < 300
    if expect == "msgid":
        assert value.isdigit()
    elif expect == "token":
        assert value and not re.search(r"\s", value)
    else:
        assert re.fullmatch(r"[+-]?\d+(\.\d+)?", value)


@settings(max_examples=1000, deadline=None)
@given(body=bodies, content_type=st.sampled_from(CONTENT_TYPES))
def test_reply_text_is_a_string_or_unreadable(body: str, content_type: str) -> None:
    try:
        text = reply_text(raw(body, 200, content_type), "jormall")
    except UnreadableReplyError:
        return
    assert isinstance(text, str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, status=statuses, content_type=st.sampled_from(CONTENT_TYPES), bulk=st.booleans())
def test_sends_never_crash(body: str, status: int, content_type: str, bulk: bool) -> None:
    """Through the whole account: a result with one receipt each, or an smsbridge error."""
    account = fake_account(url(auth="password"), [raw(body, status, content_type)])
    if bulk:
        summary = account.bulk_send([NUMBER, "+962781234567"], "hello")
        assert summary.total == 2
        if summary.accepted:
            assert summary.accepted == 2
        return
    try:
        result = account.send(NUMBER, "hello")
    except SmsBridgeError:
        return
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED]
