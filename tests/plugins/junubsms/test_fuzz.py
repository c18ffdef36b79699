"""Property test: whatever playSMS answers, only smsbridge errors or valid results come out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsbridge.errors import SmsBridgeError
from smsbridge.models import RawReply, ReceiptStatus
from smsbridge.testing import fake_account, reply

from .support import NUMBER, OTHER, QUEUE, url

KEYS = [
    "status", "error", "error_string", "timestamp", "data", "smslog_id", "queue", "to", "src", "dst", "msg",
    "dt", "update", "id", "kwd", "credit", "token", "login_key", "balance", "amount", "info", "user", "last_id",
    "parent", "multi", "item",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["OK", "ERR", "0", "100", "200", "201", "400", "401", "501", "620", "ERR 100", QUEUE, "30", "211912345678",
         "0912345678", "#STAFF", "2024-05-01 10:00:00", "0000-00-00 00:00:00", "1e999", "-0", "12.5"]
    ),
)  # fmt: skip
ITEMS = st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=8)
VALUES = st.recursive(
    st.one_of(SCALARS, ITEMS),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=20,
)
TOP = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=7)


def to_xml(value: Any, tag: str = "response") -> str:
    if isinstance(value, dict):
        inner = "".join(to_xml(v, str(k)) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(to_xml(v, "item") for v in value)
    elif value is None:
        return f"<{tag}/>"
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


@st.composite
def replies(draw: st.DrawFn) -> RawReply:
    data = draw(TOP)
    kind = draw(st.sampled_from(["json", "json", "xml", "xml", "truncated", "text"]))
    if kind == "json":
        body = json.dumps(data)
    elif kind == "xml":
        body = '<?xml version="1.0"?>' + to_xml(data)
    elif kind == "truncated":
        full = draw(st.sampled_from([json.dumps(data), to_xml(data)]))
        body = full[: draw(st.integers(min_value=0, max_value=max(0, len(full) - 1)))]
    else:
        body = draw(st.text(max_size=40))
    status = draw(st.sampled_from([200, 200, 200, 200, 500, 502, 503, 404, 302, 429]))
    ctype = draw(st.sampled_from(["application/json", "text/xml", "text/html; charset=UTF-8", "text/plain", ""]))
    return reply(body, status=status, content_type=ctype)


OPERATIONS: list[Callable[[Any], Any]] = [
    lambda a: a.send(NUMBER, "hello"),
    lambda a: a.send([NUMBER, OTHER, "#STAFF"], "hello"),
    lambda a: a.balance(),
    lambda a: a.delivery_status(["30", QUEUE]),
    lambda a: a.inbound("in", since_id="3", limit=5),
    lambda a: a.inbound("sandbox"),
    lambda a: a.admin("query"),
    lambda a: a.admin("get_contact", kwd="x"),
    lambda a: a.admin("creditview", data_username="bob"),
    lambda a: a.admin("set_token"),
    lambda a: a.admin("loginkeyset", data_username="bob"),
]


def run(answer: RawReply, operation: Callable[[Any], Any], *, password: bool = False) -> Any:
    """``operation`` on a fresh account (a learnt token must not leak into the next example)."""
    account = fake_account(url("batch=3", password=password), [answer])
    try:
        return operation(account)
    except SmsBridgeError:
        return None


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=replies(), password=st.booleans())
def test_any_reply_gives_a_result_or_a_typed_error(answer: RawReply, password: bool) -> None:
    for index, operation in enumerate(OPERATIONS):
        result = run(answer, operation, password=password)
        if index in (0, 1) and result is not None:
            assert len(result.receipts) == (1 if index == 0 else 3)
            if any(r.status is ReceiptStatus.ACCEPTED for r in result.receipts):
                assert "OK" in answer.body.upper()  # nobody is accepted without an OK item


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(["OK", "ERR"]), st.sampled_from(["", "211912345678",
       "211922345678", "0912345678", "211912345678211922345678", "x"])), max_size=5))  # fmt: skip
def test_merged_or_unmatched_items_never_accept_the_wrong_number(items: list[tuple[str, str]]) -> None:
    """With two numbers in one request, a recipient is accepted only on an OK item that is its own or
    names nobody (failed items have no ``to``); never on an item naming the other number or a merged one."""
    body = json.dumps({"data": [{"status": s, "error": "0" if s == "OK" else "200", "to": t} for s, t in items]})
    result = run(reply(body, content_type="application/json"), lambda a: a.send([NUMBER, OTHER], "x"))
    if result is None:
        return
    oks = [t for s, t in items if s == "OK"]
    for receipt, own in zip(result.receipts, ("211912345678", "211922345678"), strict=True):
        if receipt.status is ReceiptStatus.ACCEPTED:
            mine = [t for t in oks if t in (own, "0" + own[3:])]
            anonymous = [t for t in oks if t in ("", "x")]
            assert mine or anonymous, "accepted on an item that names another number"
