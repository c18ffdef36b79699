"""The Celery tasks, with the settings that make "never twice" hold, and the ``Fleet`` that submits to them.

``register(app, ...)`` defines two tasks on the host's Celery app:

* ``smsbridge.chunk(job, account, seqs)``: one request-sized chunk of a bulk job (see
  ``smsbridge_celery.chunks`` for what a delivery does);
* ``smsbridge.send(account, to, text, key, options)``: one transactional message, sent at most
  once per idempotency key (``Account.send(idempotency_key=...)`` on the worker).

Their settings are fixed here, not left to the host, because each one closes a way to lose or
repeat a send (docs/scaling.md explains them):

* ``acks_late=True``: the broker forgets a task only after it ran.  With early
  acknowledgement a worker that dies mid-task loses the chunk: its rows would stay pending
  until someone resubmits the job.
* ``reject_on_worker_lost=True``: when the pool process running a task dies (SIGKILL, the
  OOM killer, a hard time limit), the task goes back to the queue instead of being acked as
  failed.  The redelivery is safe because the ledger, not the queue, decides: the claim it
  finds is settled, never sent again (except with the same client id, where that is safe).
* ``worker_prefetch_multiplier = 1`` (set on the app): a worker reserves one task beyond the
  one it runs, so one dying worker sends back one task, not dozens, and a slow chunk does not
  hold others hostage.
* Time limits are never swallowed: a soft time limit that interrupts a request settles its
  claim ``unknown`` and is raised again; the hard limit kills the process (see above).
* Retries: a chunk is tried again (``self.retry``, with backoff) only when the ledger says its
  request was refused whole (``not_sent``: certainly not taken) and the refusal is not one every
  retry would repeat (credentials, credit, permission).  Never after an unknown outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from smsbridge.cli.bulk import FATAL_ERRORS  # request-level refusals every retry would repeat
from smsbridge.errors import (
    ConfigurationError,
    JobBusyError,
    JobNotFoundError,
    LedgerUnavailableError,
    Outcome,
    SmsBridgeError,
)
from smsbridge_celery.accounts import AccountBook, AccountCallback, check_name
from smsbridge_celery.chunks import ChunkWorker, decode_seqs, encode_seqs
from smsbridge_celery.submit import DistributedRun, Submission

__all__ = ["CHUNK_TASK", "FATAL_ERRORS", "SEND_TASK", "TASK_OPTIONS", "Fleet", "register"]

log = logging.getLogger("smsbridge.celery")

CHUNK_TASK = "smsbridge.chunk"
SEND_TASK = "smsbridge.send"

#: set on both tasks (see the module docstring for why)
TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "acks_on_failure_or_timeout": True,  # a task that raised has settled its claim first
}

_TIME_LIMITS = frozenset({"SoftTimeLimitExceeded", "TimeLimitExceeded"})


class Fleet:
    """smsbridge's tasks on one Celery app, and what submits work to them.

    ``ledger``: the shared ledger's URL (``None``: ``SMSBRIDGE_LEDGER``, read on each host; a
    PostgreSQL ledger for several hosts).  It never travels through the broker either: it may
    hold the database's password.  ``accounts``: the host's resolver from account names
    (``smsbridge_celery.accounts``).  ``queue``: where the tasks go.  ``fleet_ttl``: how long
    the workers may go without progress on a job before a local run may take it over.
    ``rate_store``: where an account's ``rate=`` is shared (a ``redis://`` URL or ``"ledger"``;
    ``None``: the broker when it is Redis, else the ledger).  ``retries`` / ``retry_backoff``:
    for chunks refused whole (``not_sent``).
    """

    def __init__(
        self,
        app: Any,
        *,
        ledger: str | None = None,
        accounts: AccountCallback | None = None,
        queue: str = "smsbridge",
        fleet_ttl: float = 600.0,
        rate_store: str | None = None,
        retries: int = 5,
        retry_backoff: float = 30.0,
        key_prefix: str = "",
    ) -> None:
        self.app = app
        self.ledger_url = ledger
        self.queue = queue
        self.fleet_ttl = fleet_ttl
        self.retries = retries
        self.retry_backoff = retry_backoff
        self.rate_store = rate_store or _default_rate_store(app)
        self.key_prefix = key_prefix
        self.accounts = AccountBook(accounts, limiter=self._limiter)
        self._workers: dict[tuple[int, str], ChunkWorker] = {}
        self._lock = threading.Lock()
        self._limiters: Any = None

    # ------------------------------------------------------------------ per-process resources

    def ledger(self) -> Any:
        """The shared ledger, opened once per process."""
        from smsbridge.ledger import shared_ledger

        return shared_ledger(self.ledger_url)

    def _limiter(self, name: str, rate: float) -> Any:
        if self._limiters is None:
            from smsbridge_celery.ratelimit import limiter_factory

            self._limiters = limiter_factory(self.rate_store, prefix=self.key_prefix, ledger=self.ledger)
        return self._limiters(name, rate)

    def worker(self, account: str) -> ChunkWorker:
        key = (os.getpid(), account)
        with self._lock:
            found = self._workers.get(key)
        if found is None:
            found = ChunkWorker(self.ledger(), self.accounts.account(account), fleet_ttl=self.fleet_ttl)
            with self._lock:
                found = self._workers.setdefault(key, found)
        return found

    # ------------------------------------------------------------------ submitting

    def submit(
        self,
        job: str,
        account: str,
        recipients: Iterable[Any],
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
        chunk_size: int | None = None,
        allow_repeats: bool = False,
        resend_unknown: bool = False,
        wait: float | None = None,
        opened: Any = None,
        warn: Any = None,
    ) -> Submission:
        """Write the job's recipients into the shared ledger and queue one task per request.

        ``account`` is the account's **name**: the tasks carry it, and each worker resolves it
        itself (the submitting process resolves it the same way, to check the recipients and
        learn the provider's per-request limit; ``opened`` passes an account already open
        under that name).  ``chunk_size``: recipients per task, at most the provider's limit
        (the default).  Submitting an existing job resumes it: only rows without an outcome
        are queued.  Returns what was queued; ``smsbridge jobs show JOB`` follows the job.
        """
        check_name(account)
        opened = opened if opened is not None else self.accounts.account(account)
        chunks = opened.chunk_sender(
            text, sender=sender, schedule=schedule, flash=flash, encoding=encoding, options=options
        )
        return self._queue(
            job,
            account,
            chunks,
            recipients,
            chunk_size=chunk_size,
            allow_repeats=allow_repeats,
            resend_unknown=resend_unknown,
            wait=wait,
            warn=warn,
        )

    def resume(
        self,
        job: str,
        account: str,
        *,
        chunk_size: int | None = None,
        resend_unknown: bool = False,
        wait: float | None = None,
        warn: Any = None,
    ) -> Submission:
        """Queue again what ``job`` still has to send, from the ledger alone.

        For a queue that was lost (a broker without persistence, a purged queue, a message a
        worker took and died with before the broker recorded it as taken): the rows without an
        outcome get tasks again, claims without an outcome get a task that settles them.
        Rows that also still have a task queued are sent once all the same.
        """
        check_name(account)
        info = self.ledger().job_info(job, counts=False)
        stored = dict(info.options)
        allow_repeats = bool(stored.pop("allow_repeats", False))
        if isinstance(stored.get("schedule"), str):
            stored["schedule"] = dt.datetime.fromisoformat(stored["schedule"])
        chunks = self.accounts.account(account).chunk_sender(info.text, **stored)
        return self._queue(
            job,
            account,
            chunks,
            None,
            chunk_size=chunk_size,
            allow_repeats=allow_repeats,
            resend_unknown=resend_unknown,
            wait=wait,
            warn=warn,
        )

    def _queue(
        self,
        job: str,
        account: str,
        chunks: Any,
        recipients: Iterable[Any] | None,
        *,
        chunk_size: int | None,
        allow_repeats: bool,
        resend_unknown: bool,
        wait: float | None,
        warn: Any,
    ) -> Submission:
        if chunk_size is not None:
            if chunk_size < 1:
                raise ConfigurationError(f"chunk_size must be 1 or more, not {chunk_size}")
            chunks.size = min(chunks.size, int(chunk_size))
        chunk_task = self.app.tasks[CHUNK_TASK]

        def enqueue(seqs: Sequence[int]) -> None:
            chunk_task.apply_async((job, account, encode_seqs(seqs)), queue=self.queue)

        ledger = self.ledger()
        run = DistributedRun(
            chunks,
            recipients,
            enqueue=enqueue,
            fleet_ttl=self.fleet_ttl,
            ledger=ledger,
            job=job,
            allow_repeats=allow_repeats,
            resend_unknown=resend_unknown,
            wait=wait,
            warn=warn,
        )
        for _ in run:  # the recipients rejected before any request: recorded in the ledger
            pass
        return Submission(
            job=job,
            ledger=ledger.url,
            queue=self.queue,
            tasks=run.tasks,
            chunk_size=chunks.size,
            rows_read=run.rows_read,
            counts=ledger.counts(job),
        )

    def send(
        self,
        account: str,
        to: Any,
        text: str,
        *,
        key: str,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
        **apply: Any,
    ) -> Any:
        """Queue one transactional message, sent at most once per ``key`` (your notification id).

        Returns Celery's ``AsyncResult``; with a result backend its value is the outcome (the
        recorded one when the key was used before).  ``apply``: ``apply_async`` options
        (``countdown``, ``eta``, ``priority``, ...).
        """
        check_name(account)
        if not isinstance(key, str) or not key.strip():
            raise ConfigurationError("a transactional send needs an idempotency key (key='notification-42')")
        extra = {
            "sender": sender,
            "schedule": schedule.isoformat() if schedule is not None else None,
            "flash": flash,
            "encoding": encoding,
            "options": dict(options) if options else None,
        }
        return self.app.tasks[SEND_TASK].apply_async(
            (account, to, text, key, extra), queue=apply.pop("queue", self.queue), **apply
        )

    # ------------------------------------------------------------------ the tasks' bodies

    def run_chunk(self, task: Any, job: str, account: str, runs: list[list[int]]) -> dict[str, Any]:
        seqs = decode_seqs(runs)
        try:
            report = self.worker(account).run(job, seqs, task.request.id or "task")
        except LedgerUnavailableError as exc:  # nothing claimed, or a claim a later delivery settles
            raise task.retry(exc=exc, countdown=5, max_retries=None)
        except (JobNotFoundError, ConfigurationError) as exc:
            # this worker is set up differently (another ledger, an unknown account name): nothing
            # was claimed; keep the chunk for a worker that is set up right, for an hour
            log.error("chunk of job %s not run on this worker: %s", job, exc)
            raise task.retry(exc=exc, countdown=60, max_retries=60)
        _raise_time_limit(report.errors)
        if report.skipped:
            log.warning("chunk of job %s: %s", job, report.skipped)
        elif report.retry:
            fatal = FATAL_ERRORS.intersection(report.errors)
            if fatal:
                log.error(
                    "chunk of job %s refused (%s): not retried; resubmit the job when fixed", job, ", ".join(fatal)
                )
            elif task.request.retries < self.retries:
                countdown = self.retry_backoff * 2**task.request.retries
                raise task.retry(countdown=countdown, max_retries=self.retries)
        return report.as_dict()

    def run_send(
        self, task: Any, account: str, to: Any, text: str, key: str, extra: Mapping[str, Any]
    ) -> dict[str, Any]:
        options = dict(extra)
        if isinstance(options.get("schedule"), str):
            options["schedule"] = dt.datetime.fromisoformat(options["schedule"])
        try:
            result = self.accounts.account(account).send(to, text, idempotency_key=key, ledger=self.ledger(), **options)
        except JobBusyError as exc:  # the same key is in flight elsewhere: ask again once it is done
            raise task.retry(exc=exc, countdown=2, max_retries=None)
        except LedgerUnavailableError as exc:
            raise task.retry(exc=exc, countdown=5, max_retries=None)
        except SmsBridgeError as exc:
            retryable = (
                exc.outcome is Outcome.NOT_SENT
                and not getattr(exc, "before_request", False)  # a mistake in the message: every retry repeats it
                and type(exc).__name__ not in FATAL_ERRORS
            )
            if retryable and task.request.retries < self.retries:
                raise task.retry(exc=exc, countdown=self.retry_backoff * 2**task.request.retries)
            raise
        _raise_time_limit([str(result.details.get("error", ""))])
        return {
            "job": result.details.get("job"),
            "replayed": bool(result.details.get("replayed")),
            "provider": result.provider,
            "receipts": [
                {"to": r.recipient, "status": r.status.value, "message_id": r.message_id, "reason": r.reason}
                for r in result.receipts
            ],
        }


def register(app: Any, **settings: Any) -> Fleet:
    """Define smsbridge's tasks on ``app`` and return the ``Fleet`` that submits to them.

    Sets ``worker_prefetch_multiplier = 1`` on the app (see the module docstring); run the
    tasks' queue on workers of their own if other tasks of the app want another value.
    ``settings``: see ``Fleet``.
    """
    fleet = Fleet(app, **settings)
    app.conf.worker_prefetch_multiplier = 1

    @app.task(name=CHUNK_TASK, bind=True, shared=False, ignore_result=True, **TASK_OPTIONS)  # type: ignore[untyped-decorator]
    def chunk(self: Any, job: str, account: str, runs: list[list[int]]) -> dict[str, Any]:
        return fleet.run_chunk(self, job, account, runs)

    @app.task(name=SEND_TASK, bind=True, shared=False, **TASK_OPTIONS)  # type: ignore[untyped-decorator]
    def send(self: Any, account: str, to: Any, text: str, key: str, extra: dict[str, Any]) -> dict[str, Any]:
        return fleet.run_send(self, account, to, text, key, extra)

    app.smsbridge_fleet = fleet
    return fleet


def _default_rate_store(app: Any) -> str:
    broker = str(app.conf.broker_url or "")
    return broker if broker.startswith(("redis://", "rediss://")) else "ledger"


def _raise_time_limit(errors: Iterable[str]) -> None:
    """A time limit the core turned into an unknown receipt (recorded as such) is raised again."""
    if _TIME_LIMITS.intersection(errors):
        from billiard.exceptions import SoftTimeLimitExceeded

        raise SoftTimeLimitExceeded()
