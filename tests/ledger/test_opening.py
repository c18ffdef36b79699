"""Opening one new SQLite ledger from many threads (or processes) at once.

Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is locked"
at once, without its busy handler, to a connection that asks for the journal mode meanwhile:
the first single sends of a thread pool all opened the shared ledger together, and some
failed (CI: ``test_account_is_thread_safe``; 7 of 200 rounds of 8 threads before the fix).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from smsbridge.ledger.database import SQLiteDatabase
from smsbridge.ledger.opening import open_ledger


def open_together(path: Path, threads: int) -> tuple[list[Any], list[BaseException]]:
    """``open_ledger(path)`` from ``threads`` threads released at the same moment."""
    start = threading.Barrier(threads)
    opened: list[Any] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            opened.append(open_ledger(str(path)))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=open_it) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return opened, errors


def test_many_threads_open_a_new_ledger_at_once(tmp_path: Path) -> None:
    for round_ in range(100):
        path = tmp_path / f"ledger-{round_}.db"
        opened, errors = open_together(path, 8)
        assert errors == [], errors[0]
        assert len(opened) == 8
        for ledger in opened:
            ledger.close()
        assert SQLiteDatabase(path)._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
