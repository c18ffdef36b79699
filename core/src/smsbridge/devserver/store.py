"""The emulator's memory: messages, their recipients and statuses, inbound messages (SQLite).

Bounded: only the newest ``max_messages`` messages are kept (older ones, with their
recipients, are deleted as new ones arrive), so a long-running ``smsbridge dev`` never fills
a disk.  In memory by default; a file (WAL) with ``--db``.  Used from the server's event loop
thread only: every call is a few indexed statements, microseconds each.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["DEFAULT_MAX_MESSAGES", "Store", "now"]

DEFAULT_MAX_MESSAGES = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    sender TEXT,
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    segments INTEGER NOT NULL,
    created TEXT NOT NULL,
    flash INTEGER NOT NULL DEFAULT 0,
    scheduled TEXT,
    report_url TEXT,
    report_urls TEXT,
    raw TEXT NOT NULL,
    fault TEXT
);
CREATE TABLE IF NOT EXISTS recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    message_id TEXT,
    status TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS recipients_message ON recipients(message);
CREATE INDEX IF NOT EXISTS recipients_message_id ON recipients(message_id);
CREATE INDEX IF NOT EXISTS recipients_number ON recipients(number, message);
CREATE TABLE IF NOT EXISTS inbound (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT,
    text TEXT NOT NULL,
    created TEXT NOT NULL
);
"""


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="milliseconds")


class Store:
    """Messages, recipients and inbound messages in one SQLite database."""

    def __init__(self, path: str = ":memory:", *, max_messages: int = DEFAULT_MAX_MESSAGES) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self.max_messages = max_messages
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()  # the REST handlers and the fixture's client may share it
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------------ messages

    def add_message(
        self,
        *,
        provider: str,
        account: str,
        sender: str | None,
        text: str,
        encoding: str,
        segments: int,
        flash: bool,
        scheduled: str | None,
        report_url: str | None,
        raw: dict[str, Any],
        fault: str | None,
        recipients: Sequence[tuple[str, str | None, str]],
        report_urls: dict[str, str] | None = None,
    ) -> int:
        """Keep a message and its recipients (number, message id, status); drop the oldest beyond the bound."""
        created = _iso(now())
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO messages (provider, account, sender, text, encoding, segments, created, flash,"
                " scheduled, report_url, report_urls, raw, fault) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    provider,
                    account,
                    sender,
                    text,
                    encoding,
                    segments,
                    created,
                    int(flash),
                    scheduled,
                    report_url,
                    json.dumps(report_urls) if report_urls else None,
                    json.dumps(raw),
                    fault,
                ),
            )
            message = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO recipients (message, number, message_id, status, updated) VALUES (?,?,?,?,?)",
                [(message, number, message_id, status, created) for number, message_id, status in recipients],
            )
            oldest_kept = message - self.max_messages
            if oldest_kept > 0:
                db.execute("DELETE FROM recipients WHERE message <= ?", (oldest_kept,))
                db.execute("DELETE FROM messages WHERE id <= ?", (oldest_kept,))
        return message

    def message(self, message: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM messages WHERE id = ?", (message,)).fetchone()
            if row is None:
                return None
            return self._full([row])[0]

    def messages(
        self,
        *,
        limit: int = 100,
        before: int | None = None,
        recipient: str | None = None,
        provider: str | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first; ``before`` pages by message id."""
        where: list[str] = []
        args: list[Any] = []
        if before is not None:
            where.append("id < ?")
            args.append(before)
        if provider:
            where.append("provider = ?")
            args.append(provider)
        if recipient:
            where.append("id IN (SELECT message FROM recipients WHERE number = ?)")
            args.append(recipient)
        sql = "SELECT * FROM messages" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(max(1, min(limit, 1000)))
        with self._lock:
            return self._full(self._db.execute(sql, args).fetchall())

    def _full(self, rows: Sequence[sqlite3.Row]) -> list[dict[str, Any]]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = ",".join("?" * len(ids))
        by_message: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for r in self._db.execute(
            f"SELECT message, number, message_id, status FROM recipients WHERE message IN ({marks}) ORDER BY id",
            ids,
        ):
            by_message[r["message"]].append(
                {"number": r["number"], "message_id": r["message_id"], "status": r["status"]}
            )
        return [
            {
                "id": row["id"],
                "provider": row["provider"],
                "account": row["account"],
                "sender": row["sender"],
                "text": row["text"],
                "encoding": row["encoding"],
                "segments": row["segments"],
                "created": row["created"],
                "flash": bool(row["flash"]),
                "scheduled": row["scheduled"],
                "recipients": by_message[row["id"]],
                "raw": json.loads(row["raw"]),
                "fault": row["fault"],
            }
            for row in rows
        ]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM messages").fetchone()[0])

    def clear(self) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM recipients")
            db.execute("DELETE FROM messages")

    def threads(self) -> list[dict[str, Any]]:
        """One thread per recipient number: how many messages, the last one's text and time."""
        sql = (
            "SELECT r.number AS number, count(*) AS count, max(m.id) AS last FROM recipients r"
            " JOIN messages m ON m.id = r.message GROUP BY r.number ORDER BY last DESC"
        )
        with self._lock:
            rows = self._db.execute(sql).fetchall()
            out = []
            for row in rows:
                last = self._db.execute("SELECT text, created FROM messages WHERE id = ?", (row["last"],)).fetchone()
                out.append(
                    {
                        "number": row["number"],
                        "count": row["count"],
                        "last_text": last["text"],
                        "last_created": last["created"],
                    }
                )
            return out

    # ------------------------------------------------------------------ recipients

    def recipient(
        self,
        *,
        message_id: str | None = None,
        message: int | None = None,
        number: str | None = None,
        rid: int | None = None,
    ) -> list[dict[str, Any]]:
        """Recipients with their message's provider, text, sender, report URL and times."""
        sql = (
            "SELECT r.id AS rid, r.message AS message, r.number AS number, r.message_id AS message_id,"
            " r.status AS status, r.updated AS updated, m.created AS created, m.provider AS provider,"
            " m.text AS text, m.sender AS sender, m.report_url AS report_url, m.report_urls AS report_urls"
            " FROM recipients r JOIN messages m ON m.id = r.message WHERE "
        )
        args: list[Any]
        if rid is not None:
            sql += "r.id = ?"
            args = [rid]
        elif message_id is not None:
            sql += "r.message_id = ?"
            args = [message_id]
        else:
            sql += "r.message = ?"
            args = [message]
            if number is not None:
                sql += " AND r.number = ?"
                args.append(number)
        sql += " ORDER BY r.id"
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, args)]

    def recipient_by_id(self, rid: int) -> dict[str, Any] | None:
        """One recipient row (as ``recipient`` gives them) by its own id."""
        rows = self.recipient(rid=rid)  # by the primary key: one lookup, whatever the message's size
        return rows[0] if rows else None

    def set_status(self, rid: int, status: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE recipients SET status = ?, updated = ? WHERE id = ?", (status, _iso(now()), rid))

    # ------------------------------------------------------------------ inbound

    def add_inbound(self, provider: str, sender: str, to: str | None, text: str) -> dict[str, Any]:
        created = _iso(now())
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO inbound (provider, sender, recipient, text, created) VALUES (?,?,?,?,?)",
                (provider, sender, to, text, created),
            )
            ident = int(cur.lastrowid or 0)
            db.execute("DELETE FROM inbound WHERE id <= ?", (ident - self.max_messages,))
        return {"id": ident, "provider": provider, "sender": sender, "to": to, "text": text, "created": created}

    def inbound(
        self, *, provider: str | None = None, since_id: int = 0, limit: int = 100, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM inbound WHERE id > ?"
        args: list[Any] = [since_id]
        if provider:
            sql += " AND provider = ?"
            args.append(provider)
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
        args.append(max(1, min(limit, 1000)))
        with self._lock:
            return [
                {
                    "id": row["id"],
                    "provider": row["provider"],
                    "sender": row["sender"],
                    "to": row["recipient"],
                    "text": row["text"],
                    "created": row["created"],
                }
                for row in self._db.execute(sql, args)
            ]

    def clear_inbound(self) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM inbound")
