"""CheckCredits against cassettes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smsbridge.errors import AuthenticationError, PermissionDeniedError, ServiceUnavailableError, UnreadableReplyError

from .support import connect, url


@pytest.mark.vcr
def test_balance_whole_credits() -> None:
    with connect(url()) as account:
        balance = account.balance()
    assert balance.amount == Decimal("567")
    assert balance.unit == "credits"
    assert balance.provider == "aspsms"


@pytest.mark.vcr
def test_balance_fractional_credits() -> None:
    with connect(url()) as account:
        balance = account.balance()
    assert balance.amount == Decimal("1234.56")


BALANCE_REFUSALS = [
    ("2", ServiceUnavailableError),
    ("3", AuthenticationError),
    ("6", ServiceUnavailableError),  # a read: a time out takes nothing
    ("8", AuthenticationError),
    ("9", AuthenticationError),
    ("24", ServiceUnavailableError),
    ("25", PermissionDeniedError),  # user access denied: the credentials were accepted
]


@pytest.mark.vcr
@pytest.mark.parametrize(("code", "error"), BALANCE_REFUSALS, ids=[c for c, _ in BALANCE_REFUSALS])
def test_balance_refused(code: str, error: type[Exception]) -> None:
    with connect(url()) as account, pytest.raises(error) as info:
        account.balance()
    assert type(info.value) is error
    assert info.value.code == code


@pytest.mark.vcr
def test_balance_without_credits_is_unreadable() -> None:
    with connect(url()) as account, pytest.raises(UnreadableReplyError) as info:
        account.balance()
    assert info.value.raw is not None and "Credits" not in info.value.raw.body
