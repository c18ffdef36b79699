"""Secrets stay secret in every output, in every encoding (issue 13, points 3 and 4).

For every provider, accounts whose credentials hold characters that encode differently
(``ä " / + space & <``) talk to a loopback server that echoes the request back *and* every
encoding of the secrets (raw, percent with ``+`` and ``%20``, JSON with ``\\u00e4``/``\\"``/``\\/``,
XML, JSON inside a form, base64 of ``user:password``), in the body and in a header.  None of
those forms may reach: an error or anything chained behind it, a repr, a result's raw reply,
a log record of any logger at DEBUG, the CLI's text and ``--json`` output, a bulk report, or
a cassette written through ``smsbridge.testing``'s filters.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

import smsbridge
from smsbridge.cli.app import cli
from smsbridge.config import secret_values
from smsbridge.errors import SmsBridgeError
from smsbridge.json_output import to_dict
from smsbridge.plugins import get_registry
from smsbridge.testing import scrub_request, scrub_response
from smsbridge.testing.server import FaultServer, Reply, Request

from .profiles import PROFILES
from .secrets import ACCOUNTS, NUMBERS, LeakAccount, all_forms, echo_lines, leaks

PROVIDERS = sorted(ACCOUNTS)


def forms_of(account: LeakAccount) -> dict[str, str]:
    return all_forms(account.secrets, account.user, account.password)


def echo(status: int, forms: dict[str, str]) -> Any:
    """A server answering an HTML page with the whole request and every form of the secrets."""

    def script(request: Request) -> Reply:
        headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        body = request.body.decode("utf-8", "replace")
        page = f"{request.method} {request.target}\n{headers}\n\n{body}\n{echo_lines(forms)}"
        return Reply(
            status,
            f"<html><body><pre>{page}</pre></body></html>",
            content_type="text/html; charset=utf-8",
            headers={"X-Echo": forms[next(k for k in forms if k.endswith(" percent"))]},
        )

    return script


def with_echo(reply: Reply, forms: dict[str, str]) -> Reply:
    """A good reply that also carries every form of the secrets, where the parser ignores it."""
    text = reply.body.decode("utf-8") if isinstance(reply.body, bytes) else reply.body
    if text.lstrip().startswith("{"):
        extra = ", ".join(
            f'"echo{i}": "{form if "json" in name else json.dumps(form)[1:-1]}"'
            for i, (name, form) in enumerate(forms.items())
        )
        text = text.rstrip()[:-1] + ", " + extra + "}"
    else:
        text = text + "<!-- " + " ".join(forms.values()) + " -->"
    return Reply(reply.status, text, content_type=reply.content_type, headers={"X-Echo": quote(text[-40:], safe="")})


def good(provider: str, forms: dict[str, str]) -> Any:
    profile = PROFILES["playsms" if provider == "junubsms" else provider]

    def script(request: Request) -> Reply:
        if not request.complete:
            return Reply()
        if profile.is_send(request):
            return with_echo(profile.ok(request), forms)
        return profile.auxiliary(request)

    return script


def chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[Any] = [error]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or any(current is s for s in seen):
            continue
        seen.append(current)
        stack += [current.__cause__, current.__context__, *current.args]
    return seen


def error_texts(error: BaseException) -> list[str]:
    """Everything an error shows or keeps, through its whole chain."""
    texts: list[str] = []
    for link in chain(error):
        assert isinstance(link, SmsBridgeError), f"{type(link).__name__} is chained behind the error"
        texts += [str(link), repr(link), repr(vars(link))]
        raw = getattr(link, "raw", None)
        if raw is not None:
            texts += [raw.body, raw.url, repr(raw), *raw.headers.values()]
    return texts


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    out = []
    for record in caplog.records:
        out.append(record.getMessage())
        if record.exc_text:
            out.append(record.exc_text)
    return out


def open_account(provider: str, host: str) -> Any:
    account = ACCOUNTS[provider]
    opened = smsbridge.connect(account.url.format(host=host) + "&timeout=2")
    assert set(account.secrets) <= set(secret_values(opened.ctx.config)), "the test must use the real secrets"
    return opened


def operations(opened: Any, provider: str) -> list[Any]:
    calls = [lambda: opened.send(NUMBERS[provider], "leak test")]
    if opened.capabilities.balance:
        calls.append(lambda: opened.balance())
    if opened.capabilities.delivery_status:
        calls.append(lambda: opened.delivery_status(["1"]))
    return calls


# ---------------------------------------------------------------------------- errors, reprs, logs


@pytest.mark.parametrize("status", [200, 401, 500])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_errors_chains_reprs_and_debug_logs(provider: str, status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: smsbridge, the plugins, urllib3
    forms = forms_of(ACCOUNTS[provider])
    seen: list[str] = []
    with FaultServer(echo(status, forms)) as server:
        opened = open_account(provider, server.host_port)
        seen += [repr(opened), opened.url, repr(opened.ctx), repr(opened.ctx.config), repr(opened.ctx.http)]
        for call in operations(opened, provider):
            with pytest.raises(SmsBridgeError) as info:
                call()
            seen += error_texts(info.value)
        received = "".join(r.target + r.body.decode("utf-8", "replace") + str(r.headers) for r in server.requests)
    assert leaks([received], forms), "the secrets must actually travel to the server"
    assert caplog.records, "debug logging must have produced records"
    assert leaks(seen + log_texts(caplog), forms) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_results_keep_only_redacted_replies(provider: str, caplog: pytest.LogCaptureFixture) -> None:
    """A provider echoing its key (as PHP writes it, ``k3y\\/AbC+dEf==``) in a good reply."""
    caplog.set_level(logging.DEBUG)
    forms = forms_of(ACCOUNTS[provider])
    with FaultServer(good(provider, forms)) as server:
        opened = open_account(provider, server.host_port)
        result = opened.send(NUMBERS[provider], "leak test")
        assert result.ok, result
        summary = opened.bulk_send([NUMBERS[provider]], "leak test")
    assert result.raw is not None and ("echo" in result.raw.body or "<!--" in result.raw.body)
    seen = [repr(result), repr(result.raw), result.raw.body, *result.raw.headers.values()]
    seen += [json.dumps(to_dict(result, raw=True), ensure_ascii=False), repr(summary)]
    assert leaks(seen + log_texts(caplog), forms) == []


# ---------------------------------------------------------------------------- CLI and bulk reports


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cli_text_and_json(provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    forms = forms_of(ACCOUNTS[provider])
    outputs = []
    runner = CliRunner()
    for script in (echo(500, forms), good(provider, forms)):
        with FaultServer(script) as server:
            url = ACCOUNTS[provider].url.format(host=server.host_port) + "&timeout=2"
            for args in (
                ["-vv", "send", "--url", url, NUMBERS[provider], "leak test"],
                ["send", "--json", "--url", url, NUMBERS[provider], "leak test"],
                ["-vv", "balance", "--url", url],
                ["balance", "--json", "--url", url],
                ["-vv", "status", "--url", url, "1"],
                ["status", "--json", "--url", url, "1"],
            ):
                result = runner.invoke(cli, args, env={"COLUMNS": "200"})
                outputs += [result.output, result.stderr]
            assert server.requests
    assert leaks(outputs, forms) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_bulk_report(provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    forms = forms_of(ACCOUNTS[provider])
    (tmp_path / "list.csv").write_text(f"to\n{NUMBERS[provider]}\n", encoding="utf-8")
    with FaultServer(echo(500, forms)) as server:
        url = ACCOUNTS[provider].url.format(host=server.host_port) + "&timeout=2"
        result = CliRunner().invoke(cli, ["-v", "bulk", "list.csv", "leak test", "--url", url, "-r", "report.csv"])
        assert server.requests
    assert result.exit_code in (1, 3), result.output
    report = (tmp_path / "report.csv").read_text(encoding="utf-8")
    assert NUMBERS[provider] in report
    ledger = ledger_contents()
    assert any(NUMBERS[provider] in text for text in ledger)  # the rows are really read
    assert leaks([report, result.output, result.stderr, *ledger], forms) == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_ledgered_sends(provider: str) -> None:
    """A single send recorded in the ledger (an idempotency key): no secret in its rows or files."""
    forms = forms_of(ACCOUNTS[provider])
    with FaultServer(echo(500, forms)) as server:
        account = smsbridge.connect(ACCOUNTS[provider].url.format(host=server.host_port) + "&timeout=2")
        with pytest.raises(SmsBridgeError):
            account.send(NUMBERS[provider], "leak test", idempotency_key=f"leak-{provider}")
        assert server.requests
    ledger = ledger_contents()
    assert any(NUMBERS[provider] in text and "send:leak-" in text for text in ledger)
    assert leaks(ledger, forms) == []


def ledger_contents() -> list[str]:
    """Every row of every table of the test's ledger, and its files' bytes (as text)."""
    import os
    import sqlite3

    path = Path(os.environ["SMSBRIDGE_LEDGER"])
    texts = []
    with sqlite3.connect(path) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            texts.extend(repr(row) for row in db.execute(f'SELECT * FROM "{table}"'))
    for name in (path, Path(f"{path}-wal")):
        if name.exists():
            texts.append(name.read_bytes().decode("utf-8", "replace"))
    assert texts, "the ledger holds the job"
    return texts


# ---------------------------------------------------------------------------- cassettes


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cassette_filters(provider: str) -> None:
    """What ``smsbridge.testing``'s vcrpy filters write holds no form of a secret."""
    from vcr.request import Request as VcrRequest

    account = ACCOUNTS[provider]
    forms = forms_of(account)
    with FaultServer(echo(200, forms)) as server:
        opened = open_account(provider, server.host_port)
        for call in operations(opened, provider):
            with pytest.raises(SmsBridgeError):
                call()
        requests, host = list(server.requests), server.host_port
    spec, _ = get_registry().provider(provider)
    values = secret_values(opened.ctx.config)  # the secrets and base64(user:password)
    before_request = scrub_request(spec.secret_fields, values)
    before_response = scrub_response(spec.secret_fields, values)
    written = []
    for request in requests:
        vcr_request = VcrRequest(request.method, f"http://{host}{request.target}", request.body, dict(request.headers))
        scrubbed = before_request(vcr_request)
        written += [scrubbed.uri, str(scrubbed.body), str(scrubbed.headers)]
        response = echo(200, forms)(request)
        recorded = before_response(
            {
                "body": {"string": response.body.encode("utf-8")},
                "headers": {k: [v] for k, v in response.headers.items()},
            }
        )
        written += [recorded["body"]["string"].decode("utf-8"), str(recorded["headers"])]
    assert leaks(written, forms) == []
