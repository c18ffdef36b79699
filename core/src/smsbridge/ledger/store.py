"""The ledger: jobs and recipient rows, and every state change as one short transaction.

Each method is one transaction whose SQL guard (``state IN (...)``, ``attempt = ?``)
encodes the moves of ``smsbridge.ledger.states``: a claim only takes ``pending`` rows and
fails as a whole if any was taken by someone else, an outcome only lands on the rows of its
own attempt, a delivery report never moves a row out of a final state.  Concurrency is
therefore safe at the row level, in SQLite (one writer at a time) and in PostgreSQL (a
conditional ``UPDATE`` re-checks its ``WHERE`` after waiting for a concurrent one), whatever
the number of processes; the job lease only keeps two runners from planning the same rows.

Every claim and outcome is flushed to disk at its commit; a bulk run gives a request's outcome
to ``record_later``, so that it is committed in the next claim's transaction (one flush per
request).  Input rows read ahead are committed without a flush: the next claim flushes them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smsbridge.errors import JobBusyError, JobMismatchError, JobNotFoundError, LedgerError
from smsbridge.ledger import inbound as _inbound
from smsbridge.ledger import lease as _lease
from smsbridge.ledger import reports as _reports
from smsbridge.ledger.database import Database
from smsbridge.ledger.models import (
    JobInfo,
    JobSpec,
    LedgerRow,
    NewRow,
    ReportOutcome,
    RowOutcome,
    StaleClaim,
    StatusReport,
    StoredInbound,
    when,
)
from smsbridge.ledger.schema import CREATE, MIGRATIONS, SCHEMA_VERSION
from smsbridge.ledger.states import RowState
from smsbridge.models import InboundMessage, Recipient

if TYPE_CHECKING:
    from smsbridge.ledger.jobs import Job

__all__ = ["OUTCOME_WAIT", "Ledger"]

log = logging.getLogger("smsbridge.ledger")

#: the longest an outcome given to ``Ledger.record_later`` waits for the next durable write
#: (the next request's claim) before it is committed by itself.  Long enough for the next
#: claim of a run that has its next rows at hand; short enough that a run validating the next
#: input batch (tens of ms) commits it meanwhile, in parallel, and that a kill rarely finds one.
OUTCOME_WAIT = 0.01

_IN_BATCH = 500  # bound on "IN (...)" lists and executemany batches
#: the 9 fields of an input row given in a JSON array (``Ledger.ingest``)
_ROW_FIELDS = ", ".join(f"value ->> {i}" for i in range(9))

_JOB_COLUMNS = (
    "id, kind, provider, account, text, options, fingerprint, created_at, updated_at, "
    "ingested, input_digest, input_done, lease_owner, lease_expires"
)

#: how a job's stored options are named in messages
_OPTION_NAMES = {"to": "recipient list", "allow_repeats": "allow_repeats setting"}


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _chunks(items: Sequence[Any], size: int = _IN_BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _json(rows: Sequence[Sequence[Any]]) -> str:
    """Rows as one JSON array (SQLite ``json_each``); a text no UTF-8 can hold still fails on binding."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows as columns (PostgreSQL array parameters)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _params(text: str | None) -> dict[str, str] | None:
    return None if text is None else json.loads(text)


def _params_json(params: Mapping[str, str] | None) -> str | None:
    """A row's fields as stored: readable JSON, or escaped where a value cannot be UTF-8 (a lone surrogate)."""
    if not params:
        return None
    text = json.dumps(dict(params), ensure_ascii=False)
    return text if _storable(text) == text else json.dumps(dict(params))


def _storable(text: str) -> str:
    """``text`` as the database can hold it: a lone surrogate (undecodable input) written as an escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _recipient(number: str, params: str | None, reference: str | None) -> Recipient:
    return Recipient(number, _params(params) or {}, reference)


_Outcomes = tuple[str, str, float, list[tuple[Any, ...]]]  # job, attempt, time, (seq, state, message_id, ...)


class _Waiting:
    """Outcomes given to ``record_later`` and not committed yet, and a thread bounding their wait."""

    def __init__(self, flush: Callable[[], None]) -> None:
        self.items: list[_Outcomes] = []
        self._since = 0.0  # when the oldest item arrived (monotonic)
        self._cond = threading.Condition()
        self._flush = flush
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, item: _Outcomes) -> None:
        with self._cond:
            if not self.items:
                self._since = time.monotonic()
            self.items.append(item)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="smsbridge-ledger-outcomes", daemon=True)
                self._thread.start()
            self._cond.notify()

    def snapshot(self) -> list[_Outcomes]:
        with self._cond:
            return list(self.items)

    def done(self, count: int) -> None:
        """The first ``count`` items are committed (others may have arrived meanwhile, at the end)."""
        if count:
            with self._cond:
                del self.items[:count]
                self._since = time.monotonic()
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self.items and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                left = self._since + OUTCOME_WAIT - time.monotonic()
                if left > 0:
                    self._cond.wait(left)  # a write may take them meanwhile
                    continue
            try:
                self._flush()
            except Exception:  # the ledger is unreachable: keep them, try again later
                log.warning("could not record the outcome of a request yet; trying again", exc_info=True)
                with self._cond:
                    self._since = time.monotonic()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


class Ledger:
    """A send ledger in SQLite or PostgreSQL (see ``smsbridge.ledger.open_ledger``)."""

    def __init__(self, db: Database, *, clock: Any = time.time) -> None:
        self.db = db
        self._clock = clock
        self._waiting = _Waiting(self.flush)
        self._ensure_schema()

    @property
    def url(self) -> str:
        """Where the ledger lives (no password)."""
        return self.db.shown

    def __repr__(self) -> str:
        return f"Ledger({self.url!r})"

    def close(self) -> None:
        """Commit the outcomes still waiting, then close the connection."""
        try:
            self.flush()
        except Exception:  # already said by the run that could not record them
            log.warning("outcomes could not be recorded before closing the ledger", exc_info=True)
        finally:
            self._waiting.close()
            self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self, doing: str, *, durable: bool = True) -> Iterator[Database]:
        """A write transaction; a durable one also commits the outcomes waiting from ``record_later``."""
        with self.db.lock:  # no other thread's transaction takes the same waiting outcomes
            carried = self._waiting.snapshot() if durable else []
            with self.db.transaction(doing, durable=durable):
                for job_id, attempt, at, values in carried:
                    self._settle(job_id, attempt, values, at)
                yield self.db
            self._waiting.done(len(carried))

    def _seqs(self, seqs: Sequence[int]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """Conditions ``seq`` is one of ``seqs``: one array (PostgreSQL) or bounded ``IN`` lists (SQLite).

        Each also bounds ``seq`` by the smallest and largest: a range of the (job, seq) index
        that a planner without statistics (a table filled by this run) cannot miss.
        """
        if not seqs:
            return
        if self.db.dialect == "postgresql":
            yield "seq = ANY(?::integer[]) AND seq BETWEEN ? AND ?", (list(seqs), min(seqs), max(seqs))
            return
        for part in _chunks(seqs):
            yield f"seq IN ({_marks(len(part))}) AND seq BETWEEN ? AND ?", (*part, min(part), max(part))

    # ------------------------------------------------------------------ schema

    def _has_schema(self) -> bool:
        if self.db.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'smsbridge_meta'"
        else:
            sql = "SELECT to_regclass('smsbridge_meta')::text WHERE to_regclass('smsbridge_meta') IS NOT NULL"
        return bool(self.db.query(sql))

    def schema_version(self) -> int | None:
        """The version of the ledger's tables, ``None`` when it has none yet."""
        if not self._has_schema():
            return None
        rows = self.db.query("SELECT value FROM smsbridge_meta WHERE key = 'schema_version'")
        return int(rows[0][0]) if rows else None

    def _ensure_schema(self) -> None:
        version = self.schema_version()
        if version is None:
            with self.db.transaction("creating the ledger's tables"):
                if self.db.dialect == "postgresql":  # two processes creating it at once
                    self.db.query("SELECT pg_advisory_xact_lock(hashtext('smsbridge ledger schema'))")
                if not self._has_schema():
                    for statement in CREATE:
                        self.db.execute(statement)
                    self.db.execute(
                        "INSERT INTO smsbridge_meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                    )
            version = self.schema_version()
        if version is not None and version < SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.url} has schema version {version}; this smsbridge needs {SCHEMA_VERSION}",
                hint="back the ledger up, then run `smsbridge ledger migrate` (migrations are never run implicitly)",
            )
        if version is not None and version > SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.url} has schema version {version}, newer than this smsbridge knows "
                f"({SCHEMA_VERSION})",
                hint="upgrade smsbridge",
            )

    @classmethod
    def migrate(cls, db: Database) -> tuple[int, int]:
        """Bring an older ledger up to this version; returns (from, to).  One transaction a step."""
        probe = object.__new__(cls)
        probe.db = db
        start = probe.schema_version()
        if start is None:
            return (SCHEMA_VERSION, SCHEMA_VERSION)  # created at the current version on first use
        version = start
        while version < SCHEMA_VERSION:
            steps = MIGRATIONS.get(version)
            if steps is None:
                raise LedgerError(f"no migration from schema version {version} (this smsbridge: {SCHEMA_VERSION})")
            with db.transaction(f"migrating from schema version {version}"):
                for statement in steps:
                    db.execute(statement)
                db.execute("UPDATE smsbridge_meta SET value = ? WHERE key = 'schema_version'", (str(version + 1),))
            version += 1
        return (start, version)

    # ------------------------------------------------------------------ jobs

    def open_job(self, spec: JobSpec) -> JobInfo:
        """The job ``spec.id``, created if new; an existing one must have the same text and options."""
        with self._write("creating a job"):
            self._insert_job(spec, self._clock())
        info = self.job_info(spec.id, counts=False)
        if info.kind != spec.kind:
            raise JobMismatchError(f"{spec.id!r} is a {info.kind} job of this ledger, not a {spec.kind} job")
        if info.fingerprint != spec.fingerprint:
            changed = ["text"] if info.text != spec.text else []
            changed += sorted(
                _OPTION_NAMES.get(k, f"{k} option")
                for k in set(info.options) | set(spec.options)
                if json.dumps(info.options.get(k), default=str) != json.dumps(spec.options.get(k), default=str)
            )
            raise JobMismatchError(
                f"job {spec.id!r} exists with another {' and '.join(changed) or 'text or options'}; "
                "a job is resumed with exactly the text and options it started with"
            )
        return info

    def _insert_job(
        self, spec: JobSpec, now: float, *, ingested: int = 0, owner: str | None = None, expires: float | None = None
    ) -> int:
        """Insert the job unless it exists (inside the caller's transaction); 1 when it was new.

        ``ingested`` > 0: its whole input comes with it (a single send).
        """
        return self.db.execute(
            f"INSERT INTO smsbridge_jobs ({_JOB_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,'',?,?,?) "
            "ON CONFLICT (id) DO NOTHING",
            (
                spec.id,
                spec.kind,
                spec.provider,
                spec.account,
                spec.text,
                json.dumps(dict(spec.options), sort_keys=True, default=str),
                spec.fingerprint,
                now,
                now,
                ingested,
                int(ingested > 0),
                owner,
                expires,
            ),
        )

    def job(self, job_id: str) -> Job:
        """A handle on the job ``job_id`` (``JobNotFoundError`` if there is none)."""
        from smsbridge.ledger.jobs import Job

        self.job_info(job_id, counts=False)
        return Job(self, job_id)

    def begin_send(
        self,
        spec: JobSpec,
        recipients: Sequence[Recipient],
        attempt: str,
        *,
        client_ref: str | None = None,
        owner: str | None = None,
        ttl: float = 0.0,
    ) -> bool:
        """A new single-send job with its rows already claimed by ``attempt``: one transaction.

        ``owner`` holds the job's lease for ``ttl`` seconds, so that a second call with the
        same key knows the send is in progress.  ``False`` (and nothing written) when the job
        exists: the caller then looks at what an earlier call recorded.  A send thus costs
        two commits: this one, and its outcome.
        """
        now = self._clock()
        with self._write("recording a send"):
            created = self._insert_job(
                spec, now, ingested=len(recipients), owner=owner, expires=now + ttl if owner is not None else None
            )
            if created != 1:
                return False
            self.db.executemany(
                "INSERT INTO smsbridge_recipients (job, seq, number, params, reference, state, attempt, client_ref, "
                "provider, claimed_at, updated_at) VALUES (?,?,?,?,?,'claimed',?,?,?,?,?)",
                [
                    (
                        spec.id,
                        seq,
                        r.number,
                        _params_json(r.params),
                        r.reference,
                        attempt,
                        client_ref,
                        spec.provider,
                        now,
                        now,
                    )
                    for seq, r in enumerate(recipients)
                ],
            )
        return True

    def find_job(self, job_id: str, *, counts: bool = True) -> JobInfo | None:
        rows = self.db.query(f"SELECT {_JOB_COLUMNS} FROM smsbridge_jobs WHERE id = ?", (job_id,))
        if not rows:
            return None
        return self._job(rows[0], self.counts(job_id) if counts else {})

    def job_info(self, job_id: str, *, counts: bool = True) -> JobInfo:
        info = self.find_job(job_id, counts=counts)
        if info is None:
            raise JobNotFoundError(f"the ledger {self.url} has no job {job_id!r}")
        return info

    def jobs(self) -> list[JobInfo]:
        """Every job, oldest first, with its counts by state."""
        counts: dict[str, dict[str, int]] = {}
        for job, state, n in self.db.query("SELECT job, state, COUNT(*) FROM smsbridge_recipients GROUP BY job, state"):
            counts.setdefault(job, {})[state] = int(n)
        rows = self.db.query(f"SELECT {_JOB_COLUMNS} FROM smsbridge_jobs ORDER BY created_at, id")
        return [self._job(row, counts.get(row[0], {})) for row in rows]

    def counts(self, job_id: str) -> dict[str, int]:
        """Rows of a job by their own state (``duplicate`` rows as such)."""
        return {
            state: int(n)
            for state, n in self.db.query(
                "SELECT state, COUNT(*) FROM smsbridge_recipients WHERE job = ? GROUP BY state", (job_id,)
            )
        }

    def outcome_counts(self, job_id: str, counts: Mapping[str, int] | None = None) -> dict[str, int]:
        """Rows of a job by outcome: a duplicate row counts as the row it repeats.

        ``counts``: the job's ``counts()`` when the caller has them already (they take a scan).
        """
        counts = dict(counts) if counts is not None else self.counts(job_id)
        if counts.pop(RowState.DUPLICATE.value, 0):
            for state, n in self.db.query(
                "SELECT f.state, COUNT(*) FROM smsbridge_recipients r JOIN smsbridge_recipients f "
                "ON f.job = r.job AND f.seq = r.dup_of WHERE r.job = ? AND r.state = 'duplicate' GROUP BY f.state",
                (job_id,),
            ):
                counts[state] = counts.get(state, 0) + int(n)
        return counts

    @staticmethod
    def _job(row: Sequence[Any], counts: Mapping[str, int]) -> JobInfo:
        created, updated = when(row[7]), when(row[8])
        assert created is not None and updated is not None
        return JobInfo(
            id=row[0],
            kind=row[1],
            provider=row[2],
            account=row[3],
            text=row[4],
            options=json.loads(row[5]),
            fingerprint=row[6],
            created_at=created,
            updated_at=updated,
            ingested=int(row[9]),
            input_digest=row[10],
            input_done=bool(row[11]),
            lease_owner=row[12],
            lease_expires=when(row[13]),
            counts=dict(counts),
        )

    def delete_job(self, job_id: str) -> bool:
        with self._write("deleting a job"):
            self.db.execute("DELETE FROM smsbridge_recipients WHERE job = ?", (job_id,))
            return self.db.execute("DELETE FROM smsbridge_jobs WHERE id = ?", (job_id,)) > 0

    def purge(self, older_than: float, *, job: str | None = None) -> list[str]:
        """Delete jobs with no activity for ``older_than`` seconds (and no live lease); their ids."""
        now = self._clock()
        cutoff = now - older_than
        sql = (
            "SELECT id FROM smsbridge_jobs j WHERE j.updated_at < ? "
            "AND (j.lease_expires IS NULL OR j.lease_expires < ?) "
            "AND NOT EXISTS (SELECT 1 FROM smsbridge_recipients r WHERE r.job = j.id AND r.updated_at >= ?)"
        )
        params: list[Any] = [cutoff, now, cutoff]
        if job is not None:
            sql += " AND j.id = ?"
            params.append(job)
        doomed = [row[0] for row in self.db.query(sql, params)]
        for job_id in doomed:
            self.delete_job(job_id)
        return doomed

    # ------------------------------------------------------------------ the job lease

    def acquire_lease(self, job_id: str, owner: str, ttl: float) -> str | None:
        """Take the job's lease for ``ttl`` seconds; ``None`` when taken, else the holder.

        A lease is free when nobody holds it, when it expired, or when its holder is a
        process of this machine that no longer runs (a killed run needs no waiting).
        """
        now = self._clock()
        with self._write("taking the job's lease"):
            lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
            rows = self.db.query(f"SELECT lease_owner, lease_expires FROM smsbridge_jobs WHERE id = ?{lock}", (job_id,))
            if not rows:
                raise JobNotFoundError(f"the ledger {self.url} has no job {job_id!r}")
            holder, expires = rows[0]
            free = holder is None or holder == owner or (expires or 0) < now or not _lease.owner_alive(holder)
            if not free:
                return str(holder)
            self.db.execute(
                "UPDATE smsbridge_jobs SET lease_owner = ?, lease_expires = ? WHERE id = ?", (owner, now + ttl, job_id)
            )
        return None

    def renew_lease(self, job_id: str, owner: str, ttl: float) -> bool:
        with self._write("renewing the job's lease"):
            return (
                self.db.execute(
                    "UPDATE smsbridge_jobs SET lease_expires = ? WHERE id = ? AND lease_owner = ?",
                    (self._clock() + ttl, job_id, owner),
                )
                == 1
            )

    def release_lease(self, job_id: str, owner: str) -> None:
        with self._write("releasing the job's lease"):
            self.db.execute(
                "UPDATE smsbridge_jobs SET lease_owner = NULL, lease_expires = NULL, updated_at = ? "
                "WHERE id = ? AND lease_owner = ?",
                (self._clock(), job_id, owner),
            )

    def _check_lease(self, job_id: str, owner: str | None) -> None:
        if owner is None:
            return
        rows = self.db.query("SELECT lease_owner FROM smsbridge_jobs WHERE id = ?", (job_id,))
        holder = rows[0][0] if rows else None
        if holder != owner:
            raise JobBusyError(
                f"this run lost the lease of job {job_id!r}" + (f" to {holder}" if holder else ""),
                holder=holder,
                hint="another run took the job over; this one stops without sending more",
            )

    # ------------------------------------------------------------------ reading the input

    def ingest(
        self,
        job_id: str,
        rows: Sequence[NewRow],
        *,
        read_before: int,
        read_after: int,
        digest: str,
        done: bool,
    ) -> set[int]:
        """Add input rows and the input position they bring the job to, in one transaction.

        A row whose ``dedup`` key an earlier row of the job has is stored as a ``duplicate``
        of that row; returns the ``seq`` of those.  ``read_before`` guards against two runs
        reading the same input.  The commit is not flushed to disk (``durable=False``): a
        power cut may undo it, input position included, and the rows are then read again; the
        claim of any of them flushes it first.
        """
        now = self._clock()
        postgres = self.db.dialect == "postgresql"
        with self._write("recording recipients", durable=False):
            moved = self.db.execute(
                "UPDATE smsbridge_jobs SET ingested = ?, input_digest = ?, input_done = ?, updated_at = ? "
                "WHERE id = ? AND ingested = ?",
                (read_after, digest, int(done), now, job_id, read_before),
            )
            if moved != 1:
                raise JobBusyError(f"another run is reading the input of job {job_id!r}")
            keys = sorted({r.dedup for r in rows if r.dedup is not None and r.state is RowState.PENDING})
            first: dict[str, int] = {}
            if postgres:  # one index lookup per key, whatever the planner believes of the table
                for key, seq in self.db.query(
                    "SELECT k.dedup, (SELECT MIN(r.seq) FROM smsbridge_recipients r "
                    "WHERE r.job = ? AND r.dup_of IS NULL AND r.dedup = k.dedup) FROM unnest(?::text[]) AS k (dedup)",
                    (job_id, keys),
                ):
                    if seq is not None:
                        first[key] = int(seq)
            for part in () if postgres else _chunks(keys):
                for key, seq in self.db.query(
                    "SELECT dedup, MIN(seq) FROM smsbridge_recipients "
                    f"WHERE job = ? AND dup_of IS NULL AND dedup IN ({_marks(len(part))}) GROUP BY dedup",
                    (job_id, *part),
                ):
                    first[key] = int(seq)
            new = []
            repeats: set[int] = set()
            for r in rows:
                state, dup_of = r.state, None
                if r.dedup is not None and r.state is RowState.PENDING:
                    if r.dedup in first:
                        state, dup_of = RowState.DUPLICATE, first[r.dedup]
                        repeats.add(r.seq)
                    else:
                        first[r.dedup] = r.seq
                params = _params_json(r.params)  # a lone surrogate (undecodable input) stored escaped
                reason = None if r.reason is None else _storable(r.reason)
                new.append(
                    (r.seq, _storable(r.number), params, r.reference, r.dedup, dup_of, state.value, reason, r.code)
                )
            columns = "job, seq, number, params, reference, dedup, dup_of, state, reason, code, updated_at"
            if postgres:  # one statement of arrays, not one per row
                self.db.execute(
                    f"INSERT INTO smsbridge_recipients ({columns}) SELECT ?, v.*, ? FROM unnest(?::integer[], "
                    "?::text[], ?::text[], ?::text[], ?::text[], ?::integer[], ?::text[], ?::text[], ?::text[]) AS v",
                    (job_id, now, *_columns(new, 9)),
                )
            elif self.db.json_rows:  # one statement of a JSON array (run without holding the GIL)
                self.db.execute(
                    f"INSERT INTO smsbridge_recipients ({columns}) SELECT ?, {_ROW_FIELDS}, ? FROM json_each(?)",
                    (job_id, now, _json(new)),
                )
            else:
                for part in _chunks(new):
                    self.db.executemany(
                        f"INSERT INTO smsbridge_recipients ({columns}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        [(job_id, *row, now) for row in part],
                    )
        return repeats

    # ------------------------------------------------------------------ sending

    def pending(self, job_id: str, *, after: int = -1, limit: int = 1000) -> list[tuple[int, Recipient, str | None]]:
        """Rows to send after ``after``, in input order: (seq, recipient, client_ref).

        Those are ``pending`` rows and ``not_sent`` ones (an earlier run's request was refused
        whole, so nothing of it was taken).
        """
        return [
            (int(seq), _recipient(number, params, reference), ref)
            for seq, number, params, reference, ref in self.db.query(
                "SELECT seq, number, params, reference, client_ref FROM smsbridge_recipients "
                "WHERE job = ? AND state IN ('pending', 'not_sent') AND seq > ? ORDER BY seq LIMIT ?",
                (job_id, after, limit),
            )
        ]

    def claim(
        self,
        job_id: str,
        seqs: Sequence[int],
        attempt: str,
        *,
        provider: str | None = None,
        client_ref: str | None = None,
        owner: str | None = None,
    ) -> None:
        """Write-ahead: mark ``seqs`` claimed by ``attempt``, committed before the request leaves.

        All or nothing: if any row is no longer pending (another runner took it), nothing is
        claimed and ``JobBusyError`` says so.  With ``owner``, the job's lease must be ours.
        """
        now = self._clock()
        mine = ""
        lease: tuple[str, ...] = ()
        if owner is not None:  # the lease is still ours: checked by the same statement
            mine = " AND EXISTS (SELECT 1 FROM smsbridge_jobs WHERE id = ? AND lease_owner = ?)"
            lease = (job_id, owner)
        with self._write("claiming recipients before a request"):
            taken = 0
            for where, values in self._seqs(list(seqs)):
                taken += self.db.execute(
                    "UPDATE smsbridge_recipients SET state = 'claimed', attempt = ?, "
                    "client_ref = COALESCE(client_ref, ?), provider = ?, claimed_at = ?, updated_at = ?, "
                    f"reason = NULL, code = NULL WHERE job = ? AND state IN ('pending', 'not_sent') AND {where}{mine}",
                    (attempt, client_ref, provider, now, now, job_id, *values, *lease),
                )
            if taken != len(seqs):
                self._check_lease(job_id, owner)  # a lost lease says so
                raise JobBusyError(
                    f"{len(seqs) - taken} recipient(s) of this request of job {job_id!r} were no longer pending: "
                    "another runner has them; nothing was claimed"
                )

    def release(self, job_id: str, attempt: str) -> int:
        """A claim whose request never started goes back to pending (a graceful stop)."""
        with self._write("releasing a claim"):
            return self.db.execute(
                "UPDATE smsbridge_recipients SET state = 'pending', attempt = NULL, provider = NULL, "
                "claimed_at = NULL, updated_at = ? WHERE job = ? AND attempt = ? AND state = 'claimed'",
                (self._clock(), job_id, attempt),
            )

    def record(self, job_id: str, attempt: str, outcomes: Iterable[RowOutcome], *, release: str | None = None) -> int:
        """The outcome of ``attempt``'s request, one transaction; rows of other attempts are untouched.

        An outcome lands on a row still ``claimed`` by this attempt, or marked ``unknown`` for it
        by an abort (a late answer is better knowledge).  ``release``: a lease owner whose lease
        on the job ends in the same transaction.  Returns how many rows moved.
        """
        values = self._outcome_values(outcomes)
        now = self._clock()
        with self._write("recording the outcome of a request"):
            moved = self._settle(job_id, attempt, values, now)
            if release is not None:
                self.db.execute(
                    "UPDATE smsbridge_jobs SET lease_owner = NULL, lease_expires = NULL, updated_at = ? "
                    "WHERE id = ? AND lease_owner = ?",
                    (now, job_id, release),
                )
            return moved

    def record_later(self, job_id: str, attempt: str, outcomes: Iterable[RowOutcome]) -> None:
        """``record``, committed with the ledger's next durable write instead of a commit of its own.

        A bulk run records a request's outcome this way: it is committed together with the
        next request's claim, so each request costs one commit (one flush to disk), and it is
        on disk before the next request leaves, as with ``record``.  It never waits longer
        than ``OUTCOME_WAIT`` seconds (the next input batch being validated, a slow consumer
        of the results): then a thread commits it by itself; ``flush()`` commits it at once.
        A crash before it is committed leaves its rows claimed, ``unknown`` on resume, as a
        crash just before ``record`` would.
        """
        self._waiting.add((job_id, attempt, self._clock(), self._outcome_values(outcomes)))

    def flush(self) -> None:
        """Commit the outcomes waiting from ``record_later`` now (one durable transaction, if any wait)."""
        if self._waiting.items:
            with self._write("recording the outcome of a request"):
                pass

    def _outcome_values(self, outcomes: Iterable[RowOutcome]) -> list[tuple[Any, ...]]:
        return [(o.seq, o.state.value, o.message_id, o.provider, o.reason, o.code) for o in outcomes]

    def _settle(self, job_id: str, attempt: str, values: Sequence[tuple[Any, ...]], at: float) -> int:
        """Apply outcomes (inside a transaction), then the delivery reports that came before them."""
        moved = self._apply_outcomes(job_id, attempt, values, at)
        # delivery reports that arrived before this outcome was committed (orphans)
        _reports.join_orphans(self.db, at, (v[2] for v in values if v[2] is not None))
        return moved

    def _apply_outcomes(self, job_id: str, attempt: str, values: Sequence[tuple[Any, ...]], at: float) -> int:
        """Apply outcomes ``(seq, state, message_id, provider, reason, code)`` given at ``at``, in a transaction.

        One statement for the whole request where the database allows (a PostgreSQL array per
        column; a JSON array in SQLite, which then runs it without holding Python's GIL, so
        that the thread committing a waiting outcome does not stall the one sending).
        """
        if not values:
            return 0
        update = (
            "UPDATE smsbridge_recipients AS r SET state = v.state, message_id = v.message_id, "
            "provider = COALESCE(v.provider, r.provider), reason = v.reason, code = v.code, updated_at = ? FROM {rows} "
            "WHERE r.job = ? AND r.seq = v.seq AND r.attempt = ? AND r.state IN ('claimed', 'unknown')"
        )
        if self.db.dialect == "postgresql":
            rows = (
                "unnest(?::integer[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
                "AS v (seq, state, message_id, provider, reason, code)"
            )
            bounded = update.format(rows=rows) + " AND r.seq BETWEEN ? AND ?"  # see _seqs
            seqs = [v[0] for v in values]
            return self.db.execute(bounded, (at, *_columns(values, 6), job_id, attempt, min(seqs), max(seqs)))
        if self.db.json_rows:  # ORDER BY: the rows given drive the join, each finds its row by key
            rows = (
                "(SELECT value ->> 0 AS seq, value ->> 1 AS state, value ->> 2 AS message_id, value ->> 3 AS provider, "
                "value ->> 4 AS reason, value ->> 5 AS code FROM json_each(?) ORDER BY 1) AS v"
            )
            return self.db.execute(update.format(rows=rows), (at, _json(values), job_id, attempt))
        moved = 0
        for part in _chunks(values):
            moved += self.db.executemany(
                "UPDATE smsbridge_recipients SET state = ?, message_id = ?, provider = COALESCE(?, provider), "
                "reason = ?, code = ?, updated_at = ? "
                "WHERE job = ? AND seq = ? AND attempt = ? AND state IN ('claimed', 'unknown')",
                [
                    (state, mid, by, reason, code, at, job_id, seq, attempt)
                    for seq, state, mid, by, reason, code in part
                ],
            )
        return moved

    def stale_claims(self, job_id: str) -> list[StaleClaim]:
        """Claims with no recorded outcome, by attempt (after a crash: the caller holds the lease)."""
        groups: dict[str, list[tuple[Any, ...]]] = {}
        for row in self.db.query(
            "SELECT attempt, client_ref, provider, seq, number, params, reference FROM smsbridge_recipients "
            "WHERE job = ? AND state = 'claimed' ORDER BY attempt, seq",
            (job_id,),
        ):
            groups.setdefault(row[0], []).append(row)
        return [
            StaleClaim(
                attempt=attempt,
                client_ref=rows[0][1],
                provider=rows[0][2],
                seqs=tuple(int(r[3]) for r in rows),
                recipients=tuple(_recipient(r[4], r[5], r[6]) for r in rows),
            )
            for attempt, rows in groups.items()
        ]

    def settle_unknown(self, job_id: str, attempt: str, reason: str) -> int:
        """A claim whose request may have left, with no answer recorded: ``unknown``."""
        with self._write("recording an unknown outcome"):
            return self.db.execute(
                "UPDATE smsbridge_recipients SET state = 'unknown', reason = ?, updated_at = ? "
                "WHERE job = ? AND attempt = ? AND state = 'claimed'",
                (reason, self._clock(), job_id, attempt),
            )

    def reclaim(self, job_id: str, old_attempt: str, new_attempt: str, *, owner: str | None = None) -> int:
        """Take over a stale claim for a resend with its stored client id (de-duplicating providers)."""
        now = self._clock()
        with self._write("taking over a claim"):
            self._check_lease(job_id, owner)
            return self.db.execute(
                "UPDATE smsbridge_recipients SET attempt = ?, claimed_at = ?, updated_at = ? "
                "WHERE job = ? AND attempt = ? AND state = 'claimed'",
                (new_attempt, now, now, job_id, old_attempt),
            )

    def reopen_unknown(self, job_id: str) -> int:
        """``resend_unknown``: unknown rows go back to pending (they may be received twice)."""
        with self._write("reopening unknown outcomes"):
            return self.db.execute(
                "UPDATE smsbridge_recipients SET state = 'pending', attempt = NULL, provider = NULL, "
                "claimed_at = NULL, updated_at = ? WHERE job = ? AND state = 'unknown'",
                (self._clock(), job_id),
            )

    # ------------------------------------------------------------------ delivery reports

    def record_report(
        self,
        provider: str,
        message_id: str,
        status: str,
        *,
        recipient: str | None = None,
        code: str | None = None,
        at: float | None = None,
        keep_orphan: bool = True,
    ) -> int:
        """A delivery report for ``(provider, message_id)`` (and ``recipient`` where one id covers several).

        A final status (delivered, failed/rejected, expired) moves an accepted or unknown row
        to its final state; an interim one is noted on the row when it is later than the one
        noted.  A final state never changes again, so a late "sent" never overwrites
        "delivered" and a duplicate report changes nothing; a report for an id no row has is
        kept as an orphan (unless ``keep_orphan=False``) and joined when the send is recorded.
        Returns the number of rows changed.  See ``smsbridge.ledger.reports`` for the rules;
        ``record_reports`` takes many in one transaction and says what became of each.
        """
        report = StatusReport(provider, message_id, status, recipient=recipient, code=code, at=at)
        (outcome,) = self.record_reports([report], keep_orphans=keep_orphan)
        return outcome.rows

    def record_reports(self, reports: Sequence[StatusReport], *, keep_orphans: bool = True) -> list[ReportOutcome]:
        """Apply ``reports`` in one transaction, in order; what became of each."""
        outcomes, _ = self.record_received(reports, (), keep_orphans=keep_orphans)
        return outcomes

    def record_received(
        self,
        reports: Sequence[StatusReport],
        messages: Sequence[tuple[str, str, InboundMessage]],
        *,
        keep_orphans: bool = True,
    ) -> tuple[list[ReportOutcome], list[bool]]:
        """Reports and received messages ``(account, provider, message)`` in one transaction.

        The receiver commits several requests' worth at once this way (one disk sync for
        all).  Returns each report's outcome and, per message, whether it was new.
        """
        now = self._clock()
        with self._write("recording delivery reports and received messages"):
            outcomes = [_reports.apply_report(self.db, r, now, keep_orphan=keep_orphans) for r in reports]
            stored = [_inbound.store_inbound(self.db, a, p, m, now) for a, p, m in messages]
        return outcomes, stored

    def join_orphans(self, *, ttl: float = _reports.ORPHAN_TTL) -> tuple[int, int]:
        """Apply every orphan report whose message id a row now has; drop those older than ``ttl``.

        ``Ledger.record`` joins the ids it writes as it goes; this sweep catches the rest
        (two PostgreSQL transactions that crossed).  Returns (joined, dropped).
        """
        now = self._clock()
        with self._write("joining orphan delivery reports"):
            joined = _reports.join_orphans(self.db, now)
            dropped = _reports.purge_orphans(self.db, now - ttl)
        return joined, dropped

    def orphan_count(self) -> int:
        """Delivery reports waiting for their send (at most ``ORPHAN_TTL`` old)."""
        return int(self.db.query("SELECT COUNT(*) FROM smsbridge_orphan_reports")[0][0])

    def inbound(self, *, account: str | None = None, since: float | None = None) -> Iterator[StoredInbound]:
        """Received messages, oldest first, streamed; ``since``: stored at or after (UNIX seconds)."""
        return _inbound.inbound_rows(self.db, account=account, since=since)

    def purge_inbound(self, older_than: float) -> int:
        """Delete received messages stored more than ``older_than`` seconds ago; how many."""
        with self._write("deleting old received messages"):
            return _inbound.purge_inbound(self.db, self._clock() - older_than)

    # ------------------------------------------------------------------ reading rows

    def rows(
        self,
        job_id: str,
        *,
        states: Iterable[str] | None = None,
        seqs: Iterable[int] | None = None,
        page: int = 1000,
    ) -> Iterator[LedgerRow]:
        """The job's rows in input order, read a page at a time (a million rows, flat memory).

        ``seqs``: only these rows (one request's chunk, as a distributed worker reads it).
        """
        wanted = sorted({str(getattr(s, "value", s)) for s in states}) if states is not None else None
        if seqs is not None:
            picked = sorted({int(s) for s in seqs})
            for part in _chunks(picked):
                yield from self._rows_page(job_id, wanted, part[0] - 1, len(part), part)
            return
        after = -1
        while True:
            batch = self._rows_page(job_id, wanted, after, page)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].seq

    def _rows_page(
        self, job_id: str, wanted: Sequence[str] | None, after: int, page: int, seqs: Sequence[int] = ()
    ) -> list[LedgerRow]:
        sql = (
            "SELECT r.seq, r.number, r.params, r.state, r.dup_of, r.message_id, r.provider, r.reason, r.code, "
            "r.client_ref, r.claimed_at, r.updated_at, r.report_status, r.report_code, r.report_at, "
            "f.state, f.message_id, f.provider, f.reason, f.code, r.reference "
            "FROM smsbridge_recipients r LEFT JOIN smsbridge_recipients f ON f.job = r.job AND f.seq = r.dup_of "
            "WHERE r.job = ? AND r.seq > ?"
        )
        params: list[Any] = [job_id, after]
        if wanted is not None:
            sql += f" AND r.state IN ({_marks(len(wanted))})"
            params.extend(wanted)
        if seqs:
            sql += f" AND r.seq IN ({_marks(len(seqs))})"
            params.extend(seqs)
        return [_row(job_id, row) for row in self.db.query(sql + " ORDER BY r.seq LIMIT ?", (*params, page))]


def _row(job_id: str, row: Sequence[Any]) -> LedgerRow:
    state = RowState(row[3])
    if state is RowState.DUPLICATE and row[15] is not None:
        outcome = RowState(row[15])
        message_id, provider, code = row[16], row[17], row[19]
        reason = f"same number and text as row {int(row[4]) + 1}: sent once" + (f" ({row[18]})" if row[18] else "")
    else:
        outcome = state
        message_id, provider, reason, code = row[5], row[6], row[7], row[8]
    return LedgerRow(
        job=job_id,
        seq=int(row[0]),
        number=row[1],
        params=_params(row[2]),
        reference=row[20],
        state=state,
        outcome=outcome,
        dup_of=None if row[4] is None else int(row[4]),
        message_id=message_id,
        provider=provider,
        reason=reason,
        code=code,
        client_ref=row[9],
        claimed_at=when(row[10]),
        updated_at=when(row[11]),
        report_status=row[12],
        report_code=row[13],
        report_at=when(row[14]),
    )
