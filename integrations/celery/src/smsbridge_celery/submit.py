"""The submitter: a job's recipients into the shared ledger, then one task per request-sized chunk.

It is the ledger's own run (``smsbridge.ledger.runner.JobRun``) with two steps replaced:

* the **lease** is taken in the name of the fleet (``"celery workers"``) and kept when the
  submitter is done: the workers claim under it, renew it with each chunk they finish, and the
  chunk that finds the job done releases it.  So ``smsbridge bulk`` of the same job in one
  process refuses while the fleet runs it (``smsbridge jobs`` shows "celery workers" as the
  runner), and takes it over only once the fleet made no progress for ``fleet_ttl`` seconds;
  a worker whose job was taken over sends nothing more of it;
* **sending** becomes enqueueing: the input is read into the ledger in batches (checked
  against what an earlier submission read, exactly as a local resume), the pending rows are
  grouped into requests in input order (the provider's per-request limit, templates grouped
  by text), and each group's sequence numbers go to the broker as one task, after the rows
  are committed.  Claims without an outcome found at submission (a resubmission after an
  outage) get a task too: a worker waits for their claimer or settles them.

Submitting the same job again is how a job is resumed after an outage (a lost broker, dead
workers): rows with an outcome are never queued again, and a row queued twice is still sent
once, because the ledger's claim, not the queue, decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from smsbridge.ledger.lease import Lease
from smsbridge.ledger.runner import JobRun
from smsbridge.ledger.store import Ledger
from smsbridge.models import SendResult
from smsbridge_celery.chunks import FLEET_OWNER, job_finished

__all__ = ["DistributedRun", "Submission"]


@attrs.frozen
class Submission:
    """What a submission did: the job as the ledger holds it now, and what was queued."""

    job: str
    ledger: str
    queue: str
    tasks: int  # broker messages sent: one per chunk
    chunk_size: int
    rows_read: int  # input rows this submission read into the ledger
    counts: dict[str, int]  # the job's rows by state after it

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class DistributedRun(JobRun):
    """A ``JobRun`` whose requests are queued for the fleet instead of sent here."""

    def __init__(
        self,
        chunks: Any,
        recipients: Iterable[Any] | None,
        *,
        enqueue: Callable[[Sequence[int]], None],
        fleet_ttl: float,
        **options: Any,
    ) -> None:
        super().__init__(chunks, recipients, workers=1, lease_ttl=fleet_ttl, **options)
        self.enqueue = enqueue
        self.tasks = 0

    def _take_lease(self, ledger: Ledger) -> Lease:
        return Lease(ledger, self.job_id, ttl=self.lease_ttl, wait=self.wait, owner=FLEET_OWNER, keep=True)

    def _queue(self, seqs: Sequence[int]) -> None:
        self.enqueue(seqs)
        self.tasks += 1

    def _settle_stale(self, ledger: Ledger, lease: Lease) -> Iterator[SendResult]:
        for claim in ledger.stale_claims(self.job_id):
            self._queue(claim.seqs)
        return iter(())

    def _send(self, ledger: Ledger, lease: Lease, feed: Iterator[Any]) -> Iterator[SendResult]:
        try:
            for item in self._plan(ledger, lease, feed):
                if isinstance(item, SendResult):
                    yield item  # recipients rejected before any request
                else:
                    self._queue(item.seqs)
        finally:
            if job_finished(ledger, self.job_id):  # nothing to queue, or the fleet was quicker
                ledger.release_lease(self.job_id, FLEET_OWNER)
