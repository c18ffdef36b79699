"""Bulk sends replayed from cassettes: SendBulkMessages(3).cfm, chunking, the ``msgs`` form."""

from __future__ import annotations

import pytest

from smsbridge.client import connect
from smsbridge.models import ReceiptStatus

from .support import url

NUMBERS = ["+962791234567", "+962781234567", "+962771234567"]
TEXT = "Your order has shipped"
ARABIC = "تم شحن طلبك"

#: per-recipient texts: Arabic and the characters XML must escape
TEMPLATE = "مرحبا {name}، رمزك <{code}> & ]]> شكرا"
PEOPLE = [
    {"to": "+962791234567", "name": "سارة", "code": "1<2"},
    {"to": "+962781234567", "name": "Omar & Co", "code": "]]>"},
    {"to": "+962771234567", "name": "Lina", "code": "<![CDATA[x]]>"},
]

BULK_ROUTES = {"token": {}, "password": {"auth": "password"}}

#: bulk refusal case -> expected receipt code
BULK_REFUSALS = {
    "error_invalid_sender": "invalid_sender",
    "invalid_number": "invalid_number",
    "connection_failed": "connection_failed",
    "invalid_login": "invalid_login",
}
MSGS_REFUSALS = {
    "invalid_sender": "invalid_sender",
    "invalid_mobile_number": "invalid_mobile_number",
    "error_exists": "error_exists",
    "invalid_login": "invalid_login",
}


@pytest.mark.vcr
@pytest.mark.parametrize("auth", list(BULK_ROUTES))
def test_bulk_one_text(auth: str) -> None:
    with connect(url(**BULK_ROUTES[auth])) as account:
        summary = account.bulk_send(NUMBERS, TEXT)
    assert summary.total == 3 and summary.accepted == 3 and summary.requests == 1
    assert summary.receipts is not None
    assert [r.recipient for r in summary.receipts] == NUMBERS
    # the reply names no recipient: each carries the request's one MsgID
    assert {r.message_id for r in summary.receipts} == {"60123456"}


@pytest.mark.vcr
@pytest.mark.parametrize("auth", list(BULK_ROUTES))
def test_bulk_arabic_one_text(auth: str) -> None:
    with connect(url(**BULK_ROUTES[auth])) as account:
        summary = account.bulk_send(NUMBERS, ARABIC)
    assert summary.accepted == 3
    assert summary.receipts is not None and summary.receipts[0].message_id == "60123457"


@pytest.mark.vcr
def test_bulk_chunks_of_120() -> None:
    numbers = [f"+96279{i:07d}" for i in range(250)]
    results = []
    with connect(url()) as account:
        summary = account.bulk_send(numbers, TEXT, on_result=results.append)
    assert summary.total == 250 and summary.accepted == 250 and summary.requests == 3
    assert [len(r.receipts) for r in results] == [120, 120, 10]
    assert [r.receipts[0].message_id for r in results] == ["60123501", "60123502", "60123503"]


@pytest.mark.vcr
def test_bulk_invalid_number_among_valid_ones() -> None:
    given = ["+962791234567", "+96265512345", "0781234567", "12345", "+41791234567", "+962771234567"]
    with connect(url()) as account:
        summary = account.bulk_send(given, TEXT)
    assert summary.total == 6 and summary.accepted == 3 and summary.rejected == 3 and summary.requests == 1
    assert summary.receipts is not None
    rejected = {r.recipient: r for r in summary.receipts if r.status is ReceiptStatus.REJECTED}
    assert set(rejected) == {"+96265512345", "12345", "+41791234567"}
    assert "+96265512345" in (rejected["+96265512345"].reason or "")
    accepted = [r.recipient for r in summary.receipts if r.accepted]
    assert accepted == ["+962791234567", "+962781234567", "+962771234567"]


@pytest.mark.vcr
@pytest.mark.parametrize("gateway", ["otp", "general"])
def test_bulk_texts_per_recipient_in_one_request(gateway: str) -> None:
    """Different texts go in one ``msgs`` request; Arabic, ``<``, ``&`` and ``]]>`` survive."""
    with connect(url(gateway=gateway)) as account:
        summary = account.bulk_send(PEOPLE, TEMPLATE)
    assert summary.accepted == 3 and summary.requests == 1
    assert summary.receipts is not None and {r.message_id for r in summary.receipts} == {"60123600"}


@pytest.mark.vcr
@pytest.mark.parametrize(
    ("auth", "case"),
    [(auth, case) for auth in BULK_ROUTES for case in BULK_REFUSALS],
    ids=[f"{auth}-{case}" for auth in BULK_ROUTES for case in BULK_REFUSALS],
)
def test_bulk_refused(auth: str, case: str) -> None:
    with connect(url(**BULK_ROUTES[auth])) as account:
        summary = account.bulk_send(NUMBERS, TEXT)
    assert summary.total == 3 and summary.rejected == 3 and summary.accepted == 0
    assert summary.receipts is not None
    assert {r.code for r in summary.receipts} == {BULK_REFUSALS[case]}


@pytest.mark.vcr
@pytest.mark.parametrize("case", list(MSGS_REFUSALS))
def test_bulk_msgs_refused(case: str) -> None:
    with connect(url()) as account:
        summary = account.bulk_send(PEOPLE, TEMPLATE)
    assert summary.rejected == 3
    assert summary.receipts is not None
    assert {r.code for r in summary.receipts} == {MSGS_REFUSALS[case]}
