"""The polling backstop: ask the provider about every recipient of a job still without a final status.

For providers that push no reports (playSMS), for reports that never came (a receiver that
was down, a URL left out), and for ``unknown`` outcomes whose message id is known.  The rows
asked about are those of ``job`` sent through the account's provider, ``accepted`` or
``unknown`` with a message id, whose request left at least ``stale`` seconds ago.  Ids go to
``Account.delivery_status`` in batches of the provider's per-request limit
(``capabilities.max_recipients`` unless ``batch``), and each batch's reports are recorded
with the same rules as callbacks (``smsbridge.ledger.reports``), in one transaction.  Rows
are streamed: a million-row job is asked about in flat memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.errors import ConfigurationError, SmsBridgeError, UnsupportedOperationError
from smsbridge.ledger.models import LedgerRow, StatusReport
from smsbridge.ledger.states import RowState
from smsbridge.models import DeliveryReport, ReportEvent

if TYPE_CHECKING:
    from smsbridge.ledger.store import Ledger

__all__ = ["RefreshSummary", "refresh_status"]

log = logging.getLogger("smsbridge.ledger")

_OPEN = (RowState.ACCEPTED.value, RowState.UNKNOWN.value)


@attrs.frozen
class RefreshSummary:
    """What one polling pass did.

    ``asked``: message ids asked about; ``requests``: delivery-status calls; ``changed``: rows whose
    state or noted status changed; ``final``: of those, rows that reached a final state;
    ``skipped``: open rows left out (sent through another provider, no message id, or not
    stale yet); ``error``: the error that stopped the pass early (what was asked before it is
    recorded).  ``counts``: the job's rows by state afterwards.
    """

    job: str
    provider: str
    asked: int = 0
    requests: int = 0
    changed: int = 0
    final: int = 0
    skipped: int = 0
    error: SmsBridgeError | None = None
    counts: dict[str, int] = attrs.field(factory=dict)


def _sent_at(row: LedgerRow) -> float | None:
    when = row.claimed_at or row.updated_at
    return when.timestamp() if when is not None else None


def _status_report(provider: str, report: DeliveryReport) -> StatusReport:
    when = report.updated_at or report.submitted_at
    return StatusReport(
        provider=provider,
        message_id=report.message_id,
        status=report.status.value,
        recipient=report.recipient,
        code=report.provider_code,
        at=when.timestamp() if when is not None else None,
    )


def _batches(
    rows: Iterator[LedgerRow], size: int, due: Callable[[LedgerRow], bool], skip: list[int]
) -> Iterator[list[str]]:
    ids: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if not due(row):
            skip[0] += 1
            continue
        assert row.message_id is not None
        if row.message_id in seen:  # one id for several rows (a group send): asked once
            continue
        seen.add(row.message_id)
        ids.append(row.message_id)
        if len(ids) >= size:
            yield ids
            ids = []
            seen.clear()
    if ids:
        yield ids


def refresh_status(
    ledger: Ledger,
    job_id: str,
    account: Any,
    *,
    stale: float = 0.0,
    batch: int | None = None,
    on_report: Callable[[ReportEvent], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> RefreshSummary:
    """Poll the provider for ``job_id``'s open rows sent through ``account`` (see the module docstring).

    Raises ``UnsupportedOperationError`` for a provider without delivery status (JorMall),
    ``JobNotFoundError`` for an unknown job; a provider or transport error during the pass
    stops it and is returned in ``RefreshSummary.error``.
    """
    if hasattr(account, "accounts"):
        raise ConfigurationError("poll a failover group's job once per member account (each sent its own rows)")
    ledger.job_info(job_id, counts=False)
    provider = str(account.provider)
    if not account.capabilities.delivery_status:
        raise UnsupportedOperationError(
            f"{provider} has no delivery-status operation: its outcomes cannot be polled",
            provider=provider,
            hint="only the provider's own reports (if it pushes any) or its web interface can tell",
        )
    if stale < 0:
        raise ConfigurationError("stale must be 0 or more seconds")
    size = max(1, int(batch or account.capabilities.max_recipients))
    cutoff = clock() - stale
    listening = account.hooks.listens("smsbridge_report_received")

    def due(row: LedgerRow) -> bool:
        sent = _sent_at(row)
        return row.message_id is not None and row.provider == provider and sent is not None and sent <= cutoff

    skipped = [0]
    asked = requests = changed = final = 0
    error: SmsBridgeError | None = None
    for ids in _batches(ledger.rows(job_id, states=_OPEN), size, due, skipped):
        try:
            reports = account.delivery_status(ids)
        except SmsBridgeError as exc:
            error = exc
            break
        requests += 1
        asked += len(ids)
        wanted = set(ids)
        reports = [r for r in reports if r.message_id in wanted]  # never a row we did not ask about
        outcomes = ledger.record_reports([_status_report(provider, r) for r in reports], keep_orphans=False)
        for report, outcome in zip(reports, outcomes, strict=True):
            changed += outcome.rows
            final += outcome.rows if outcome.effect == "final" else 0
            if outcome.new and (listening or on_report is not None):
                event = ReportEvent(account.url, provider, report, outcome.effect, outcome.job, outcome.seq, "poll")
                for tell in (account.hooks.report_received if listening else None, on_report):
                    try:
                        if tell is not None:
                            tell(event)
                    except Exception:  # the report is recorded; a host hook's failure does not undo it
                        log.exception("a report_received hook raised during polling")
    return RefreshSummary(
        job=job_id,
        provider=provider,
        asked=asked,
        requests=requests,
        changed=changed,
        final=final,
        skipped=skipped[0],
        error=error,
        counts=ledger.outcome_counts(job_id),
    )
