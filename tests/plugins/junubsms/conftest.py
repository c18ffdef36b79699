"""Test credentials of the junubsms / playsms plugin, filtered from every cassette."""

from __future__ import annotations

import pytest

from .support import SECRETS


@pytest.fixture(scope="session")
def smsbridge_secret_values() -> tuple[str, ...]:
    return SECRETS
