"""Delivery reports in the ledger: joined to rows by (provider, message id), kept as orphans until then.

The rules, the same whatever order reports arrive in (so a shuffled stream of reports ends
in the state an ordered replay reaches):

* a **final** report (delivered, failed/rejected, expired) moves an ``accepted`` or
  ``unknown`` row to its final state; nothing moves a row out of a final state again, so a
  late "sent" never overwrites "delivered" and a repeated report changes nothing.  Two
  *different* final reports for one message (a provider contradicting itself) keep the
  first that arrived;
* an **interim** report (queued, sent, unknown) is noted on a row without a final state when
  it is later than the one noted: by the provider's time, then by progress (queued < sent),
  then by code, a total order, so the latest wins whatever the arrival order.  A queued or
  sent report also settles an ``unknown`` row as ``accepted``: the provider has the message;
* a report for a message id no row has is an **orphan**: the provider answered before the
  send's outcome was committed (a fast delivery report), or the id is not ours.  It is kept
  for :data:`ORPHAN_TTL` and applied as soon as a row gets that id (``Ledger.record`` joins
  the ids it writes; ``join_orphans`` sweeps the rest, e.g. after a race between two
  PostgreSQL transactions), then deleted.

Everything here runs inside a transaction the caller holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from smsbridge.ledger.database import Database
from smsbridge.ledger.models import ReportOutcome, StatusReport
from smsbridge.ledger.states import RowState

__all__ = ["FINAL_REPORT", "ORPHAN_TTL", "apply_report", "join_orphans", "orphan_key", "purge_orphans"]

ORPHAN_TTL = 24 * 3600.0

#: report status -> the final row state it leads to
FINAL_REPORT = {
    "delivered": RowState.DELIVERED,
    "failed": RowState.FAILED,
    "rejected": RowState.FAILED,
    "expired": RowState.EXPIRED,
}

#: interim statuses that prove the provider holds the message (an unknown outcome was accepted)
_PROVES_ACCEPTED = frozenset({"queued", "sent"})

#: progress among interim statuses, the tie-break after the report's time
_RANK = {"unknown": 0, "queued": 1, "sent": 2}
_RANK_SQL = "(CASE report_status WHEN 'queued' THEN 1 WHEN 'sent' THEN 2 ELSE 0 END)"

#: a report moves (or annotates) only rows that went out and have no final state yet
_OPEN = "state IN ('accepted', 'unknown')"

_IN_BATCH = 500


def orphan_key(report: StatusReport) -> str:
    """A digest of everything a report says: a repeated report has the same key."""
    at = "" if report.at is None else repr(float(report.at))
    parts = (report.provider, report.message_id, report.recipient or "", report.status, report.code or "", at)
    return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_BY_ID = "provider = ? AND message_id = ?"


def _digits(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits[2:] if digits.startswith("00") else digits


def _match(report: StatusReport) -> tuple[str, list[Any]]:
    """The rows a report is about: its message id, narrowed by its recipient when it names one
    (one id covering several recipients, a group send); numbers compare by their digits, as
    providers echo them in their own forms (``211...``, ``+211...``, ``00211...``)."""
    params: list[Any] = [report.provider, report.message_id]
    if report.recipient is None:
        return _BY_ID, params
    digits = _digits(report.recipient)
    if not digits:  # a target such as @user
        return f"{_BY_ID} AND number = ?", [*params, report.recipient]
    return f"{_BY_ID} AND (number = ? OR REPLACE(number, '+', '') = ?)", [*params, report.recipient, digits]


def apply_report(db: Database, report: StatusReport, now: float, *, keep_orphan: bool = True) -> ReportOutcome:
    """Apply one report to the rows of its message id (see the module docstring for the rules)."""
    where, match = _match(report)
    outcome = _update(db, report, now, where, match)
    if outcome is not None:
        return outcome
    found = db.query(f"SELECT job, seq, number FROM smsbridge_recipients WHERE {_BY_ID} LIMIT 2", match[:2])
    if len(found) == 1 and report.recipient is not None and where != _BY_ID:
        # the id is this one row's alone: a recipient in another form (a national number) names it
        outcome = _update(db, report, now, _BY_ID, match[:2])
        if outcome is not None:
            return outcome
    if found:
        return ReportOutcome("duplicate", 0, found[0][0], int(found[0][1]))
    if not keep_orphan:
        return ReportOutcome("missing")
    kept = db.execute(
        "INSERT INTO smsbridge_orphan_reports "
        "(key, provider, message_id, recipient, status, code, report_at, received_at) VALUES (?,?,?,?,?,?,?,?) "
        "ON CONFLICT (key) DO NOTHING",
        (
            orphan_key(report),
            report.provider,
            report.message_id,
            report.recipient,
            report.status,
            report.code,
            now if report.at is None else float(report.at),
            now,
        ),
    )
    return ReportOutcome("orphan" if kept else "duplicate")


def _update(db: Database, report: StatusReport, now: float, where: str, match: list[Any]) -> ReportOutcome | None:
    """The report's move on the rows ``where`` names; ``None`` when it moved none."""
    at = now if report.at is None else float(report.at)
    final = FINAL_REPORT.get(report.status)
    if final is not None:
        changed = db.query(
            "UPDATE smsbridge_recipients SET state = ?, report_status = ?, report_code = ?, report_at = ?, "
            f"updated_at = ? WHERE {where} AND {_OPEN} RETURNING job, seq",
            (final.value, report.status, report.code, at, now, *match),
        )
        effect = "final"
    else:
        rank = _RANK.get(report.status, 0)
        code = report.code or ""
        settle = "'accepted'" if report.status in _PROVES_ACCEPTED else "state"
        later = (
            f"(report_at < ? OR (report_at = ? AND ({_RANK_SQL} < ? OR "
            f"({_RANK_SQL} = ? AND COALESCE(report_code, '') < ?))))"
        )
        params: list[Any] = [at, at, rank, rank, code]
        if report.at is None:  # no time of its own: only a different status is news (a repeat is not)
            later = f"({later} AND NOT (report_status = ? AND COALESCE(report_code, '') = ?))"
            params += [report.status, code]
        changed = db.query(
            "UPDATE smsbridge_recipients SET report_status = ?, report_code = ?, report_at = ?, updated_at = ?, "
            f"state = CASE WHEN state = 'unknown' THEN {settle} ELSE state END "
            f"WHERE {where} AND {_OPEN} AND (report_at IS NULL OR {later}) RETURNING job, seq",
            (report.status, report.code, at, now, *match, *params),
        )
        effect = "noted"
    if not changed:
        return None
    job, seq = changed[0]
    return ReportOutcome(effect, len(changed), job, int(seq))


def _order(row: Sequence[Any]) -> tuple[float, int, str]:
    return (float(row[6]), _RANK.get(row[4], 3), row[5] or "")


def join_orphans(db: Database, now: float, message_ids: Iterable[str] | None = None) -> int:
    """Apply the orphans whose message id a row now has, and delete them; how many were joined.

    With ``message_ids`` (what ``Ledger.record`` just wrote) only those are looked up, after a
    one-row probe that makes the common case (no orphans at all) nearly free; without, every
    orphan is checked against the rows (the periodic sweep).
    """
    columns = "key, provider, message_id, recipient, status, code, report_at"
    if message_ids is not None:
        if not db.query("SELECT 1 FROM smsbridge_orphan_reports LIMIT 1"):
            return 0
        ids = sorted(set(message_ids))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), _IN_BATCH):
            part = ids[start : start + _IN_BATCH]
            rows += db.query(
                f"SELECT {columns} FROM smsbridge_orphan_reports WHERE message_id IN ({','.join('?' * len(part))})",
                part,
            )
    else:
        rows = db.query(
            f"SELECT {columns} FROM smsbridge_orphan_reports o WHERE EXISTS (SELECT 1 FROM smsbridge_recipients r "
            "WHERE r.provider = o.provider AND r.message_id = o.message_id)"
        )
    joined = 0
    for row in sorted(rows, key=_order):  # interim before final at equal times: the order a replay has
        report = StatusReport(row[1], row[2], row[4], recipient=row[3], code=row[5], at=float(row[6]))
        if apply_report(db, report, now, keep_orphan=False).effect == "missing":
            continue  # the id exists, but not for that recipient: it stays until it expires
        db.execute("DELETE FROM smsbridge_orphan_reports WHERE key = ?", (row[0],))
        joined += 1
    return joined


def purge_orphans(db: Database, before: float) -> int:
    """Drop orphans received before ``before`` (UNIX seconds): their send never showed up."""
    return db.execute("DELETE FROM smsbridge_orphan_reports WHERE received_at < ?", (before,))
