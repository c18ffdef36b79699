"""Credentials never reach output, errors or logs; the console script and ``--help`` work fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_fakes import FAKE, FAKE_URL, SECRET_PASSWORD, SECRET_USER

SECRETS = (SECRET_PASSWORD, SECRET_USER)


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_every_command_keeps_the_credentials_out(run: Any, tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("to\n+41791234567\n", encoding="utf-8")
    commands = [
        ("send", "+41791234567", "Hi", "-s", "Shop"),
        ("send", "--dry-run", "+41791234567", "Hi", "-s", "Shop"),
        ("bulk", "list.csv", "Hi", "-r", "r.csv", "-s", "Shop"),
        ("balance",),
        ("status", "f-1"),
        ("estimate", "--to", "+41791234567", "Hi"),
        ("admin", "--list"),
        ("admin", "topup", "amount=1"),
        ("inbound",),
    ]
    for command in commands:
        for extra in ((), ("--json",), ("-v",)):
            result = run(command[0], "--url", FAKE_URL, *extra, *command[1:])
            assert result.exit_code in (0, 3), (command, result.output)
            assert_clean(result.stdout, result.stderr)
    assert_clean((tmp_path / "r.csv").read_text(encoding="utf-8"))


def test_debug_log_is_redacted(run: Any) -> None:
    result = run("send", "--url", FAKE_URL, "-v", "+41791234567", "Hi", "-s", "Shop")
    assert result.exit_code == 0
    assert "request 1 with password ***" in result.stderr  # the plugin logged it; the CLI redacted it
    assert "clifake://c***1:****@default" in result.stderr  # the account, masked
    assert_clean(result.stdout, result.stderr)


def test_error_text_is_redacted_even_when_a_plugin_is_careless(run: Any) -> None:
    FAKE.leak_secret_in_error = True
    result = run("send", "--url", FAKE_URL, "+41791234567", "Hi", "-s", "Shop")
    assert result.exit_code == 1
    assert "account *** / *** refused" in result.stderr
    assert_clean(result.stdout, result.stderr)
    result = run("send", "--url", FAKE_URL, "--json", "+41791234567", "Hi", "-s", "Shop")
    assert json.loads(result.stdout)["error"]["message"] == "[clifake] account *** / *** refused"
    assert_clean(result.stdout, result.stderr)


def test_configuration_errors_show_the_url_masked(run: Any) -> None:
    url = f"clifake://{SECRET_USER}:{SECRET_PASSWORD}@default?colour=blue"
    result = run("balance", "--url", url)
    assert result.exit_code == 2
    assert "unknown option 'colour'" in result.stderr
    assert_clean(result.stdout, result.stderr)
    result = run("balance", "--url", f"clifake://{SECRET_USER}:{SECRET_PASSWORD}@host:99999")
    assert result.exit_code == 2
    assert "c***1:****@host:99999" in result.stderr
    assert_clean(result.stdout, result.stderr)


def _python(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, input=stdin, env=env, check=False, timeout=120
    )


def test_console_script_session() -> None:
    """The README's first command, through the real entry point."""
    result = _python("-m", "smsbridge.cli", "send", "--url", "console://", "+41791234567", "Hello from smsbridge")
    assert result.returncode == 0, result.stderr
    assert "| Hello from smsbridge" in result.stderr
    assert "+41791234567" in result.stdout and "accepted" in result.stdout and "console-1" in result.stdout


def test_help_lists_every_command_and_exit_codes(run: Any) -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("accounts", "admin", "balance", "bulk", "estimate", "inbound", "providers", "send", "status"):
        assert command in result.stdout
    assert "Exit codes" in result.stdout and "console://" in result.stdout
    assert run("--version").stdout.startswith("smsbridge, version")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from smsbridge.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='smsbridge')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('rich', 'requests', 'phonenumbers', 'smsbridge.account', 'smsbridge.plugins')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = _python("-c", code)
    assert "HEAVY []" in result.stderr


def test_a_plugin_bug_is_reported_redacted_with_exit_1(run: Any) -> None:
    FAKE.bug_in_balance = True
    result = run("balance", "--url", FAKE_URL, "-v")
    assert result.exit_code == 1
    assert "unexpected KeyError" in result.stderr and "no field for ***" in result.stderr
    assert "Traceback" in result.stderr  # with -v, through the redacting log handler
    assert_clean(result.stdout, result.stderr)
