"""Tests that need a real service (PostgreSQL, Redis, RabbitMQ, playSMS): skip or fail, never fake.

On a laptop without the service such a test skips with a one-line reason.  In CI the
service must be there: ``.ci/run`` sets ``SMSBRIDGE_REQUIRE_SERVICES=1`` and a missing
service then fails the test instead of skipping it, so a skip can never pass for a pass.
"""

from __future__ import annotations

import os
import socket

import pytest

__all__ = ["REQUIRE_ENV", "require", "services_required", "tcp_open"]

REQUIRE_ENV = "SMSBRIDGE_REQUIRE_SERVICES"


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
