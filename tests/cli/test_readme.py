"""The README does what it says (issue 13, point 20): its session runs as printed, with a bare
``smsbridge`` on the PATH as the quick start leaves it, and its host-application example runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def block(after: str, language: str) -> str:
    """The first ``language`` code block after the heading ``after``."""
    section = README[README.index(after) :]
    match = re.search(rf"^```{language}\n(.*?)^```$", section, re.M | re.S)
    assert match, f"no {language} block after {after!r}"
    return match.group(1)


def session_steps() -> list[tuple[str, str]]:
    """(command, output printed after it) for each ``$`` line of the README's session."""
    steps: list[tuple[str, list[str]]] = []
    for line in block("## A short session", "console").splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(lines).strip("\n")) for command, lines in steps]


def test_the_quick_start_activates_what_the_session_uses() -> None:
    quick = block("## Quick start", "sh")
    assert ". .venv/bin/activate" in quick and "pip install -q ./core" in quick
    assert "smsbridge send --url console://" in quick


def test_the_session_runs_as_printed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")}
    # what `. .venv/bin/activate` does: the environment's scripts come first on the PATH
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # a fresh default send ledger
    steps = session_steps()
    assert any(command.startswith("pip install") for command, _ in steps), "the session installs the aspsms plugin"
    for command, printed in steps:
        if command.startswith("pip install"):
            # installed already (requirements-dev.txt); the path must be what this repository has
            for path in re.findall(r"\./\S+", command):
                assert (ROOT / path / "pyproject.toml").is_file(), path
            continue
        if command.startswith("cat "):
            (tmp_path / command.split()[1]).write_text(printed + "\n", encoding="utf-8")
        run = subprocess.run(
            ["bash", "-c", f"exec 2>&1; {command}"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        shown = "\n".join(line.rstrip() for line in run.stdout.strip("\n").splitlines())
        expected = "\n".join(line.rstrip() for line in printed.splitlines())
        assert shown == expected, f"$ {command}\n--- README\n{expected}\n--- ran\n{shown}"


def test_the_host_application_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = block("## In a host application", "python")
    assert "customers()" not in code
    # the same code against the in-memory outbox instead of ASPSMS (no network in tests)
    code = code.replace("aspsms://USERKEY:PASSWORD@default?sender=Shop", "memory://?sender=Shop")
    (tmp_path / "customers.csv").write_text(
        "to,name\n+41791234567,Ann\n+41791234568,Bob\nnot-a-number,Eve\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.splitlines()
    assert first.startswith("True ['mem-") and second == "2 1 0"
