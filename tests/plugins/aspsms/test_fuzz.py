"""Property tests: whatever ASPSMS answers, the parsers give a result or an smsbridge error."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsbridge.errors import SmsBridgeError
from smsbridge.models import CallbackRequest, RawReply, Recipient
from smsbridge.testing import fake_account, reply

from .support import NUMBER, OTHER, url

SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            *["0", "1", "-1", "2", "000", ":", "107", "108", "", " 1 ", "NaN", "1e9999", "2021-01-21T13:46:28Z"],
            *["²²²", "٠٠٠", "1²3", "²" * 14, "9" * 5000],  # digits to str.isdigit(), not to int()
        ]
    )
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=6,
)
codes = st.sampled_from(
    ["1", "0", "2", "3", "5", "6", "7", "10", "20", "23", "28", "29", "30", "31", "36", "37", "38", "39", "99"]
)
status_code = codes | values

notification = st.fixed_dictionaries(
    {},
    optional={
        "TransactionReferenceNumber": st.sampled_from(["A1", "B2"]) | values,
        "DeliveryStatus": st.sampled_from(["-1", "0", "1", "2"]) | values,
        "DeliveryStatusDescription": values,
        "SubmissionDate": values,
        "NotificationDate": values,
        "Reasoncode": values,
        "ReasoncodeDescription": values,
    },
)
envelope = st.fixed_dictionaries(
    {},
    optional={
        "StatusCode": status_code,
        "StatusInfo": values,
        "Credits": st.sampled_from(["567", "12.5", "-3", "x"]) | values,
        "DeliveryNotifications": st.lists(notification | values, max_size=4) | values,
        "vouchers": st.lists(values, max_size=3) | values,
        "Vouchers": values,
        "StatusCodes": st.lists(st.fixed_dictionaries({"StatusCode": status_code, "StatusInfo": values}), max_size=3),
    },
)


@st.composite
def replies(draw: st.DrawFn) -> RawReply:
    kind = draw(st.sampled_from(["envelope", "envelope", "envelope", "json", "truncated", "text"]))
    if kind == "envelope":
        body = json.dumps(draw(envelope))
    elif kind == "json":
        body = json.dumps(draw(values))
    elif kind == "truncated":
        full = json.dumps(draw(envelope))
        body = full[: draw(st.integers(min_value=0, max_value=max(0, len(full) - 1)))]
    else:
        body = draw(st.text(max_size=60))
    status = draw(st.sampled_from([200, 200, 200, 201, 204, 400, 401, 404, 429, 500, 502, 503]))
    content_type = draw(st.sampled_from(["application/json; charset=utf-8", "text/html", "text/plain", ""]))
    return reply(body, status=status, content_type=content_type)


class _Replier:
    """One account for all examples; each example sets the next reply."""

    def __init__(self, query: str = "sender=Shop") -> None:
        self.current: RawReply = reply("")
        self.account = fake_account(url("aspsms", query), lambda sent: self.current)

    def run(self, answer: RawReply, call: Callable[[Any], object]) -> None:
        self.current = answer
        try:
            call(self.account)
        except SmsBridgeError:
            pass


def _bulk_without_plugin_errors(account: Any) -> None:
    """The core turns any exception of a bulk hook into UNKNOWN receipts: look for those."""
    summary = account.bulk_send([NUMBER, OTHER], "Hello", keep_receipts=True)
    assert not any((r.reason or "").startswith("plugin error") for r in summary.receipts)


@functools.cache
def _replier(query: str = "sender=Shop") -> _Replier:
    """Built on first use, not at collection (no account is opened while tests are collected)."""
    return _Replier(query)


_SIMPLE_SEND = "simple send"
OPERATIONS: list[Callable[[Any], object] | str] = [
    _SIMPLE_SEND,
    lambda a: a.send(Recipient(NUMBER, reference="T1"), "Hello"),
    lambda a: a.send([Recipient(NUMBER, {"n": "1"}, "A1"), Recipient(OTHER, {"n": "2"}, "B1")], "Hi {n}"),
    lambda a: _bulk_without_plugin_errors(a),
    lambda a: a.balance(),
    lambda a: a.delivery_status(["A1", "B2"]),
    lambda a: a.admin("VerifyToken", PhoneNumber=NUMBER, TokenReference="r", VerificationCode="1"),
    lambda a: a.admin("SendTokenSMS", Recipients=NUMBER, MessageData="<VERIFICATIONCODE>", TokenReference="r"),
    lambda a: a.admin("CheckOriginatorAuthorization", Originator=NUMBER),
    lambda a: a.admin("UnlockOriginator", Originator=NUMBER, UnlockCode="1"),
    lambda a: a.admin("SendOriginatorUnlockCode", Originator=NUMBER),
    lambda a: a.admin("CreateVoucher", NumberOfVouchers=1, AmountCreditsPerVoucher=1),
    lambda a: a.admin("GetVoucherTransactions"),
    lambda a: a.admin("RedeemVoucher", RedeemCode="V1"),
    lambda a: a.admin("VersionInfo"),
    lambda a: a.admin("ListAllStatusCodes"),
]


@SETTINGS
@given(answer=replies(), operation=st.sampled_from(OPERATIONS))
def test_every_operation_survives_any_reply(answer: RawReply, operation: Callable[[Any], object] | str) -> None:
    if operation == _SIMPLE_SEND:
        _replier("simple=yes").run(answer, lambda a: a.send([NUMBER, OTHER], "Hello"))
    else:
        assert callable(operation)
        _replier().run(answer, operation)


callback_keys = st.sampled_from(
    ["TRN", "trn", "RCPNT", "DST", "RSN", "SCTSUTC", "DSCTSUTC", "SCTSCET", "DSCTSCET", "SCTS", "DSCTS", "x"]
)
callback_values = st.text(max_size=20) | st.sampled_from(
    ["<TRN>", "0", "-1", "2", "108", "01072030103002", "2030-07-01T08:30:00Z"]
)


@SETTINGS
@given(
    query=st.dictionaries(callback_keys, callback_values, max_size=8),
    form=st.dictionaries(callback_keys, callback_values | st.integers(), max_size=4),
)
def test_callback_parser_survives_any_request(query: dict[str, str], form: dict[str, Any]) -> None:
    try:
        reports = _replier().account.parse_callback(CallbackRequest(query=query, form=form))
    except SmsBridgeError:
        return
    assert len(reports) == 1 and reports[0].message_id
