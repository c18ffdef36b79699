"""Schema version 2: a real version-1 ledger (the DDL as shipped, with data) migrated in SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from smsbridge.cli import cli
from smsbridge.errors import LedgerError
from smsbridge.ledger import open_ledger
from smsbridge.ledger.database import connect_database
from smsbridge.ledger.schema import SCHEMA_VERSION
from smsbridge.ledger.states import RowState
from smsbridge.ledger.store import Ledger
from smsbridge.models import InboundMessage

V1 = (Path(__file__).parent / "ledger_v1.sql").read_text(encoding="utf-8")


def _statements() -> list[str]:
    body = "\n".join(line for line in V1.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _v1_sqlite(path: Path) -> str:
    conn = sqlite3.connect(path)
    for statement in _statements():
        conn.execute(statement)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def _v1_postgres(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in _statements():
            conn.execute(statement)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def v1_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        yield _v1_sqlite(tmp_path / "v1.db")
        return
    from smsbridge.testing.services import postgres_database

    with postgres_database() as url:
        yield _v1_postgres(url)


def _check_migrated(url: str) -> None:
    with open_ledger(url) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION == 2
        rows = list(ledger.rows("spring-sale"))
        assert [(r.number, r.state, r.message_id) for r in rows] == [
            ("+41791234567", RowState.ACCEPTED, "mem-1"),
            ("+41791234568", RowState.ACCEPTED, "mem-2"),
        ]
        # the new tables work: a report joins an old row, an unknown one is an orphan, a message is stored
        assert [o.effect for o in _reports(ledger)] == ["final", "orphan"]
        assert ledger.record_received([], [("shop", "memory", InboundMessage("i1", "+41791234567", "hi"))])[1] == [True]
        assert next(iter(ledger.rows("spring-sale"))).state is RowState.DELIVERED
        assert ledger.orphan_count() == 1


def _reports(ledger: Ledger) -> Any:
    from smsbridge.ledger.models import StatusReport

    return ledger.record_reports(
        [StatusReport("memory", "mem-1", "delivered", at=1.0), StatusReport("memory", "mem-9", "sent", at=1.0)]
    )


def test_a_version_1_ledger_is_refused_until_migrated(v1_url: str) -> None:
    with pytest.raises(LedgerError, match="schema version 1; this smsbridge needs 2") as info:
        open_ledger(v1_url)
    assert "smsbridge ledger migrate" in (info.value.hint or "")
    db = connect_database(v1_url)
    try:
        assert Ledger.migrate(db) == (1, 2)
        assert Ledger.migrate(db) == (2, 2)  # a second run has nothing to do
    finally:
        db.close()
    _check_migrated(v1_url)


def test_smsbridge_ledger_migrate_on_a_version_1_file(tmp_path: Path) -> None:
    url = _v1_sqlite(tmp_path / "v1.db")
    result = CliRunner().invoke(cli, ["ledger", "migrate", "--ledger", url])
    assert result.exit_code == 0, result.output
    assert "schema version 1 -> 2" in result.output
    _check_migrated(url)


def test_a_new_ledger_is_created_at_version_2_with_the_same_tables(tmp_path: Path) -> None:
    """CREATE (new ledgers) and version 1 + MIGRATIONS[1] (old ones) give the same schema."""
    open_ledger(tmp_path / "new.db").close()
    url = _v1_sqlite(tmp_path / "old.db")
    db = connect_database(url)
    Ledger.migrate(db)
    db.close()

    def schema(path: Path) -> list[tuple[str, str]]:
        conn = sqlite3.connect(path)
        try:
            found = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE name LIKE 'smsbridge_%' AND sql IS NOT NULL ORDER BY name"
            ).fetchall()
        finally:
            conn.close()
        return [(name, " ".join(sql.split())) for name, sql in found]

    assert schema(tmp_path / "new.db") == schema(tmp_path / "old.db")
