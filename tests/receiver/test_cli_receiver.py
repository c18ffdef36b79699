"""``smsbridge receiver ...`` and ``smsbridge serve`` (a real uvicorn process on loopback)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from smsbridge.cli import cli
from smsbridge.ledger import open_ledger
from smsbridge.receiver import token_problem

from .conftest import OTHER_TOKEN, TOKEN


def write_config(tmp_path: Path, receiver: str = "", accounts: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[accounts.shop]
url = "aspsms://KEY:PASSWORD@default?sender=Shop"
[accounts.juba]
url = "junubsms://alice:WS-TOKEN@default"
[accounts.mem]
url = "memory://"
{accounts}
[receiver]
public_url = "https://sms.example.org/smsbridge"
ledger = "sqlite:///{tmp_path / "receiver.db"}"
{receiver}
[receiver.accounts.shop]
token = "{TOKEN}"
[receiver.accounts.juba]
token_file = "{tmp_path / "juba.token"}"
[receiver.accounts.mem]
token_env = "MEM_RECEIVER_TOKEN"
""",
        encoding="utf-8",
    )
    (tmp_path / "juba.token").write_text(OTHER_TOKEN + "\n", encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_config(tmp_path)
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(path))
    monkeypatch.setenv("MEM_RECEIVER_TOKEN", "Mm3-rT7_kP2wQ9zX4cV8bN1")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_receiver_token_makes_fresh_strong_tokens() -> None:
    first, second = run("receiver", "token").output.strip(), run("receiver", "token").output.strip()
    assert first != second and token_problem(first) is None and len(first) >= 22
    assert token_problem(json.loads(run("receiver", "token", "--json").output)["token"]) is None


def test_receiver_url_prints_what_to_give_aspsms(config: Path) -> None:
    result = run("receiver", "url", "shop")
    assert result.exit_code == 0, result.output
    url = f"https://sms.example.org/smsbridge/shop/status/{TOKEN}?TRN=<TRN>&DST=<DST>&RSN=<RSN>"
    assert url in result.output
    assert f"notify_delivered={quote(url, safe='')}" in result.output
    assert "of at most 200 characters" in result.output
    data = json.loads(run("receiver", "url", "shop", "--json").output)
    (item,) = data["urls"]
    assert item["kind"] == "status" and set(item["options"]) == {
        "notify_delivered",
        "notify_not_delivered",
        "notify_buffered",
    }
    assert item["reply"] == {"status": 200, "body": ""}


def test_receiver_url_for_playsms_and_the_checks_on_it(config: Path) -> None:
    result = run("receiver", "url", "juba")
    assert result.exit_code == 0, result.output
    assert f"/juba/inbound/{OTHER_TOKEN}?sender={{SMSSENDER}}" in result.output
    assert "Manage SMS custom" in result.output
    too_long = run("receiver", "url", "shop", "--public-url", "https://" + "x" * 120 + ".example.org")
    assert too_long.exit_code == 2 and "aspsms takes at most 200" in too_long.output
    assert run("receiver", "url", "nobody").exit_code == 2
    assert "public_url" in run("receiver", "url", "shop", "--public-url", "sms.example.org").output


def test_receiver_check_builds_every_account_and_shows_no_token(config: Path) -> None:
    result = run("receiver", "check")
    assert result.exit_code == 0, result.output
    for name, provider in (("shop", "aspsms"), ("juba", "junubsms"), ("mem", "memory")):
        assert name in result.output and provider in result.output
    assert TOKEN not in result.output and OTHER_TOKEN not in result.output and "PASSWORD" not in result.output


@pytest.mark.parametrize(
    ("receiver", "accounts", "message"),
    [
        ("typo_key = 1", "", "unknown key(s) typo_key"),
        ("max_body = 10", "", "max_body"),
        ("", "[receiver.accounts.mem2]\ntoken = ''", "no account named 'mem2'"),
        ("", "[accounts.mem2]\nurl = 'memory://'\n[receiver.accounts.mem2]\ntoken = ''", "the token is empty"),
        (
            "",
            "[accounts.mem2]\nurl = 'memory://'\n[receiver.accounts.mem2]\ntoken = 'a'\ntoken_env = 'X'",
            "exactly one",
        ),
        (
            "",
            "[accounts.mem2]\nurl = 'console://'\n[receiver.accounts.mem2]\ntoken = 'Zk3q-9vW_mT2xLp8RbN4sYZ'",
            "no callbacks",
        ),
    ],
)
def test_receiver_check_refuses_bad_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: str, accounts: str, message: str
) -> None:
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(write_config(tmp_path, receiver, accounts)))
    monkeypatch.setenv("MEM_RECEIVER_TOKEN", "Mm3-rT7_kP2wQ9zX4cV8bN1")
    result = run("receiver", "check")
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_an_unset_token_env_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("MEM_RECEIVER_TOKEN", raising=False)
    result = run("receiver", "check")
    assert result.exit_code == 2 and "MEM_RECEIVER_TOKEN is not set" in result.output


def test_receiver_inbound_and_purge(config: Path, tmp_path: Path) -> None:
    from smsbridge.models import InboundMessage

    url = f"sqlite:///{tmp_path / 'receiver.db'}"
    with open_ledger(url) as ledger:
        ledger.record_received([], [("mem", "memory", InboundMessage("i1", "+41791234567", "STOP"))])
    listed = run("receiver", "inbound", "--ledger", url, "--json")
    assert [m["text"] for m in json.loads(listed.output)["messages"]] == ["STOP"]
    assert "1 received message(s) deleted" in run("receiver", "purge", "--older-than", "0s", "--ledger", url).output
    assert json.loads(run("receiver", "inbound", "--ledger", url, "--json").output)["messages"] == []


# ---------------------------------------------------------------------------- serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(
    port: int, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_serve_runs_the_receiver_on_loopback_and_stops_cleanly(config: Path, tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    port = _free_port()
    env = {**os.environ, "SMSBRIDGE_CONFIG": str(config), "MEM_RECEIVER_TOKEN": "Mm3-rT7_kP2wQ9zX4cV8bN1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "smsbridge.cli", "serve", "--listen", f"127.0.0.1:{port}", "--access-log"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.1)
        status, body = _request(
            port, "GET", f"/shop/status/{TOKEN}?TRN=4242&DST=0&RSN=000&DSCTSUTC=2021-01-21T13:46:34Z"
        )
        assert (status, body) == (200, b"")
        assert _request(port, "GET", f"/shop/status/{OTHER_TOKEN}?TRN=1&DST=0")[0] == 404
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        inbound = b"sender=%2B211988000008&receiver=1234&datetime=2026-12-01+10%3A15%3A02&keyword=SMSB&raw=SMSB+hi"
        assert _request(port, "POST", f"/juba/inbound/{OTHER_TOKEN}", inbound, form) == (200, b"")
        assert _request(port, "POST", f"/juba/inbound/{OTHER_TOKEN}", b"x" * 70_000, form)[0] == 413
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully (lifespan: the receiver's writer flushed), then re-raises the
    # signal so that the exit status says "terminated" (systemd counts SIGTERM as a clean stop)
    assert proc.returncode in (0, -signal.SIGTERM), err.decode()
    log = (out + err).decode()
    assert TOKEN not in log and OTHER_TOKEN not in log and "WS-TOKEN" not in log and "PASSWORD" not in log
    assert f"on http://127.0.0.1:{port}" in log and "/shop/status/*** 200" in log and "413" in log
    with open_ledger(tmp_path / "receiver.db") as ledger:
        assert ledger.orphan_count() == 1
        assert [m.text for m in ledger.inbound()] == ["SMSB hi"]


def test_serve_without_uvicorn_says_which_extra(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = run("serve")
    assert result.exit_code == 2 and "smsbridge[serve]" in result.output
