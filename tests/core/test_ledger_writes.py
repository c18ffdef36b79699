"""How the send ledger writes: what is flushed to disk when, in how many commits.

The rule (``smsbridge.ledger``): a request's claim is committed and on disk before the request
leaves, its outcome is committed after it.  These tests pin down how that is done cheaply
without bending it: input rows read ahead are committed without a flush (the next claim
flushes them), and every other write is flushed at its commit.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import LedgerUnavailableError
from smsbridge.ledger import Ledger, open_ledger, runner
from smsbridge.ledger.database import SQLiteDatabase

NUMBERS = [f"+4179123{i:04d}" for i in range(95)]


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new ledger's URL: a SQLite file, or a database of the test PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    from smsbridge.testing.services import postgres_database

    with postgres_database() as url:
        yield url


@pytest.fixture
def ledger(where: str) -> Iterator[Ledger]:
    with open_ledger(where) as ledger:
        yield ledger


class Transactions:
    """Every write transaction of a ledger: what it did, whether durable, the engine's sync setting inside."""

    def __init__(self, ledger: Ledger) -> None:
        self.seen: list[tuple[str, bool, str]] = []
        db = ledger.db
        real = db.transaction

        @contextlib.contextmanager
        def spied(doing: str = "writing", *, durable: bool = True) -> Iterator[Any]:
            with real(doing, durable=durable) as tx:
                sql = "PRAGMA synchronous" if db.dialect == "sqlite" else "SHOW synchronous_commit"
                self.seen.append((doing, durable, str(db.query(sql)[0][0])))
                yield tx

        db.transaction = spied  # type: ignore[method-assign]

    def durable(self) -> Counter[str]:
        return Counter(doing for doing, durable, _ in self.seen if durable)

    def relaxed(self) -> Counter[str]:
        return Counter(doing for doing, durable, _ in self.seen if not durable)

    def settings(self, durable: bool) -> set[str]:
        return {setting for _, flag, setting in self.seen if flag is durable}


def _flushed_and_not(ledger: Ledger) -> tuple[str, str]:
    """The engine's setting inside a durable and inside a relaxed transaction."""
    return ("2", "1") if ledger.db.dialect == "sqlite" else ("on", "off")  # FULL / NORMAL


def test_only_input_rows_are_committed_without_a_flush(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "INGEST_BATCH", 40)
    spy = Transactions(ledger)
    account = smsbridge.connect("memory://?max_recipients=10")
    summary = account.bulk_send(NUMBERS, "Hi", ledger=ledger, job="flushes")
    assert summary.accepted == len(NUMBERS) and summary.requests == 10
    assert spy.relaxed() == Counter({"recording recipients": 3})  # 95 rows read 40 at a time
    assert spy.durable()["claiming recipients before a request"] == 10
    flushed, not_flushed = _flushed_and_not(ledger)
    assert spy.settings(durable=True) == {flushed}
    assert spy.settings(durable=False) == {not_flushed}


def test_a_failed_relaxed_transaction_leaves_the_next_ones_flushed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    open_ledger(path).close()
    db = SQLiteDatabase(path, busy_timeout=0.05)
    other = SQLiteDatabase(path)
    with (
        other.transaction(),  # holds the write lock
        pytest.raises(LedgerUnavailableError, match="locked"),
        db.transaction("recording recipients", durable=False),
    ):
        pass
    assert db.query("PRAGMA synchronous") == [(2,)]  # FULL again, for the claims that follow
    with db.transaction("claiming"):
        assert db.query("PRAGMA synchronous") == [(2,)]
    db.close()
    other.close()
