"""Balance replayed from cassettes: GetBalance answers an integer in double quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smsbridge.client import connect
from smsbridge.errors import AuthenticationError

from .support import url


@pytest.mark.vcr
@pytest.mark.parametrize("host", ["default", "josmsservice.com"])
def test_balance(host: str) -> None:
    with connect(url(host)) as account:
        balance = account.balance()
    assert balance.amount == Decimal(9994)
    assert isinstance(balance.amount, Decimal)
    assert balance.unit == "credits"
    assert balance.provider == "jormall"
    assert balance.raw is not None and balance.raw.body == '"9994"'


@pytest.mark.vcr
def test_balance_zero_with_password_auth() -> None:
    with connect(url(auth="password")) as account:
        assert account.balance().amount == Decimal(0)


@pytest.mark.vcr
def test_balance_refused_credentials() -> None:
    with connect(url()) as account, pytest.raises(AuthenticationError) as info:
        account.balance()
    assert info.value.code == "invalid_login"
    assert "dummy-password" not in str(info.value)
