"""``smsbridge bulk``: a job run through the send ledger, with signals, stop rules and a summary.

The ledger is the source of truth (see ``smsbridge.ledger``): each request's recipients are
claimed there before the request leaves and get their outcome after, so whatever stops the
run (Ctrl-C, SIGTERM, a crash, SIGKILL, a power cut) no recipient is sent twice when the
same command runs again, and a second run of the same job at the same time is refused.

Stopping: the first Ctrl-C or SIGTERM lets the requests in flight finish and be recorded,
then stops; recipients not yet sent stay pending for the next run.  A second one aborts at
once: the requests in flight are recorded ``unknown`` (the provider may have taken them).
The run also stops by itself after an error that every further request would repeat
(credentials, credit) or after ``--max-failed-requests`` failed requests in a row.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from smsbridge.ledger.runner import JobRun, StopToken
from smsbridge.models import ReceiptStatus

__all__ = ["FATAL_ERRORS", "RunStats", "StopSignals", "drive", "summary_dict"]

#: request-level errors after which every further request would fail the same way
FATAL_ERRORS = frozenset({"AuthenticationError", "InsufficientCreditError", "PermissionDeniedError"})


@attrs.define
class RunStats:
    """What this run did; ``stopped`` says why it ended early, if it did."""

    requests: int = 0
    accepted: int = 0
    rejected: int = 0
    unknown: int = 0
    stopped: str | None = None
    interrupted: bool = False
    last_error: str | None = None


class StopSignals:
    """SIGINT and SIGTERM ask ``stop`` to stop after the requests in flight; a second one aborts."""

    def __init__(self, stop: StopToken) -> None:
        self.stop = stop
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stop.requested:
            self.stop.abort()
            raise KeyboardInterrupt
        self.stop.request()
        name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
        # os.write: safe inside a signal handler, unlike the buffered streams
        os.write(2, f"\n{name}: stopping after the requests in flight (again to abort now)\n".encode())

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)


def drive(
    run: JobRun,
    *,
    max_failed_requests: int,
    on_progress: Callable[[int], None] = lambda n: None,
) -> RunStats:
    """Iterate ``run`` under ``StopSignals``, counting, and stop it when every request fails."""
    stats = RunStats()
    failed_in_a_row = 0
    with StopSignals(run.stop):
        try:
            for result in run:
                requests = int(result.details.get("requests", 1))
                stats.requests += requests
                for receipt in result.receipts:
                    if receipt.status is ReceiptStatus.ACCEPTED:
                        stats.accepted += 1
                    elif receipt.status is ReceiptStatus.REJECTED:
                        stats.rejected += 1
                    else:
                        stats.unknown += 1
                on_progress(len(result.receipts))
                error = result.details.get("error")
                if not requests or stats.stopped:
                    continue
                if error and not result.accepted:
                    failed_in_a_row += 1
                    stats.last_error = next((r.reason for r in result.receipts if r.reason), str(error))
                else:
                    failed_in_a_row = 0
                if error in FATAL_ERRORS and not result.accepted:
                    stats.stopped = f"the provider refused the account ({error}); nothing more was sent"
                elif failed_in_a_row >= max_failed_requests:
                    stats.stopped = f"{failed_in_a_row} requests in a row failed; stopped (--max-failed-requests)"
                if stats.stopped:
                    run.stop.request()  # the requests in flight finish and are recorded
        except KeyboardInterrupt:
            stats.interrupted = True
    if run.stop.requested and not stats.stopped:
        stats.interrupted = True
    return stats


def summary_dict(run: JobRun, stats: RunStats, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The ``--json`` summary: this run's figures and the whole job's."""
    counts = dict(run.counts)
    sent = sum(counts.get(s, 0) for s in ("accepted", "delivered", "failed", "expired"))
    not_sent = counts.get("not_sent", 0)
    job = {
        "accepted": sent,
        "rejected": counts.get("rejected", 0) + not_sent,
        "not_sent": not_sent,
        "unknown": counts.get("unknown", 0) + counts.get("claimed", 0),
        "pending": counts.get("pending", 0),
        "duplicates": counts.get("duplicate", 0),
    }
    job["total"] = job["accepted"] + job["rejected"] + job["unknown"] + job["pending"]
    return {
        **extra,
        "job": run.job_id,
        "ledger": run.ledger_url,
        "rows_read": run.rows_read,
        "requests": stats.requests,
        "this_run": {"accepted": stats.accepted, "rejected": stats.rejected, "unknown": stats.unknown},
        **job,
        "stopped": stats.stopped,
        "interrupted": stats.interrupted,
    }
