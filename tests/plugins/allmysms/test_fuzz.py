"""Property tests: whatever AllMySMS answers, the plugin gives a valid result or a smsbridge error.

Replies are generated from the real reply keys with values of random types (strings, numbers,
null, lists, objects), as JSON, XML or plain text, with random HTTP statuses and content types.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import xmltodict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsbridge.errors import SmsBridgeError
from smsbridge.models import CallbackRequest, RawReply, ReceiptStatus
from smsbridge.testing import fake_account, reply

from .support import FR, FR2, URL

KEYS = [
    "status",
    "statusText",
    "smsIds",
    "phoneNumber",
    "smsId",
    "invalidNumbers",
    "campaignId",
    "credits",
    "creditsUsed",
    "nbContacts",
    "nbSms",
    "nbCredits",
    "acks",
    "statut",
    "comment",
    "receptionDate",
    "mos",
    "moId",
    "message",
    "text",
    "isoCode",
    "apiKey",
]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, 1, 2, 3, 4, 5, 100, 101, 102, 104, 108, 113, 114, 116, 118, 199]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "100",
            "101",
            "113",
            "1",
            "OK",
            "KO",
            "Active Account",
            "33612345678",
            "33698765432",
            "336",
            "",
            "2024-02-30 25:61:00",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    max_leaves=16,
)
OBJECTS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8)
PHONES = st.sampled_from(["33612345678", "33698765432", 33612345678, "+33698765432", "0033612345678"]) | SCALARS


def _items(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(st.fixed_dictionaries({}, optional=fields), max_size=3) | VALUES


# Replies close to the real ones, so that the success paths are fuzzed too.
NUMBERS = st.sampled_from(["1847", 45, "12.5", 3, "0"]) | SCALARS
SHAPED = st.fixed_dictionaries(
    {"status": st.sampled_from([100, "100", 101, 113, 102, 114, 116, "Active Account", "OK", "1", "0"]) | SCALARS},
    optional={
        "statusText": SCALARS,
        "smsIds": _items(phoneNumber=PHONES, smsId=SCALARS),
        "invalidNumbers": st.sampled_from(["", "33698765432", "33612345678,33698765432"]) | VALUES,
        "credits": NUMBERS,
        "creditsUsed": NUMBERS,
        "nbCredits": NUMBERS,
        "nbSms": NUMBERS,
        "acks": _items(statut=SCALARS, phoneNumber=PHONES, receptionDate=SCALARS, comment=SCALARS, smsId=SCALARS),
        "mos": _items(phoneNumber=PHONES, message=SCALARS, moId=SCALARS, receptionDate=SCALARS),
        "isoCode": SCALARS,
    },
)


def _xml(data: dict[str, Any]) -> str | None:
    try:
        return xmltodict.unparse({"response": data}, full_document=True)
    except Exception:  # some generated shapes have no XML form: the test then uses JSON
        return None


@st.composite
def replies(draw: st.DrawFn) -> RawReply:
    kind = draw(st.sampled_from(["shaped", "shaped", "shaped", "json", "json_any", "xml", "text"]))
    if kind == "shaped":
        body = json.dumps(draw(SHAPED))
    elif kind == "json":
        body = json.dumps(draw(OBJECTS))
    elif kind == "json_any":
        body = json.dumps(draw(VALUES))
    elif kind == "xml":
        body = _xml(draw(OBJECTS | SHAPED)) or "{}"
    else:
        body = draw(st.text(max_size=40))
    if body and draw(st.integers(min_value=0, max_value=3)) == 0:  # truncated
        body = body[: draw(st.integers(min_value=1, max_value=len(body)))]
    status = draw(st.just(200) | st.sampled_from([201, 204, 302, 400, 401, 404, 429, 500, 502, 503]))
    content_type = draw(st.just("application/json") | st.sampled_from(["text/xml", "text/html", "text/plain", ""]))
    return reply(body, status=status, content_type=content_type)


_holder: list[RawReply] = [reply("")]
_accounts: list[Any] = []


def _account() -> Any:
    """One account for every example (built on first use, not at collection)."""
    if not _accounts:
        _accounts.append(fake_account(URL, lambda _request: _holder[0]))
    return _accounts[0]


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except SmsBridgeError as error:
        return error


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_every_operation_survives_any_reply(answer: RawReply) -> None:
    _holder[0] = answer
    account = _account()
    sent = _outcome(lambda: account.send([{"to": FR, "name": "a"}, {"to": FR2, "name": "b"}], "Hi {name}"))
    if not isinstance(sent, SmsBridgeError):
        assert [r.recipient for r in sent.receipts] == [FR, FR2]
        for receipt in sent.receipts:
            # accepted: with its smsId, or by a status without smsIds (and then it says so)
            assert (
                receipt.status is not ReceiptStatus.ACCEPTED
                or receipt.message_id
                or (receipt.code in ("100", "101", "113") and "no per-number id" in (receipt.reason or ""))
            )
    balance = _outcome(account.balance)
    if not isinstance(balance, SmsBridgeError):
        assert balance.amount.is_finite()
    reports = _outcome(lambda: account.delivery_status(["id-1", "campaign:c"]))
    if not isinstance(reports, SmsBridgeError):
        assert all(r.message_id for r in reports)
    estimate = _outcome(lambda: account.estimate("hello", [FR]))
    if not isinstance(estimate, SmsBridgeError):
        assert estimate.provider_cost is not None and estimate.provider_cost.is_finite()
    _outcome(account.inbound)
    _outcome(lambda: account.admin("getCreditsByCountryIsoCode", countryIsoCode="FR"))


CALLBACK_VALUES = st.one_of(
    st.text(max_size=12), st.sampled_from(["1", "2", "5", "9", "33612345678", "2024-01-01 10:00:00"])
)


@settings(max_examples=1000, deadline=None)
@given(
    query=st.dictionaries(st.sampled_from(KEYS), CALLBACK_VALUES, max_size=6),
    body=st.one_of(st.binary(max_size=40), VALUES.map(lambda v: json.dumps(v).encode())),
)
def test_callbacks_survive_any_request(query: dict[str, str], body: bytes) -> None:
    account = _account()
    result = _outcome(lambda: account.parse_callback(CallbackRequest(method="POST", query=query, body=body)))
    if not isinstance(result, SmsBridgeError):
        assert result and all(r.message_id for r in result)
