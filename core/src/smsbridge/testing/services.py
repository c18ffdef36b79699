"""Tests that need a real service (PostgreSQL, Redis, RabbitMQ, playSMS): skip or fail, never fake.

On a laptop without the service such a test skips with a one-line reason.  In CI the
service must be there: ``.ci/run`` sets ``SMSBRIDGE_REQUIRE_SERVICES=1`` and a missing
service then fails the test instead of skipping it, so a skip can never pass for a pass.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

__all__ = [
    "POSTGRES_ENV",
    "REQUIRE_ENV",
    "postgres_admin_url",
    "postgres_database",
    "require",
    "services_required",
    "tcp_open",
]

REQUIRE_ENV = "SMSBRIDGE_REQUIRE_SERVICES"
#: the PostgreSQL server tests create their databases on (a URL with rights to CREATE DATABASE)
POSTGRES_ENV = "SMSBRIDGE_TEST_POSTGRES"


def services_required() -> bool:
    """True when a missing service must fail the run (CI), not skip."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in ("1", "true", "yes")


def tcp_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(
    service: str, available: bool, reason: str = "", *, how: str = "see README.md, 'Tests that use services'"
) -> None:
    """Skip (or, with ``SMSBRIDGE_REQUIRE_SERVICES=1``, fail) unless ``available``."""
    if available:
        return
    why = f"{service} is not available" + (f" ({reason})" if reason else "")
    if services_required():
        pytest.fail(f"{why}, and {REQUIRE_ENV}=1 says it must be: {how}", pytrace=False)
    pytest.skip(f"{why}: {how}")


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_ENV, "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def postgres_database(prefix: str = "smsbridge_test") -> Iterator[str]:
    """A new, uniquely named PostgreSQL database for one test (or session), dropped afterwards.

    Skips (or fails, in CI) when no server answers at ``SMSBRIDGE_TEST_POSTGRES``
    (default ``postgresql://postgres@127.0.0.1:5432/postgres``) or psycopg is missing.
    """
    admin = postgres_admin_url()
    parts = urlsplit(admin)
    try:
        import psycopg
    except ImportError:
        require("PostgreSQL", False, "psycopg is not installed: pip install 'smsbridge[postgres]'")
        raise
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        require("PostgreSQL", False, f"{parts.hostname}:{parts.port or 5432}: {str(exc).strip().splitlines()[0]}")
        raise
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
