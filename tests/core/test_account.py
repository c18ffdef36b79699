"""The account API through the built-in providers and an in-process test provider."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

import smsbridge
from smsbridge import (
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    ReceiptStatus,
    UnsupportedOperationError,
)
from smsbridge.ledger.runner import INGEST_BATCH
from smsbridge.models import Recipient

FUTURE = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)


def numbers(n: int, start: int = 0) -> list[str]:
    return [f"+4179{1000000 + start + i}" for i in range(n)]


def test_console_prints_and_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    result = smsbridge.connect("console://?sender=Shop").send("+41 79 123 45 67", "Hello from smsbridge")
    out = capsys.readouterr().out
    assert "+41791234567" in out and "Hello from smsbridge" in out and "from Shop" in out
    assert result.ok and result.receipts[0].message_id.startswith("console-")


def test_memory_outbox(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://?sender=Shop")
    result = account.send("+41791234567", "Hi", flash=True, schedule=FUTURE, client_ref="ref-1")
    assert result.ok and result.scheduled
    (sent,) = sms_outbox
    assert (sent.to, sent.text, sent.sender, sent.flash, sent.client_ref) == (
        "+41791234567",
        "Hi",
        "Shop",
        True,
        "ref-1",
    )
    assert sent.id == result.receipts[0].message_id


def test_send_many_chunks_by_provider_limit(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://?max_recipients=2")
    result = account.send(numbers(5), "Hi")
    assert [r.recipient for r in result.receipts] == numbers(5)
    assert result.ok and result.details["requests"] == 3
    assert len(sms_outbox) == 5


def test_send_validates_everything_before_sending(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://")
    with pytest.raises(InvalidRecipientError) as info:
        account.send(["+41791234567", "nonsense"], "Hi")
    assert info.value.recipient == "nonsense"
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"text": ""}, InvalidMessageError, "empty"),
        ({"text": "   "}, InvalidMessageError, "empty"),
        ({"text": "x" * 161}, InvalidMessageError, "at most 160"),
        ({"sender": "AB"}, InvalidSenderError, "3-11"),
        ({"sender": "TwelveChars1"}, InvalidSenderError, "3-11"),
        ({"sender": "1shop"}, InvalidSenderError, "rule"),
        ({"sender": "+41791234567"}, InvalidSenderError, "numeric"),
        ({"schedule": FUTURE}, UnsupportedOperationError, "schedule"),
        ({"flash": True}, UnsupportedOperationError, "flash"),
        ({"to": "+4179"}, InvalidRecipientError, "+4179"),
        ({"to": []}, InvalidRecipientError, "no recipient"),
        ({"to": 41791234567}, InvalidRecipientError, "string"),
        ({"encoding": "latin1"}, InvalidMessageError, "encoding"),
    ],
)
def test_bad_input_catalogue(spy: Any, calls: list[Any], kwargs: dict[str, Any], error: type, words: str) -> None:
    args = {"to": "+41791234567", "text": "hello", "sender": "Shop", **kwargs}
    account = smsbridge.connect("spy://u:p@default")
    with pytest.raises(error) as info:
        account.send(args.pop("to"), args.pop("text"), **args)
    assert words in str(info.value)
    assert info.value.provider == "spy"
    assert [c for c in calls if c[0] in ("send", "bulk_send")] == [], "nothing may be sent"


def test_schedule_rules(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://")
    with pytest.raises(InvalidMessageError, match="timezone-aware"):
        account.send("+41791234567", "x", schedule=dt.datetime(2099, 1, 1))
    with pytest.raises(InvalidMessageError, match="past"):
        account.send("+41791234567", "x", schedule=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    assert sms_outbox == []


def test_bulk_every_recipient_exactly_once(sms_outbox: list[Any]) -> None:
    rows = [*numbers(7), "garbage", {"to": "+41791000099"}, Recipient("+41791000098"), {"name": "no number"}]
    account = smsbridge.connect("memory://?max_recipients=3&reject=+41791000002&unknown=+41791000003")
    summary = account.bulk_send(rows, "Hi")
    assert summary.total == len(rows)
    by_status = {s: sorted(r.recipient for r in summary.receipts if r.status is s) for s in ReceiptStatus}
    assert by_status[ReceiptStatus.REJECTED][:2] == ["+41791000002", "garbage"]
    assert by_status[ReceiptStatus.UNKNOWN] == ["+41791000003"]
    assert summary.accepted == 7
    assert summary.requests == 3  # 9 valid recipients / 3 a request
    assert len(sms_outbox) == 7


def test_bulk_streams_the_input() -> None:
    consumed = 0

    def gen() -> Iterator[str]:
        nonlocal consumed
        for number in numbers(100_000):
            consumed += 1
            yield number

    results = smsbridge.connect("memory://?max_recipients=10").iter_bulk_send(gen(), "Hi")
    first = next(results)
    assert len(first.receipts) == 10
    # read in batches into the ledger (one transaction each), never materialised
    assert consumed <= INGEST_BATCH + 10, "the generator must be read batch by batch, not materialised"


def test_bulk_templates_rendered_by_the_core_when_the_provider_cannot(spy: Any, calls: list[Any]) -> None:
    rows: list[Any] = [
        {"to": n, "name": name} for n, name in zip(numbers(4), ["Ann", "Ann", "Bob", "Ann"], strict=True)
    ]
    rows.append({"to": numbers(1, 50)[0]})  # lacks the field
    summary = smsbridge.connect("spy://u:p@default?sender=Shop").bulk_send(rows, "Hi {name}")
    sent = [c[2] for c in calls if c[0] in ("send", "bulk_send")]
    assert [(m.text, len(m.recipients)) for m in sent] == [("Hi Ann", 2), ("Hi Bob", 1), ("Hi Ann", 1)]
    assert summary.rejected == 1
    assert "needs field 'name'" in next(r.reason for r in summary.receipts or () if r.status is ReceiptStatus.REJECTED)
    assert summary.requests == 3  # grouped by rendered text: Ann,Ann | Bob | Ann


def test_bulk_templates_go_whole_to_providers_that_render(sms_outbox: list[Any]) -> None:
    rows = [{"to": n, "name": name} for n, name in zip(numbers(3), ["Ann", "Bob", "Cy"], strict=True)]
    summary = smsbridge.connect("memory://").bulk_send(rows, "Hi {name}")
    assert summary.requests == 1
    assert [m.text for m in sms_outbox] == ["Hi Ann", "Hi Bob", "Hi Cy"]


def test_bulk_failed_request_marks_its_chunk_and_goes_on() -> None:
    summary = smsbridge.connect("memory://?fail=timeout&max_recipients=2").bulk_send(numbers(3), "Hi")
    assert summary.unknown == 3 and summary.accepted == 0
    summary = smsbridge.connect("memory://?fail=credit").bulk_send(numbers(3), "Hi")
    assert summary.rejected == 3
    assert all("credit" in r.reason for r in summary.receipts)


def test_bulk_concurrency_keeps_every_outcome(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://?max_recipients=7&workers=4")
    results = list(account.iter_bulk_send(numbers(100), "Hi"))
    receipts = [r for res in results for r in res.receipts]
    assert sorted(r.recipient for r in receipts) == sorted(numbers(100))
    assert [r.recipient for r in receipts] == numbers(100)  # ordered
    assert len(sms_outbox) == 100


def test_bulk_on_result_keeps_memory_flat() -> None:
    seen: list[int] = []
    summary = smsbridge.connect("memory://?max_recipients=50").bulk_send(
        numbers(500), "Hi", on_result=lambda res: seen.append(len(res.receipts))
    )
    assert summary.receipts is None
    assert sum(seen) == 500 and summary.accepted == 500


def test_send_after_partial_success_keeps_outcomes() -> None:
    account = smsbridge.connect("memory://?max_recipients=2&unknown=+41791000003")
    result = account.send(numbers(4), "Hi")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED] * 3 + [ReceiptStatus.UNKNOWN]
    assert not result.ok


def test_other_operations(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://")
    sent = account.send("+41791234567", "Hi")
    reports = account.delivery_status([*sent.message_ids, "nope"])
    assert [r.status.value for r in reports] == ["delivered", "unknown"]
    assert account.balance().amount == 1
    assert account.admin("count", to="+41791234567").data == {"count": 1}
    with pytest.raises(UnsupportedOperationError, match="clear, count"):
        account.admin("explode")
    with pytest.raises(InvalidMessageError, match="unknown parameter"):
        account.admin("count", colour="red")
    assert account.parse_callback({"id": "mem-1", "status": "failed"})[0].status.value == "failed"
    with pytest.raises(UnsupportedOperationError):
        account.inbound()


def test_admin_checks_required_parameters(spy: Any, calls: list[Any]) -> None:
    account = smsbridge.connect("spy://u:p@default")
    with pytest.raises(InvalidMessageError, match="missing required"):
        account.admin("ping")
    assert account.admin("ping", word="hey").data == {"pong": "hey"}


def test_estimate() -> None:
    estimate = smsbridge.connect("memory://").estimate("مرحبا " * 20, ["+41791234567", "+41791234568"])
    assert estimate.text.encoding == "ucs2"
    assert estimate.text.segments == 2
    assert estimate.segments_total == 4
    assert estimate.provider_cost is None


def test_results_convert_to_plain_json(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://")
    result = account.send("+41791234567", "Hi", schedule=FUTURE)
    data = smsbridge.to_dict(result)
    assert data["receipts"][0]["status"] == "accepted"
    assert "raw" not in data
    json.dumps(data)
    json.dumps(smsbridge.to_dict(account.balance()))
    json.dumps(smsbridge.to_dict(account.estimate("hi")))


def test_account_is_thread_safe(sms_outbox: list[Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    account = smsbridge.connect("memory://")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: account.send(n, "Hi"), numbers(200)))
    assert all(r.ok for r in results)
    assert len({m.id for m in sms_outbox}) == 200


def test_template_rule_is_the_same_for_send_and_bulk(sms_outbox: list[Any]) -> None:
    account = smsbridge.connect("memory://")
    account.send("+41791234567", "JSON {{not a field}} and {} stay")
    account.bulk_send(["+41791234568"], "JSON {{not a field}} and {} stay")
    assert [m.text for m in sms_outbox] == ["JSON {{not a field}} and {} stay"] * 2
    with pytest.raises(InvalidMessageError, match="needs field 'name'"):
        account.send("+41791234567", "Hi {name}")
    account.send(Recipient("+41791234567", params={"name": "Ann"}), "Hi {name} {{x}}")
    assert sms_outbox[-1].text == "Hi Ann {x}"


def test_send_renders_templates_for_providers_that_cannot(spy: Any, calls: list[Any]) -> None:
    account = smsbridge.connect("spy://u:p@default?sender=Shop")
    rows = [Recipient(n, params={"name": name}) for n, name in zip(numbers(3), ["Ann", "Bob", "{x}"], strict=True)]
    result = account.send(rows, "Hi {name}")
    assert result.ok
    texts = [c[2].text for c in calls if c[0] in ("send", "bulk_send")]
    assert texts == ["Hi Ann", "Hi Bob", "Hi {x}"]  # a value with braces is not rendered again
    calls.clear()
    account.send(Recipient(numbers(1)[0], params={"name": "Zoe"}), "Hi {name}")
    assert [c[2].text for c in calls if c[0] == "send"] == ["Hi Zoe"]
