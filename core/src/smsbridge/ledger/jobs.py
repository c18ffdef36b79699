"""A handle on one job of a ledger: its state, its rows, resuming it, exporting it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from smsbridge.ledger.models import JobInfo, LedgerRow
from smsbridge.ledger.states import RowState

if TYPE_CHECKING:
    from smsbridge.ledger.store import Ledger

__all__ = ["Job"]


class Job:
    """One job of a ledger: its state, its rows, and resuming it."""

    def __init__(self, ledger: Ledger, job_id: str) -> None:
        self.ledger = ledger
        self.id = job_id

    def __repr__(self) -> str:
        return f"Job({self.id!r}, ledger={self.ledger.url!r})"

    @property
    def info(self) -> JobInfo:
        """The job as the ledger holds it now, with its counts by state."""
        return self.ledger.job_info(self.id)

    def counts(self) -> dict[str, int]:
        """Rows by state (``duplicate`` rows as such)."""
        return self.ledger.counts(self.id)

    def rows(self, states: Iterable[str | RowState] | None = None) -> Iterator[LedgerRow]:
        """The rows in input order, streamed (a million rows in flat memory)."""
        return self.ledger.rows(self.id, states=states)

    def resume(self, account: Any, recipients: Iterable[Any] | None = None, **options: Any) -> Any:
        """Run the job again through ``account`` until every row has an outcome.

        Without ``recipients`` it runs from the ledger alone (the rows it holds); with them,
        it first reads in the rest of an input an earlier run did not finish reading.
        ``options``: ``workers``, ``resend_unknown``, ``wait``, ``on_result``.
        """

        from smsbridge.results import summarize_run

        info = self.ledger.job_info(self.id, counts=False)
        stored, allow_repeats = info.send_options()
        chunks = account.chunk_sender(info.text, **stored)
        on_result = options.pop("on_result", None)
        workers = options.pop("workers", None) or chunks.workers
        # a JobRun through the account's chunks (``ChunkSender.run``): the ledger's own modules
        # never import the runner, which sits above them
        run = chunks.run(
            recipients,
            workers=workers,
            ledger=self.ledger,
            job=self.id,
            allow_repeats=allow_repeats,
            **options,
        )
        return summarize_run(chunks.provider, run, on_result, keep_receipts=False)

    def refresh_status(self, account: Any, *, stale: float = 0.0, **options: Any) -> Any:
        """The polling backstop: ask ``account``'s provider about every row still without a final
        status whose request left at least ``stale`` seconds ago, and record the answers.

        Returns a ``RefreshSummary``; ``options``: ``batch`` (ids per request), ``on_report``.
        See ``smsbridge.ledger.refresh``.
        """
        from smsbridge.ledger.refresh import refresh_status

        return refresh_status(self.ledger, self.id, account, stale=stale, **options)

    def export(self, fh: IO[str], fmt: str = "csv") -> int:
        """Write every row with its outcome to ``fh`` as CSV or JSON lines; the number of rows."""
        from smsbridge.ledger.export import write_rows

        return write_rows(self.rows(), fh, fmt)
