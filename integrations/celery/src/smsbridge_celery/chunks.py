"""One chunk of a distributed job on a worker: the ledger, not the queue, decides what may be sent.

A chunk is the rows (sequence numbers) the submitter planned for one request.  A delivery of
its task, first or redelivered, does this:

1. **read** the chunk's rows from the ledger;
2. rows **claimed** with no outcome were taken by an earlier delivery (its worker died, or
   lost its broker connection and may still be sending) or by another task over the same rows.
   While the claimer may still be running (its process is alive, or it is on another host and
   the claim is younger than the longest a request can take), wait for its outcome.  Then, if
   there is still none: through a de-duplicating provider, a single recipient with its stored
   client id is **sent again with the same id** (the provider ignores the repeat); anything
   else becomes ``unknown`` with the reason, and is **not** sent again;
3. rows **pending** (or ``not_sent``: refused whole, certainly not taken) are **claimed**
   (committed before the request, all or nothing, under the fleet's lease), sent in one
   request, and their outcome is committed after it;
4. rows with an outcome are left as they are: a chunk already settled returns the recorded
   outcome and sends nothing.

Nothing here imports Celery: ``smsbridge_celery.tasks`` wraps it.  The attempt id written with
a claim names the task and the worker process (``<task id>~<nonce>@<host/pid/start/nonce>``),
which is how a later delivery tells a dead claimer from a live one.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from smsbridge.errors import ConfigurationError, JobBusyError, LedgerUnavailableError
from smsbridge.ledger.lease import new_owner, owner_alive
from smsbridge.ledger.models import LedgerRow, StaleClaim
from smsbridge.ledger.runner import outcomes_of
from smsbridge.ledger.states import SENDABLE, RowState
from smsbridge.ledger.store import Ledger
from smsbridge.models import Recipient, SendResult

__all__ = [
    "FLEET_OWNER",
    "ChunkReport",
    "ChunkWorker",
    "decode_seqs",
    "encode_seqs",
    "job_finished",
    "longest_request",
]

log = logging.getLogger("smsbridge.celery")

#: the lease owner of a job run by Celery workers (``smsbridge jobs`` shows it as the runner)
FLEET_OWNER = "celery workers"

DEAD_REASON = (
    "the worker sending this chunk died (or lost its broker) while the request was in flight: "
    "it may have been sent, so it is not sent again"
)
INTERRUPTED_REASON = "the task was interrupted while the request was in flight ({}): it may have been sent"

_INFLIGHT: set[str] = set()  # attempts this process is sending right now
_INFLIGHT_LOCK = threading.Lock()
_OWNERS: dict[int, str] = {}


def process_owner() -> str:
    """This worker process's id in attempt ids (a forked pool child gets its own)."""
    pid = os.getpid()
    owner = _OWNERS.get(pid)
    if owner is None:
        owner = _OWNERS[pid] = new_owner()
    return owner


def encode_seqs(seqs: Iterable[int]) -> list[list[int]]:
    """Sequence numbers as ``[first, last]`` runs: a chunk of 1,000 rows is a few numbers on the wire."""
    runs: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if runs and seq == runs[-1][1] + 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])
    return runs


def decode_seqs(runs: Iterable[Sequence[int]]) -> list[int]:
    out: list[int] = []
    for first, last in runs:
        if last < first or last - first > 100_000:
            raise ValueError(f"not a run of sequence numbers: {[first, last]}")
        out.extend(range(int(first), int(last) + 1))
    return out


def longest_request(account: Any) -> float:
    """How long one request of ``account`` may be in flight at most: timeouts, retries, backoffs, a margin.

    A later delivery waits this long after a claim by a live (or unknowable) claimer before it
    calls the outcome unknown: the claimer's own answer is the better one.
    """
    members = getattr(account, "accounts", [account])
    longest = 0.0
    for member in members:
        s = member.settings
        attempts = s.retries + 1
        longest = max(longest, (s.connect_timeout + s.timeout) * attempts + s.backoff * 2 ** min(attempts, 16))
    return longest + 10.0


@attrs.frozen
class ChunkReport:
    """What one delivery of a chunk task did, and the chunk's outcomes after it."""

    job: str
    rows: int
    sent: int = 0  # recipients in the request this delivery made
    resent_same_id: int = 0  # single sends repeated with their stored client id (de-duplicating provider)
    settled_unknown: int = 0  # rows of a dead claimer made unknown, not resent
    outcomes: dict[str, int] = attrs.field(factory=dict)  # the chunk's rows by outcome
    errors: tuple[str, ...] = ()  # error class names of refused or failed requests
    retry: bool = False  # rows are not_sent (refused whole, not taken): the task may try again
    skipped: str | None = None  # why this delivery sent nothing

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class ChunkWorker:
    """Runs chunks of jobs through one account, against one ledger (one per account per process)."""

    def __init__(
        self,
        ledger: Ledger,
        account: Any,
        *,
        fleet_ttl: float = 600.0,
        grace: float | None = None,
        poll: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.account = account
        self.fleet_ttl = fleet_ttl
        self.grace = longest_request(account) if grace is None else grace
        self.poll = poll
        self.sleep = sleep
        self.clock = clock
        self._senders: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._renewed: collections.OrderedDict[str, float] = collections.OrderedDict()

    # ------------------------------------------------------------------ the job's sender

    def sender(self, job: str) -> Any:
        """The job's ``ChunkSender``: its text and options as the ledger holds them (cached)."""
        found = self._senders.get(job)
        if found is not None:
            self._senders.move_to_end(job)
            return found
        import datetime as dt

        info = self.ledger.job_info(job, counts=False)
        if info.provider != self.account.provider:
            raise ConfigurationError(
                f"job {job!r} was planned for {info.provider}, but this worker's account is {self.account.provider}",
                hint="the account name must mean the same account on every host",
            )
        options = dict(info.options)
        options.pop("allow_repeats", None)
        if isinstance(options.get("schedule"), str):
            options["schedule"] = dt.datetime.fromisoformat(options["schedule"])
        sender = self.account.chunk_sender(info.text, **options)
        self._senders[job] = sender
        while len(self._senders) > 64:
            self._senders.popitem(last=False)
        return sender

    # ------------------------------------------------------------------ one delivery

    def run(self, job: str, seqs: Sequence[int], task_id: str) -> ChunkReport:
        chunks = self.sender(job)
        wanted = set(seqs)
        sent = resent = settled = 0
        errors: list[str] = []
        skipped: str | None = None
        for _ in range(5):  # another task may take some of these rows between our read and our claim
            rows = {r.seq: r for r in self.ledger.rows(job, seqs=wanted)}
            try:
                for claim in self._claims(job, wanted, rows):
                    if self._wait_for(job, claim, rows):
                        continue  # the claimer recorded its outcome
                    if self._resendable(chunks, claim):
                        results = self._resend(job, chunks, claim, task_id)
                        resent += len(claim.seqs) if results is not None else 0
                        errors.extend(_errors(results or []))
                    else:
                        settled += self.ledger.settle_unknown(job, claim.attempt, DEAD_REASON)
                sendable = [r for r in rows.values() if r.state in SENDABLE]
                if not sendable:
                    break
                results = self._send(job, chunks, sendable, task_id)
            except JobBusyError:  # a claim refused: the job changed hands, or rows raced away
                if self._lease_holder(job) != FLEET_OWNER:
                    skipped = f"job {job!r} is no longer run by the Celery workers (another runner took it over)"
                    break
                continue  # another task took some of the rows: read again
            sent += len(sendable)
            errors.extend(_errors(results))
            break
        else:
            skipped = "the chunk's rows kept changing under this task"
        outcomes = collections.Counter(r.outcome.value for r in self.ledger.rows(job, seqs=wanted))
        self._progress(job)
        return ChunkReport(
            job=job,
            rows=len(wanted),
            sent=sent,
            resent_same_id=resent,
            settled_unknown=settled,
            outcomes=dict(outcomes),
            errors=tuple(errors),
            retry=outcomes.get(RowState.NOT_SENT.value, 0) > 0 and skipped is None,
            skipped=skipped,
        )

    def _claims(self, job: str, wanted: set[int], rows: dict[int, LedgerRow]) -> list[StaleClaim]:
        """Claims with no outcome over any of ``wanted`` (whole claims: they may reach further)."""
        if not any(r.state is RowState.CLAIMED for r in rows.values()):
            return []  # the usual case: no query
        return [c for c in self.ledger.stale_claims(job) if wanted.intersection(c.seqs)]

    def _wait_for(self, job: str, claim: StaleClaim, rows: dict[int, LedgerRow]) -> bool:
        """Wait while the claimer may still answer; True when its outcome arrived meanwhile."""
        first = rows.get(claim.seqs[0]) or next(self.ledger.rows(job, seqs=claim.seqs[:1]), None)
        claimed_at = first.claimed_at.timestamp() if first is not None and first.claimed_at else 0.0
        while self._maybe_running(claim.attempt) and self.clock() < claimed_at + self.grace:
            self.sleep(self.poll)
            if not any(r.state is RowState.CLAIMED for r in self.ledger.rows(job, seqs=claim.seqs)):
                return True
        return False

    @staticmethod
    def _maybe_running(attempt: str) -> bool:
        """False when the claiming process is certainly not sending it any more."""
        with _INFLIGHT_LOCK:
            if attempt in _INFLIGHT:
                return True
        owner = attempt.rpartition("@")[2] if "@" in attempt else ""
        if not owner:
            return True  # not ours (a local run): only time tells
        if owner == process_owner():
            return False  # this process, and not in flight here: a task of ours that was cut short
        return owner_alive(owner)

    @staticmethod
    def _resendable(chunks: Any, claim: StaleClaim) -> bool:
        """A single send with a stored client id, through the de-duplicating provider that took it."""
        return (
            chunks.deduplicates
            and claim.client_ref is not None
            and len(claim.seqs) == 1
            and claim.provider == chunks.provider
        )

    def _resend(self, job: str, chunks: Any, claim: StaleClaim, task_id: str) -> list[SendResult] | None:
        """Send a dead claim again with its client id (the provider ignores a repeated id)."""
        attempt = _attempt_id(task_id)
        if not self.ledger.reclaim(job, claim.attempt, attempt, owner=FLEET_OWNER):
            return None  # another delivery took it over first
        log.warning("job %s: resending a request cut short, with its client id %s", job, claim.client_ref)
        return self._request(job, chunks, claim.seqs, claim.recipients, attempt, claim.client_ref)

    def _send(self, job: str, chunks: Any, rows: list[LedgerRow], task_id: str) -> list[SendResult]:
        seqs = [r.seq for r in rows]
        recipients = [Recipient(r.number, dict(r.params or {}), r.reference) for r in rows]
        ref = next((r.client_ref for r in rows if r.client_ref), None)
        if ref is None and len(rows) == 1 and chunks.deduplicates:
            ref = uuid.uuid4().hex[:20]
        attempt = _attempt_id(task_id)
        self.ledger.claim(job, seqs, attempt, provider=chunks.provider, client_ref=ref, owner=FLEET_OWNER)
        return self._request(job, chunks, seqs, recipients, attempt, ref)

    def _request(
        self,
        job: str,
        chunks: Any,
        seqs: Sequence[int],
        recipients: Sequence[Recipient],
        attempt: str,
        ref: str | None,
    ) -> list[SendResult]:
        with _INFLIGHT_LOCK:
            _INFLIGHT.add(attempt)
        try:
            results: list[SendResult] = chunks(recipients, client_ref=ref, validated=True)
        except BaseException as exc:  # a time limit, a signal: the request may have left
            self.ledger.settle_unknown(job, attempt, INTERRUPTED_REASON.format(type(exc).__name__))
            raise
        finally:
            with _INFLIGHT_LOCK:
                _INFLIGHT.discard(attempt)
        self._record(job, attempt, outcomes_of(seqs, recipients, results))
        return results

    def _record(self, job: str, attempt: str, outcomes: list[Any], tries: int = 5) -> None:
        """The outcome must not be lost to a blip of the ledger: try a few times before giving up."""
        delay = 0.5
        for n in range(tries):
            try:
                self.ledger.record(job, attempt, outcomes)
                return
            except LedgerUnavailableError:
                if n == tries - 1:
                    raise  # the claim stays; a later delivery makes it unknown
                log.warning("job %s: the ledger failed while recording; trying again in %.1fs", job, delay)
                self.sleep(delay)
                delay *= 2

    # ------------------------------------------------------------------ the fleet's lease

    def _lease_holder(self, job: str) -> str | None:
        info = self.ledger.find_job(job, counts=False)
        return info.lease_owner if info is not None else None

    def _progress(self, job: str) -> None:
        """Progress renews the fleet's lease (at most every ``fleet_ttl / 10`` s from one process);
        the chunk that finds the job done releases it."""
        now = self.clock()
        if now - self._renewed.get(job, 0.0) > self.fleet_ttl / 10:
            self.ledger.renew_lease(job, FLEET_OWNER, self.fleet_ttl)
            self._renewed[job] = now
            self._renewed.move_to_end(job)
            while len(self._renewed) > 256:
                self._renewed.popitem(last=False)
        if job_finished(self.ledger, job):
            self.ledger.release_lease(job, FLEET_OWNER)  # only if the fleet still holds it


def job_finished(ledger: Ledger, job: str) -> bool:
    """Every input row is in and none is waiting for a request (pending, claimed, or refused whole)."""
    if ledger.pending(job, limit=1):  # the usual answer, from one indexed query
        return False
    if next(ledger.rows(job, states=[RowState.CLAIMED.value], page=1), None) is not None:
        return False
    info = ledger.find_job(job, counts=False)
    return info is not None and info.input_done


def _attempt_id(task_id: str) -> str:
    return f"{task_id}~{uuid.uuid4().hex[:8]}@{process_owner()}"


def _errors(results: Iterable[SendResult]) -> list[str]:
    return [str(r.details["error"]) for r in results if r.details.get("error")]
