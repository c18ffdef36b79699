"""A mistake in what the user typed is a usage error: a clear message naming the option and exit
2, never "unexpected FileNotFoundError ... this is a bug" (issue 13, point 18)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def recipients(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("to,name\n+41791234567,Ann\n", encoding="utf-8")
    return path


def assert_usage_error(result: Any, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "bug" not in result.output and "unexpected" not in result.output, result.output
    for word in words:
        assert word in result.output, result.output


def test_missing_input_file(run: Any) -> None:
    result = run("bulk", "nosuch.csv", "Hi {name}", "--url", "memory://", "--report", "r.csv")
    assert_usage_error(result, "'FILE'", "nosuch.csv", "does not exist")
    assert not Path("r.csv").exists()


def test_input_file_that_is_a_directory(run: Any, tmp_path: Path) -> None:
    result = run("bulk", str(tmp_path), "Hi", "--url", "memory://", "--report", "r.csv")
    assert_usage_error(result, "'FILE'", "is a directory")


def test_report_in_a_missing_directory(run: Any, recipients: Path) -> None:
    result = run("bulk", str(recipients), "Hi {name}", "--url", "memory://", "--report", "/nonexistent/dir/r.csv")
    assert_usage_error(result, "--report", "/nonexistent/dir", "does not exist")


@pytest.mark.parametrize("command", [["send", "+41791234567"], ["bulk", "CSV", "--report", "r.csv"]])
def test_text_file_that_is_not_utf8(run: Any, recipients: Path, tmp_path: Path, command: list[str]) -> None:
    text = tmp_path / "text.txt"
    text.write_bytes(b"Gr\xfc\xdfe")  # latin-1
    args = [str(recipients) if a == "CSV" else a for a in command]
    result = run(*args, "--text-file", str(text), "--url", "memory://")
    assert_usage_error(result, "--text-file", "not UTF-8")


def test_missing_text_file(run: Any) -> None:
    result = run("send", "+41791234567", "--text-file", "nosuch.txt", "--url", "memory://")
    assert_usage_error(result, "--text-file", "nosuch.txt")


@pytest.mark.parametrize("json_output", [False, True])
def test_missing_ca_bundle(run: Any, json_output: bool) -> None:
    result = run(
        "send", *(["--json"] if json_output else []), "--url", "console://?ca_bundle=/nonexistent", "+41791234567", "hi"
    )
    assert_usage_error(result, "ca_bundle", "/nonexistent", "does not exist")
    if json_output:
        assert json.loads(result.stdout)["error"]["type"] == "ConfigurationError"


def test_missing_config_file_named_by_the_environment(run: Any, tmp_path: Path) -> None:
    result = run("balance", env={"SMSBRIDGE_CONFIG": str(tmp_path / "nope.toml")})
    assert_usage_error(result, "SMSBRIDGE_CONFIG", "not a file")


def test_undecodable_command_line_text_and_sender(run: Any) -> None:
    # a shell passes bytes that are not UTF-8 as lone surrogates (surrogateescape)
    result = run("send", "--url", "memory://", "+41791234567", "Gr\udcfc\udcdfe")
    assert_usage_error(result, "lone surrogate")
    result = run("send", "--url", "memory://", "-s", "Sh\udcfcp", "+41791234567", "hi")
    assert_usage_error(result, "sender", "U+DCFC")
    result = run("estimate", "Gr\udcfc\udcdfe", "--to", "+41791234567", "--url", "memory://")
    assert_usage_error(result, "lone surrogate")
    result = run("estimate", "Gr\udcfc\udcdfe")  # no account: the core's text analysis alone
    assert_usage_error(result, "lone surrogate")
