"""A bulk job run through the ledger: read the input in, then claim, send and record each request.

The order of a run, and what a crash at each point leaves (``docs/ledger.md`` draws it):

1. **open** the job (created on first use; an existing one must have the same text and
   options) and take its **lease**: no second run of the job plans or claims meanwhile;
2. **read the input** into the ledger in batches, each one transaction with the input
   position it reaches and a running digest of the rows read, so that a later run skips
   exactly those rows and refuses an input that differs from them; invalid rows are
   recorded rejected; a row repeating an earlier row's number and text is a duplicate;
3. settle **stale claims** (a crashed run's requests in flight): ``unknown``, except a single
   send to a de-duplicating provider, which goes again with its stored client id;
4. **send**: take the rows to send in input order, group them into requests, and for each one
   commit the claim, make the request, record the outcome.  The outcome is committed with the
   next claim (``Ledger.record_later``): one commit per request, and still on disk before the
   next request leaves.  With ``workers`` > 1 the claims and requests run in threads.

A graceful stop (``StopToken``: Ctrl-C or SIGTERM in the CLI) lets the requests in flight
finish and record; a claim whose request had not started goes back to pending.  An abort (a
second signal) records the requests in flight as unknown.  Nothing is ever sent from a row
that is not claimed, and a claim is only ever made once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.errors import JobMismatchError
from smsbridge.ledger.lease import DEFAULT_TTL, Lease
from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome
from smsbridge.ledger.states import RowState
from smsbridge.models import BulkSummary, Receipt, ReceiptStatus, Recipient, SendResult
from smsbridge.text import is_template

if TYPE_CHECKING:
    from smsbridge.ledger.store import Ledger

__all__ = ["INGEST_BATCH", "InputDigest", "JobRun", "StopToken", "job_options", "new_job_id", "outcomes_of"]

log = logging.getLogger("smsbridge.ledger")

INGEST_BATCH = 1000  # input rows per ledger transaction
_END = object()

STALE_REASON = "the run stopped while this request was in flight (a crash or a kill): it may have been sent"
ABORT_REASON = "the run was aborted while this request was in flight: it may have been sent"


class StopToken:
    """Asks a run to stop: ``request()`` after the requests in flight, ``abort()`` at once."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.aborted = False

    @property
    def requested(self) -> bool:
        return self._stop.is_set()

    def request(self) -> None:
        self._stop.set()

    def abort(self) -> None:
        self.aborted = True
        self._stop.set()


def new_job_id(kind: str = "bulk") -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return f"{kind}-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def job_options(options: Mapping[str, Any], *, allow_repeats: bool) -> dict[str, Any]:
    """A job's send options as stored (JSON-ready; a schedule as an ISO string)."""
    out: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, Mapping):
            value = {str(k): str(v) for k, v in value.items()} or None
        out[key] = value
    out["allow_repeats"] = allow_repeats
    return out


def _canonical(item: Any) -> str:
    """An input row as text for the input digest: a tag, then fields each prefixed with its length."""
    if isinstance(item, str):
        return f"s{len(item)}:{item}"
    if isinstance(item, Recipient):  # any field may be of a wrong type here: checked only after this
        number, ref = str(item.number), item.reference
        text = f"r{len(number)}:{number}" + ("-" if ref is None else f"={len(str(ref))}:{ref}")
        return text + _pairs((str(k), str(v)) for k, v in item.params.items()) if item.params else text
    if isinstance(item, Mapping):
        return "m" + _pairs((str(k), str(v)) for k, v in item.items())
    name, shown = type(item).__name__, str(item)
    return f"o{len(name)}:{name}{len(shown)}:{shown}"


def _pairs(items: Iterable[tuple[str, str]]) -> str:
    return "".join(f"{len(k)}:{k}{len(v)}:{v}" for k, v in sorted(items))


class InputDigest:
    """The digest of a job's input rows so far: identical inputs give identical digests.

    One hash over the rows' texts, each prefixed with its length (so that no two inputs
    give the same stream), fed a batch at a time.
    """

    def __init__(self) -> None:
        self._hash = hashlib.blake2b(digest_size=16)

    def add(self, item: Any) -> None:
        self.add_texts([_canonical(item)])

    def add_texts(self, texts: Iterable[str]) -> None:
        """Rows already turned into text by ``_canonical``."""
        self._hash.update("".join(f"{len(text)}:{text}" for text in texts).encode("utf-8", "surrogatepass"))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _dedup_key(number: str, text: str | None) -> str:
    """What makes two rows of a job one send: the number, and the text when it varies by row.

    The number leads, so that an input sorted by number is written to the index in order.
    """
    if text is None:
        return number
    return f"{number} {hashlib.blake2b(text.encode('utf-8', 'surrogatepass'), digest_size=16).hexdigest()}"


@attrs.frozen
class _Read:
    """One batch of input written to the ledger: its rejections, and its rows to send."""

    rejections: SendResult | None
    rows: list[tuple[int, Recipient, str | None]]


@attrs.define
class _Chunk:
    """The rows of one request: sequence numbers and recipients, in input order."""

    seqs: list[int] = attrs.field(factory=list)
    recipients: list[Recipient] = attrs.field(factory=list)
    client_ref: str | None = None
    text: str | None = None

    def __len__(self) -> int:
        return len(self.seqs)


class JobRun:
    """One run of a bulk job: iterate it to send; ``job_summary`` then counts the whole job."""

    def __init__(
        self,
        chunks: Any,
        recipients: Iterable[Any] | None,
        *,
        workers: int,
        ledger: Any = None,
        job: str | None = None,
        allow_repeats: bool = False,
        resend_unknown: bool = False,
        wait: float | None = None,
        stop: StopToken | None = None,
        lease_ttl: float = DEFAULT_TTL,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.chunks = chunks
        self.recipients = recipients
        self.workers = max(1, int(workers))
        self._ledger_arg = ledger
        self.job_id = job or new_job_id()
        self.allow_repeats = allow_repeats
        self.resend_unknown = resend_unknown
        self.wait = wait
        self.stop = stop or StopToken()
        self.lease_ttl = lease_ttl
        self.warn = warn or log.warning
        self.ledger_url: str | None = None
        self.counts: dict[str, int] = {}
        self.requests = 0
        self.rows_read = 0  # input rows read into the ledger by this run
        self.lease_lost = False
        self._inflight: dict[str, _Chunk] = {}
        self._lock = threading.Lock()
        self._validated = True  # the rows were checked by this provider when they were read in

    # ------------------------------------------------------------------ the run

    def __iter__(self) -> Iterator[SendResult]:
        from smsbridge.ledger.opening import resolve_ledger

        ledger = resolve_ledger(self._ledger_arg)
        self.ledger_url = ledger.url
        try:
            spec = JobSpec(
                id=self.job_id,
                provider=self.chunks.provider,
                account=self.chunks.account_url,
                text=self.chunks.text,
                options=job_options(self.chunks.options, allow_repeats=self.allow_repeats),
            )
            info = ledger.open_job(spec)
            self._validated = info.provider == spec.provider
            if not self._validated:
                self.warn(
                    f"job {self.job_id!r} was started through {info.provider}; it now goes on through {spec.provider}"
                )
            with self._take_lease(ledger) as lease:
                # as the last holder left it: it may have read more input while this run waited
                info = ledger.job_info(self.job_id, counts=False)
                feed = self._feed(ledger, info)
                next(feed, None)  # check the input against the rows the job holds before anything else
                yield from self._settle_stale(ledger, lease)
                if self.resend_unknown:
                    reopened = ledger.reopen_unknown(self.job_id)
                    if reopened:
                        self.warn(
                            f"resend_unknown: {reopened} recipient(s) whose outcome is unknown are sent again; "
                            "the provider may have taken them already, so they may receive it twice"
                        )
                yield from self._send(ledger, lease, feed)
                self.lease_lost = lease.lost.is_set()
        finally:
            try:
                ledger.flush()  # the last outcomes, still waiting for a next claim (a ledger error is raised)
            finally:
                try:
                    own = ledger.counts(self.job_id)  # one scan of the job's rows
                    self.counts = ledger.outcome_counts(self.job_id, own)
                    self.counts[RowState.DUPLICATE.value] = own.get(RowState.DUPLICATE.value, 0)
                except Exception:  # the ledger failed: what it holds is still right, just not counted here
                    log.debug("could not count the job's rows", exc_info=True)
        if self.lease_lost:
            from smsbridge.errors import JobBusyError

            raise JobBusyError(
                f"this run of job {self.job_id!r} lost its lease (it was stalled for over {self.lease_ttl:.0f}s "
                "and another run took the job over); it stopped without sending more"
            )

    def _take_lease(self, ledger: Ledger) -> Lease:
        """The lease this run holds on the job while it plans and claims.

        One runner per job: this process's own lease (its wait ends at a stop request).  A
        distributed run (``smsbridge-celery``'s submitter) returns one held in the name of its
        workers instead, and replaces ``_send`` with enqueueing the planned chunks.
        """
        return Lease(ledger, self.job_id, ttl=self.lease_ttl, wait=self.wait, stopping=lambda: self.stop.requested)

    # ------------------------------------------------------------------ 2. the input

    def _feed(self, ledger: Ledger, info: Any) -> Iterator[_Read | None]:
        """Read the input into the ledger, one batch a step (a committed transaction each).

        Checks first that the input starts with the rows the job already holds (their
        digest), so that a resumed job skips exactly those and a different input is refused
        before anything is sent.  Each step yields the batch's rejections and the rows it
        added to send (not its duplicates), after a first ``None``; it ends with the input.
        """
        job = self.job_id
        if self.recipients is None:
            if not info.input_done:
                self.warn(
                    f"job {job!r} holds the first {info.ingested} input row(s) only; "
                    "give the recipients again to send to the rest"
                )
            return
        items = iter(self.recipients)
        digest = InputDigest()
        for n in range(info.ingested):
            item = next(items, _END)
            if item is _END:
                raise JobMismatchError(
                    f"the recipients given have {n} row(s), fewer than the {info.ingested} job {job!r} already holds"
                )
            digest.add(item)
        if info.ingested and digest.hexdigest() != info.input_digest:
            raise JobMismatchError(
                f"the recipients given differ from those job {job!r} was started with "
                f"(in its first {info.ingested} row(s)); nothing was sent"
            )
        if info.input_done:
            if next(items, _END) is not _END:
                raise JobMismatchError(
                    f"the recipients given have more rows than the {info.ingested} job {job!r} was started with"
                )
            return
        yield None  # the input is checked: sending may start
        read = seq = info.ingested
        texts: list[str] = []  # the rows read, as digest text: validation answers them one by one, in order

        def tracked() -> Iterator[Any]:
            for item in items:
                texts.append(_canonical(item))
                yield item

        chunks, allow_repeats = self.chunks, self.allow_repeats
        templated = is_template(chunks.template.text)  # if not, every row gets the job's one text
        batch: list[NewRow] = []
        sendable: list[tuple[int, Recipient, str | None]] = []
        rejected: list[Receipt] = []

        def commit(done: bool) -> _Read:
            nonlocal read, batch, sendable, rejected
            digest.add_texts(texts[: len(batch)])  # the rows answered (not one whose validation broke off)
            del texts[: len(batch)]
            repeats = ledger.ingest(job, batch, read_before=read, read_after=seq, digest=digest.hexdigest(), done=done)
            step = _Read(
                _rejections(chunks.provider, rejected) if rejected else None,
                [row for row in sendable if row[0] not in repeats] if repeats else sendable,
            )
            self.rows_read += len(batch)
            read, batch, sendable, rejected = seq, [], [], []
            return step

        try:
            for answer in chunks.validate(tracked()):
                if isinstance(answer, Receipt):
                    batch.append(
                        NewRow(seq, answer.recipient, state=RowState.REJECTED, reason=answer.reason, code=answer.code)
                    )
                    rejected.append(answer)
                else:
                    text = chunks.text_for(answer) if templated else None
                    key = None if allow_repeats else _dedup_key(answer.number, text)
                    batch.append(NewRow(seq, answer.number, answer.params or None, answer.reference, key))
                    sendable.append((seq, answer, None))
                seq += 1
                if len(batch) >= INGEST_BATCH:
                    yield commit(False)
        except BaseException:
            if batch:  # keep what was read before the input (or a Ctrl-C) stopped it
                commit(False)
            raise
        yield commit(True)

    # ------------------------------------------------------------------ 3. a crashed run's claims

    def _settle_stale(self, ledger: Ledger, lease: Lease) -> Iterator[SendResult]:
        chunks = self.chunks
        settled = resent = 0
        for claim in ledger.stale_claims(self.job_id):
            resendable = (
                chunks.deduplicates
                and claim.client_ref is not None
                and len(claim.seqs) == 1
                and claim.provider == chunks.provider
            )
            if not resendable:
                settled += ledger.settle_unknown(self.job_id, claim.attempt, STALE_REASON)
                continue
            attempt = uuid.uuid4().hex
            if not ledger.reclaim(self.job_id, claim.attempt, attempt, owner=lease.owner):
                continue
            chunk = _Chunk(seqs=list(claim.seqs), recipients=list(claim.recipients), client_ref=claim.client_ref)
            resent += 1
            results = self._request(ledger, chunk, attempt, claim.client_ref, maybe_taken=True)
            yield from results
        if settled:
            self.warn(
                f"job {self.job_id!r}: {settled} recipient(s) were in a request in flight when an earlier run "
                "stopped; their outcome is unknown and they are not sent again"
            )
        if resent:
            self.warn(
                f"job {self.job_id!r}: {resent} request(s) in flight when an earlier run stopped were sent again "
                "with the same client id (the provider ignores a repeated id)"
            )

    # ------------------------------------------------------------------ 4. sending

    def _stopping(self, lease: Lease) -> bool:
        return self.stop.requested or lease.lost.is_set()

    def _plan(self, ledger: Ledger, lease: Lease, feed: Iterator[_Read | None]) -> Iterator[_Chunk | SendResult]:
        """The requests to make, in input order: first the rows the ledger holds to send, then
        those of the input as it is read in (straight from the batch just written).

        Also yields the rejections found while reading (as results of no request).
        """
        chunks = self.chunks
        after = -1
        chunk = _Chunk()
        page = max(INGEST_BATCH, chunks.size * 4)
        stored = True  # rows an earlier run (or this one's resend_unknown) left to send
        while not self._stopping(lease):
            if stored:
                rows = ledger.pending(self.job_id, after=after, limit=page)
                stored = bool(rows)
                if rows:
                    after = rows[-1][0]
            if not stored:
                step = next(feed, _END)
                if step is _END:
                    break
                if step is None:
                    continue
                assert isinstance(step, _Read)
                if step.rejections is not None:
                    yield step.rejections
                rows = step.rows
            for seq, recipient, ref in rows:
                if ref is not None and chunks.deduplicates:  # a row with its own client id goes alone
                    if chunk:
                        yield chunk
                        chunk = _Chunk()
                    yield _Chunk([seq], [recipient], client_ref=ref)
                    continue
                if chunks.groups_by_text:
                    text = chunks.text_for(recipient)
                    if chunk and text != chunk.text:
                        yield chunk
                        chunk = _Chunk()
                    chunk.text = text
                chunk.seqs.append(seq)
                chunk.recipients.append(recipient)
                if len(chunk) >= chunks.size:
                    yield chunk
                    chunk = _Chunk()
        if chunk and not self._stopping(lease):
            yield chunk

    def _task(self, ledger: Ledger, lease: Lease, chunk: _Chunk) -> list[SendResult] | None:
        """Claim, send, record one request; ``None`` when the run is stopping (nothing claimed)."""
        if self._stopping(lease):
            return None
        attempt = uuid.uuid4().hex
        ref = chunk.client_ref
        if ref is None and len(chunk) == 1 and self.chunks.deduplicates:
            ref = uuid.uuid4().hex[:20]
        ledger.claim(self.job_id, chunk.seqs, attempt, provider=self.chunks.provider, client_ref=ref, owner=lease.owner)
        if self._stopping(lease):
            ledger.release(self.job_id, attempt)  # the request never started: not sent
            return None
        return self._request(ledger, chunk, attempt, ref)

    def _request(
        self, ledger: Ledger, chunk: _Chunk, attempt: str, ref: str | None, *, maybe_taken: bool = False
    ) -> list[SendResult]:
        """Send ``chunk`` (claimed by ``attempt``) and record its outcome.

        ``maybe_taken``: an earlier attempt of these rows may have been taken (a stale claim
        sent again), so a refusal now leaves them unknown, never ``not_sent``.
        """
        with self._lock:
            self._inflight[attempt] = chunk
        try:
            results: list[SendResult] = self.chunks(chunk.recipients, client_ref=ref, validated=self._validated)
        except BaseException as exc:
            # a Ctrl-C in the middle of the request (or a bug below us): it may have left
            ledger.settle_unknown(
                self.job_id, attempt, f"interrupted while the request was in flight ({type(exc).__name__})"
            )
            raise
        finally:
            with self._lock:
                self._inflight.pop(attempt, None)
        outcomes = outcomes_of(chunk.seqs, chunk.recipients, results)
        if maybe_taken:
            outcomes = [_unknown_after_refusal(o) if o.state is RowState.NOT_SENT else o for o in outcomes]
        ledger.record_later(self.job_id, attempt, outcomes)  # committed with the next claim
        with self._lock:
            self.requests += sum(int(r.details.get("requests", 1)) for r in results)
        return results

    def _send(self, ledger: Ledger, lease: Lease, feed: Iterator[_Read | None]) -> Iterator[SendResult]:
        plan = self._plan(ledger, lease, feed)
        if self.workers <= 1:
            for item in plan:
                if isinstance(item, SendResult):
                    yield item
                    continue
                results = self._task(ledger, lease, item)
                if results is None:
                    break
                yield from results
            return
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"smsbridge-{self.job_id}")
        queued: deque[Future[list[SendResult] | None] | SendResult] = deque()
        aborted = False
        try:
            for item in plan:
                queued.append(item if isinstance(item, SendResult) else pool.submit(self._task, ledger, lease, item))
                while len(queued) >= self.workers * 2:
                    yield from _done(queued.popleft())
                if self._stopping(lease):
                    break
            while queued:
                yield from _done(queued.popleft())
        except BaseException as exc:
            self.stop.request()  # no task claims anything from now on
            for future in queued:
                if isinstance(future, Future):
                    future.cancel()
            aborted = isinstance(exc, KeyboardInterrupt) or self.stop.aborted
            if aborted:
                with self._lock:
                    inflight = list(self._inflight)
                for attempt in inflight:
                    ledger.settle_unknown(self.job_id, attempt, ABORT_REASON)
            raise
        finally:
            pool.shutdown(wait=not aborted, cancel_futures=True)

    # ------------------------------------------------------------------ the summary

    def job_summary(self, run: BulkSummary) -> BulkSummary:
        """``run`` (this run's counts) turned into the whole job's, from the ledger."""
        counts = self.counts
        accepted = sum(counts.get(s.value, 0) for s in RowState if s.sent)
        not_sent = counts.get(RowState.NOT_SENT.value, 0)
        rejected = counts.get(RowState.REJECTED.value, 0) + not_sent
        unknown = counts.get(RowState.UNKNOWN.value, 0) + counts.get(RowState.CLAIMED.value, 0)
        pending = counts.get(RowState.PENDING.value, 0)
        receipts = None
        if run.receipts is not None:
            from smsbridge.ledger.opening import resolve_ledger

            ledger = resolve_ledger(self._ledger_arg)
            receipts = tuple(row.receipt() for row in ledger.rows(self.job_id) if row.outcome is not RowState.PENDING)
        return BulkSummary(
            provider=run.provider,
            total=accepted + rejected + unknown + pending,
            accepted=accepted,
            rejected=rejected,
            unknown=unknown,
            requests=run.requests,
            receipts=receipts,
            pending=pending,
            not_sent=not_sent,
            duplicates=counts.get(RowState.DUPLICATE.value, 0),
            job=self.job_id,
        )


def _done(item: Future[list[SendResult] | None] | SendResult) -> Iterable[SendResult]:
    if isinstance(item, SendResult):
        return (item,)
    return item.result() or ()


def _rejections(provider: str, receipts: list[Receipt]) -> SendResult:
    return SendResult(provider=provider, receipts=tuple(receipts), details={"requests": 0})


def outcomes_of(
    seqs: Sequence[int], recipients: Sequence[Recipient], results: Sequence[SendResult]
) -> list[RowOutcome]:
    """Each row's outcome from a request's receipts (matched by number, in order).

    A recipient of a request refused whole, or one a plugin marks ``retryable``, is
    ``not_sent`` (a resume sends it again); one the reply does not mention is ``unknown``.
    """
    waiting: dict[str, deque[int]] = {}
    for seq, recipient in zip(seqs, recipients, strict=True):
        waiting.setdefault(recipient.number, deque()).append(seq)
    out: list[RowOutcome] = []
    for result in results:
        refused_whole = bool(result.details.get("error"))
        for receipt in result.receipts:
            queue = waiting.get(receipt.recipient)
            if not queue:
                log.warning("a receipt for %s matches no recipient of its request", receipt.recipient)
                continue
            if receipt.status is ReceiptStatus.ACCEPTED:
                state = RowState.ACCEPTED
            elif receipt.status is ReceiptStatus.UNKNOWN:
                state = RowState.UNKNOWN
            else:
                state = RowState.NOT_SENT if refused_whole or receipt.retryable else RowState.REJECTED
            out.append(
                RowOutcome(queue.popleft(), state, receipt.message_id, receipt.provider, receipt.reason, receipt.code)
            )
    for queue in waiting.values():
        out.extend(
            RowOutcome(seq, RowState.UNKNOWN, reason="the provider's reply did not mention this recipient")
            for seq in queue
        )
    return out


def _unknown_after_refusal(outcome: RowOutcome) -> RowOutcome:
    reason = "an earlier attempt may have been taken (its run stopped with it in flight); sent again, it was refused"
    return outcome._replace(state=RowState.UNKNOWN, reason=f"{reason}: {outcome.reason}")
