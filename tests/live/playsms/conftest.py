"""The live suite's server: a real playSMS 1.4.8 (``../shared/playsms/start``) and its database.

Tests talk to it through smsbridge (the public API and the CLI) and then check the server's
own truth: its MariaDB tables (``PLAYSMS_DB*``) or a follow-up webservices call.  Without
``PLAYSMS_URL`` every test skips with a one-line reason; with ``SMSBRIDGE_REQUIRE_SERVICES=1``
(CI) it fails instead (``smsbridge.testing.services.require``).

The server handles one request at a time and its dev gateway marks a message delivered about
a second after it is queued: tests poll with short sleeps and read the tables directly rather
than waiting for the ~30 s credit sync.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pytest
from click.testing import CliRunner, Result

import smsbridge
from smsbridge.cli import cli
from smsbridge.testing.services import require, tcp_open

T = TypeVar("T")
HOW = "start one with eval \"$(../shared/playsms/start)\"; see README.md, 'Tests that use services'"
USERS = ("admin", "alice", "bob", "carol")


class PlaySMS:
    """The running server: account URLs for its test users, its tables, polling, the CLI."""

    def __init__(self, url: str, db: Any) -> None:
        parts = urlsplit(url)
        self.host = parts.netloc
        self.path = parts.path or "/index.php"
        self.tokens = {u: os.environ.get(f"PLAYSMS_{u.upper()}_TOKEN", "") for u in USERS}
        self.passwords = {u: os.environ.get(f"PLAYSMS_{u.upper()}_PASSWORD", "") for u in USERS}
        self.db = db
        row = self.row("SELECT registry_value AS v FROM playsms_tblRegistry WHERE registry_key = 'playsms_version'")
        self.version = row["v"] if row else None

    # ------------------------------------------------------------------ accounts

    def url(self, user: str = "alice", *, token: str | None = None, **options: Any) -> str:
        """``playsms://user:token@host/index.php?plain_http=yes&...`` (loopback is plain http)."""
        secret = token if token is not None else self.tokens[user]
        query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in {"plain_http": "yes", **options}.items())
        return f"playsms://{quote(user, safe='')}:{quote(secret, safe='')}@{self.host}{self.path}?{query}"

    def connect(self, user: str = "alice", **options: Any) -> Any:
        return smsbridge.connect(self.url(user, **options))

    def cli(self, *args: str, user: str = "alice", **options: Any) -> Result:
        """``smsbridge <args> --url <user's URL>`` through click's runner (stdout and stderr apart)."""
        return CliRunner().invoke(
            cli,
            [*args, "--url", self.url(user, **options)],
            env={"COLUMNS": "250", "SMSBRIDGE_URL": None},
            catch_exceptions=False,
        )

    # ------------------------------------------------------------------ the server's truth

    def rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self.db.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    def row(self, sql: str, *args: Any) -> dict[str, Any] | None:
        found = self.rows(sql, *args)
        return found[0] if found else None

    def execute(self, sql: str, *args: Any) -> int:
        with self.db.cursor() as cursor:
            return int(cursor.execute(sql, args))

    def numbers(self, count: int, prefix: str = "+21191") -> list[str]:
        """``count`` valid numbers no destination of this server has had (reruns stay independent)."""
        found: list[str] = []
        while len(found) < count:
            number = f"{prefix}{random.randrange(10**6, 10**7)}"
            taken = self.row("SELECT 1 AS x FROM playsms_tblSMSOutgoing_queue_dst WHERE dst LIKE %s", f"%{number[1:]}%")
            if taken is None and number not in found:
                found.append(number)
        return found

    def uid(self, username: str) -> int:
        row = self.row("SELECT uid FROM playsms_tblUser WHERE username = %s AND flag_deleted = 0", username)
        assert row is not None, f"no user {username}"
        return int(row["uid"])

    def outgoing(self, smslog_id: str | int) -> dict[str, Any] | None:
        return self.row("SELECT * FROM playsms_tblSMSOutgoing WHERE smslog_id = %s", int(smslog_id))

    def poll(self, fetch: Callable[[], T], done: Callable[[T], bool], timeout: float = 20.0) -> T:
        """``fetch()`` until ``done`` or ``timeout`` seconds (then the last value, for the assert)."""
        deadline = time.monotonic() + timeout
        value = fetch()
        while not done(value) and time.monotonic() < deadline:
            time.sleep(0.25)
            value = fetch()
        return value

    def queued(self, message_id: str | None) -> dict[str, Any]:
        """What the server took for a receipt's ``smslog_id:queue`` at once: the destination and its
        queue (message, sender, type, footer, uid), before the gateway has processed it."""
        smslog_id = (message_id or "").split(":")[0]
        row = self.row(
            "SELECT d.dst, d.queue_id, q.* FROM playsms_tblSMSOutgoing_queue_dst AS d "
            "JOIN playsms_tblSMSOutgoing_queue AS q ON q.id = d.queue_id WHERE d.id = %s",
            int(smslog_id) if smslog_id.isdigit() else -1,
        )
        assert row is not None, f"the server holds no destination for {message_id}"
        return row

    def delivered(self, smslog_id: str | int, timeout: float = 20.0) -> dict[str, Any]:
        """The outgoing row once the dev gateway marked it delivered (p_status 3)."""
        row = self.poll(lambda: self.outgoing(smslog_id), lambda r: r is not None and r["p_status"] == 3, timeout)
        assert row is not None and row["p_status"] == 3, f"smslog_id {smslog_id} not delivered: {row}"
        return row

    def temp_user(self, username: str, *, status: int = 3, webservices: bool = True, parent: str = "") -> str:
        """A user made with accountadd; with ``webservices`` given a token in its row (no op does that)."""
        admin = self.connect("admin")
        params = {
            "data_password": f"{username}-pass-1",
            "data_name": username.title(),
            "data_email": f"{username}@x.org",
        }
        admin.admin("accountadd", data_status=status, data_username=username, data_parent=parent or None, **params)
        token = uuid.uuid4().hex + uuid.uuid4().hex  # playSMS takes alphanumeric tokens only
        if webservices:
            self.execute(
                "UPDATE playsms_tblUser SET token = %s, enable_webservices = 1, webservices_ip = '127.0.0.1' "
                "WHERE username = %s AND flag_deleted = 0",
                token,
                username,
            )
        self.tokens[username] = token
        self.passwords[username] = params["data_password"]
        return token

    def remove_user(self, username: str) -> None:
        if self.row("SELECT uid FROM playsms_tblUser WHERE username = %s AND flag_deleted = 0", username):
            self.connect("admin").admin("accountremove", data_username=username)


@pytest.fixture(scope="session")
def playsms() -> Iterator[PlaySMS]:
    url = os.environ.get("PLAYSMS_URL", "")
    require("playSMS", bool(url), "PLAYSMS_URL is not set", how=HOW)
    parts = urlsplit(url)
    require("playSMS", tcp_open(parts.hostname or "", parts.port or 80), f"nothing answers on {parts.netloc}", how=HOW)
    try:
        import pymysql
        import pymysql.cursors

        db = pymysql.connect(
            host=os.environ.get("PLAYSMS_DB_HOST", "127.0.0.1"),
            user=os.environ.get("PLAYSMS_DB_USER", ""),
            password=os.environ.get("PLAYSMS_DB_PASSWORD", ""),
            database=os.environ.get("PLAYSMS_DB", ""),
            port=int(os.environ.get("PLAYSMS_DB_PORT", "3306")),
            charset="utf8mb4",
            autocommit=True,
            cursorclass=pymysql.cursors.DictCursor,
            connect_timeout=5,
        )
    except Exception as exc:  # ImportError, OperationalError: the reason is what matters
        require("playSMS's MariaDB", False, f"{type(exc).__name__}: {exc}".splitlines()[0], how=HOW)
        raise
    server = PlaySMS(url, db)
    try:
        yield server
    finally:
        db.close()
