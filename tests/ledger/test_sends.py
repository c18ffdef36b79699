"""Single sends through the ledger: at most once per idempotency key, with the outcome kept."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    ConfigurationError,
    JobBusyError,
    JobMismatchError,
    ReadTimeoutError,
)
from smsbridge.models import ReceiptStatus

from .conftest import Tally

URL = "tally://:k3y@default"
N1, N2 = "+41791234567", "+41791234568"


def test_a_key_sends_once_and_replays_its_outcome(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    first = account.send(N1, "Your code is 1234", idempotency_key="otp-1", ledger=ledger)
    again = account.send(N1, "Your code is 1234", idempotency_key="otp-1", ledger=ledger)
    assert first.message_ids == again.message_ids
    assert again.details["replayed"] is True and first.details["job"] == "send:otp-1"
    assert tally.received() == Counter({N1: 1})
    other = account.send(N1, "Your code is 1234", idempotency_key="otp-2", ledger=ledger)
    assert other.message_ids != first.message_ids  # another key, another message
    with pytest.raises(JobMismatchError):
        account.send(N2, "Your code is 1234", idempotency_key="otp-1", ledger=ledger)  # another message


def test_not_sent_is_tried_again_and_unknown_is_never_resent(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.fail_request = {1: AuthenticationError("bad key", provider="tally")}
    with pytest.raises(AuthenticationError):
        account.send(N1, "hi", idempotency_key="a", ledger=ledger)
    assert account.send(N1, "hi", idempotency_key="a", ledger=ledger).ok  # certainly not sent: retried
    tally.lose_answer = {3}
    with pytest.raises(ReadTimeoutError):
        account.send(N2, "hi", idempotency_key="b", ledger=ledger)
    replay = account.send(N2, "hi", idempotency_key="b", ledger=ledger)
    assert replay.receipts[0].status is ReceiptStatus.UNKNOWN
    assert tally.received() == Counter({N1: 1, N2: 1})


def test_a_crashed_send_is_unknown_or_resent_with_its_id(tally: Tally, ledger: Any) -> None:
    plain = smsbridge.connect(URL)
    tally.interrupt = {1}
    with pytest.raises(KeyboardInterrupt):
        plain.send(N1, "hi", idempotency_key="c", ledger=ledger)
    assert plain.send(N1, "hi", idempotency_key="c", ledger=ledger).receipts[0].status is ReceiptStatus.UNKNOWN

    # SIGKILL after the provider took it: the claim is in the ledger, the outcome never came
    from smsbridge.ledger.models import JobSpec
    from smsbridge.ledger.runner import job_options
    from smsbridge.models import Recipient

    options = job_options(
        {"sender": None, "schedule": None, "flash": False, "encoding": None, "options": None}, allow_repeats=True
    )
    spec = JobSpec(id="send:d", provider="tally", account="x", text="hi", options={**options, "to": [N2]}, kind="send")
    assert ledger.begin_send(spec, [Recipient(N2)], "killed-attempt", client_ref="ref-d")
    tally.requests.append(((N2,), "ref-d"))
    tally.refs_seen.add("ref-d")
    dedup = smsbridge.connect(URL + "?dedup=yes")
    resent = dedup.send(N2, "hi", idempotency_key="d", ledger=ledger)
    assert resent.ok  # sent again with its id; the provider answered "duplicate": taken the first time
    assert [ref for numbers, ref in tally.requests if numbers == (N2,)] == ["ref-d", "ref-d"]
    assert tally.received()[N2] == 1
    plain_killed = JobSpec(id="send:e", provider="tally", account="x", text="hi", options=spec.options, kind="send")
    assert ledger.begin_send(plain_killed, [Recipient(N2)], "killed-too")
    assert plain.send(N2, "hi", idempotency_key="e", ledger=ledger).receipts[0].status is ReceiptStatus.UNKNOWN
    assert tally.received()[N2] == 1  # no de-duplication: never sent again


def test_the_same_key_at_the_same_time_sends_once(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    inside, release = threading.Event(), threading.Event()
    tally.on_request = lambda n: (inside.set(), release.wait(10)) if n == 1 else None
    worker = threading.Thread(target=lambda: account.send(N1, "hi", idempotency_key="same", ledger=ledger))
    worker.start()
    assert inside.wait(10)
    with pytest.raises(JobBusyError):
        account.send(N1, "hi", idempotency_key="same", ledger=ledger)  # in flight elsewhere: not sent again
    release.set()
    worker.join(10)
    assert tally.received() == Counter({N1: 1})


def test_sends_record_only_when_a_ledger_is_configured(
    tally: Tally, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = smsbridge.connect(URL)
    monkeypatch.delenv("SMSBRIDGE_LEDGER")
    assert "job" not in account.send(N1, "hi").details  # nothing configured: not recorded
    with pytest.raises(ConfigurationError, match="needs a ledger"):
        account.send(N1, "hi", idempotency_key="x", ledger=False)
    monkeypatch.setenv("SMSBRIDGE_LEDGER", str(tmp_path / "env.db"))
    recorded = account.send(N1, "hi")
    assert recorded.details["job"].startswith("send-")
    from smsbridge.ledger import open_ledger

    with open_ledger(tmp_path / "env.db") as ledger:
        (job,) = ledger.jobs()
        assert (job.kind, job.counts) == ("send", {"accepted": 1})
        assert "k3y" not in repr(job) and "k3y" not in job.account


def test_a_failover_group_records_one_send_whichever_account_took_it(
    tally: Tally, ledger: Any, sms_outbox: list[Any]
) -> None:
    from smsbridge.errors import ServiceUnavailableError

    group = smsbridge.connect(URL, "memory://")
    tally.fail_request = {1: ServiceUnavailableError("later", provider="tally")}
    first = group.send(N1, "hi", idempotency_key="g", ledger=ledger)
    again = group.send(N1, "hi", idempotency_key="g", ledger=ledger)
    assert first.provider == "memory" and again.details["replayed"]
    assert len(sms_outbox) == 1 and tally.received() == Counter()
