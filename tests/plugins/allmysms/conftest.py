"""AllMySMS test fixtures: the dummy credentials are filtered wherever they appear.

The login is not secret, but it names a real account once cassettes are re-recorded, so it
is filtered from cassettes like the API key.  ``SUB_PASSWORD`` is the password the
sub-account tests create a sub-account with: a real one once re-recorded.
"""

from __future__ import annotations

import pytest

from .support import API_KEY, LOGIN, SUB_PASSWORD


@pytest.fixture(scope="session")
def smsbridge_secret_values() -> tuple[str, ...]:
    return (LOGIN, API_KEY, SUB_PASSWORD)
