"""mypy checks a plugin's hook implementations against the specifications (issue 17).

``smsbridge.plugin`` exports one ``typing.Protocol`` a hook; a plugin module assigned to them
under ``TYPE_CHECKING`` fails ``mypy --strict`` when an implementation drifts from its spec.
These tests run mypy on a tiny plugin, good and bad, in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("mypy")

PLUGIN = """
from __future__ import annotations

from typing import TYPE_CHECKING

from smsbridge.plugin import Balance, Message, ProviderContext, ProviderSpec, SendResult, hookimpl


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return []


@hookimpl
def smsbridge_send(ctx: ProviderContext[object], {send_params}) -> SendResult:
    raise NotImplementedError


@hookimpl
def smsbridge_balance(ctx: ProviderContext[object]) -> {balance_returns}:
    raise NotImplementedError


if TYPE_CHECKING:
    import smsbridge.plugin as api
    import tinyplugin as this

    _hooks: tuple[api.ProvidersHook, api.SendHook, api.BalanceHook] = (this, this, this)
"""


def mypy(tmp_path: Path, **parts: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "tinyplugin.py").write_text(textwrap.dedent(PLUGIN.format(**parts)), encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / ".mypy"),
            "tinyplugin.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_plugin_true_to_the_specs_passes(tmp_path: Path) -> None:
    result = mypy(tmp_path, send_params="message: Message", balance_returns="Balance")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "parts",
    [
        {"send_params": "msg: Message", "balance_returns": "Balance"},  # a renamed parameter
        {"send_params": "message: str", "balance_returns": "Balance"},  # a parameter of another type
        {"send_params": "message: Message", "balance_returns": "str"},  # another return type
        {"send_params": "message: Message, extra: int", "balance_returns": "Balance"},  # a parameter too many
    ],
)
def test_a_drifted_hook_implementation_fails_mypy(tmp_path: Path, parts: dict[str, str]) -> None:
    result = mypy(tmp_path, **parts)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "tinyplugin.py" in result.stdout and "Hook" in result.stdout, result.stdout
