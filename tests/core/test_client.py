"""``connect``'s typed result (``AccountLike``) and transport injection (issue 17)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import smsbridge
from smsbridge.account import Account
from smsbridge.client import AccountLike, connect
from smsbridge.resilience import FailoverAccount
from smsbridge.testing import FakeTransport, reply
from smsbridge.transport import Redactor, Transport

SECRET = "Inj3cted-S3cret"

MEMBERS = sorted(
    name
    for name, value in vars(AccountLike).items()
    if (not name.startswith("_") or name in ("__enter__", "__exit__"))
    and (callable(value) or isinstance(value, property))
)


@pytest.mark.parametrize("cls", [Account, FailoverAccount], ids=lambda c: c.__name__)
def test_both_account_kinds_define_every_member_of_the_protocol(cls: type) -> None:
    """mypy checks the signatures at ``connect``'s return; this checks nothing hides behind
    ``__getattr__``: each member is the class's own."""
    assert {"send", "bulk_send", "iter_bulk_send", "balance", "admin", "provider"} <= set(MEMBERS)
    for name in MEMBERS:
        inspect.getattr_static(cls, name)  # raises AttributeError when missing


def test_connect_returns_a_single_account_or_a_failover_group() -> None:
    assert type(connect("memory://")) is Account
    assert type(connect("memory://", "console://")) is FailoverAccount


def test_a_transport_factory_gets_the_built_transport_and_its_result_is_used() -> None:
    seen: list[Transport] = []

    def fake(built: Transport) -> Transport:
        seen.append(built)
        return FakeTransport(built, [reply('{"StatusCode": "1", "Credits": "12.5"}')])

    account: Any = connect(f"aspsms://key:{SECRET}@default?timeout=7", transport=fake)
    (built,) = seen
    assert built.timeout[1] == 7.0 and built.redact is account.ctx.redact
    assert isinstance(account.ctx.http, FakeTransport)
    account.balance()
    (sent,) = account.ctx.http.sent
    assert sent.method == "POST"


def test_an_injected_transport_object_is_used_and_learns_the_accounts_secrets() -> None:
    mine = Transport("aspsms", connect_timeout=1.0, read_timeout=1.0, redactor=Redactor())
    account: Any = smsbridge.connect(f"aspsms://key:{SECRET}@default", transport=mine)
    assert account.ctx.http is mine
    assert SECRET not in mine.redact(f"password={SECRET}")


def test_every_failover_member_gets_the_injected_transport() -> None:
    group: Any = connect("memory://", "memory://", transport=lambda built: FakeTransport(built, [reply("")]))
    assert all(isinstance(a.ctx.http, FakeTransport) for a in group.accounts)


def test_the_protocol_is_public() -> None:
    assert smsbridge.AccountLike is AccountLike
    assert "AccountLike" in smsbridge.__all__
