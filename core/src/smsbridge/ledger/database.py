"""The two databases a ledger can live in, behind one small interface.

* **SQLite** (the standard library's ``sqlite3``), the embedded default: WAL mode so readers
  never block the writer, ``synchronous=FULL`` so that a committed claim survives a power cut
  (a claim that could vanish after its request left would let a resume send it again),
  a busy timeout so that two processes queue instead of failing.  The file is created with
  mode 0600: it holds phone numbers and texts.
* **PostgreSQL** (psycopg 3, the ``smsbridge[postgres]`` extra), shared by processes and
  machines.  Every statement is written once, with ``?`` placeholders; the PostgreSQL side
  turns them into ``%s``.

Both are used through one connection guarded by a lock: every ledger write is one short
transaction, and SQLite serialises writers anyway.  A transaction is durable (on disk before
its commit returns) unless asked otherwise: ``durable=False`` is for writes whose loss in a
power cut is harmless (input rows read ahead, see ``Ledger.ingest``); the next durable commit
puts them on disk too, since both engines write one log, in order.  Driver exceptions never
escape: they become ``LedgerUnavailableError`` naming the database (without its password).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from smsbridge.errors import ConfigurationError, LedgerUnavailableError

__all__ = ["Database", "PostgresDatabase", "SQLiteDatabase", "connect_database", "describe_url"]

Params = Sequence[Any]


class Database:
    """One connection, one lock, transactions that commit or roll back as a whole."""

    dialect = ""
    #: SQLite 3.38+: many rows can go in one statement as a JSON array (``json_each``, ``->>``)
    json_rows = False

    def __init__(self, shown: str) -> None:
        self.shown = shown  # the URL without credentials, for messages
        self.lock = threading.RLock()
        self._conn: Any = None

    # -- to be provided by each engine
    def _begin(self, durable: bool) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql

    def _wrap(self, exc: Exception, doing: str) -> LedgerUnavailableError:
        return LedgerUnavailableError(f"the ledger {self.shown} failed while {doing}: {type(exc).__name__}: {exc}")

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        raise NotImplementedError

    # -- the interface
    @contextlib.contextmanager
    def transaction(self, doing: str = "writing", *, durable: bool = True) -> Iterator[Database]:
        """A write transaction; on any error it is rolled back and nothing of it stays.

        ``durable=False``: the commit is not flushed to disk (a power cut may undo it, a
        crash of the process does not); the next durable commit flushes it along.
        """
        with self.lock:
            try:
                self._begin(durable)
            except self._driver_errors() as exc:
                raise self._wrap(exc, doing) from None
            try:
                yield self
            except BaseException:
                with contextlib.suppress(Exception):
                    self._rollback()
                raise
            try:
                self._commit()
            except self._driver_errors() as exc:
                with contextlib.suppress(Exception):
                    self._rollback()
                raise self._wrap(exc, doing) from None

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        with self.lock:
            try:
                cursor = self._conn.execute(self._sql(sql), tuple(params))
                return int(cursor.rowcount)
            except self._driver_errors() as exc:
                raise self._wrap(exc, "writing") from None

    def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        if not rows:
            return 0
        with self.lock:
            try:
                return self._executemany(self._sql(sql), rows)
            except self._driver_errors() as exc:
                raise self._wrap(exc, "writing") from None

    def _executemany(self, sql: str, rows: Sequence[Params]) -> int:
        cursor = self._conn.executemany(sql, [tuple(r) for r in rows])
        return int(cursor.rowcount)

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            try:
                return list(self._conn.execute(self._sql(sql), tuple(params)).fetchall())
            except self._driver_errors() as exc:
                raise self._wrap(exc, "reading") from None

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.shown!r})"


def _switch_to_wal(conn: Any, busy_timeout: float) -> None:
    """``PRAGMA journal_mode=WAL``, waiting out a concurrent opener like any other lock.

    SQLite answers "database is locked" at once, without its busy handler, to a connection
    that asks for the journal mode while another one is switching the same new file to WAL:
    threads (or processes) opening a new ledger together would fail.
    """
    import sqlite3

    deadline = time.monotonic() + busy_timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


class SQLiteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        import sqlite3

        super().__init__(f"sqlite:///{path}")
        self.path = path
        if not path.parent.is_dir():
            raise ConfigurationError(
                f"the ledger's folder {path.parent} does not exist",
                hint="create it, or give another path with --ledger / SMSBRIDGE_LEDGER",
            )
        try:
            if not path.exists():  # personal data: readable by the owner only
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=busy_timeout)
            _switch_to_wal(conn, busy_timeout)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as exc:
            raise LedgerUnavailableError(f"cannot open the ledger {path}: {exc}") from None
        self._conn = conn
        self._relaxed = False
        self.json_rows = sqlite3.sqlite_version_info >= (3, 38, 0)

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        import sqlite3

        return (sqlite3.Error,)

    def _begin(self, durable: bool) -> None:
        self._restore()  # whatever happened before, a durable transaction runs with FULL
        if not durable:  # WAL: the commit is written to the log but not synced; FULL syncs it later
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._relaxed = True
        try:
            self._conn.execute("BEGIN IMMEDIATE")  # take the write lock now, never upgrade later
        except BaseException:
            self._restore()
            raise

    def _commit(self) -> None:
        try:
            self._conn.execute("COMMIT")
        finally:
            self._restore()

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        finally:
            self._restore()

    def _restore(self) -> None:
        if self._relaxed:
            self._conn.execute("PRAGMA synchronous=FULL")
            self._relaxed = False


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        super().__init__(describe_url(url))
        try:
            import psycopg
        except ImportError:
            raise ConfigurationError(
                "a PostgreSQL ledger needs psycopg 3",
                hint="pip install 'smsbridge[postgres]' (or psycopg[binary])",
            ) from None
        try:
            self._conn = psycopg.connect(
                url, autocommit=True, connect_timeout=max(1, int(connect_timeout)), application_name="smsbridge"
            )
        except psycopg.Error as exc:
            raise LedgerUnavailableError(f"cannot connect to the ledger {self.shown}: {_first_line(exc)}") from None
        self._tx: Any = None

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        import psycopg

        return (psycopg.Error,)

    def _wrap(self, exc: Exception, doing: str) -> LedgerUnavailableError:
        return LedgerUnavailableError(f"the ledger {self.shown} failed while {doing}: {_first_line(exc)}")

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _begin(self, durable: bool) -> None:
        self._tx = self._conn.transaction()
        self._tx.__enter__()
        if not durable:  # a later synchronous commit flushes the log past this one
            self._conn.execute("SET LOCAL synchronous_commit TO OFF")

    def _commit(self) -> None:
        tx, self._tx = self._tx, None
        tx.__exit__(None, None, None)

    def _rollback(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            error = RuntimeError("rolled back")
            with contextlib.suppress(Exception):
                tx.__exit__(type(error), error, None)

    def _executemany(self, sql: str, rows: Sequence[Params]) -> int:
        with self._conn.cursor() as cursor:
            cursor.executemany(sql, [tuple(r) for r in rows])
            return int(cursor.rowcount)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def describe_url(url: str) -> str:
    """A ledger URL without its password (and without any query value that may hold one)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a malformed ledger URL)"
    if not parts.scheme:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{unquote(parts.username)}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{parts.path}"


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:`` URL (SQLAlchemy's form) or of a plain path.

    ``sqlite:///ledger.db`` is relative to the current folder, ``sqlite:////var/lib/x.db``
    absolute; a bare path (``./ledger.db``, ``/var/lib/x.db``) is taken as it is.
    """
    if url.startswith("sqlite:"):
        rest = url[len("sqlite:") :]
        if not rest.startswith("///"):
            raise ConfigurationError(
                f"a SQLite ledger URL is sqlite:///relative/path or sqlite:////absolute/path, not {url!r}"
            )
        path = rest[3:].split("?", 1)[0]
        if not path:
            raise ConfigurationError("the SQLite ledger URL names no file", hint="e.g. sqlite:///ledger.db")
        return Path(unquote(path)).expanduser()
    return Path(url).expanduser()


def connect_database(url: str) -> Database:
    """Open the database a ledger URL names."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        return PostgresDatabase(url)
    if scheme in ("", "sqlite") or url.startswith("sqlite:"):
        return SQLiteDatabase(sqlite_path(url))
    raise ConfigurationError(
        f"unknown ledger database {scheme!r} in {describe_url(url)!r}",
        hint="use sqlite:///path/ledger.db, a file path, or postgresql://user@host/db",
    )
