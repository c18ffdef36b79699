"""Bulk jobs through the ledger, counted at the provider: never twice, one outcome each."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    ConnectError,
    JobBusyError,
    JobMismatchError,
    OutcomeUnknownError,
    ReadTimeoutError,
    ServiceUnavailableError,
)
from smsbridge.ledger import open_ledger
from smsbridge.ledger.runner import INGEST_BATCH, JobRun, StopToken
from smsbridge.models import ReceiptStatus, Recipient

from .conftest import Tally

URL = "tally://:k3y@default"
NUMBERS = [f"+4179123{i:04d}" for i in range(40)]


def states(ledger: Any, job: str) -> Counter[str]:
    return Counter(row.state.value for row in ledger.rows(job))


def exactly_one_outcome(ledger: Any, job: str, tally: Tally) -> None:
    """Every row has one outcome and it agrees with what the provider received."""
    received = tally.received()
    assert max(received.values(), default=0) <= 1, f"received twice: {received.most_common(3)}"
    for row in ledger.rows(job):
        got = received[row.number]
        if row.outcome.sent:
            assert got == 1, row
        elif row.outcome.value in ("rejected", "not_sent", "pending"):
            assert got == 0 or row.state.value == "rejected", row  # a refusal by the provider may have reached it
        else:
            assert row.outcome.value == "unknown" and got in (0, 1), row


def test_a_job_sends_each_once_and_a_rerun_sends_nothing(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    summary = account.bulk_send(NUMBERS[:10], "Hi", job="j", ledger=ledger)
    assert (summary.accepted, summary.total, summary.requests, summary.job) == (10, 10, 4, "j")
    again = account.bulk_send(NUMBERS[:10], "Hi", job="j", ledger=ledger)
    assert (again.accepted, again.requests) == (10, 0)
    assert len(again.receipts or ()) == 10  # the job's receipts, from the ledger
    assert tally.received() == Counter(NUMBERS[:10])


def test_the_same_number_and_text_go_once_unless_repeats_are_allowed(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    summary = account.bulk_send(["+33612345678"] * 1000, "same text", job="dup", ledger=ledger)
    assert tally.received() == Counter({"+33612345678": 1})
    assert (summary.accepted, summary.duplicates, summary.total) == (1000, 999, 1000)
    templated = account.bulk_send(
        [{"to": "+33612345678", "n": "1"}, {"to": "+33612345678", "n": "2"}, {"to": "+33612345678", "n": "1"}],
        "code {n}",
        job="tpl",
        ledger=ledger,
    )
    assert templated.duplicates == 1  # a different text is a different message
    account.bulk_send(["+33612345679"] * 3, "again", job="rep", ledger=ledger, allow_repeats=True)
    assert tally.received()["+33612345679"] == 3


def test_a_crash_in_flight_leaves_unknown_never_a_second_sms(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.interrupt = {2}  # the provider takes request 2, then the process is interrupted
    with pytest.raises(KeyboardInterrupt):
        account.bulk_send(NUMBERS[:9], "Hi", job="c", ledger=ledger)
    assert states(ledger, "c") == Counter({"accepted": 3, "unknown": 3, "pending": 3})
    unknown = [r for r in ledger.rows("c") if r.state.value == "unknown"]
    assert {(r.provider, r.reason) for r in unknown} == {
        ("tally", "interrupted while the request was in flight (KeyboardInterrupt)")
    }
    tally.interrupt = set()
    summary = account.bulk_send(NUMBERS[:9], "Hi", job="c", ledger=ledger)
    assert (summary.accepted, summary.unknown) == (6, 3)
    exactly_one_outcome(ledger, "c", tally)


def test_a_hard_kill_leaves_claims_that_resume_settles_as_unknown(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)

    def killed(n: int) -> None:
        if n == 2:
            raise SystemExit  # the process dies in the middle of request 2

    tally.on_request = killed
    with pytest.raises(SystemExit):
        account.bulk_send(NUMBERS[:9], "Hi", job="k", ledger=ledger)
    assert states(ledger, "k")["unknown"] + states(ledger, "k")["claimed"] == 3
    tally.on_request = None
    summary = account.bulk_send(NUMBERS[:9], "Hi", job="k", ledger=ledger)
    assert summary.unknown == 3 and summary.accepted == 6
    exactly_one_outcome(ledger, "k", tally)


def test_stale_claims_through_a_deduplicating_provider_are_resent_with_their_id(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.models import NewRow

    account = smsbridge.connect(URL + "?batch=1&dedup=yes")
    account.bulk_send(NUMBERS[:4], "Hi", job="d", ledger=ledger)
    refs = [ref for _, ref in tally.requests]
    assert all(refs) and len(set(refs)) == 4  # each single send carries its own client id
    # a run claimed row 4 and was killed after the provider took it (claim written, no outcome)
    ledger.ingest("d", [NewRow(4, NUMBERS[4])], read_before=4, read_after=5, digest="x", done=True)
    ledger.claim("d", [4], "dead-attempt", provider="tally", client_ref="ref-crashed")
    tally.requests.append(((NUMBERS[4],), "ref-crashed"))
    tally.refs_seen.add("ref-crashed")
    before = len(tally.requests)
    summary = ledger.job("d").resume(account)
    assert tally.requests[before:] == [((NUMBERS[4],), "ref-crashed")]  # sent again with its id
    assert summary.accepted == 5 and summary.unknown == 0  # the "duplicate id" answer: accepted
    assert tally.received()[NUMBERS[4]] == 1


def test_a_changed_input_is_refused_before_anything_is_sent(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    account.bulk_send(NUMBERS[:5], "Hi", job="m", ledger=ledger)
    sent = len(tally.requests)
    with pytest.raises(JobMismatchError, match="differ"):
        account.bulk_send([NUMBERS[9], *NUMBERS[1:5]], "Hi", job="m", ledger=ledger)
    with pytest.raises(JobMismatchError, match="fewer"):
        account.bulk_send(NUMBERS[:3], "Hi", job="m", ledger=ledger)
    with pytest.raises(JobMismatchError, match="more rows"):
        account.bulk_send(NUMBERS[:6], "Hi", job="m", ledger=ledger)
    with pytest.raises(JobMismatchError, match="another text"):
        account.bulk_send(NUMBERS[:5], "Hello", job="m", ledger=ledger)
    assert len(tally.requests) == sent


def test_an_input_that_fails_midway_is_read_on_from_where_it_stopped(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    numbers = [f"+4179{i:07d}" for i in range(INGEST_BATCH + 500)]

    def broken() -> Iterator[str]:
        yield from numbers[: INGEST_BATCH + 100]
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="disk"):
        account.bulk_send(broken(), "Hi", job="b", ledger=ledger, workers=4)
    got = states(ledger, "b")
    assert got["accepted"] + got["pending"] == INGEST_BATCH + 100
    exactly_one_outcome(ledger, "b", tally)
    summary = account.bulk_send(numbers, "Hi", job="b", ledger=ledger, workers=4)
    assert summary.accepted == len(numbers)
    assert tally.received() == Counter(numbers)


def test_workers_keep_every_outcome_when_the_input_raises(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)

    def gen() -> Iterator[str]:
        yield from (f"+4178{i:07d}" for i in range(3000))
        raise RuntimeError("generator bug")

    with pytest.raises(RuntimeError):
        account.bulk_send(gen(), "Hi", job="w", ledger=ledger, workers=8)
    received = tally.received()
    rows = {r.number: r for r in ledger.rows("w")}
    for number in received:
        assert rows[number].outcome.value == "accepted"  # every recipient the provider got has its outcome
    exactly_one_outcome(ledger, "w", tally)


def test_a_graceful_stop_leaves_no_unknown_and_an_abort_only_the_requests_in_flight(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    chunks = account.chunk_sender("Hi")
    stop = StopToken()
    tally.on_request = lambda n: stop.request() if n == 3 else None
    run = JobRun(chunks, NUMBERS[:30], workers=4, ledger=ledger, job="g", stop=stop)
    list(run)
    got = states(ledger, "g")
    assert got["unknown"] == 0 and got["claimed"] == 0
    assert got["accepted"] >= 9 and got["pending"] > 0
    exactly_one_outcome(ledger, "g", tally)

    slow = threading.Event()
    abort = StopToken()

    def hang(n: int) -> None:
        if not slow.is_set():
            slow.set()
            abort.abort()
            raise KeyboardInterrupt  # the second Ctrl-C, while this request is in flight

    tally.on_request = hang
    run = JobRun(chunks, None, workers=1, ledger=ledger, job="g", stop=abort)
    with pytest.raises(KeyboardInterrupt):
        list(run)
    after = states(ledger, "g")
    assert after["unknown"] == 3  # exactly the request in flight
    assert after["pending"] == got["pending"] - 3  # the rest were never sent: still pending, not unknown
    exactly_one_outcome(ledger, "g", tally)


def test_a_request_refused_whole_is_sent_again_on_resume(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.fail_request = {1: AuthenticationError("bad key", provider="tally")}
    first = account.bulk_send(NUMBERS[:6], "Hi", job="n", ledger=ledger)
    assert (first.rejected, first.not_sent, first.accepted) == (3, 3, 3)
    assert states(ledger, "n")["not_sent"] == 3
    second = account.bulk_send(NUMBERS[:6], "Hi", job="n", ledger=ledger)
    assert (second.accepted, second.rejected, second.requests) == (6, 0, 1)
    exactly_one_outcome(ledger, "n", tally)


def test_rejections_are_final_and_unknowns_resent_only_when_asked(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.refuse = {NUMBERS[0]}
    tally.lose_answer = {2}
    summary = account.bulk_send(NUMBERS[:6], "Hi", job="u", ledger=ledger)
    assert (summary.accepted, summary.rejected, summary.unknown) == (2, 1, 3)
    tally.refuse, tally.lose_answer = set(), set()
    assert account.bulk_send(NUMBERS[:6], "Hi", job="u", ledger=ledger).requests == 0
    with _warned() as warned:
        resent = account.bulk_send(NUMBERS[:6], "Hi", job="u", ledger=ledger, resend_unknown=True)
    assert resent.accepted == 5 and resent.rejected == 1
    assert any("receive it twice" in m for m in warned)
    assert tally.received()[NUMBERS[3]] == 2  # asked for explicitly


def test_two_runs_of_one_job_never_send_at_the_same_time(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    inside = threading.Event()
    release = threading.Event()

    def hold(n: int) -> None:
        if n == 1:
            inside.set()
            release.wait(10)

    tally.on_request = hold
    errors: list[BaseException] = []
    first = threading.Thread(target=lambda: account.bulk_send(NUMBERS[:6], "Hi", job="two", ledger=ledger))
    first.start()
    assert inside.wait(10)
    with pytest.raises(JobBusyError, match="being run by"):
        account.bulk_send(NUMBERS[:6], "Hi", job="two", ledger=ledger)
    waiter = threading.Thread(
        target=lambda: _catch(errors, lambda: account.bulk_send(NUMBERS[:6], "Hi", job="two", ledger=ledger, wait=10))
    )
    waiter.start()
    release.set()
    first.join(10)
    waiter.join(10)
    assert not errors
    assert tally.received() == Counter(NUMBERS[:6])


def test_failover_group_through_the_ledger_sends_once(tally: Tally, ledger: Any, sms_outbox: list[Any]) -> None:
    group = smsbridge.connect(URL, "memory://")
    tally.fail_request = {1: ServiceUnavailableError("later", provider="tally")}
    summary = group.bulk_send(NUMBERS[:3], "Hi", job="f", ledger=ledger)
    assert summary.accepted == 3
    assert {r.provider for r in ledger.rows("f")} == {"memory"}
    assert tally.received() == Counter()  # refused whole: it went to the next account
    assert sorted(m.to for m in sms_outbox) == NUMBERS[:3]


def test_summary_without_a_ledger_still_counts(tally: Tally) -> None:
    summary = smsbridge.connect(URL).bulk_send(["+33612345678"] * 3, "x", ledger=False)
    assert summary.accepted == 3 and summary.job is None  # no ledger: no de-duplication either


# ---------------------------------------------------------------------------- the retry outcome rule


@pytest.mark.parametrize(("refusal", "attempts"), [(AuthenticationError, 2), (ServiceUnavailableError, 3)])
def test_once_an_attempt_may_have_been_taken_the_outcome_is_never_not_sent(
    tally: Tally, refusal: type, attempts: int
) -> None:
    account = smsbridge.connect(URL + "?batch=1&dedup=yes&retries=2&backoff=0.001")
    tally.lose_answer = {1}  # taken, answer lost
    tally.fail_request = {2: refusal("no", provider="tally"), 3: refusal("no", provider="tally")}
    with pytest.raises(OutcomeUnknownError) as info:
        account.send(NUMBERS[0], "Hi", ledger=False)
    assert isinstance(info.value, ReadTimeoutError)
    kinds = [type(e) for e in info.value.attempts]  # type: ignore[attr-defined]
    assert kinds == [ReadTimeoutError] + [refusal] * (attempts - 1)  # auth is not retried, "busy" is
    assert len({ref for _, ref in tally.requests}) == 1  # every attempt carried the same id


def test_a_failover_group_does_not_move_on_after_a_maybe_taken_attempt(tally: Tally, sms_outbox: list[Any]) -> None:
    group = smsbridge.connect(URL + "?batch=1&dedup=yes&retries=1&backoff=0.001", "memory://")
    tally.lose_answer = {1}
    tally.fail_request = {2: ServiceUnavailableError("busy", provider="tally")}
    with pytest.raises(OutcomeUnknownError):
        group.send(NUMBERS[0], "Hi", ledger=False)
    assert sms_outbox == []  # the backup never sent it


def test_a_connect_error_before_anything_left_stays_not_sent(tally: Tally) -> None:
    account = smsbridge.connect(URL + "?retries=1&backoff=0.001")
    tally.fail_request = {1: ConnectError("refused", provider="tally"), 2: ConnectError("refused", provider="tally")}
    with pytest.raises(ConnectError):
        account.send(NUMBERS[0], "Hi", ledger=False)


# ---------------------------------------------------------------------------- helpers


def _catch(errors: list[BaseException], call: Any) -> None:
    try:
        call()
    except BaseException as exc:
        errors.append(exc)


class _warned:
    """Collect the runner's warnings (it logs them on 'smsbridge.ledger')."""

    def __enter__(self) -> list[str]:
        import logging

        self.messages: list[str] = []
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.messages.append(record.getMessage())  # type: ignore[method-assign]
        logging.getLogger("smsbridge.ledger").addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        import logging

        logging.getLogger("smsbridge.ledger").removeHandler(self.handler)


def test_receipts_of_a_resumed_job_come_from_the_ledger(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    tally.refuse = {NUMBERS[1]}
    account.bulk_send(NUMBERS[:3], "Hi", job="r", ledger=ledger)
    summary = account.bulk_send(NUMBERS[:3], "Hi", job="r", ledger=ledger)
    assert [(r.recipient, r.status) for r in summary.receipts or ()] == [
        (NUMBERS[0], ReceiptStatus.ACCEPTED),
        (NUMBERS[1], ReceiptStatus.REJECTED),
        (NUMBERS[2], ReceiptStatus.ACCEPTED),
    ]
    assert open_ledger  # the public entry point


# ---------------------------------------------------------------------------- what a run leaves, step by step


def _run(account: Any, recipients: Any, ledger: Any, job: str, **options: Any) -> tuple[JobRun, list[str]]:
    """A run of ``job`` driven to its end; the run and the warnings it gave."""
    warnings: list[str] = []
    run = JobRun(account.chunk_sender("Hi"), recipients, ledger=ledger, job=job, warn=warnings.append, **options)
    list(run)
    return run, warnings


def test_stale_claims_are_each_settled_or_resent_once_and_counted(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.models import NewRow
    from smsbridge.ledger.runner import STALE_REASON

    account = smsbridge.connect(URL + "?batch=2&dedup=yes&retries=1&backoff=0")
    _run(account, NUMBERS[:2], ledger, "s", workers=1)
    ledger.ingest("s", [NewRow(i, NUMBERS[i]) for i in range(2, 7)], read_before=2, read_after=7, digest="", done=True)
    # a killed run left these claims (attempts are settled in their order)
    ledger.claim("s", [2, 3], "a-two-rows", provider="tally", client_ref="ref-two")
    ledger.claim("s", [4], "b-no-id", provider="tally")
    ledger.claim("s", [5], "c-other-provider", provider="other", client_ref="ref-other")
    ledger.claim("s", [6], "d-single", provider="tally", client_ref="ref-single")
    tally.lose_answer = {tally.attempts + 1}  # the resend's answer is lost; its retry hears "duplicate id"
    before = len(tally.requests)
    from smsbridge.results import summarize_run

    warnings: list[str] = []
    run = JobRun(account.chunk_sender("Hi"), None, workers=1, ledger=ledger, job="s", warn=warnings.append)
    assert summarize_run("tally", run).requests == 1
    assert tally.requests[before:] == [((NUMBERS[6],), "ref-single")] * 2
    rows = list(ledger.rows("s"))
    assert [(r.state.value, r.reason) for r in rows[2:6]] == [("unknown", STALE_REASON)] * 4
    assert (rows[6].state.value, rows[6].message_id, rows[6].client_ref) == ("accepted", "ref-single", "ref-single")
    assert run.requests == 1  # one request's result, however many attempts it took
    assert warnings == [
        "job 's': 4 recipient(s) were in a request in flight when an earlier run stopped; "
        "their outcome is unknown and they are not sent again",
        "job 's': 1 request(s) in flight when an earlier run stopped were sent again with the same client id "
        "(the provider ignores a repeated id)",
    ]
    # a provider that does not de-duplicate never gets a claim again, id or not
    plain = smsbridge.connect(URL)
    _run(plain, NUMBERS[7:8], ledger, "p", workers=1)
    ledger.ingest("p", [NewRow(1, NUMBERS[8])], read_before=1, read_after=2, digest="", done=True)
    ledger.claim("p", [1], "killed", provider="tally", client_ref="ref-p")
    before = len(tally.requests)
    _run(plain, None, ledger, "p", workers=1)
    assert len(tally.requests) == before and list(ledger.rows("p"))[1].state.value == "unknown"


def test_rows_with_their_own_client_id_go_alone_with_it(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL + "?batch=3&dedup=yes")
    tally.fail_request = {
        1: ServiceUnavailableError("later", provider="tally"),
        2: ServiceUnavailableError("later", provider="tally"),
    }
    _run(account, NUMBERS[:4], ledger, "own", workers=1)
    assert tally.requests == [] and [r.state.value for r in ledger.rows("own")] == ["not_sent"] * 4
    ref = list(ledger.rows("own"))[3].client_ref  # the single send's id, kept on the row
    assert ref and len(ref) == 20 and [r.client_ref for r in ledger.rows("own")][:3] == [None] * 3
    _run(account, NUMBERS[:4], ledger, "own", workers=1)
    assert tally.requests == [(tuple(NUMBERS[:3]), None), ((NUMBERS[3],), ref)]  # a bulk has no id; the single its own
    assert [(r.state.value, r.provider) for r in ledger.rows("own")] == [("accepted", "tally")] * 4
    plain = smsbridge.connect(URL + "?batch=1")
    _run(plain, NUMBERS[4:6], ledger, "plain", workers=1)
    assert [ref for _, ref in tally.requests[2:]] == [None, None]  # no id for a provider that ignores it


def test_a_run_that_lost_its_lease_sends_nothing_more(tally: Tally, ledger: Any) -> None:
    import time

    account = smsbridge.connect(URL + "?batch=1")

    def steal(n: int) -> None:
        if n == 1:  # another run takes the job over while this request is slow
            ledger.db.execute("UPDATE smsbridge_jobs SET lease_owner = 'elsewhere/1/-/x' WHERE id = 'stolen'")
            time.sleep(1.5)  # the heartbeat (every 0.1 s) finds the lease taken meanwhile

    tally.on_request = steal
    with pytest.raises(JobBusyError, match="lost its lease") as info:
        _run(account, NUMBERS[:3], ledger, "stolen", workers=1, lease_ttl=0.3)
    assert info.value.message == (
        "this run of job 'stolen' lost its lease (it was stalled for over 0s and another run took the job over); "
        "it stopped without sending more"
    )
    assert len(tally.requests) == 1
    assert ledger.job_info("stolen").lease_owner == "elsewhere/1/-/x"  # not released: it is not ours
    # a claim made after the lease was taken is refused by the ledger itself
    tally.on_request = lambda n: (
        ledger.db.execute("UPDATE smsbridge_jobs SET lease_owner = 'elsewhere/2/-/y' WHERE id = 'taken'")
        if n == 2
        else None
    )
    with pytest.raises(JobBusyError, match="lost the lease of job 'taken' to elsewhere/2/-/y"):
        _run(account, NUMBERS[3:6], ledger, "taken", workers=1)
    assert len(tally.requests) == 2


def test_an_abort_with_workers_marks_the_requests_in_flight_unknown(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.runner import ABORT_REASON

    account = smsbridge.connect(URL + "?batch=1")
    inside, release = threading.Event(), threading.Event()
    tally.on_request = lambda n: (inside.set(), release.wait(10)) if tally.requests[n - 1][0] == (NUMBERS[1],) else None
    run = JobRun(account.chunk_sender("Hi"), NUMBERS[:2], workers=2, ledger=ledger, job="abort")
    results = iter(run)
    next(results)  # request 1 answered
    assert inside.wait(10)  # request 2 reached the provider and hangs
    with pytest.raises(KeyboardInterrupt):
        results.throw(KeyboardInterrupt)  # the second Ctrl-C
    second = list(ledger.rows("abort"))[1]
    assert (second.state.value, second.reason) == ("unknown", ABORT_REASON)
    release.set()
    for _ in range(100):  # the late answer still lands: better knowledge than "unknown"
        if list(ledger.rows("abort"))[1].state.value == "accepted":
            break
        threading.Event().wait(0.05)
    assert list(ledger.rows("abort"))[1].state.value == "accepted"


def test_workers_never_exceed_their_number_and_yield_every_result(tally: Tally, ledger: Any) -> None:
    import time

    lock, inflight, most = threading.Lock(), [0], [0]

    def count(n: int) -> None:
        with lock:
            inflight[0] += 1
            most[0] = max(most[0], inflight[0])
        time.sleep(0.05)
        with lock:
            inflight[0] -= 1

    tally.on_request = count
    account = smsbridge.connect(URL + "?batch=1")
    rows = [*NUMBERS[:8], "garbage"]
    run, _ = _run(account, rows, ledger, "bounded", workers=2)
    assert most[0] == 2 and run.requests == 8 and run.rows_read == 9
    # a graceful stop: every request made is yielded to the caller
    stop = StopToken()
    tally.on_request = lambda n: stop.request() if n == 10 else None
    run = JobRun(account.chunk_sender("Hi"), NUMBERS[10:30], workers=3, ledger=ledger, job="yield", stop=stop)
    yielded = [r.recipient for res in run for r in res.receipts]
    assert sorted(yielded) == sorted(r.number for r in ledger.rows("yield") if r.state.value == "accepted")


def test_the_input_is_read_in_batches_and_its_rejections_reported(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    numbers = [f"+4179{i:07d}" for i in range(INGEST_BATCH + 5)]
    read: list[str] = []

    def rows() -> Iterator[Any]:
        yield Recipient("+41791111111", reference="trn-9")
        yield "garbage"
        for n in numbers:
            read.append(n)
            yield n

    results = iter(JobRun(account.chunk_sender("Hi"), rows(), workers=1, ledger=ledger, job="in"))
    first = next(results)
    assert (first.provider, [r.recipient for r in first.receipts]) == ("tally", ["garbage"])
    assert first.receipts[0].status is ReceiptStatus.REJECTED and dict(first.details) == {"requests": 0}
    assert len(read) == INGEST_BATCH - 2  # one batch read in before anything else
    info = ledger.job_info("in")
    assert (info.ingested, info.input_done) == (INGEST_BATCH, False)
    list(results)
    info = ledger.job_info("in")
    assert (info.ingested, info.input_done) == (INGEST_BATCH + 7, True)
    rows_ = list(ledger.rows("in"))
    assert (rows_[0].reference, rows_[1].state.value) == ("trn-9", "rejected")
    assert rows_[1].reason and "garbage" in rows_[1].reason


_ANN = Recipient(NUMBERS[0], {"n": "1"})


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([{"to": NUMBERS[0], "name": "Ann"}], [{"to": NUMBERS[0], "name": "Bob"}]),
        ([{"to": NUMBERS[0], "name": "Ann"}], [{"to": NUMBERS[0], "nom": "Ann"}]),
        ([NUMBERS[0]], [NUMBERS[1]]),
        ([_ANN], [Recipient(NUMBERS[1], {"n": "1"})]),
        ([_ANN], [Recipient(NUMBERS[0], {"n": "2"})]),
        ([_ANN], [Recipient(NUMBERS[0], {"n": "1"}, "ref")]),
        ([41791230000], [41791230001]),
        ([5], [__import__("decimal").Decimal(5)]),
    ],
)
def test_a_resume_with_other_recipients_is_refused(
    tally: Tally, ledger: Any, first: list[Any], second: list[Any]
) -> None:
    account = smsbridge.connect(URL)
    list(JobRun(account.chunk_sender("Hi"), first, workers=1, ledger=ledger, job="r"))
    sent = len(tally.requests)
    with pytest.raises(JobMismatchError, match="differ from those job 'r' was started with"):
        list(JobRun(account.chunk_sender("Hi"), second, workers=1, ledger=ledger, job="r"))
    list(JobRun(account.chunk_sender("Hi"), first, workers=1, ledger=ledger, job="r"))  # the same input resumes
    assert len(tally.requests) == sent


def test_a_resume_through_another_provider_checks_the_rows_again(
    tally: Tally, ledger: Any, sms_outbox: list[Any]
) -> None:
    refused = smsbridge.connect("memory://?fail=credit")
    list(JobRun(refused.chunk_sender("Hi"), ["+41791234567", "@someone"], workers=1, ledger=ledger, job="moved"))
    assert [r.state.value for r in ledger.rows("moved")] == ["not_sent", "not_sent"]
    warnings: list[str] = []
    run = JobRun(
        smsbridge.connect(URL).chunk_sender("Hi"), None, workers=1, ledger=ledger, job="moved", warn=warnings.append
    )
    list(run)
    assert warnings == ["job 'moved' was started through memory; it now goes on through tally"]
    assert run.requests == 1  # the @target never made a request
    assert tally.received() == Counter({"+41791234567": 1})  # tally's own rules refuse the @target
    assert [r.state.value for r in ledger.rows("moved")] == ["accepted", "rejected"]


def test_a_summary_counts_the_whole_job_and_a_job_keeps_its_options(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    stop = StopToken()
    tally.on_request = lambda n: stop.request()  # stop after the first request
    run = JobRun(account.chunk_sender("Hi", sender="Shop"), NUMBERS[:7], workers=1, ledger=ledger, job="sum", stop=stop)
    from smsbridge.results import summarize_run

    summary = summarize_run("tally", run)
    assert (summary.provider, summary.accepted, summary.pending, summary.total) == ("tally", 3, 4, 7)
    assert (summary.duplicates, summary.unknown, summary.not_sent, summary.job) == (0, 0, 0, "sum")
    assert run.ledger_url == ledger.url and run.rows_read == 7
    info = ledger.job_info("sum")
    assert info.options["sender"] == "Shop" and info.options["allow_repeats"] is False
    with pytest.raises(JobMismatchError, match="another sender"):
        list(JobRun(account.chunk_sender("Hi", sender="Other"), NUMBERS[:7], workers=1, ledger=ledger, job="sum"))
    # resumed from the ledger alone when its input was read whole; a partial one says so
    tally.on_request = None
    warnings: list[str] = []
    list(
        JobRun(
            account.chunk_sender("Hi", sender="Shop"), None, workers=1, ledger=ledger, job="sum", warn=warnings.append
        )
    )
    assert warnings == [] and all(r.state.value == "accepted" for r in ledger.rows("sum"))
    tally.on_request = lambda n: (_ for _ in ()).throw(KeyboardInterrupt) if n == 5 else None

    def endless() -> Iterator[str]:
        yield from (f"+4177{i:07d}" for i in range(INGEST_BATCH * 2))

    with pytest.raises(KeyboardInterrupt):
        list(JobRun(account.chunk_sender("Hi"), endless(), workers=1, ledger=ledger, job="part"))
    tally.on_request = None
    list(JobRun(account.chunk_sender("Hi"), None, workers=1, ledger=ledger, job="part", warn=warnings.append))
    assert warnings == [
        f"job 'part' holds the first {INGEST_BATCH} input row(s) only; give the recipients again to send to the rest",
    ]
    with _warned() as warned:
        tally.lose_answer = {tally.attempts + 1}
        account.bulk_send(NUMBERS[10:12], "Hi", job="u", ledger=ledger)
        account.bulk_send(NUMBERS[10:12], "Hi", job="u", ledger=ledger, resend_unknown=True)
    assert warned == [
        "resend_unknown: 2 recipient(s) whose outcome is unknown are sent again; "
        "the provider may have taken them already, so they may receive it twice"
    ]


def test_a_released_row_keeps_its_client_id_and_every_other_row_still_goes(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.models import JobSpec, NewRow
    from smsbridge.ledger.runner import job_options

    account = smsbridge.connect(URL + "?batch=3&dedup=yes")
    chunks = account.chunk_sender("Hi")
    spec = JobSpec("rel", "tally", account.url, "Hi", job_options(chunks.options, allow_repeats=False))
    ledger.open_job(spec)
    ledger.ingest("rel", [NewRow(i, NUMBERS[i]) for i in range(5)], read_before=0, read_after=5, digest="", done=True)
    ledger.claim("rel", [1], "stopped", provider="tally", client_ref="ref-1")
    ledger.release("rel", "stopped")  # a graceful stop before the request left: pending, with its id
    list(JobRun(chunks, None, workers=1, ledger=ledger, job="rel"))
    assert [numbers for numbers, _ in tally.requests] == [(NUMBERS[0],), (NUMBERS[1],), tuple(NUMBERS[2:5])]
    assert tally.requests[1][1] == "ref-1" and tally.requests[2][1] is None  # its own id; a bulk has none
    assert [r.state.value for r in ledger.rows("rel")] == ["accepted"] * 5


def test_outcomes_match_receipts_to_rows_and_leave_none_without_one() -> None:
    from smsbridge.ledger.runner import outcomes_of
    from smsbridge.models import Receipt, SendResult

    reply = SendResult(
        "tally",
        (
            Receipt("+41790000000", ReceiptStatus.ACCEPTED),  # a number not in the request: ignored
            Receipt(NUMBERS[1], ReceiptStatus.REJECTED, reason="blocked", code="E7", provider="tally"),
            Receipt(NUMBERS[0], ReceiptStatus.ACCEPTED, message_id="m0", provider="tally"),
        ),
    )
    out = outcomes_of([10, 11, 12], [Recipient(n) for n in NUMBERS[:3]], [reply])
    assert [(o.seq, o.state.value, o.message_id, o.reason, o.code) for o in out] == [
        (11, "rejected", None, "blocked", "E7"),
        (10, "accepted", "m0", None, None),
        (12, "unknown", None, "the provider's reply did not mention this recipient", None),
    ]


def test_a_jobs_schedule_and_provider_options_are_kept_for_its_resume(ledger: Any, sms_outbox: list[Any]) -> None:
    import datetime as dt

    from smsbridge.ledger.runner import job_options

    when = dt.datetime(2099, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    assert job_options({"schedule": when, "options": {"route": 5}, "flash": True}, allow_repeats=True) == {
        "schedule": "2099-01-02T03:04:00+00:00",
        "options": {"route": "5"},
        "flash": True,
        "allow_repeats": True,
    }
    assert job_options({"options": {}}, allow_repeats=False) == {"options": None, "allow_repeats": False}


def test_input_rows_that_cannot_be_encoded_are_rejected_not_fatal(tally: Tally, ledger: Any) -> None:
    account = smsbridge.connect(URL)
    rows = ["+41791234567", "bad\udc80", {"to": "+41791234568", "name": "\udcff"}, b"\xff"]
    summary = account.bulk_send(rows, "Hi", job="enc", ledger=ledger)
    assert (summary.accepted, summary.rejected) == (2, 2)
    assert account.bulk_send(rows, "Hi", job="enc", ledger=ledger).requests == 0  # the same input resumes
    assert [r.params for r in ledger.rows("enc")][2] == {"name": "\udcff"}  # kept, escaped in the database


def test_a_stop_token_tells_a_graceful_stop_from_an_abort() -> None:
    token = StopToken()
    assert (token.requested, token.aborted) == (False, False)
    token.request()
    assert (token.requested, token.aborted) == (True, False)
    token.abort()
    assert (token.requested, token.aborted) == (True, True)


def test_a_job_without_a_name_gets_one(tally: Tally, ledger: Any) -> None:
    import re

    summary = smsbridge.connect(URL).bulk_send(NUMBERS[:1], "Hi", ledger=ledger)
    assert summary.job is not None and re.fullmatch(r"bulk-\d{8}-\d{6}-[0-9a-f]{6}", summary.job)


def test_an_input_error_waits_for_the_requests_in_flight_to_record(tally: Tally, ledger: Any) -> None:
    import time

    numbers = [f"+4176{i:07d}" for i in range(INGEST_BATCH + 600)]  # fails in the second batch

    def rows() -> Iterator[str]:
        yield from numbers
        raise OSError("the disk went away")

    tally.on_request = lambda n: time.sleep(0.3)  # a request is in flight when the input fails
    account = smsbridge.connect(URL + "?batch=500")
    with pytest.raises(OSError):
        account.bulk_send(rows(), "Hi", job="wait", ledger=ledger, workers=2)
    got = states(ledger, "wait")  # the run ended only once what was in flight had its outcome
    assert got["claimed"] == 0 and got["accepted"] >= 500 and got["accepted"] + got["pending"] == len(numbers)


def test_several_stale_claims_are_resent_while_the_lease_is_ours_only(tally: Tally, ledger: Any) -> None:
    from smsbridge.ledger.models import NewRow

    account = smsbridge.connect(URL + "?batch=1&dedup=yes")
    for job in ("two", "stolen-two"):
        _run(account, NUMBERS[:1], ledger, job, workers=1)
        ledger.ingest(job, [NewRow(i, NUMBERS[i]) for i in (1, 2)], read_before=1, read_after=3, digest="", done=True)
        ledger.claim(job, [1], "a-first", provider="tally", client_ref=f"{job}-1")
        ledger.claim(job, [2], "b-second", provider="tally", client_ref=f"{job}-2")
    before = len(tally.requests)
    _, warnings = _run(account, None, ledger, "two", workers=1)
    assert len(tally.requests) == before + 2
    assert warnings[-1].startswith("job 'two': 2 request(s) in flight when an earlier run stopped were sent again")
    # another run takes the job over during the first resend: the second is not made
    tally.on_request = lambda n: ledger.db.execute(
        "UPDATE smsbridge_jobs SET lease_owner = 'elsewhere/9/-/z' WHERE id = 'stolen-two'"
    )
    before = len(tally.requests)
    with pytest.raises(JobBusyError):
        _run(account, None, ledger, "stolen-two", workers=1)
    assert [ref for _, ref in tally.requests[before:]] == ["stolen-two-1"]
