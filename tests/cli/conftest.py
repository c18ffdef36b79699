"""Fixtures for the command-line tests: an isolated config directory, a runner, the fake provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FAKE, FakePlugin
from click.testing import CliRunner, Result

from smsbridge.builtin import memory
from smsbridge.cli import cli
from smsbridge.plugins import get_registry


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No user config, an empty outbox, the fake provider registered and reset."""
    monkeypatch.delenv("SMSBRIDGE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    memory.clear()
    FAKE.__init__()  # type: ignore[misc]
    registry = get_registry()
    registry.register(FakePlugin(), name="clifake-test")
    try:
        yield
    finally:
        registry.unregister("clifake-test")
        memory.clear()


@pytest.fixture
def run() -> Any:
    """``run(*args, input=None, env=None) -> Result`` through click's test runner."""

    def invoke(*args: str, input: Any = None, env: dict[str, str] | None = None) -> Result:
        # wide enough that table cells do not wrap in the middle of what tests look for
        return CliRunner().invoke(
            cli, list(args), input=input, env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False
        )

    return invoke
