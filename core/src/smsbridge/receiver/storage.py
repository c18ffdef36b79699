"""Storing what the receiver takes in: group commit into the ledger, and the orphan sweep.

A callback is answered "taken" only once its reports are committed: a provider told 200
does not send them again, so an answer before the commit could lose an outcome.  Committing
each callback alone would cost one disk sync each (SQLite with ``synchronous=FULL``: a few
milliseconds), so one writer thread takes every callback waiting at that moment and
commits them in one transaction; each request's answer waits for its batch.  A batch that
fails is retried one request at a time, so one bad request cannot fail the others.

The same thread opens the ledger (on first use: after a pre-forking server forked) and
every ``sweep_every`` seconds joins orphan reports whose send has been recorded since and
drops those older than 24 h.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from smsbridge.errors import LedgerError
from smsbridge.ledger.models import ReportOutcome, StatusReport
from smsbridge.models import InboundMessage

__all__ = ["Batch", "Stored", "Writer"]

log = logging.getLogger("smsbridge.receiver")


@attrs.frozen
class Batch:
    """One request's worth: reports, and messages as (account, provider, message)."""

    reports: Sequence[StatusReport] = ()
    messages: Sequence[tuple[str, str, InboundMessage]] = ()


@attrs.frozen
class Stored:
    """What became of a batch: an outcome per report, new-or-not per message; or the error."""

    reports: Sequence[ReportOutcome] = ()
    messages: Sequence[bool] = ()
    error: BaseException | None = None


Done = Callable[[Stored], None]


class Writer:
    """The one thread that writes the receiver's ledger (see the module docstring)."""

    def __init__(
        self,
        ledger: Any,
        *,
        max_batch: int = 512,
        sweep_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ledger_arg = ledger
        self.ledger: Any = None  # shared with the process (smsbridge.ledger.shared_ledger): never closed here
        self.max_batch = max_batch
        self.sweep_every = sweep_every
        self._clock = clock
        self._queue: deque[tuple[Batch, Done]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._next_sweep = 0.0
        self.commits = 0  # transactions, for the figures

    # ------------------------------------------------------------------ the callers' side

    def submit(self, batch: Batch, done: Done) -> None:
        """Queue ``batch``; ``done`` is called (from the writer thread) once it is committed or failed."""
        with self._cond:
            if self._stopping:
                done(Stored(error=LedgerError("the receiver is shutting down")))
                return
            self._start()
            self._queue.append((batch, done))
            self._cond.notify()

    def store(self, batch: Batch, timeout: float = 30.0) -> Stored:
        """``submit`` and wait: for threaded servers (WSGI)."""
        finished = threading.Event()
        box: list[Stored] = []

        def done(result: Stored) -> None:
            box.append(result)
            finished.set()

        self.submit(batch, done)
        if not finished.wait(timeout):
            return Stored(error=LedgerError(f"the ledger did not commit within {timeout:.0f}s"))
        return box[0]

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)

    # ------------------------------------------------------------------ the writer thread

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="smsbridge-receiver-writer", daemon=True)
            self._thread.start()

    def open(self) -> Any:
        """The ledger, opened on first use (in the thread that writes it)."""
        if self.ledger is None:
            from smsbridge.ledger import resolve_ledger

            self.ledger = resolve_ledger(self._ledger_arg)
        return self.ledger

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    wait = self._next_sweep - self._clock() if self.sweep_every > 0 else None
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopping and not self._queue:
                    return
                taken = [self._queue.popleft() for _ in range(min(len(self._queue), self.max_batch))]
            if taken:
                self._write(taken)
            if self.sweep_every > 0 and self._clock() >= self._next_sweep:
                self._sweep()

    def _write(self, taken: list[tuple[Batch, Done]]) -> None:
        try:
            results = self._commit([batch for batch, _ in taken])
        except Exception as exc:
            if len(taken) == 1:
                results = [Stored(error=exc)]
            else:  # one bad request must not fail the others: each alone
                results = []
                for batch, _ in taken:
                    try:
                        results.extend(self._commit([batch]))
                    except Exception as single:
                        results.append(Stored(error=single))
        for (_, done), result in zip(taken, results, strict=True):
            try:
                done(result)
            except Exception:  # a caller that went away (a closed event loop): nothing to tell
                log.debug("could not hand back a stored batch", exc_info=True)

    def _commit(self, batches: list[Batch]) -> list[Stored]:
        ledger = self.open()
        reports = [r for b in batches for r in b.reports]
        messages = [m for b in batches for m in b.messages]
        outcomes, stored = ledger.record_received(reports, messages)
        self.commits += 1
        out, r, m = [], 0, 0
        for b in batches:
            out.append(Stored(outcomes[r : r + len(b.reports)], stored[m : m + len(b.messages)]))
            r += len(b.reports)
            m += len(b.messages)
        return out

    def _sweep(self) -> None:
        self._next_sweep = self._clock() + self.sweep_every
        try:
            joined, dropped = self.open().join_orphans()
        except Exception as exc:
            log.warning("receiver: the orphan sweep failed: %s", exc)
            return
        if joined or dropped:
            log.info("receiver: %d orphan report(s) joined to their send, %d older than 24 h dropped", joined, dropped)
