"""Shared test configuration: the smsbridge test kit's fixtures, and no account from the environment.

Tests never reach the network: HTTP is replayed from cassettes (record mode ``none``), or
served by a local server on loopback.
"""

from __future__ import annotations

import pytest

from smsbridge.testing.pytest_plugin import *  # noqa: F403  (fixtures: vcr_config, vcr_cassette_dir, ...)


@pytest.fixture(autouse=True)
def _no_env_account(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.delenv("SMSBRIDGE_URL", raising=False)
    monkeypatch.delenv("SMSBRIDGE_DISABLE_PLUGINS", raising=False)
    # bulk sends write a ledger: a fresh file per test, never the user's own
    monkeypatch.setenv("SMSBRIDGE_LEDGER", str(tmp_path_factory.mktemp("ledger") / "ledger.db"))
