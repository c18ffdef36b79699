"""Where the account comes from: --url, --account and the config file, SMSBRIDGE_URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smsbridge.builtin import memory

CONFIG = """\
default = "shop"

[accounts.shop]
url = "memory://shop"

[accounts.other]
url = "memory://other?sender=Other"

[accounts.dict]
provider = "memory"
host = "fromdict"

[accounts.secret]
url = "clifake://cli-user-4711:pa55-W0rd-s3cret@default"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(path))
    return path


def test_missing_account_explains_how_to_configure_one(run: Any, tmp_path: Path) -> None:
    result = run("send", "+41791234567", "Hi")
    assert result.exit_code == 2
    assert "no account to use" in result.stderr
    assert "--url console://" in result.stderr and "prints messages instead of sending" in result.stderr
    assert "SMSBRIDGE_URL" in result.stderr
    assert str(tmp_path / "xdg" / "smsbridge" / "config.toml") in result.stderr  # the real place to write it
    assert "[accounts.shop]" in result.stderr


def test_missing_account_in_json_mode(run: Any) -> None:
    result = run("balance", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["error"]["type"] == "ConfigurationError"
    assert "console://" in data["error"]["hint"]


def test_environment_variable(run: Any) -> None:
    result = run("send", "+41791234567", "Hi", env={"SMSBRIDGE_URL": "memory://env"})
    assert result.exit_code == 0
    assert [m.outbox for m in memory.outbox("env")] == ["env"]


def test_config_default_named_and_dict_accounts(run: Any, config: Path) -> None:
    assert run("send", "+41791234567", "Hi").exit_code == 0
    assert run("send", "--account", "other", "+41791234567", "Hi").exit_code == 0
    assert run("send", "-a", "dict", "+41791234567", "Hi").exit_code == 0
    assert [m.to for m in memory.outbox("shop")] == ["+41791234567"]
    assert [m.sender for m in memory.outbox("other")] == ["Other"]
    assert len(memory.outbox("fromdict")) == 1


def test_precedence_url_then_account_then_env_then_default(run: Any, config: Path) -> None:
    env = {"SMSBRIDGE_URL": "memory://env"}
    assert run("send", "--url", "memory://cli", "+41791234567", "Hi", env=env).exit_code == 0
    assert run("send", "--account", "other", "+41791234567", "Hi", env=env).exit_code == 0
    assert run("send", "+41791234567", "Hi", env=env).exit_code == 0
    assert [len(memory.outbox(n)) for n in ("cli", "other", "env", "shop")] == [1, 1, 1, 0]


def test_options_before_the_command_name(run: Any) -> None:
    result = run("--url", "memory://", "--json", "balance")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["provider"] == "memory"


def test_unknown_account_name_lists_the_known_ones(run: Any, config: Path) -> None:
    result = run("balance", "--account", "nope")
    assert result.exit_code == 2
    assert "no account named 'nope'" in result.stderr
    assert "dict, other, secret, shop" in result.stderr


def test_url_and_account_together_is_a_usage_error(run: Any, config: Path) -> None:
    result = run("balance", "--url", "memory://", "--account", "shop")
    assert result.exit_code == 2
    assert "either --url or --account" in result.stderr


def test_broken_config_file(run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('default = "shop\n[accounts.shop]\nurl = "x"\n', encoding="utf-8")
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(path))
    result = run("balance")
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(tmp_path / "missing.toml"))
    result = run("balance")
    assert result.exit_code == 2
    assert "not a file" in result.stderr


def test_accounts_command_masks_urls(run: Any, config: Path) -> None:
    result = run("accounts", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["config"] == str(config) and data["exists"] is True
    assert data["current"] == "config default 'shop'"
    shown = {a["name"]: a for a in data["accounts"]}
    assert shown["shop"]["default"] is True
    assert shown["dict"]["url"] == "memory://(from dict)"
    assert "pa55-W0rd-s3cret" not in result.stdout
    assert shown["secret"]["url"] == "clifake://c***1:****@default"
    human = run("accounts")
    assert human.exit_code == 0
    assert "clifake://c***1:****@default" in human.stdout and "pa55" not in human.stdout
