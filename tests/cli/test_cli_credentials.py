"""Credentials in command-line output (issue 13, points 1, 2, 5 and 6).

Every member of a failover group is masked; a malformed URL is described without its user
information; a short secret never corrupts a reply or a message; and what is not a secret
(a user name) or what the user asked for (a new token) is printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from smsbridge.testing.server import FaultServer, Reply, Request

SECOND_KEY = "SecondApiKey77"
RAW_SLASH = "aspsms://USERKEY:Xy7/Secret@default?sender=Shop"  # a raw '/' in the password


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(path))
    return path


# ---------------------------------------------------------------------------- 1. failover groups


@pytest.mark.parametrize(
    "first",
    ["aspsms://K1y:P4ss-word@default", "aspsms://K1y:P4ss-word@default?sender=Shop"],  # a '?' in the first member
)
def test_accounts_masks_every_failover_member(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    _config(
        tmp_path,
        monkeypatch,
        f'default = "backup"\n[accounts.backup]\nurl = "failover({first} allmysms://LOGIN:{SECOND_KEY}@default)"\n',
    )
    for extra in ((), ("--json",)):
        result = run("accounts", *extra)
        assert result.exit_code == 0, result.output
        assert SECOND_KEY not in result.stdout and "P4ss-word" not in result.stdout
        assert "allmysms://L***N:****@default" in result.stdout, "the second member is shown, masked"
        assert "aspsms://K***y:****@default" in result.stdout


def test_a_failover_account_is_shown_masked_by_every_command(run: Any, sms_outbox: Any) -> None:
    url = f"failover(memory://first?sender=Shop clifake://cli-user:{SECOND_KEY}@default)"
    result = run("send", "--json", "--url", url, "+41791234567", "Hi")
    assert result.exit_code == 0, result.output
    assert SECOND_KEY not in result.stdout
    assert json.loads(result.stdout)["account"] == "failover(memory://first?sender=Shop clifake://c***r:****@default)"


# ---------------------------------------------------------------------------- 2. malformed URLs


def test_a_malformed_url_is_described_without_its_userinfo(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for source in (("--url", RAW_SLASH), ()):
        env = {} if source else {"SMSBRIDGE_URL": RAW_SLASH}
        for extra in ((), ("--json",)):
            result = run("balance", *source, *extra, env=env)
            assert result.exit_code == 2, result.output
            shown = result.stdout + result.stderr
            assert "malformed" in shown
            for part in ("USERKEY", "Xy7", "Secret"):
                assert part not in shown, part
    _config(tmp_path, monkeypatch, f'default = "shop"\n[accounts.shop]\nurl = "failover({RAW_SLASH} memory://)"\n')
    result = run("accounts")
    assert result.exit_code == 0
    assert "aspsms://(malformed; credentials not shown)" in result.stdout
    assert "Xy7" not in result.stdout and "Secret" not in result.stdout and "USERKEY" not in result.stdout


# ---------------------------------------------------------------------------- 5. a short secret


def _playsms(request: Request) -> Reply:
    if not request.complete:
        return Reply()
    body = {
        "data": [{"status": "OK", "error": "0", "smslog_id": "30", "queue": "q" * 32, "to": "211911000001"}],
        "error_string": None,
        "timestamp": 1700000000,
    }
    return Reply(200, json.dumps(body), content_type="application/json")


def test_a_one_letter_token_corrupts_neither_the_reply_nor_the_output(run: Any) -> None:
    """Parse first, redact what is shown: a token ``t`` is hidden where it is a field, nowhere else."""
    with FaultServer(_playsms) as server:
        url = f"playsms://bob:t@{server.host_port}/index.php?plain_http=yes"
        result = run("-v", "send", "--url", url, "+211911000001", "status test")
        assert server.count() == 1
    assert result.exit_code == 0, result.stderr
    assert "accepted" in result.stdout and "1 of 1 accepted by playsms" in result.stdout
    assert "***" not in result.stdout
    assert "h=***" in result.stderr and "h=t" not in result.stderr  # the field, in the debug log


# ---------------------------------------------------------------------------- 6. not secrets, asked for


def _admin(replies: dict[str, Any]) -> Any:
    def script(request: Request) -> Reply:
        if not request.complete:
            return Reply()
        op = next((part[3:] for part in request.target.split("&") if part.startswith("op=")), "")
        return Reply(200, json.dumps(replies[op]), content_type="application/json")

    return script


def test_json_output_keeps_the_user_name_and_prints_a_new_token(run: Any) -> None:
    user, token, new = "desk-user", "old-token-123456", "n3w-t0ken-abcdef0123456789"
    replies = {
        "query": {
            "status": "OK",
            "error": "0",
            "data": {"user": {"username": user, "email": f"{user}@example.com", "credit": "12.5"}},
        },
        "set_token": {"status": "OK", "error": "0", "token": new},
        "inject": {"status": "OK", "error": "0"},
    }
    with FaultServer(_admin(replies)) as server:
        url = f"playsms://{user}:{quote(token)}@{server.host_port}/index.php?plain_http=yes"
        query = run("admin", "--json", "--url", url, "query")
        assert query.exit_code == 0, query.output
        data = json.loads(query.stdout)["data"]["user"]
        assert data["username"] == user and data["email"] == f"{user}@example.com"
        for extra in (("--json",), ()):
            changed = run("admin", *extra, "--url", url, "set_token")
            assert changed.exit_code == 0, changed.output
            assert new in changed.stdout, "the new token is what the user asked for: it is printed"
            assert token not in changed.stdout + changed.stderr
