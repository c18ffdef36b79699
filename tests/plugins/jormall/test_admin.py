"""Admin operations replayed from cassettes: generate_token and get_token."""

from __future__ import annotations

import pytest

from smsbridge.client import connect
from smsbridge.errors import AuthenticationError, InvalidMessageError, UnsupportedOperationError
from smsbridge.testing import FILTERED

from .support import NUMBER, REF, url


@pytest.mark.vcr
@pytest.mark.parametrize("operation", ["generate_token", "get_token"])
def test_token_operation(operation: str) -> None:
    with connect(url()) as account:
        result = account.admin(operation)
    assert result.operation == operation
    assert result.provider == "jormall"
    # the cassette's token is the scrubbed placeholder; the raw reply never shows it
    assert result.data == {"token": FILTERED}
    assert result.raw is not None and FILTERED not in result.raw.body and "Bearer ***" in result.raw.body


@pytest.mark.vcr
@pytest.mark.parametrize("operation", ["generate_token", "get_token"])
def test_token_operation_refused(operation: str) -> None:
    with connect(url()) as account, pytest.raises(AuthenticationError) as info:
        account.admin(operation)
    assert info.value.code == "invalid_login"


@pytest.mark.vcr
def test_generated_token_is_used_by_the_next_send() -> None:
    """The cassette holds one GenerateToken only: the send reuses the token just generated."""
    with connect(url()) as account:
        account.admin("generate_token")
        result = account.send(NUMBER, "Your code is 4821", client_ref=REF)
    assert result.ok


def test_admin_operations_are_declared_without_parameters() -> None:
    with connect(url()) as account:
        names = [op.name for op in account.capabilities.admin_operations]
        assert names == ["generate_token", "get_token"]
        with pytest.raises(InvalidMessageError):
            account.admin("generate_token", lifetime=5)
        with pytest.raises(UnsupportedOperationError):
            account.admin("verify_token")
        assert account.ctx.http.requests_made == 0
