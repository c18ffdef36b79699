"""How the send ledger writes: what is flushed to disk when, in how many commits.

The rule (``smsbridge.ledger``): a request's claim is committed and on disk before the request
leaves, its outcome is committed after it.  These tests pin down how that is done cheaply
without bending it: one durable commit per request (the outcome of a request rides with the
claim of the next, and never waits longer than ``OUTCOME_WAIT``), input rows read ahead
committed without a flush (the next claim flushes them), every other write flushed.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import JobBusyError, JobMismatchError, LedgerUnavailableError
from smsbridge.ledger import Ledger, open_ledger, runner, store
from smsbridge.ledger.database import SQLiteDatabase
from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome
from smsbridge.ledger.runner import InputDigest, _canonical
from smsbridge.ledger.states import RowState
from smsbridge.models import Recipient

NUMBERS = [f"+4179123{i:04d}" for i in range(95)]


@pytest.fixture(params=["sqlite", "sqlite-before-3.38", "postgresql"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new ledger's URL: a SQLite file, or a database of the test PostgreSQL server."""
    if request.param.startswith("sqlite"):
        yield str(tmp_path / "ledger.db")
        return
    from smsbridge.testing.services import postgres_database

    with postgres_database() as url:
        yield url


@pytest.fixture
def ledger(where: str, request: pytest.FixtureRequest) -> Iterator[Ledger]:
    with open_ledger(where) as ledger:
        if request.node.callspec.params.get("where") == "sqlite-before-3.38":
            ledger.db.json_rows = False  # one statement per row, as with an older SQLite
        yield ledger


class Transactions:
    """Every write transaction of a ledger: what it did, whether durable, the engine's sync setting inside."""

    def __init__(self, ledger: Ledger) -> None:
        self.seen: list[tuple[str, bool, str]] = []
        db = ledger.db
        real = db.transaction

        @contextlib.contextmanager
        def spied(doing: str = "writing", *, durable: bool = True) -> Iterator[Any]:
            with real(doing, durable=durable) as tx:
                sql = "PRAGMA synchronous" if db.dialect == "sqlite" else "SHOW synchronous_commit"
                self.seen.append((doing, durable, str(db.query(sql)[0][0])))
                yield tx

        db.transaction = spied  # type: ignore[method-assign]

    def durable(self) -> Counter[str]:
        return Counter(doing for doing, durable, _ in self.seen if durable)

    def relaxed(self) -> Counter[str]:
        return Counter(doing for doing, durable, _ in self.seen if not durable)

    def settings(self, durable: bool) -> set[str]:
        return {setting for _, flag, setting in self.seen if flag is durable}


def _flushed_and_not(ledger: Ledger) -> tuple[str, str]:
    """The engine's setting inside a durable and inside a relaxed transaction."""
    return ("2", "1") if ledger.db.dialect == "sqlite" else ("on", "off")  # FULL / NORMAL


def test_only_input_rows_are_committed_without_a_flush(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "INGEST_BATCH", 40)
    spy = Transactions(ledger)
    account = smsbridge.connect("memory://?max_recipients=10")
    summary = account.bulk_send(NUMBERS, "Hi", ledger=ledger, job="flushes")
    assert summary.accepted == len(NUMBERS) and summary.requests == 10
    assert spy.relaxed() == Counter({"recording recipients": 3})  # 95 rows read 40 at a time
    assert spy.durable()["claiming recipients before a request"] == 10
    flushed, not_flushed = _flushed_and_not(ledger)
    assert spy.settings(durable=True) == {flushed}
    assert spy.settings(durable=False) == {not_flushed}


def test_a_failed_relaxed_transaction_leaves_the_next_ones_flushed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    open_ledger(path).close()
    db = SQLiteDatabase(path, busy_timeout=0.05)
    other = SQLiteDatabase(path)
    with (
        other.transaction(),  # holds the write lock
        pytest.raises(LedgerUnavailableError, match="locked"),
        db.transaction("recording recipients", durable=False),
    ):
        pass
    assert db.query("PRAGMA synchronous") == [(2,)]  # FULL again, for the claims that follow
    with db.transaction("claiming"):
        assert db.query("PRAGMA synchronous") == [(2,)]
    db.close()
    other.close()


@pytest.mark.parametrize("workers", [1, 4])
def test_one_durable_commit_per_request(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(store, "OUTCOME_WAIT", 60.0)  # so that only the claims carry the outcomes here
    spy = Transactions(ledger)
    account = smsbridge.connect("memory://?max_recipients=10")
    summary = account.bulk_send(NUMBERS, "Hi", ledger=ledger, job="one-commit", workers=workers)
    assert summary.accepted == len(NUMBERS) and summary.requests == 10
    assert ledger.job("one-commit").counts() == {"accepted": len(NUMBERS)}  # every outcome committed
    durable = spy.durable()
    assert durable["claiming recipients before a request"] == 10
    assert durable["recording the outcome of a request"] <= 1  # the outcomes rode with the claims
    assert sum(durable.values()) <= 10 + 4  # + the job, the lease taken and given back, the last outcome


def _job(ledger: Ledger, numbers: list[str], job: str = "j") -> None:
    ledger.open_job(JobSpec(id=job, provider="memory", account="memory://", text="Hi"))
    rows = [NewRow(seq, number) for seq, number in enumerate(numbers)]
    ledger.ingest(job, rows, read_before=0, read_after=len(rows), digest="", done=True)


def _committed(url: str, job: str = "j") -> dict[int, str]:
    """The rows as another connection sees them: what is committed."""
    with open_ledger(url) as other:
        return {row.seq: row.state.value for row in other.rows(job)}


def test_an_outcome_waits_for_the_next_claim(ledger: Ledger, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "OUTCOME_WAIT", 60.0)
    _job(ledger, NUMBERS[:4])
    ledger.claim("j", [0, 1], "a1")
    ledger.record_later("j", "a1", [RowOutcome(0, RowState.ACCEPTED, "m0"), RowOutcome(1, RowState.REJECTED)])
    assert _committed(where) == {0: "claimed", 1: "claimed", 2: "pending", 3: "pending"}  # not committed yet
    ledger.claim("j", [2, 3], "a2")  # one transaction: the claim, and the outcome that waited
    assert _committed(where) == {0: "accepted", 1: "rejected", 2: "claimed", 3: "claimed"}
    ledger.record_later("j", "a2", [RowOutcome(2, RowState.ACCEPTED, "m2")])
    ledger.flush()
    assert _committed(where) == {0: "accepted", 1: "rejected", 2: "accepted", 3: "claimed"}  # 3: no answer


def test_an_outcome_never_waits_long(ledger: Ledger, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "OUTCOME_WAIT", 0.5)
    _job(ledger, NUMBERS[:2])
    ledger.claim("j", [0, 1], "a1")
    start = time.monotonic()
    ledger.record_later("j", "a1", [RowOutcome(0, RowState.ACCEPTED, "m0"), RowOutcome(1, RowState.ACCEPTED, "m1")])
    assert _committed(where) == {0: "claimed", 1: "claimed"}
    while _committed(where) != {0: "accepted", 1: "accepted"}:  # no other write comes: it commits by itself
        assert time.monotonic() - start < 10, "the waiting outcome was never committed"
        time.sleep(0.02)
    assert time.monotonic() - start >= 0.45


def test_closing_the_ledger_commits_what_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "OUTCOME_WAIT", 60.0)
    ledger = open_ledger(tmp_path / "ledger.db")
    _job(ledger, NUMBERS[:1])
    ledger.claim("j", [0], "a1")
    ledger.record_later("j", "a1", [RowOutcome(0, RowState.ACCEPTED, "m0")])
    ledger.close()
    assert _committed(str(tmp_path / "ledger.db")) == {0: "accepted"}


@pytest.mark.parametrize("workers", [1, 3])
def test_a_run_that_fails_midway_commits_every_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sms_outbox: list[Any], workers: int
) -> None:
    monkeypatch.setattr(store, "OUTCOME_WAIT", 60.0)  # only the end of the run may commit the last ones
    monkeypatch.setattr(runner, "INGEST_BATCH", 10)

    def numbers() -> Iterator[str]:
        yield from NUMBERS[:35]
        raise OSError("the input broke")

    account = smsbridge.connect("memory://?max_recipients=5")
    with open_ledger(tmp_path / "ledger.db") as ledger, pytest.raises(OSError):
        account.bulk_send(numbers(), "Hi", ledger=ledger, job="broken", workers=workers)
    committed = _committed(str(tmp_path / "ledger.db"), "broken")
    sent = [m.to for m in sms_outbox]
    assert sent and all(committed[NUMBERS.index(n)] == "accepted" for n in sent)  # each sent one has its outcome
    assert "claimed" not in committed.values()


def test_a_claim_is_all_or_nothing(ledger: Ledger) -> None:
    _job(ledger, NUMBERS[:4])
    ledger.claim("j", [1], "other")
    with pytest.raises(JobBusyError, match="no longer pending"):
        ledger.claim("j", [0, 1, 2], "mine")
    assert ledger.counts("j") == {"pending": 3, "claimed": 1}  # neither 0 nor 2 was claimed


def test_a_claim_checks_the_lease(ledger: Ledger) -> None:
    _job(ledger, NUMBERS[:3])
    assert ledger.acquire_lease("j", "elsewhere/1/1/aaaa", 30) is None
    ledger.claim("j", [0], "a1", owner="elsewhere/1/1/aaaa")
    ledger.release_lease("j", "elsewhere/1/1/aaaa")
    assert ledger.acquire_lease("j", "elsewhere/2/2/bbbb", 30) is None
    with pytest.raises(JobBusyError, match="lost the lease"):
        ledger.claim("j", [1], "a2", owner="elsewhere/1/1/aaaa")
    ledger.claim("j", [2], "a3", owner="elsewhere/2/2/bbbb")
    assert ledger.counts("j") == {"claimed": 2, "pending": 1}


def test_rows_repeated_across_input_batches_are_sent_once(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, sms_outbox: list[Any]
) -> None:
    monkeypatch.setattr(runner, "INGEST_BATCH", 3)  # the repeats come in later batches than the first rows
    numbers = [NUMBERS[0], NUMBERS[1], NUMBERS[2], NUMBERS[3], NUMBERS[0], NUMBERS[4], NUMBERS[1], NUMBERS[0]]
    summary = smsbridge.connect("memory://?max_recipients=2").bulk_send(numbers, "Hi", ledger=ledger, job="reps")
    assert Counter(m.to for m in sms_outbox) == Counter(NUMBERS[:5])
    assert summary.duplicates == 3 and summary.accepted == len(numbers)
    assert ledger.job("reps").counts() == {"accepted": 5, "duplicate": 3}


def test_every_kind_of_row_and_outcome_is_written_as_given(ledger: Ledger, sms_outbox: list[Any]) -> None:
    rows: list[Any] = [
        {"to": NUMBERS[0], "name": "Ann"},
        {"to": "not a number", "name": "Eve"},
        {"to": NUMBERS[1], "name": "Bob"},
        {"to": NUMBERS[2], "name": "Cy"},
        {"to": NUMBERS[0], "name": "Ann"},  # the same number and text: sent once
        {"to": NUMBERS[0], "name": "Zoë 😀"},  # the same number, another text: sent
    ]
    account = smsbridge.connect(f"memory://?max_recipients=2&reject={NUMBERS[1]}&unknown={NUMBERS[2]}")
    account.bulk_send(rows, "Hi {name}", ledger=ledger, job="kinds")
    ids = {m.text: m.id for m in sms_outbox}
    assert sorted(ids) == ["Hi Ann", "Hi Zoë 😀"]
    got = [(r.number, r.params, r.state.value, r.outcome.value, r.message_id, r.provider) for r in ledger.rows("kinds")]
    assert got == [
        (NUMBERS[0], {"name": "Ann"}, "accepted", "accepted", ids["Hi Ann"], "memory"),
        ("not a number", None, "rejected", "rejected", None, None),
        (NUMBERS[1], {"name": "Bob"}, "rejected", "rejected", None, "memory"),
        (NUMBERS[2], {"name": "Cy"}, "unknown", "unknown", None, "memory"),
        (NUMBERS[0], {"name": "Ann"}, "duplicate", "accepted", ids["Hi Ann"], "memory"),
        (NUMBERS[0], {"name": "Zoë 😀"}, "accepted", "accepted", ids["Hi Zoë 😀"], "memory"),
    ]
    reasons = {r.number: r.reason for r in ledger.rows("kinds", states=["rejected", "unknown"])}
    assert reasons.keys() == {"not a number", NUMBERS[1], NUMBERS[2]} and all(reasons.values())


def _plans(ledger: Ledger, call: Any) -> list[str]:
    """SQLite's query plan of each SELECT and UPDATE that ``call`` runs."""
    conn = ledger.db._conn
    statements: list[str] = []
    conn.set_trace_callback(statements.append)  # each statement with its values filled in
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return [
        " / ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        for sql in statements
        if sql.startswith(("SELECT", "UPDATE"))
    ]


def test_the_queries_of_a_run_use_their_indexes(sms_ledger: Ledger) -> None:
    _job(sms_ledger, [f"+4179{i:07d}" for i in range(3000)])
    sms_ledger.claim("j", list(range(1000)), "a1")
    [plan] = _plans(sms_ledger, lambda: sms_ledger.pending("j", after=999, limit=1000))
    assert "smsbridge_recipients_sendable" in plan  # not a scan of the job's rows from `after` on
    [plan] = _plans(sms_ledger, lambda: sms_ledger.settle_unknown("j", "a1", "aborted"))
    assert "smsbridge_recipients_attempt" in plan
    plans = _plans(sms_ledger, lambda: sms_ledger.record_report("memory", "m1", "delivered"))
    assert any("smsbridge_recipients_message" in plan for plan in plans)  # the report's join to its rows


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (["ab", "c"], ["a", "bc"]),  # the same characters, cut elsewhere
        (["a1:b"], ["a", "b"]),
        ([Recipient("+41791234567", {"a": "1"})], [Recipient("+41791234567", {"a": "2"})]),
        ([Recipient("+41791234567", {"a": "1", "b": "2"})], [Recipient("+41791234567", {"a": "1b2"})]),
        ([Recipient("+41791234567", reference="")], [Recipient("+41791234567")]),
        ([{"to": "+41791234567", "name": "Ann"}], [{"to": "+41791234567", "name": "Bob"}]),
        (["+41791234567"], [{"to": "+41791234567"}]),
        (["+41791234567"], [Recipient("+41791234567")]),
    ],
)
def test_the_input_digest_tells_inputs_apart(first: list[Any], second: list[Any]) -> None:
    def digest(items: list[Any], batch: int) -> str:
        d = InputDigest()
        for start in range(0, len(items), batch):
            d.add_texts(_canonical(item) for item in items[start : start + batch])
        return d.hexdigest()

    assert digest(first, 1) != digest(second, 1)
    assert digest(first, 1) == digest(first, 2)  # the same rows, however they are batched


def test_a_resumed_job_refuses_a_changed_input(
    sms_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, sms_outbox: list[Any]
) -> None:
    monkeypatch.setattr(runner, "INGEST_BATCH", 2)
    account = smsbridge.connect("memory://?max_recipients=2")
    rows = [{"to": n, "name": f"N{i}"} for i, n in enumerate(NUMBERS[:6])]
    results = account.iter_bulk_send(rows, "Hi {name}", ledger=sms_ledger, job="changed")
    next(results)
    results.close()  # the run stops after its first request: 2 rows read, 2 sent
    changed = [dict(rows[0], name="Other"), *rows[1:]]
    with pytest.raises(JobMismatchError, match="differ"):
        account.bulk_send(changed, "Hi {name}", ledger=sms_ledger, job="changed")
    assert len(sms_outbox) == 2
    summary = account.bulk_send(rows, "Hi {name}", ledger=sms_ledger, job="changed")
    assert summary.accepted == 6 and len(sms_outbox) == 6


def test_a_resumed_job_sends_the_rows_left_then_reads_on(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, sms_outbox: list[Any]
) -> None:
    monkeypatch.setattr(runner, "INGEST_BATCH", 4)
    account = smsbridge.connect("memory://?max_recipients=3")
    numbers = [*NUMBERS[:10], NUMBERS[3]]  # the last row repeats one left pending by the first run
    results = account.iter_bulk_send(numbers, "Hi", ledger=ledger, job="halves")
    next(results)  # one request of 3 made, 4 rows read in
    results.close()  # the run stops: the 4th row stays pending, the rest of the input unread
    assert ledger.job("halves").counts() == {"accepted": 3, "pending": 1}
    summary = account.bulk_send(numbers, "Hi", ledger=ledger, job="halves")
    assert Counter(m.to for m in sms_outbox) == Counter(NUMBERS[:10])  # each once
    assert summary.accepted == 11 and ledger.job("halves").counts() == {"accepted": 10, "duplicate": 1}


def test_postgres_finds_a_requests_rows_by_index_on_a_table_without_statistics(postgres_ledger: Ledger) -> None:
    """A job's own run fills the table faster than autovacuum analyzes it: the planner believes
    it tiny, and any statement it could answer by reading all of the job's rows, it would."""
    ledger = postgres_ledger
    _job(ledger, [f"+4179{i:07d}" for i in range(3000)])
    seen: list[tuple[str, Any]] = []
    db = ledger.db
    real_execute, real_query = db.execute, db.query

    def execute(sql: str, params: Any = ()) -> int:
        seen.append((sql, params))
        return real_execute(sql, params)

    def query(sql: str, params: Any = ()) -> list[Any]:
        seen.append((sql, params))
        return real_query(sql, params)

    db.execute, db.query = execute, query  # type: ignore[method-assign]
    ledger.claim("j", list(range(1000, 1120)), "a1")
    ledger.record("j", "a1", [RowOutcome(seq, RowState.ACCEPTED, f"m{seq}") for seq in range(1000, 1120)])
    more = [NewRow(3000 + i, f"+4179{i:07d}", dedup=f"+4179{i:07d}") for i in range(50)]
    ledger.ingest("j", more, read_before=3000, read_after=3050, digest="", done=True)
    db.execute, db.query = real_execute, real_query  # type: ignore[method-assign]
    plans = [
        "\n".join(line for (line,) in db._conn.execute("EXPLAIN " + db._sql(sql), tuple(params)))
        for sql, params in seen
        if sql.startswith(("UPDATE smsbridge_recipients", "SELECT")) and "smsbridge_recipients" in sql
    ]
    assert len(plans) == 3  # the claim, the outcomes, the duplicate lookup of the new rows
    for plan in plans:
        assert "Seq Scan" not in plan, plan
        conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        assert conditions and all(" AND " in line for line in conditions), plan  # never the job's rows whole
