"""Delivery reports in the ledger: the join by (provider, message id), its rules, orphans (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from smsbridge.ledger import open_ledger
from smsbridge.ledger.models import StatusReport
from smsbridge.ledger.reports import ORPHAN_TTL
from smsbridge.ledger.states import RowState
from smsbridge.testing.callbacks import report_history

from .conftest import row_states, sent_job

A, B = "+41791234567", "+41791234568"


def report(message_id: str, status: str, at: float | None, **kw: Any) -> StatusReport:
    return StatusReport("memory", message_id, status, at=at, **kw)


def test_a_final_report_moves_the_row_and_nothing_moves_it_back(ledger: Any) -> None:
    sent_job(ledger, "j", [A], ["m1"])
    outcomes = ledger.record_reports(
        [report("m1", "delivered", 5.0, code="0"), report("m1", "sent", 9.0), report("m1", "failed", 6.0)]
    )
    assert [o.effect for o in outcomes] == ["final", "duplicate", "duplicate"]
    assert outcomes[0].job == "j" and outcomes[0].seq == 0
    assert row_states(ledger, "j") == [("delivered", "delivered", "0", 5.0)]


def test_interim_reports_keep_the_latest_by_time_then_progress(ledger: Any) -> None:
    sent_job(ledger, "j", [A, B], ["m1", "m2"])
    effects = [
        o.effect
        for o in ledger.record_reports(
            [
                report("m1", "queued", 1.0),
                report("m1", "sent", 3.0),
                report("m1", "queued", 2.0),  # older: ignored
                report("m2", "sent", 4.0),
                report("m2", "queued", 4.0),  # same time, less progress: ignored
            ]
        )
    ]
    assert effects == ["noted", "noted", "duplicate", "noted", "duplicate"]
    assert row_states(ledger, "j") == [("accepted", "sent", None, 3.0), ("accepted", "sent", None, 4.0)]


def test_repeated_reports_are_duplicates_with_or_without_a_time(ledger: Any) -> None:
    sent_job(ledger, "j", [A], ["m1"])
    assert [o.effect for o in ledger.record_reports([report("m1", "queued", 2.0), report("m1", "queued", 2.0)])] == [
        "noted",
        "duplicate",
    ]
    assert ledger.record_report("memory", "m1", "queued", at=2.0) == 0
    # a report without a time of its own counts at its arrival; a repeat of the same status is no news
    untimed = ledger.record_reports([report("m1", "sent", None), report("m1", "sent", None)])
    assert [o.effect for o in untimed] == ["noted", "duplicate"]
    assert row_states(ledger, "j")[0][1] == "sent"


def test_a_sent_report_settles_an_unknown_outcome(ledger: Any) -> None:
    sent_job(ledger, "j", [A, B], ["m1", "m2"], states=[RowState.UNKNOWN, RowState.UNKNOWN])
    ledger.record_reports([report("m1", "sent", 1.0), report("m2", "unknown", 1.0)])
    assert [r.state for r in ledger.rows("j")] == [RowState.ACCEPTED, RowState.UNKNOWN]
    ledger.record_reports([report("m2", "expired", 2.0)])
    assert [r.state for r in ledger.rows("j")] == [RowState.ACCEPTED, RowState.EXPIRED]


def test_the_recipient_narrows_an_id_shared_by_several_rows(ledger: Any) -> None:
    sent_job(ledger, "j", [A, B], ["queue-1", "queue-1"])
    assert ledger.record_report("memory", "queue-1", "delivered", recipient=B, at=1.0) == 1
    assert [r.state for r in ledger.rows("j")] == [RowState.ACCEPTED, RowState.DELIVERED]
    assert ledger.record_report("memory", "queue-1", "failed", at=2.0) == 1  # no recipient: every open row of the id


def test_another_providers_id_does_not_match(ledger: Any) -> None:
    sent_job(ledger, "j", [A], ["m1"])
    (outcome,) = ledger.record_reports([StatusReport("aspsms", "m1", "delivered", at=1.0)])
    assert outcome.effect == "orphan"
    assert next(iter(ledger.rows("j"))).state is RowState.ACCEPTED


def test_an_orphan_is_kept_and_joined_when_the_send_is_recorded(ledger: Any) -> None:
    # the report comes while the request's outcome is not committed yet (claimed, no message id)
    from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome

    ledger.open_job(JobSpec("j", "memory", "memory://", "hello"))
    ledger.ingest("j", [NewRow(0, A), NewRow(1, B)], read_before=0, read_after=2, digest="d", done=True)
    ledger.claim("j", [0, 1], "att", provider="memory")
    early = ledger.record_reports(
        [report("m2", "sent", 1.0), report("m2", "delivered", 2.0), report("m2", "delivered", 2.0)]
    )
    assert [o.effect for o in early] == ["orphan", "orphan", "duplicate"]
    assert ledger.orphan_count() == 2
    ledger.record(
        "j", "att", [RowOutcome(0, RowState.ACCEPTED, "m1", "memory"), RowOutcome(1, RowState.ACCEPTED, "m2", "memory")]
    )
    assert ledger.orphan_count() == 0
    assert row_states(ledger, "j") == [("accepted", None, None, None), ("delivered", "delivered", None, 2.0)]


def test_the_sweep_joins_orphans_a_crossed_transaction_left_and_drops_old_ones(tmp_path: Any) -> None:
    now = [1_000_000.0]
    with open_ledger(tmp_path / "l.db") as ledger:
        ledger._clock = lambda: now[0]
        sent_job(ledger, "j", [A], ["m1"])
        # what a report committed just after the send's outcome (PostgreSQL, two transactions) leaves
        ledger.db.execute(
            "INSERT INTO smsbridge_orphan_reports (key, provider, message_id, recipient, status, code, report_at, "
            "received_at) VALUES ('k1', 'memory', 'm1', NULL, 'delivered', NULL, 5.0, ?)",
            (now[0],),
        )
        ledger.record_reports([report("never-sent", "delivered", 6.0)])
        assert ledger.orphan_count() == 2
        assert ledger.join_orphans() == (1, 0)
        assert [r.state for r in ledger.rows("j")] == [RowState.DELIVERED]
        now[0] += ORPHAN_TTL + 1
        assert ledger.join_orphans() == (0, 1)
        assert ledger.orphan_count() == 0


def _replay(tmp_path: Any, name: str, ids: list[str], stream: list[StatusReport], early: int = 0) -> Any:
    """Apply ``stream``; its first ``early`` reports before the sends' outcomes are recorded."""
    from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome

    ledger = open_ledger(tmp_path / f"{name}.db")
    numbers = [f"+4179{i:07d}" for i in range(len(ids))]
    ledger.open_job(JobSpec("j", "memory", "memory://", "hello"))
    ledger.ingest(
        "j", [NewRow(i, n) for i, n in enumerate(numbers)], read_before=0, read_after=len(ids), digest="d", done=True
    )
    ledger.claim("j", list(range(len(ids))), "att", provider="memory")
    for start in range(0, early, 500):
        ledger.record_reports(stream[start : min(early, start + 500)])
    ledger.record("j", "att", [RowOutcome(i, RowState.ACCEPTED, mid, "memory") for i, mid in enumerate(ids)])
    for start in range(early, len(stream), 500):
        ledger.record_reports(stream[start : start + 500])
    return ledger


def test_reports_in_random_order_end_as_the_ordered_replay(tmp_path: Any) -> None:
    """Figure: 10,000 reports (duplicates, "sent" after the final one, some before the send is
    recorded) shuffled end in exactly the state an ordered replay reaches."""
    rng = random.Random(16)
    reports, ids = report_history(rng, 2_700)
    reports = reports[:10_000]
    assert len(reports) == 10_000
    ordered = sorted(set(reports), key=lambda r: (r.at, r.status))  # each distinct report once, in time order
    shuffled = reports[:]
    rng.shuffle(shuffled)
    with (
        _replay(tmp_path, "ordered", ids, ordered) as a,
        _replay(tmp_path, "shuffled", ids, shuffled, early=2_000) as b,
    ):
        expected, got = row_states(a, "j"), row_states(b, "j")
        assert b.orphan_count() == 0
    assert got == expected
    finals = sum(1 for s in expected if s[0] in ("delivered", "failed", "expired"))
    assert finals > 2_000 and any(s[1] == "sent" for s in expected)  # the history has both kinds


@pytest.mark.parametrize("seed", [1, 2])
def test_random_order_on_postgresql_too(postgres_ledger: Any, seed: int) -> None:
    rng = random.Random(seed)
    reports, ids = report_history(rng, 120)
    numbers = [f"+4179{i:07d}" for i in range(len(ids))]
    sent_job(postgres_ledger, "ordered", numbers, ids)
    ordered = sorted(set(reports), key=lambda r: (r.at, r.status))
    postgres_ledger.record_reports(ordered)
    expected = row_states(postgres_ledger, "ordered")
    postgres_ledger.delete_job("ordered")
    sent_job(postgres_ledger, "shuffled", numbers, ids)
    rng.shuffle(reports)
    postgres_ledger.record_reports(reports)
    assert row_states(postgres_ledger, "shuffled") == expected


@pytest.mark.parametrize("echoed", ["211911000101", "00211911000101", "+211 911 000 101", "0911000101"])
def test_a_recipient_echoed_in_another_form_still_joins(ledger: Any, echoed: str) -> None:
    """playSMS's op=ds gives ``dst`` without the ``+`` (seen on the live server); a national form
    still names the one row its id has."""
    sent_job(ledger, "j", ["+211911000101", "+211911000102"], ["1", "2"])
    assert ledger.record_report("memory", "1", "delivered", recipient=echoed, at=1.0) == 1
    assert [r.state for r in ledger.rows("j")] == [RowState.DELIVERED, RowState.ACCEPTED]
