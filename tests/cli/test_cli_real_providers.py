"""The CLI with a real provider plugin (ASPSMS), replayed from cassettes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smsbridge.testing import credential

USERKEY = credential("ASPSMS_USERKEY", "dummy-aspsms-userkey")
PASSWORD = credential("ASPSMS_PASSWORD", "dummy-aspsms-password")
URL = f"aspsms://{USERKEY}:{PASSWORD}@default"


@pytest.fixture(scope="session")
def smsbridge_secret_values() -> tuple[str, ...]:
    return (USERKEY, PASSWORD)


@pytest.mark.vcr
def test_balance_through_aspsms(run: Any) -> None:
    result = run("balance", "--url", URL, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["amount"] == "1234.56"
    assert USERKEY not in result.output and PASSWORD not in result.output


@pytest.mark.vcr
def test_refused_credentials_through_aspsms(run: Any) -> None:
    result = run("balance", "--url", URL)
    assert result.exit_code == 1
    assert "aspsms" in result.output and "StatusCode 3" in result.output
    assert USERKEY not in result.output and PASSWORD not in result.output
