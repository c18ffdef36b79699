"""A job's rows as CSV or JSON lines: the report of a bulk send, written from the ledger."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from smsbridge.ledger.models import LedgerRow
from smsbridge.ledger.states import RowState

__all__ = ["EXPORT_FIELDS", "export_format", "row_dict", "write_rows"]

EXPORT_FIELDS = (
    "row",
    "recipient",
    "outcome",
    "state",
    "message_id",
    "reason",
    "code",
    "provider",
    "updated_at",
    "report_status",
)

#: a row's outcome as a bulk send reports it: accepted (sent; delivery reports say more),
#: rejected, unknown or pending
_OUTCOME = {
    RowState.REJECTED: "rejected",
    RowState.NOT_SENT: "rejected",
    RowState.UNKNOWN: "unknown",
    RowState.CLAIMED: "unknown",
    RowState.PENDING: "pending",
}


def outcome(state: RowState) -> str:
    return "accepted" if state.sent else _OUTCOME.get(state, state.value)


def row_dict(row: LedgerRow) -> dict[str, Any]:
    return {
        "row": row.seq + 1,
        "recipient": row.number,
        "outcome": outcome(row.outcome),
        "state": row.state.value if row.state is RowState.DUPLICATE else row.outcome.value,
        "message_id": row.message_id,
        "reason": row.reason,
        "code": row.code,
        "provider": row.provider,
        "updated_at": row.updated_at.isoformat(timespec="seconds") if row.updated_at else None,
        "report_status": row.report_status,
    }


def export_format(name: str) -> str | None:
    """``csv`` or ``jsonl`` by a file name's extension, ``None`` when it says neither."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


def write_rows(rows: Iterable[LedgerRow], fh: IO[str], fmt: str = "csv") -> int:
    """Write ``rows`` to ``fh`` (streamed); the number written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(fh, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row_dict(row).items()})
            count += 1
    elif fmt == "jsonl":
        for row in rows:
            fh.write(json.dumps(row_dict(row), ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ValueError(f"unknown export format {fmt!r}: csv or jsonl")
    return count
