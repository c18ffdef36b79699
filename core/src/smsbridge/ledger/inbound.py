"""Received messages in the ledger: stored once each, by (provider, receiver account, message id).

A provider that calls back twice with the same message (a retry, a replayed request) gives
one row; the message id is the provider's, or a digest of the message the plugin makes when
the provider has none (playSMS).  Phone numbers and texts are personal data: ``purge_inbound``
deletes old ones (``smsbridge receiver purge``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from smsbridge.ledger.database import Database
from smsbridge.ledger.models import StoredInbound, when
from smsbridge.models import InboundMessage

__all__ = ["inbound_rows", "purge_inbound", "store_inbound"]


def store_inbound(db: Database, account: str, provider: str, message: InboundMessage, now: float) -> bool:
    """Insert one message (inside the caller's transaction); ``False`` when it was there already."""
    received = message.received_at.timestamp() if message.received_at is not None else None
    return (
        db.execute(
            "INSERT INTO smsbridge_inbound (provider, account, message_id, sender, recipient, text, keyword, "
            "received_at, stored_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (provider, account, message_id) DO NOTHING",
            (
                provider,
                account,
                message.id,
                message.sender,
                message.recipient,
                message.text,
                message.keyword,
                received,
                now,
            ),
        )
        == 1
    )


def inbound_rows(
    db: Database, *, account: str | None = None, since: float | None = None, page: int = 1000
) -> Iterator[StoredInbound]:
    """Stored messages, oldest first, read a page at a time."""
    after: tuple[float, str, str, str] = (-1.0, "", "", "")
    while True:
        sql = (
            "SELECT provider, account, message_id, sender, text, stored_at, recipient, keyword, received_at "
            "FROM smsbridge_inbound WHERE (stored_at > ? OR (stored_at = ? AND "
            "(provider > ? OR (provider = ? AND (account > ? OR (account = ? AND message_id > ?))))))"
        )
        params: list[Any] = [after[0], after[0], after[1], after[1], after[2], after[2], after[3]]
        if account is not None:
            sql += " AND account = ?"
            params.append(account)
        if since is not None:
            sql += " AND stored_at >= ?"
            params.append(since)
        batch = db.query(sql + " ORDER BY stored_at, provider, account, message_id LIMIT ?", (*params, page))
        for row in batch:
            yield _stored(row)
        if len(batch) < page:
            return
        last = batch[-1]
        after = (float(last[5]), last[0], last[1], last[2])


def _stored(row: Sequence[Any]) -> StoredInbound:
    stored = when(row[5])
    assert stored is not None
    return StoredInbound(
        provider=row[0],
        account=row[1],
        message_id=row[2],
        sender=row[3],
        text=row[4],
        stored_at=stored,
        recipient=row[6],
        keyword=row[7],
        received_at=when(row[8]),
    )


def purge_inbound(db: Database, before: float) -> int:
    """Delete messages stored before ``before`` (UNIX seconds); how many."""
    return db.execute("DELETE FROM smsbridge_inbound WHERE stored_at < ?", (before,))
