"""SendTextSMS and SendSimpleTextSMS against cassettes (json.aspsms.com)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    Outcome,
    PermissionDeniedError,
    ServiceUnavailableError,
    UnreadableReplyError,
)
from smsbridge.models import ReceiptStatus, Recipient

from .support import NUMBER, OTHER, THIRD, connect, url

SCHEDULE = dt.datetime(2030, 7, 1, 8, 30, tzinfo=dt.timezone.utc)  # 10:30 in Zurich (CEST)


@pytest.fixture
def trns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the generated TRNs predictable (the real ones are random)."""
    made: list[str] = []
    counter = itertools.count(1)

    def fake() -> str:
        made.append(f"Gen{next(counter):013d}")
        return made[-1]

    monkeypatch.setattr("smsbridge_aspsms.sending.new_trn", fake)
    return made


@pytest.mark.vcr
def test_send_with_reference() -> None:
    with connect(url()) as account:
        result = account.send(Recipient(NUMBER, reference="Order4242"), "Your order has shipped")
    assert result.ok
    (receipt,) = result.receipts
    assert receipt.recipient == NUMBER
    assert receipt.message_id == "Order4242"
    assert receipt.provider == "aspsms"
    assert result.raw is not None and '"StatusCode":"1"' in result.raw.body


@pytest.mark.vcr
def test_send_generated_trn(trns: list[str]) -> None:
    with connect(url()) as account:
        result = account.send(NUMBER, "Hello")
    assert result.message_ids == trns == ["Gen0000000000001"]


@pytest.mark.vcr
def test_send_trn_option() -> None:
    with connect(url()) as account:
        result = account.send(NUMBER, "Hello", options={"trn": "Ticket77"})
    assert result.message_ids == ["Ticket77"]


@pytest.mark.vcr
def test_bulk_send_one_request(trns: list[str]) -> None:
    with connect(url()) as account:
        summary = account.bulk_send([NUMBER, Recipient(OTHER, reference="Mine1"), THIRD], "Sale today")
    assert summary.ok and summary.requests == 1
    assert summary.receipts is not None
    assert [r.recipient for r in summary.receipts] == [NUMBER, OTHER, THIRD]
    assert [r.message_id for r in summary.receipts] == [trns[0], "Mine1", trns[1]]


@pytest.mark.vcr
def test_send_templated_recipients_one_request_per_text() -> None:
    recipients = [
        Recipient(NUMBER, params={"name": "Ann"}, reference="A1"),
        Recipient(OTHER, params={"name": "Bob"}, reference="B1"),
    ]
    with connect(url()) as account:
        result = account.send(recipients, "Hi {name}")
    assert result.ok
    assert result.message_ids == ["A1", "B1"]


@pytest.mark.vcr
def test_send_scheduled_flash_with_notifications() -> None:
    query = (
        "sender=Shop&affiliate_id=AFF1"
        "&notify_delivered=https%3A%2F%2Fshop.example%2Fdlr%3FTRN%3D%3CTRN%3E%26DST%3D%3CDST%3E"
        "&notify_not_delivered=https%3A%2F%2Fshop.example%2Fdlr%3FTRN%3D%3CTRN%3E%26DST%3D%3CDST%3E%26RSN%3D%3CRSN%3E"
    )
    with connect(url("aspsms", query)) as account:
        result = account.send(
            Recipient(NUMBER, reference="Sched1"),
            "Reminder: appointment tomorrow",
            schedule=SCHEDULE,
            flash=True,
            options={"notify_buffered": "https://shop.example/buffered?TRN=<TRN>", "affiliate_id": "AFF2"},
        )
    assert result.ok and result.scheduled
    assert result.message_ids == ["Sched1"]


@pytest.mark.vcr
def test_send_unicode_text_not_forced_to_gsm7() -> None:
    with connect(url()) as account:
        result = account.send(Recipient(NUMBER, reference="Uni1"), "Привет 👋")
    assert result.ok


@pytest.mark.vcr
def test_send_caller_forces_gsm7() -> None:
    with connect(url()) as account:
        result = account.send(Recipient(NUMBER, reference="Force1"), "Grüße ✓", encoding="gsm7")
    assert result.ok


@pytest.mark.vcr
def test_send_simple_text_sms() -> None:
    with connect(url("aspsms", "sender=Shop&simple=yes")) as account:
        result = account.send([NUMBER, OTHER], "Simple hello")
    assert result.ok
    assert [r.recipient for r in result.receipts] == [NUMBER, OTHER]
    assert result.message_ids == []  # SendSimpleTextSMS takes no TRN: nothing to track
    assert result.details["method"] == "SendSimpleTextSMS"


# Every StatusCode a send can meet (REFERENCE.md table) -> the typed error and its outcome.
REFUSALS = [
    ("2", ServiceUnavailableError, Outcome.NOT_SENT),
    ("3", AuthenticationError, Outcome.NOT_SENT),
    ("5", InsufficientCreditError, Outcome.NOT_SENT),
    ("6", UnreadableReplyError, Outcome.UNKNOWN),
    ("7", ServiceUnavailableError, Outcome.NOT_SENT),
    ("8", AuthenticationError, Outcome.NOT_SENT),
    ("9", AuthenticationError, Outcome.NOT_SENT),
    ("10", InvalidSenderError, Outcome.NOT_SENT),
    ("11", InvalidMessageError, Outcome.NOT_SENT),
    ("17", InvalidMessageError, Outcome.NOT_SENT),
    ("18", InvalidMessageError, Outcome.NOT_SENT),
    ("19", InvalidMessageError, Outcome.NOT_SENT),
    ("20", InvalidRecipientError, Outcome.NOT_SENT),
    ("22", InvalidMessageError, Outcome.NOT_SENT),
    ("24", ServiceUnavailableError, Outcome.NOT_SENT),
    ("25", PermissionDeniedError, Outcome.NOT_SENT),
    ("29", PermissionDeniedError, Outcome.NOT_SENT),
    ("30", PermissionDeniedError, Outcome.NOT_SENT),
    ("99", UnreadableReplyError, Outcome.UNKNOWN),  # not a documented refusal: it may have been sent
]


@pytest.mark.vcr
@pytest.mark.parametrize(("code", "error", "outcome"), REFUSALS, ids=[c for c, _, _ in REFUSALS])
def test_send_refused(code: str, error: type[Exception], outcome: Outcome) -> None:
    with connect(url()) as account, pytest.raises(error) as info:
        account.send(Recipient(NUMBER, reference="Refused1"), "Hello")
    exc = info.value
    assert type(exc) is error
    assert exc.outcome is outcome
    assert exc.code == code
    assert exc.http_status == 200
    assert exc.raw is not None and f'"StatusCode":"{code}"' in exc.raw.body
    assert exc.text  # the provider's wording is kept
    assert not exc.before_request


@pytest.mark.vcr
def test_send_notification_url_refusal_names_the_option() -> None:
    with connect(url()) as account, pytest.raises(InvalidMessageError) as info:
        account.send(Recipient(NUMBER, reference="Url18"), "Hello", options={"notify_delivered": "http://x.example/"})
    assert info.value.code == "18"
    assert "notify_delivered" in str(info.value)


@pytest.mark.vcr
def test_send_reply_without_status_code_is_unreadable() -> None:
    with connect(url()) as account, pytest.raises(UnreadableReplyError) as info:
        account.send(Recipient(NUMBER, reference="NoCode1"), "Hello")
    assert info.value.outcome is Outcome.UNKNOWN
    assert info.value.raw is not None


@pytest.mark.vcr
def test_bulk_send_refused_chunk_becomes_rejected_receipts() -> None:
    with connect(url()) as account:
        summary = account.bulk_send(
            [Recipient(NUMBER, reference="Bulk1"), Recipient(OTHER, reference="Bulk2")], "Hello"
        )
    assert summary.total == 2 and summary.rejected == 2 and summary.accepted == 0
    assert summary.receipts is not None
    assert all(r.status is ReceiptStatus.REJECTED and r.code == "5" for r in summary.receipts)


@pytest.mark.vcr
def test_send_simple_text_sms_refused() -> None:
    with connect(url("aspsms", "sender=Shop&simple=yes")) as account, pytest.raises(InvalidSenderError) as info:
        account.send(NUMBER, "Simple hello")
    assert info.value.code == "10"
