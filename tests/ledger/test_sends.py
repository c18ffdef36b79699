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
    ServiceUnavailableError,
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


# ---------------------------------------------------------------------------- what the ledger holds after each path


def rows_of(ledger: Any, job: str) -> list[tuple[Any, ...]]:
    return [(r.number, r.state.value, r.message_id, r.provider, r.client_ref) for r in ledger.rows(job)]


def test_a_send_records_the_job_its_outcome_and_frees_the_key(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL + "?dedup=yes")
    result = account.send(N1, "hi", idempotency_key="rec", ledger=ledger, sender="Shop")
    (ref,) = [r for _, r in tally.requests]
    assert ref and len(ref) == 20  # a de-duplicating provider gets an id
    assert result.details["job"] == "send:rec"
    info = ledger.job_info("send:rec")
    assert (info.kind, info.provider, info.account, info.text) == ("send", "tally", account.url, "hi")
    assert info.options["to"] == [N1] and info.options["sender"] == "Shop" and info.options["allow_repeats"]
    assert info.lease_owner is None and info.input_done and info.ingested == 1  # the key is free again
    assert rows_of(ledger, "send:rec") == [(N1, "accepted", result.receipts[0].message_id, "tally", ref)]
    replay = account.send(N1, "hi", idempotency_key="rec", ledger=ledger, sender="Shop")
    assert dict(replay.details) == {"replayed": True, "job": "send:rec"}
    assert (replay.provider, replay.client_ref, replay.receipts) == ("tally", ref, result.receipts)
    assert ledger.job_info("send:rec").lease_owner is None
    plain = smsbridge.connect(URL).send(N2, "hi", idempotency_key="plain", ledger=ledger)
    assert plain.client_ref is None and rows_of(ledger, "send:plain")[0][4] is None  # no id invented


def test_a_refused_send_is_recorded_not_sent_and_the_next_call_sends_it(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.fail_request = {1: AuthenticationError("bad key", code="401", provider="tally")}
    with pytest.raises(AuthenticationError) as info:
        account.send(N1, "hi", idempotency_key="r", ledger=ledger)
    (row,) = ledger.rows("send:r")
    assert (row.state.value, row.reason, row.code, row.provider) == ("not_sent", str(info.value), "401", "tally")
    assert ledger.job_info("send:r").lease_owner is None  # the next call need not wait
    result = account.send(N1, "hi", idempotency_key="r", ledger=ledger)
    assert result.ok and "replayed" not in result.details and result.details["job"] == "send:r"
    assert rows_of(ledger, "send:r") == [(N1, "accepted", result.receipts[0].message_id, "tally", None)]
    assert ledger.job_info("send:r").lease_owner is None


def test_an_interrupted_send_is_unknown_and_frees_its_key(tally: Tally, ledger: Any) -> None:
    tally.interrupt = {1}
    with pytest.raises(KeyboardInterrupt):
        smsbridge.connect(URL).send(N1, "hi", idempotency_key="i", ledger=ledger)
    (row,) = ledger.rows("send:i")
    assert row.state.value == "unknown"
    assert row.reason == "interrupted while the request was in flight (KeyboardInterrupt)"
    assert ledger.job_info("send:i").lease_owner is None


def test_a_crashed_claim_is_settled_in_the_ledger_or_resent_once(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.models import JobSpec
    from smsbridge.ledger.runner import STALE_REASON, job_options
    from smsbridge.models import Recipient

    options = job_options(
        {"sender": None, "schedule": None, "flash": False, "encoding": None, "options": None}, allow_repeats=True
    )

    def killed(key: str, number: str, ref: str | None, provider: str = "tally") -> None:
        spec = JobSpec(f"send:{key}", provider, "x", "hi", {**options, "to": [number]}, kind="send")
        assert ledger.begin_send(spec, [Recipient(number)], f"dead-{key}", client_ref=ref, owner="gone/1/-/x", ttl=0)

    dedup = smsbridge.connect(URL + "?dedup=yes")
    killed("d", N1, "ref-d")
    tally.refs_seen.add("ref-d")  # the provider took it before the kill
    resent = dedup.send(N1, "hi", idempotency_key="d", ledger=ledger)
    assert [r for _, r in tally.requests] == ["ref-d"] and resent.ok and resent.provider == "tally"
    (row,) = ledger.rows("send:d")
    assert (row.state.value, row.message_id, row.client_ref) == ("accepted", "ref-d", "ref-d")
    assert "earlier attempt" in (row.reason or "") and ledger.job_info("send:d").lease_owner is None
    assert dedup.send(N1, "hi", idempotency_key="d", ledger=ledger).details["replayed"]
    assert len(tally.requests) == 1
    # not taken before the kill: the resend with the same id is the one that reaches the provider
    killed("d2", N2, "ref-d2")
    assert dedup.send(N2, "hi", idempotency_key="d2", ledger=ledger).ok
    assert rows_of(ledger, "send:d2")[0][:2] == (N2, "accepted") and len(tally.requests) == 2
    # not resendable: another provider's claim, a claim without an id, a provider that does not de-duplicate
    for key, ref, provider, account in (
        ("o", "ref-o", "other", dedup),
        ("n", None, "tally", dedup),
        ("p", "ref-p", "tally", smsbridge.connect(URL)),
    ):
        killed(key, N1, ref, provider)
        result = account.send(N1, "hi", idempotency_key=key, ledger=ledger)
        assert result.details["replayed"] and result.receipts[0].status is ReceiptStatus.UNKNOWN
        assert result.provider == provider  # the provider the claim went to
        (row,) = ledger.rows(f"send:{key}")
        assert (row.state.value, row.reason) == ("unknown", STALE_REASON)
        assert ledger.job_info(f"send:{key}").lease_owner is None
    assert len(tally.requests) == 2


def test_a_send_to_several_finishes_only_what_was_not_sent(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL + "?batch=1")
    tally.fail_request = {2: ServiceUnavailableError("later", provider="tally")}
    first = account.send([N1, N2], "hi", idempotency_key="two", ledger=ledger)
    assert [r.status for r in first.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED]
    assert [r.state.value for r in ledger.rows("send:two")] == ["accepted", "not_sent"]
    second = account.send([N1, N2], "hi", idempotency_key="two", ledger=ledger)
    assert [r.recipient for r in second.receipts] == [N2] and second.ok  # only the one not sent
    assert [r.state.value for r in ledger.rows("send:two")] == ["accepted", "accepted"]
    assert tally.received() == Counter({N1: 1, N2: 1})
    third = account.send([N1, N2], "hi", idempotency_key="two", ledger=ledger)
    assert third.details["replayed"] and [r.recipient for r in third.receipts] == [N1, N2]


@pytest.mark.parametrize("key", ["", "  "])
def test_an_empty_idempotency_key_is_refused(tally: Tally, ledger: Any, key: str) -> None:
    with pytest.raises(ConfigurationError, match="non-empty"):
        smsbridge.connect(URL).send(N1, "hi", idempotency_key=key, ledger=ledger)
    assert tally.requests == []


def test_a_send_in_progress_elsewhere_is_named(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.models import JobSpec
    from smsbridge.ledger.runner import job_options
    from smsbridge.models import Recipient

    options = job_options(
        {"sender": None, "schedule": None, "flash": False, "encoding": None, "options": None}, allow_repeats=True
    )
    spec = JobSpec("send:busy", "tally", "x", "hi", {**options, "to": [N1]}, kind="send")
    holder = "elsewhere.example/4242/-/abcd"
    assert ledger.begin_send(spec, [Recipient(N1)], "a1", owner=holder, ttl=600)
    with pytest.raises(JobBusyError) as info:
        smsbridge.connect(URL).send(N1, "hi", idempotency_key="busy", ledger=ledger)
    assert info.value.holder == holder
    assert "'busy' is in progress in process 4242 on elsewhere.example" in str(info.value)
    assert tally.requests == []


def test_a_duplicate_id_answer_to_a_keyed_send_is_recorded_and_frees_the_key(tally: Tally, ledger: Any) -> None:
    """The provider says it took this client id before: the ledger records that answer, it keeps no claim."""
    from smsbridge.errors import DuplicateError

    tally.refs_seen.add("used-before")
    account = smsbridge.connect(URL + "?dedup=yes")
    with pytest.raises(DuplicateError):
        account.send(N1, "hi", client_ref="used-before", idempotency_key="dup", ledger=ledger)
    (row,) = ledger.rows("send:dup")
    assert (row.state.value, row.client_ref) == ("accepted", "used-before")
    assert ledger.job_info("send:dup").lease_owner is None
    replay = account.send(N1, "hi", client_ref="used-before", idempotency_key="dup", ledger=ledger)
    assert replay.details["replayed"] and len(tally.requests) == 1


def test_a_key_used_again_keeps_its_client_id_and_its_lease_while_it_sends(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL + "?dedup=yes")
    tally.fail_request = {1: ServiceUnavailableError("later", provider="tally")}
    with pytest.raises(ServiceUnavailableError):
        account.send(N1, "hi", idempotency_key="again", ledger=ledger)
    (row,) = ledger.rows("send:again")
    stored = row.client_ref
    assert stored and row.state.value == "not_sent"
    inside, release = threading.Event(), threading.Event()
    tally.on_request = lambda n: (inside.set(), release.wait(10)) if n == 2 else None
    worker = threading.Thread(target=lambda: account.send(N1, "hi", idempotency_key="again", ledger=ledger))
    worker.start()
    assert inside.wait(10)
    with pytest.raises(JobBusyError) as info:  # the second call holds the key while it sends
        account.send(N1, "hi", idempotency_key="again", ledger=ledger)
    assert info.value.hint == "wait for it to finish, then ask again: the recorded outcome is returned"
    release.set()
    worker.join(10)
    assert [ref for _, ref in tally.requests] == [stored]  # the retry carried the id the row holds
    (row,) = ledger.rows("send:again")
    assert (row.state.value, row.client_ref, row.provider) == ("accepted", stored, "tally")


def test_a_callers_client_id_is_recorded_even_when_given_only_on_a_later_call(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.fail_request = {1: AuthenticationError("bad key", provider="tally")}
    with pytest.raises(AuthenticationError):
        account.send(N1, "hi", idempotency_key="late", ledger=ledger)
    assert account.send(N1, "hi", client_ref="order-5", idempotency_key="late", ledger=ledger).ok
    assert [ref for _, ref in tally.requests] == ["order-5"]
    assert [r.client_ref for r in ledger.rows("send:late")] == ["order-5"]
    first = account.send(N2, "hi", client_ref="order-6", idempotency_key="given", ledger=ledger)
    assert first.ok and [r.client_ref for r in ledger.rows("send:given")] == ["order-6"]


def test_an_interrupted_retry_of_a_key_is_unknown_through_its_provider(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.fail_request = {1: AuthenticationError("bad key", provider="tally")}
    with pytest.raises(AuthenticationError):
        account.send(N1, "hi", idempotency_key="int", ledger=ledger)
    tally.interrupt = {2}
    with pytest.raises(KeyboardInterrupt):
        account.send(N1, "hi", idempotency_key="int", ledger=ledger)
    (row,) = ledger.rows("send:int")
    assert (row.state.value, row.provider) == ("unknown", "tally")
    assert ledger.job_info("send:int").lease_owner is None


def test_a_ledger_failure_before_a_retry_frees_the_key(
    tally: Tally, ledger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smsbridge.errors import LedgerUnavailableError

    account = smsbridge.connect(URL)
    tally.fail_request = {1: AuthenticationError("bad key", provider="tally")}
    with pytest.raises(AuthenticationError):
        account.send(N1, "hi", idempotency_key="hiccup", ledger=ledger)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise LedgerUnavailableError("the ledger went away")

    monkeypatch.setattr(ledger, "claim", broken)
    with pytest.raises(LedgerUnavailableError):
        account.send(N1, "hi", idempotency_key="hiccup", ledger=ledger)
    monkeypatch.undo()
    assert account.send(N1, "hi", idempotency_key="hiccup", ledger=ledger).ok  # not "in progress"


def test_key_mistakes_are_named(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    with pytest.raises(ConfigurationError) as info:
        account.send(N1, "hi", idempotency_key="k", ledger=False)
    assert info.value.message == "an idempotency key needs a ledger to keep it in; do not pass ledger=False"
    with pytest.raises(ConfigurationError) as info:
        account.send(N1, "hi", idempotency_key=" ", ledger=ledger)
    assert info.value.message == "an idempotency key is a non-empty string"


def test_a_keyed_group_send_refused_by_all_records_the_last_refusal(tally: Tally, ledger: Any) -> None:
    from smsbridge.errors import InsufficientCreditError

    group = smsbridge.connect(URL, "memory://?fail=credit")
    tally.fail_request = {1: ServiceUnavailableError("later", provider="tally")}
    with pytest.raises(InsufficientCreditError):
        group.send(N1, "hi", idempotency_key="all-refused", ledger=ledger)
    (row,) = ledger.rows("send:all-refused")
    assert (row.state.value, row.provider) == ("not_sent", "memory")
