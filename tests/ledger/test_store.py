"""The ledger's store, in SQLite and PostgreSQL: every move of the state machine and its guards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from typing import Any

import pytest

from smsbridge.errors import JobBusyError, JobMismatchError, JobNotFoundError, LedgerError
from smsbridge.ledger import open_ledger, schema
from smsbridge.ledger.database import connect_database, describe_url
from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome, StatusReport
from smsbridge.ledger.states import FINAL, RowState, can_move, sources
from smsbridge.ledger.store import Ledger

SPEC = JobSpec(id="j", provider="tally", account="tally://****@default", text="Hi {name}", options={"flash": False})


def add_rows(ledger: Any, numbers: list[str], *, job: str = "j", dedup: bool = True, start: int = 0) -> None:
    rows = [NewRow(start + i, n, dedup=f"k{n}" if dedup else None) for i, n in enumerate(numbers)]
    info = ledger.job_info(job, counts=False)
    ledger.ingest(job, rows, read_before=info.ingested, read_after=info.ingested + len(rows), digest="d", done=True)


def states(ledger: Any, job: str = "j") -> list[str]:
    return [row.state.value for row in ledger.rows(job)]


# ---------------------------------------------------------------------------- the state machine


def test_the_sql_guards_and_the_table_agree() -> None:
    assert sources(RowState.CLAIMED) == (RowState.PENDING, RowState.NOT_SENT)
    for final in FINAL:
        assert not any(can_move(final, target) for target in RowState), final
    assert not can_move(RowState.ACCEPTED, RowState.UNKNOWN)
    assert not can_move(RowState.ACCEPTED, RowState.PENDING)
    assert can_move(RowState.UNKNOWN, RowState.DELIVERED)
    assert can_move(RowState.CLAIMED, RowState.NOT_SENT) and can_move(RowState.NOT_SENT, RowState.CLAIMED)


# ---------------------------------------------------------------------------- schema


def test_created_at_the_current_version_and_reopened(ledger: Any) -> None:
    assert ledger.schema_version() == schema.SCHEMA_VERSION
    again = Ledger(ledger.db)  # a second process opening the same ledger
    assert again.schema_version() == schema.SCHEMA_VERSION


def test_a_newer_ledger_is_refused_and_an_older_one_needs_an_explicit_migration(
    sms_ledger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sms_ledger.db
    db.execute("UPDATE smsbridge_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="newer than this smsbridge") as info:
        Ledger(db)
    assert info.value.hint == "upgrade smsbridge"
    db.execute("UPDATE smsbridge_meta SET value = '1' WHERE key = 'schema_version'")
    monkeypatch.setattr("smsbridge.ledger.store.SCHEMA_VERSION", 2)
    monkeypatch.setitem(schema.MIGRATIONS, 1, ("CREATE TABLE smsbridge_extra (x INTEGER)",))
    monkeypatch.setattr("smsbridge.ledger.store.MIGRATIONS", schema.MIGRATIONS)
    with pytest.raises(LedgerError) as info:
        Ledger(db)  # never migrated behind the user's back
    assert info.value.message == f"the ledger {sms_ledger.url} has schema version 1; this smsbridge needs 2"
    assert info.value.hint == (
        "back the ledger up, then run `smsbridge ledger migrate` (migrations are never run implicitly)"
    )
    assert Ledger.migrate(db) == (1, 2)
    assert Ledger(db).schema_version() == 2
    assert db.query("SELECT COUNT(*) FROM smsbridge_extra") == [(0,)]
    assert Ledger.migrate(db) == (2, 2)


def test_the_sqlite_file_is_private_and_its_folder_must_exist(tmp_path: Any) -> None:
    with open_ledger(tmp_path / "l.db"):
        assert oct(os.stat(tmp_path / "l.db").st_mode & 0o777) == "0o600"
    from smsbridge.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="does not exist"):
        open_ledger(tmp_path / "nope" / "l.db")


def test_ledger_urls() -> None:
    from smsbridge.ledger.database import sqlite_path

    assert str(sqlite_path("sqlite:///rel/l.db")) == "rel/l.db"
    assert str(sqlite_path("sqlite:////abs/l.db")) == "/abs/l.db"
    assert str(sqlite_path("/abs/l.db")) == "/abs/l.db"
    assert describe_url("postgresql://bob:s3cret@db.example:5433/sms?password=x") == (
        "postgresql://bob@db.example:5433/sms"
    )
    from smsbridge.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown ledger database"):
        connect_database("mysql://x/y")
    with pytest.raises(ConfigurationError):
        connect_database("sqlite:/x.db")


def test_an_unreachable_postgres_is_a_typed_error_without_the_password() -> None:
    from smsbridge.errors import LedgerUnavailableError

    with pytest.raises(LedgerUnavailableError) as info:
        open_ledger("postgresql://bob:Pa55w0rd@127.0.0.1:9/x")
    assert "Pa55w0rd" not in str(info.value)
    assert info.value.outcome.value == "not_sent"


# ---------------------------------------------------------------------------- jobs


def test_a_job_is_resumed_only_with_its_own_text_and_options(ledger: Any) -> None:
    info = ledger.open_job(SPEC)
    assert (info.id, info.ingested, info.input_done) == ("j", 0, False)
    assert ledger.open_job(SPEC).created_at == info.created_at
    with pytest.raises(JobMismatchError, match="another text"):
        ledger.open_job(JobSpec(id="j", provider="tally", account="x", text="Hello", options=SPEC.options))
    with pytest.raises(JobMismatchError, match="flash"):
        ledger.open_job(JobSpec(id="j", provider="tally", account="x", text=SPEC.text, options={"flash": True}))
    with pytest.raises(JobMismatchError, match="bulk job"):
        ledger.open_job(JobSpec(id="j", provider="tally", account="x", text=SPEC.text, kind="send"))
    with pytest.raises(JobNotFoundError):
        ledger.job("nope")


def test_duplicates_are_folded_into_the_first_row_and_take_its_outcome(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2", "+1"])
    add_rows(ledger, ["+2", "+3"], start=3)  # a later batch repeating an earlier one
    assert states(ledger) == ["pending", "pending", "duplicate", "duplicate", "pending"]
    ledger.claim("j", [0, 1, 4], "a1")
    ledger.record("j", "a1", [RowOutcome(0, RowState.ACCEPTED, "m0"), RowOutcome(1, RowState.REJECTED, reason="no")])
    rows = list(ledger.rows("j"))
    assert (rows[2].outcome, rows[2].message_id, rows[2].dup_of) == (RowState.ACCEPTED, "m0", 0)
    assert rows[3].outcome is RowState.REJECTED and "row 2" in (rows[3].reason or "")
    assert ledger.outcome_counts("j") == {"accepted": 2, "rejected": 2, "claimed": 1}


def test_two_runs_cannot_read_the_same_input(ledger: Any) -> None:
    ledger.open_job(SPEC)
    ledger.ingest("j", [NewRow(0, "+1")], read_before=0, read_after=1, digest="a", done=False)
    with pytest.raises(JobBusyError) as info:
        ledger.ingest("j", [NewRow(0, "+9")], read_before=0, read_after=1, digest="b", done=False)
    assert info.value.message == "another run is reading the input of job 'j'"
    assert [r.number for r in ledger.rows("j")] == ["+1"]


# ---------------------------------------------------------------------------- claims and outcomes


def test_a_claim_is_all_or_nothing(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2", "+3"])
    ledger.claim("j", [1], "first")
    with pytest.raises(JobBusyError, match="no longer pending"):
        ledger.claim("j", [0, 1, 2], "second")
    assert states(ledger) == ["pending", "claimed", "pending"]  # the failed claim took nothing


def test_claims_respect_the_lease(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2"])
    assert ledger.acquire_lease("j", "me/1/-/a", ttl=60) is None
    with pytest.raises(JobBusyError, match="lost the lease"):
        ledger.claim("j", [0], "x", owner="other/2/-/b")
    ledger.claim("j", [0], "x", owner="me/1/-/a")
    assert states(ledger) == ["claimed", "pending"]


def test_an_outcome_lands_only_on_its_own_attempt(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2"])
    ledger.claim("j", [0], "a")
    ledger.claim("j", [1], "b")
    moved = ledger.record("j", "a", [RowOutcome(0, RowState.ACCEPTED, "m"), RowOutcome(1, RowState.ACCEPTED, "x")])
    assert moved == 1
    assert states(ledger) == ["accepted", "claimed"]
    assert ledger.record("j", "a", [RowOutcome(0, RowState.REJECTED)]) == 0  # accepted is never undone


def test_a_late_answer_refines_an_aborted_request(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1"])
    ledger.claim("j", [0], "a")
    assert ledger.settle_unknown("j", "a", "aborted") == 1
    assert ledger.record("j", "a", [RowOutcome(0, RowState.ACCEPTED, "m1")]) == 1
    assert states(ledger) == ["accepted"]


def test_release_reclaim_reopen(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2"])
    ledger.claim("j", [0], "a", client_ref="ref-1")
    assert ledger.release("j", "a") == 1
    assert states(ledger) == ["pending", "pending"]
    ledger.claim("j", [0], "b", client_ref="ref-2")
    (stale,) = ledger.stale_claims("j")
    assert (stale.attempt, stale.seqs, stale.recipients[0].number) == ("b", (0,), "+1")
    assert ledger.reclaim("j", "b", "c") == 1
    assert ledger.settle_unknown("j", "b", "x") == 0  # the old attempt no longer holds it
    assert ledger.settle_unknown("j", "c", "crash") == 1
    assert ledger.reopen_unknown("j") == 1
    assert states(ledger) == ["pending", "pending"]
    assert ledger.pending("j")[0][2] == "ref-1"  # a de-duplicating provider's id stays with the row


def test_not_sent_rows_are_sent_again(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2"])
    ledger.claim("j", [0, 1], "a")
    ledger.record("j", "a", [RowOutcome(0, RowState.NOT_SENT, reason="credit"), RowOutcome(1, RowState.REJECTED)])
    assert [seq for seq, _, _ in ledger.pending("j")] == [0]
    ledger.claim("j", [0], "b")
    with pytest.raises(JobBusyError):
        ledger.claim("j", [1], "c")  # rejected is final


# ---------------------------------------------------------------------------- delivery reports


def test_reports_never_move_a_final_state_back(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+1", "+2", "+3"])
    ledger.claim("j", [0, 1, 2], "a")
    ledger.record(
        "j",
        "a",
        [
            RowOutcome(0, RowState.ACCEPTED, "m", provider="tally"),
            RowOutcome(1, RowState.ACCEPTED, "m", provider="tally"),
            RowOutcome(2, RowState.UNKNOWN, provider="tally"),
        ],
    )
    assert ledger.record_report("tally", "m", "sent", recipient="+1", at=10) == 1
    assert ledger.record_report("tally", "m", "delivered", recipient="+1", at=20) == 1
    assert ledger.record_report("tally", "m", "failed", recipient="+1", at=30) == 0  # final: never regresses
    assert ledger.record_report("tally", "m", "sent", recipient="+1", at=40) == 0
    assert ledger.record_report("tally", "m", "delivered", recipient="+1", at=20) == 0  # a duplicate
    assert ledger.record_report("tally", "m", "queued", recipient="+2", at=50) == 1
    assert ledger.record_report("tally", "m", "sent", recipient="+2", at=45) == 0  # older than what we know
    assert ledger.record_report("other", "m", "delivered") == 0  # another provider's id
    rows = list(ledger.rows("j"))
    assert (rows[0].state, rows[0].report_status) == (RowState.DELIVERED, "delivered")
    assert (rows[1].state, rows[1].report_status) == (RowState.ACCEPTED, "queued")


# ---------------------------------------------------------------------------- reading, purging


def test_rows_stream_page_by_page(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, [f"+{i}" for i in range(7)], dedup=False)
    assert [r.seq for r in ledger.rows("j", page=2)] == list(range(7))
    assert [r.seq for r in ledger.rows("j", states=["pending"], page=3)] == list(range(7))
    assert list(ledger.rows("j", states=["accepted"])) == []


def test_rows_of_one_chunk_by_sequence_number(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, [f"+{i}" for i in range(1200)], dedup=False)
    ledger.claim("j", [5, 6], "a1")
    assert [r.seq for r in ledger.rows("j", seqs=[900, 5, 6, 5, 3])] == [3, 5, 6, 900]
    assert [r.seq for r in ledger.rows("j", seqs=[3, 5, 6], states=["claimed"])] == [5, 6]
    assert [r.number for r in ledger.rows("j", seqs=[1199])] == ["+1199"]
    assert list(ledger.rows("j", seqs=[])) == [] and list(ledger.rows("j", seqs=[5000])) == []
    assert [r.seq for r in ledger.rows("j", seqs=range(1199, -1, -1))] == list(range(1200))  # several queries


def test_purge_deletes_idle_jobs_only(ledger: Any) -> None:
    clock = [1000.0]
    store = Ledger(ledger.db, clock=lambda: clock[0])
    for job in ("old", "busy", "new"):
        store.open_job(JobSpec(id=job, provider="tally", account="x", text="t"))
        add_rows(store, ["+1"], job=job)
    assert store.acquire_lease("busy", "elsewhere/1/-/x", ttl=86400 * 60) is None  # still running
    clock[0] = 1000.0 + 86400 * 31
    store.open_job(JobSpec(id="fresh", provider="tally", account="x", text="t"))
    assert sorted(store.purge(86400 * 30)) == ["new", "old"]
    assert sorted(j.id for j in store.jobs()) == ["busy", "fresh"]
    assert store.db.query("SELECT COUNT(*) FROM smsbridge_recipients WHERE job IN ('old', 'new')") == [(0,)]


# ---------------------------------------------------------------------------- the lease


def test_lease_held_expired_and_freed(ledger: Any) -> None:
    clock = [0.0]
    store = Ledger(ledger.db, clock=lambda: clock[0])
    store.open_job(SPEC)
    assert store.acquire_lease("j", "hostA/1/-/x", ttl=30) is None
    assert store.acquire_lease("j", "hostB/2/-/y", ttl=30) == "hostA/1/-/x"
    assert store.renew_lease("j", "hostA/1/-/x", ttl=30)
    assert not store.renew_lease("j", "hostB/2/-/y", ttl=30)
    clock[0] = 31.0
    assert store.acquire_lease("j", "hostB/2/-/y", ttl=30) is None  # expired: taken over
    assert not store.renew_lease("j", "hostA/1/-/x", ttl=30)  # the old holder learns it lost it
    store.release_lease("j", "hostB/2/-/y")
    assert store.job_info("j").lease_owner is None


def test_a_kept_lease_stays_with_its_owner_after_the_block(ledger: Any) -> None:
    from smsbridge.ledger.lease import Lease

    ledger.open_job(SPEC)
    with Lease(ledger, "j", owner="celery workers", keep=True) as lease:
        assert ledger.job_info("j").lease_owner == "celery workers"
    assert ledger.job_info("j").lease_owner == "celery workers" and not lease.lost.is_set()
    with Lease(ledger, "j", owner="celery workers"):  # the same owner takes it again, then lets go
        pass
    assert ledger.job_info("j").lease_owner is None


def test_a_dead_process_of_this_machine_holds_nothing(ledger: Any) -> None:
    from smsbridge.ledger.lease import new_owner, owner_alive

    ledger.open_job(SPEC)
    pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{socket.gethostname()}/{pid.stdout.strip()}/-/x"
    assert not owner_alive(dead)
    assert owner_alive(new_owner())
    assert owner_alive(f"{socket.gethostname()}/{os.getpid()}/-/x")
    assert owner_alive(f"{socket.gethostname()}/1/999999999/x") is False or os.path.exists("/proc") is False
    assert ledger.acquire_lease("j", dead, ttl=3600) is None
    assert ledger.acquire_lease("j", new_owner(), ttl=30) is None


# ---------------------------------------------------------------------------- concurrency


def test_concurrent_claims_of_the_same_rows_give_each_row_to_one_claimer(ledger: Any) -> None:
    """Many connections (as many processes would) race for overlapping rows: no row twice."""
    ledger.open_job(SPEC)
    add_rows(ledger, [f"+{i}" for i in range(60)], dedup=False)
    url = ledger.url if ledger.db.dialect == "postgresql" else str(ledger.db.path)
    if ledger.db.dialect == "postgresql":
        url = _postgres_url(ledger)
    won: dict[str, list[int]] = {}
    barrier = threading.Barrier(6)

    def claimer(name: str, offset: int) -> None:
        with open_ledger(url) as mine:
            barrier.wait()
            for start in range(offset, 60, 3):
                seqs = list(range(start, min(start + 3, 60)))
                try:
                    mine.claim("j", seqs, f"{name}-{start}")
                except JobBusyError:
                    continue
                won.setdefault(name, []).extend(seqs)

    threads = [threading.Thread(target=claimer, args=(f"c{i}", i % 3)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [seq for seqs in won.values() for seq in seqs]
    assert len(claimed) == len(set(claimed)), "a row was claimed twice"
    assert sorted(claimed) == sorted({r.seq for r in ledger.rows("j", states=["claimed"])})


def _postgres_url(ledger: Any) -> str:
    info = ledger.db._conn.info
    return f"postgresql://{info.user}@{info.host}:{info.port}/{info.dbname}"


# ---------------------------------------------------------------------------- what each call leaves, exactly


@pytest.mark.parametrize(
    ("doing", "call"),
    [
        ("creating a job", lambda lg: lg.open_job(JobSpec("k", "tally", "x", "Hi"))),
        ("recording a send", lambda lg: lg.begin_send(JobSpec("send:k", "tally", "x", "Hi", kind="send"), [], "a")),
        ("deleting a job", lambda lg: lg.delete_job("j")),
        ("taking the job's lease", lambda lg: lg.acquire_lease("j", "me", 5)),
        ("renewing the job's lease", lambda lg: lg.renew_lease("j", "me", 5)),
        ("releasing the job's lease", lambda lg: lg.release_lease("j", "me")),
        ("recording recipients", lambda lg: lg.ingest("j", [], read_before=0, read_after=0, digest="", done=True)),
        ("claiming recipients before a request", lambda lg: lg.claim("j", [0], "a")),
        ("releasing a claim", lambda lg: lg.release("j", "a")),
        ("recording the outcome of a request", lambda lg: lg.record("j", "a", [])),
        ("recording an unknown outcome", lambda lg: lg.settle_unknown("j", "a", "why")),
        ("taking over a claim", lambda lg: lg.reclaim("j", "a", "b")),
        ("reopening unknown outcomes", lambda lg: lg.reopen_unknown("j")),
        ("recording delivery reports and received messages", lambda lg: lg.record_reports([])),
        ("joining orphan delivery reports", lambda lg: lg.join_orphans()),
        ("deleting old received messages", lambda lg: lg.purge_inbound(60)),
    ],
)
def test_a_failing_database_says_what_the_ledger_was_doing(sms_ledger: Any, doing: str, call: Any) -> None:
    from smsbridge.errors import LedgerUnavailableError

    sms_ledger.open_job(SPEC)
    sms_ledger.db._conn.close()  # the database goes away
    with pytest.raises(LedgerUnavailableError, match=f"failed while {doing}: "):
        call(sms_ledger)


def test_params_and_references_come_back_from_every_read(ledger: Any) -> None:
    from smsbridge.models import Recipient

    ledger.open_job(SPEC)
    rows = [NewRow(0, "+41791234567", params={"name": "Zoë"}, reference="trn-1"), NewRow(1, "+41791234568")]
    ledger.ingest("j", rows, read_before=0, read_after=2, digest="d", done=True)
    ann, bob = Recipient("+41791234567", {"name": "Zoë"}, "trn-1"), Recipient("+41791234568")
    assert [(seq, r, ref) for seq, r, ref in ledger.pending("j")] == [(0, ann, None), (1, bob, None)]
    ledger.claim("j", [0, 1], "a1", provider="tally", client_ref="ref-1")
    (stale,) = ledger.stale_claims("j")
    assert (stale.attempt, stale.client_ref, stale.provider, stale.seqs) == ("a1", "ref-1", "tally", (0, 1))
    assert stale.recipients == (ann, bob)
    assert [(r.params, r.reference) for r in ledger.rows("j")] == [({"name": "Zoë"}, "trn-1"), (None, None)]
    sent = JobSpec("send:x", "tally", "x", "Hi", kind="send")
    assert ledger.begin_send(sent, [ann], "a2", client_ref="ref-2")
    (row,) = ledger.rows("send:x")
    assert (row.params, row.reference, row.client_ref, row.state.value) == (
        {"name": "Zoë"},
        "trn-1",
        "ref-2",
        "claimed",
    )
    assert ledger.job_info("send:x").lease_expires is None  # no owner, no lease


def test_a_send_holds_its_lease_for_exactly_its_ttl(ledger: Any) -> None:
    ledger._clock = lambda: 1000.0
    spec = JobSpec("send:t", "tally", "x", "Hi", kind="send")
    assert ledger.begin_send(spec, [], "a", owner="me")
    assert ledger.job_info("send:t").lease_expires.timestamp() == 1000.0  # ttl 0 unless given
    assert ledger.renew_lease("send:t", "me", 30)
    assert ledger.job_info("send:t").lease_expires.timestamp() == 1030.0
    assert not ledger.renew_lease("send:t", "other", 30)
    # an expired lease is free only once its time has passed, not at that very moment
    ledger._clock = lambda: 1030.0
    assert ledger.acquire_lease("send:t", "other", 5) == "me"
    ledger._clock = lambda: 1030.5
    assert ledger.acquire_lease("send:t", "other", 5) is None
    assert ledger.job_info("send:t").lease_owner == "other"
    with pytest.raises(JobNotFoundError, match="has no job 'nothing'"):
        ledger.acquire_lease("nothing", "me", 5)


def test_duplicates_count_as_the_row_they_repeat(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+41791234567", "+41791234567", "+41791234567", "+41791234568"])
    assert ledger.counts("j") == {"pending": 2, "duplicate": 2}
    assert ledger.outcome_counts("j") == {"pending": 4}
    ledger.claim("j", [0, 3], "a")
    ledger.record("j", "a", [RowOutcome(0, RowState.ACCEPTED, "m1"), RowOutcome(3, RowState.REJECTED)])
    assert ledger.outcome_counts("j") == {"accepted": 3, "rejected": 1}
    ledger.open_job(JobSpec("plain", "tally", "x", "Hi"))
    add_rows(ledger, ["+41791234567"], job="plain")
    assert ledger.outcome_counts("plain") == {"pending": 1}  # no duplicates: nothing added


def test_a_claim_refused_says_how_many_rows_were_taken(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+41791234567", "+41791234568", "+41791234569"])
    ledger.claim("j", [0], "first")
    with pytest.raises(JobBusyError) as busy:
        ledger.claim("j", [0, 1, 2], "second")
    assert busy.value.message == (
        "1 recipient(s) of this request of job 'j' were no longer pending: another runner has them; nothing was claimed"
    )
    assert states(ledger) == ["claimed", "pending", "pending"]  # all or nothing
    ledger.acquire_lease("j", "me", 60)
    with pytest.raises(JobBusyError) as info:
        ledger.claim("j", [1], "third", owner="not-me")
    assert (info.value.message, info.value.holder) == ("this run lost the lease of job 'j' to me", "me")
    assert info.value.hint == "another run took the job over; this one stops without sending more"
    ledger.delete_job("j")
    with pytest.raises(JobBusyError) as info:
        ledger.claim("j", [1], "fourth", owner="me")
    assert info.value.message == "this run lost the lease of job 'j'"


def test_deleting_and_purging_touch_only_the_jobs_named(ledger: Any) -> None:
    ledger._clock = lambda: 1000.0
    for job in ("old-a", "old-b"):
        ledger.open_job(JobSpec(job, "tally", "x", "Hi"))
        add_rows(ledger, ["+41791234567"], job=job)
    ledger._clock = lambda: 5000.0
    assert ledger.purge(60, job="old-b") == ["old-b"]
    assert [j.id for j in ledger.jobs()] == ["old-a"]
    assert ledger.delete_job("old-a") is True and ledger.delete_job("old-a") is False
    assert list(ledger.rows("old-a")) == []


def test_received_messages_are_kept_once_listed_by_account_and_purged(ledger: Any) -> None:
    from smsbridge.models import InboundMessage

    ledger._clock = lambda: 1000.0
    message = InboundMessage("in-1", "+41791234567", "STOP", recipient="+41790000000")
    assert ledger.record_received([], [("acct-a", "memory", message)]) == ([], [True])
    assert ledger.record_received([], [("acct-a", "memory", message)]) == ([], [False])  # a repeated callback
    ledger._clock = lambda: 2000.0
    ledger.record_received([], [("acct-b", "memory", InboundMessage("in-2", "+41791234568", "hi"))])
    (stored,) = ledger.inbound(account="acct-a")
    assert (stored.provider, stored.account, stored.message_id, stored.sender, stored.text, stored.recipient) == (
        "memory",
        "acct-a",
        "in-1",
        "+41791234567",
        "STOP",
        "+41790000000",
    )
    assert stored.stored_at.timestamp() == 1000.0
    assert [m.message_id for m in ledger.inbound(since=1500.0)] == ["in-2"]
    assert ledger.purge_inbound(older_than=500) == 1  # stored before 1500
    assert [m.message_id for m in ledger.inbound()] == ["in-2"]


def test_a_report_for_an_unknown_id_is_kept_unless_asked_not_to(ledger: Any) -> None:
    ledger.open_job(SPEC)
    add_rows(ledger, ["+41791234567"])
    ledger.claim("j", [0], "a")
    ledger.record("j", "a", [RowOutcome(0, RowState.ACCEPTED, "m1", "tally")])
    assert ledger.record_report("tally", "m1", "failed", code="E42") == 1
    (row,) = ledger.rows("j", states=[RowState.FAILED])
    assert (row.report_status, row.report_code) == ("failed", "E42")
    assert [r.seq for r in ledger.rows("j", states=["failed"])] == [0]
    assert list(ledger.rows("j", states=[RowState.ACCEPTED])) == []
    assert ledger.record_report("tally", "nobody", "delivered", keep_orphan=False) == 0
    assert ledger.orphan_count() == 0
    assert ledger.record_report("tally", "not-yet", "delivered") == 0
    assert ledger.orphan_count() == 1
    assert (
        ledger.record_reports([StatusReport("tally", "gone", "delivered")], keep_orphans=False)[0].effect == "missing"
    )


def test_owners_of_other_machines_are_alive_until_their_lease_expires() -> None:
    from smsbridge.ledger.lease import describe_owner, owner_alive

    assert owner_alive("elsewhere.invalid/999999999/-/x")  # not ours to check: only the expiry frees it
    assert owner_alive(f"{socket.gethostname()}/not-a-pid/-/x")
    assert owner_alive("an owner of a form we do not know")
    assert describe_owner("host.example/4242/123/abcd") == "process 4242 on host.example"
    assert describe_owner("a/b") == "a/b"


def test_the_heartbeat_keeps_the_lease_and_survives_a_ledger_hiccup(sms_ledger: Any) -> None:
    import time

    from smsbridge.errors import LedgerUnavailableError
    from smsbridge.ledger.lease import Lease

    sms_ledger.open_job(SPEC)
    renew, calls = sms_ledger.renew_lease, []

    def flaky(job: str, owner: str, ttl: float) -> bool:
        calls.append(job)
        if len(calls) == 1:
            raise LedgerUnavailableError("a moment of trouble")
        return bool(renew(job, owner, ttl))

    sms_ledger.renew_lease = flaky
    with Lease(sms_ledger, "j", ttl=1.5, owner="me/1/-/a") as lease:
        time.sleep(2.0)  # past its first expiry: renewed every 0.5 s, it never lapses
        assert sms_ledger.acquire_lease("j", "other/2/-/b", 5) == "me/1/-/a"
        assert len(calls) >= 2 and not lease.lost.is_set()
    assert sms_ledger.job_info("j").lease_owner is None  # released at the end
    sms_ledger.acquire_lease("j", "holder/3/-/c", 60)
    with pytest.raises(JobBusyError) as info:
        Lease(sms_ledger, "j", wait=0.2, poll=0.05).__enter__()
    assert info.value.holder == "holder/3/-/c"
    assert info.value.message == (
        "job 'j' is being run by process 3 on holder (its lease is held); "
        "two runs of one job never send at the same time"
    )


def test_a_process_is_known_by_its_start_time_whatever_its_name() -> None:
    """/proc/PID/stat names the process before its fields; a name may hold ')' or bytes that are not ASCII."""
    import signal
    import time

    from smsbridge.ledger.lease import _start_time, new_owner, owner_alive

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
            "open('/proc/self/comm', 'wb').write(b'odd) n\\xe4me')\n"
            "print('ready', flush=True)\n"
            "time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        with open(f"/proc/{child.pid}/stat", "rb") as fh:
            expected = fh.read().rsplit(b")", 1)[1].split()[19].decode()
        assert _start_time(child.pid) == expected
        owner = f"{socket.gethostname()}/{child.pid}/{expected}/x"
        assert owner_alive(owner)
        time.sleep(0.1)
        assert child.poll() is None, "checking an owner must not signal its process"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not owner_alive(owner)
    mine = new_owner().split("/")
    assert mine[:3] == [socket.gethostname(), str(os.getpid()), _start_time(os.getpid())]


def test_every_read_of_a_row_and_a_job_shows_what_the_ledger_holds(ledger: Any) -> None:
    ledger._clock = lambda: 1000.0
    ledger.open_job(SPEC)
    ledger._clock = lambda: 2000.0
    add_rows(ledger, ["+41791234567", "+41791234567"])
    info = ledger.job_info("j")
    assert (info.created_at.timestamp(), info.updated_at.timestamp(), info.counts) == (
        1000.0,
        2000.0,
        {"pending": 1, "duplicate": 1},
    )
    assert ledger.job_info("j", counts=False).counts == {}
    found = ledger.find_job("j")
    assert found is not None and found.counts == info.counts and ledger.find_job("nope") is None
    with pytest.raises(JobNotFoundError) as missing:
        ledger.job_info("nope")
    assert missing.value.message == f"the ledger {ledger.url} has no job 'nope'"
    ledger._clock = lambda: 3000.0
    ledger.claim("j", [0], "a", provider="tally")
    ledger._clock = lambda: 4000.0
    ledger.record("j", "a", [RowOutcome(0, RowState.REJECTED, None, "tally", "blocked", "E7")])
    first, dup = ledger.rows("j")
    assert (first.job, first.claimed_at.timestamp(), first.updated_at.timestamp()) == ("j", 3000.0, 4000.0)
    assert (dup.state.value, dup.outcome.value, dup.provider, dup.code, dup.message_id) == (
        "duplicate",
        "rejected",
        "tally",
        "E7",
        None,
    )
    assert dup.reason == "same number and text as row 1: sent once (blocked)"
    ledger.open_job(JobSpec("quiet", "tally", "x", "Hi"))
    add_rows(ledger, ["+41791234567", "+41791234567"], job="quiet")
    ledger.claim("quiet", [0], "a")
    ledger.record("quiet", "a", [RowOutcome(0, RowState.REJECTED, code="E9")])  # a code, no reason
    assert list(ledger.rows("quiet"))[1].reason == "same number and text as row 1: sent once"


def test_a_job_resumed_with_other_options_says_which(ledger: Any) -> None:
    ledger.open_job(SPEC)
    with pytest.raises(JobMismatchError) as info:
        ledger.open_job(JobSpec("j", "tally", "x", "Hello {name}", {"flash": True, "sender": "Shop"}))
    assert info.value.message == (
        "job 'j' exists with another text and flash option and sender option; "
        "a job is resumed with exactly the text and options it started with"
    )
    with pytest.raises(JobMismatchError, match="exists with another text or options;"):
        ledger.open_job(JobSpec("j", "tally", "x", "Hi {name}", {"flash": False, "sender": None}))


def test_a_missing_migration_step_is_named(sms_ledger: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("smsbridge.ledger.store.SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setattr("smsbridge.ledger.store.MIGRATIONS", {})
    with pytest.raises(LedgerError) as info:
        Ledger.migrate(sms_ledger.db)
    assert info.value.message == (
        f"no migration from schema version {schema.SCHEMA_VERSION} (this smsbridge: {schema.SCHEMA_VERSION + 1})"
    )


def test_creating_the_tables_says_so_when_the_database_fails(tmp_path: Any) -> None:
    import sqlite3

    from smsbridge.errors import LedgerUnavailableError
    from smsbridge.ledger.database import SQLiteDatabase

    class Refusing(SQLiteDatabase):
        def _begin(self, durable: bool = True) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(LedgerUnavailableError, match="failed while creating the ledger's tables: "):
        Ledger(Refusing(tmp_path / "new.db"))


def test_a_big_request_records_every_row_and_a_reclaim_checks_the_lease(ledger: Any) -> None:
    numbers = [f"+4179{i:07d}" for i in range(600)]
    ledger.open_job(SPEC)
    add_rows(ledger, numbers, dedup=False)
    ledger.claim("j", list(range(600)), "big")
    assert ledger.record("j", "big", [RowOutcome(i, RowState.ACCEPTED, f"m{i}") for i in range(600)]) == 600
    ledger.open_job(JobSpec("k", "tally", "x", "Hi"))
    add_rows(ledger, ["+41791234567"], job="k")
    ledger.claim("k", [0], "old")
    ledger.acquire_lease("k", "me", 60)
    with pytest.raises(JobBusyError):
        ledger.reclaim("k", "old", "new", owner="not-me")
    assert ledger.reclaim("k", "old", "new", owner="me") == 1


def test_reports_received_without_their_send_are_kept_by_default(ledger: Any) -> None:
    outcomes, stored = ledger.record_received([StatusReport("tally", "later", "delivered")], [])
    assert [o.effect for o in outcomes] == ["orphan"] and stored == [] and ledger.orphan_count() == 1


def test_a_migration_step_says_so_when_the_database_fails(tmp_path: Any) -> None:
    import sqlite3

    from smsbridge.errors import LedgerUnavailableError
    from smsbridge.ledger.database import SQLiteDatabase

    with open_ledger(tmp_path / "old.db") as old:
        old.db.execute("UPDATE smsbridge_meta SET value = '1' WHERE key = 'schema_version'")

    class Refusing(SQLiteDatabase):
        def _begin(self, durable: bool = True) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(LedgerUnavailableError, match="failed while migrating from schema version 1: "):
        Ledger.migrate(Refusing(tmp_path / "old.db"))
