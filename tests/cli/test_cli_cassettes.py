"""The CLI against an HTTP provider, replayed from cassettes (no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cli_fakes import ACME_KEY, ACME_URL, AcmePlugin

from smsbridge.plugins import get_registry
from smsbridge.testing import vcr_config_for


@pytest.fixture(autouse=True)
def _acme() -> Iterator[None]:
    get_registry().register(AcmePlugin(), name="acmecli-test")
    yield
    get_registry().unregister("acmecli-test")


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    """The test kit's filters for this provider's secret field, and the key's value wherever it is."""
    return vcr_config_for(("key",), (ACME_KEY,))


@pytest.mark.vcr
def test_send_and_balance_over_http(run: Any) -> None:
    sent = run("send", "--url", ACME_URL, "-v", "+41791234567", "Hello from smsbridge")
    assert sent.exit_code == 0, sent.output
    assert "ACME-20300101-0001" in sent.stdout and "accepted" in sent.stdout
    assert "POST https://api.acmecli.example/v1/send" in sent.stderr  # the debug log of the request...
    assert '"key": "***"' in sent.stderr  # ...with the key redacted
    balance = run("balance", "--url", ACME_URL, "--json")
    assert balance.exit_code == 0
    assert json.loads(balance.stdout) == {
        "account": "acmecli://:****@default?sender=Shop",
        "provider": "acmecli",
        "amount": "41.5",
        "unit": "credits",
    }
    for result in (sent, balance):
        assert ACME_KEY not in result.stdout + result.stderr


@pytest.mark.vcr
def test_refused_key_over_http(run: Any) -> None:
    result = run("send", "--url", ACME_URL, "--json", "+41791234567", "Hi")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "AuthenticationError" and error["code"] == "bad_key"
    assert "check the credentials" in error["hint"]
    assert ACME_KEY not in result.stdout + result.stderr
