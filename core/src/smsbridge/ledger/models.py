"""Typed values the ledger hands out: a job, its counts, one row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import attrs

from smsbridge.ledger.states import RowState
from smsbridge.models import Recipient

__all__ = ["JobInfo", "JobSpec", "LedgerRow", "NewRow", "RowOutcome", "StaleClaim", "when"]


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
