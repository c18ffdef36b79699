"""Known fake credentials for every provider, errors provoked on purpose by a server that echoes
the whole request back: the credentials appear in no log record, exception text, repr or CLI
output (cassettes are checked by tests/core/test_cassettes.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from click.testing import CliRunner

import smsbridge
from smsbridge.cli.app import cli
from smsbridge.config import secret_values
from smsbridge.errors import SmsBridgeError
from smsbridge.testing.server import FaultServer, Reply, Request

from .profiles import PROFILES, Profile


def echo(status: int, content_type: str) -> Any:
    def script(request: Request) -> Reply:
        headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        body = f"{request.method} {request.target}\n{headers}\n\n{request.body.decode('utf-8', 'replace')}"
        return Reply(status, f"<html><body><pre>{body}</pre></body></html>", content_type=content_type)

    return script


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


@pytest.mark.parametrize("status", [200, 401, 500])
@pytest.mark.parametrize("provider", sorted(PROFILES))
def test_no_secret_in_errors_logs_or_reprs(provider: str, status: int, caplog: pytest.LogCaptureFixture) -> None:
    profile: Profile = PROFILES[provider]
    caplog.set_level(logging.DEBUG)
    with FaultServer(echo(status, "text/html")) as server:
        account = smsbridge.connect(profile.url.format(host=server.host_port) + "&timeout=2")
        secrets = secret_values(account.ctx.config)
        assert secrets, "the profile must carry secrets"
        seen: list[str] = [repr(account), account.url, repr(account.ctx), repr(account.ctx.config)]
        calls = [lambda: account.send(profile.number(0), "leak test")]
        if account.capabilities.balance:
            calls.append(lambda: account.balance())
        if account.capabilities.delivery_status:
            calls.append(lambda: account.delivery_status(["1"]))
        for call in calls:
            with pytest.raises(SmsBridgeError) as info:
                call()
            error = info.value
            seen += [str(error), repr(error), error.hint or ""]
            raw = getattr(error, "raw", None)
            if raw is not None:
                seen += [raw.body, raw.url, repr(raw), *raw.headers.values()]
        assert server.requests, "the server must have been reached"
        echoed = "".join(r.target + r.body.decode("utf-8", "replace") for r in server.requests)
        assert any(s in echoed for s in secrets), "the test must actually send the secrets to the server"
    seen += [record.getMessage() for record in caplog.records]
    assert caplog.records, "debug logging must have produced records"
    assert leaks("\n".join(seen), secrets) == []


@pytest.mark.parametrize("provider", sorted(PROFILES))
def test_no_secret_in_cli_output(provider: str) -> None:
    profile: Profile = PROFILES[provider]
    with FaultServer(echo(500, "text/html")) as server:
        url = profile.url.format(host=server.host_port) + "&timeout=2"
        secrets = secret_values(smsbridge.connect(url).ctx.config)
        runner = CliRunner()
        outputs = []
        for args in (
            ["-v", "send", "--url", url, profile.number(0), "leak test"],
            ["send", "--json", "--url", url, profile.number(0), "leak test"],
            ["-v", "balance", "--url", url],
            ["providers", "--json"],
        ):
            result = runner.invoke(cli, args, env={"COLUMNS": "200"})
            outputs.append(result.output)
            if args[0] != "providers":
                assert result.exit_code in (1, 2), result.output
        assert server.requests
    assert leaks("\n".join(outputs), secrets) == []
