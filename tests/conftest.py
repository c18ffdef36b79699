"""Shared test configuration: the smsbridge pytest plugin is enabled in pyproject.toml.

Tests never reach the network: HTTP is replayed from cassettes (record mode ``none``), or
served by a local server on loopback.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_env_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMSBRIDGE_URL", raising=False)
    monkeypatch.delenv("SMSBRIDGE_DISABLE_PLUGINS", raising=False)
