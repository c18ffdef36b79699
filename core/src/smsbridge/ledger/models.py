"""Typed values the ledger hands out: a job, its counts, one row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import attrs

from smsbridge.ledger.states import RowState
from smsbridge.models import Receipt, ReceiptStatus, Recipient

__all__ = [
    "JobInfo",
    "JobSpec",
    "LedgerRow",
    "NewRow",
    "ReportOutcome",
    "RowOutcome",
    "StaleClaim",
    "StatusReport",
    "StoredInbound",
    "when",
]


def when(seconds: float | None) -> dt.datetime | None:
    """A ledger time (UNIX seconds) as an aware UTC datetime."""
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


@attrs.frozen
class JobSpec:
    """What a job is: its id, account (masked: never a credential), text and options."""

    id: str
    provider: str
    account: str
    text: str
    options: Mapping[str, Any] = attrs.field(factory=dict)
    kind: str = "bulk"  # "bulk", or "send" for a ledgered single send (id = idempotency key)

    @property
    def fingerprint(self) -> str:
        """What must not change between runs of one job: the text and the options."""
        import hashlib
        import json

        canonical = json.dumps({"text": self.text, "options": self.options}, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@attrs.frozen
class JobInfo:
    id: str
    kind: str
    provider: str
    account: str
    text: str
    options: Mapping[str, Any]
    fingerprint: str
    created_at: dt.datetime
    updated_at: dt.datetime
    ingested: int  # input rows read into the ledger so far
    input_digest: str
    input_done: bool  # every input row is in the ledger: it can be resumed from the ledger alone
    lease_owner: str | None = None
    lease_expires: dt.datetime | None = None
    counts: Mapping[str, int] = attrs.field(factory=dict)  # rows by state

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def send_options(self) -> tuple[dict[str, Any], bool]:
        """The keyword arguments the job was sent with (for ``chunk_sender``) and its ``allow_repeats``."""
        stored = dict(self.options)
        allow_repeats = bool(stored.pop("allow_repeats", False))
        stored.pop("to", None)  # a single send's recipients: not an option
        if isinstance(stored.get("schedule"), str):
            stored["schedule"] = dt.datetime.fromisoformat(stored["schedule"])
        return stored, allow_repeats

    @property
    def done(self) -> bool:
        """Every row has an outcome (nothing pending or claimed) and the input was read whole."""
        open_rows = self.counts.get(RowState.PENDING.value, 0) + self.counts.get(RowState.CLAIMED.value, 0)
        return self.input_done and open_rows == 0


class NewRow(NamedTuple):
    """An input row on its way into the ledger (a named tuple: one is built per recipient)."""

    seq: int
    number: str
    params: Mapping[str, str] | None = None
    reference: str | None = None  # the caller's id for this recipient (ASPSMS TRN)
    dedup: str | None = None  # key of (number, text); None: never folded into another row
    state: RowState = RowState.PENDING
    reason: str | None = None
    code: str | None = None


class RowOutcome(NamedTuple):
    """What one request said about one row (a named tuple: one is built per recipient)."""

    seq: int
    state: RowState
    message_id: str | None = None
    provider: str | None = None
    reason: str | None = None
    code: str | None = None


@attrs.frozen
class StaleClaim:
    """Rows claimed for a request whose outcome was never recorded (a crash, a kill)."""

    attempt: str
    client_ref: str | None
    provider: str | None
    seqs: tuple[int, ...]
    recipients: tuple[Recipient, ...]


@attrs.frozen
class LedgerRow:
    """One input row and what became of it.

    ``state`` is the row's own state; a ``duplicate`` row's ``outcome`` is the state of the
    row it repeats (``dup_of``), whose message id and provider it also shows.
    """

    job: str
    seq: int
    number: str
    state: RowState
    outcome: RowState
    params: Mapping[str, str] | None = None
    reference: str | None = None
    dup_of: int | None = None
    message_id: str | None = None
    provider: str | None = None
    reason: str | None = None
    code: str | None = None
    client_ref: str | None = None
    claimed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    report_status: str | None = None
    report_code: str | None = None
    report_at: dt.datetime | None = None

    def receipt(self) -> Receipt:
        """This row's outcome as a ``Receipt`` (``pending`` rows have none: a ``ValueError``)."""
        if self.outcome.sent:
            status = ReceiptStatus.ACCEPTED
        elif self.outcome in (RowState.REJECTED, RowState.NOT_SENT):
            status = ReceiptStatus.REJECTED
        elif self.outcome in (RowState.UNKNOWN, RowState.CLAIMED):
            status = ReceiptStatus.UNKNOWN
        else:
            raise ValueError(f"row {self.seq} of job {self.job!r} has no outcome yet ({self.outcome.value})")
        return Receipt(
            self.number, status, message_id=self.message_id, reason=self.reason, code=self.code, provider=self.provider
        )


@attrs.frozen
class StatusReport:
    """A delivery report on its way into the ledger (from a callback or from polling).

    ``status`` is a :class:`~smsbridge.models.DeliveryStatus` value; ``at`` the provider's
    time of the report (UNIX seconds), or when it was received.
    """

    provider: str
    message_id: str
    status: str
    recipient: str | None = None
    code: str | None = None
    at: float | None = None


@attrs.frozen
class ReportOutcome:
    """What the ledger did with one report.

    ``effect``: ``final`` (rows reached their final state), ``noted`` (a newer interim status
    noted on rows), ``duplicate`` (nothing new: a repeat, an older status, or a row already
    final), ``orphan`` (no row has that message id yet: kept for 24 h), ``missing`` (no row,
    and not kept).  ``job``/``seq``: the first row it changed or matched.
    """

    effect: str
    rows: int = 0
    job: str | None = None
    seq: int | None = None

    @property
    def new(self) -> bool:
        """Something changed: the report was news (an orphan counts: it is kept)."""
        return self.effect in ("final", "noted", "orphan")


@attrs.frozen
class StoredInbound:
    """A received message as the ledger holds it."""

    provider: str
    account: str
    message_id: str
    sender: str
    text: str
    stored_at: dt.datetime
    recipient: str | None = None
    keyword: str | None = None
    received_at: dt.datetime | None = None
