"""JorMall test fixtures: the dummy credentials to filter and a filter for bearer tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest

from smsbridge.testing import FILTERED, vcr_config_for

from .support import ACCNAME, ACCPASS

_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)


@pytest.fixture(scope="session")
def smsbridge_secret_values() -> tuple[str, ...]:
    return (ACCNAME, ACCPASS)


def _scrub_token(response: dict[str, Any]) -> dict[str, Any]:
    """GenerateToken/GetToken replies carry ``Bearer <token>``: never record the token."""
    body = response.get("body", {}).get("string")
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        scrubbed = _BEARER.sub(lambda m: f"{m.group(1)}{FILTERED}", text)
        response["body"]["string"] = scrubbed.encode("utf-8") if isinstance(body, bytes) else scrubbed
    return response


@pytest.fixture
def vcr_config(smsbridge_secret_fields: tuple[str, ...], smsbridge_secret_values: tuple[str, ...]) -> dict[str, Any]:
    config = vcr_config_for(smsbridge_secret_fields, smsbridge_secret_values)
    scrub = config["before_record_response"]
    config["before_record_response"] = lambda response: _scrub_token(scrub(response))
    return config
