"""How the core's retries and failover use JorMall's de-duplicating ``id``."""

from __future__ import annotations

from typing import Any

import pytest

from smsbridge.client import connect
from smsbridge.errors import DuplicateError, Outcome, ReadTimeoutError, ServiceUnavailableError
from smsbridge.models import RawReply
from smsbridge.resilience import FailoverAccount
from smsbridge.testing import fake_account, reply

from .support import NUMBER, url

TOKEN_REPLY = reply("Bearer tok-abc123")
ACCEPTED = reply("MsgID = 88")
DUPLICATE = reply("Message Ignored, Duplicate ID")


def _timeout() -> ReadTimeoutError:
    return ReadTimeoutError("no answer", provider="jormall")


def _ids(account: Any) -> list[str]:
    return [dict(s.data)["id"] for s in account.ctx.http.sent if s.data is not None]


def test_token_accounts_declare_deduplication() -> None:
    account = fake_account(url(), [ACCEPTED])
    assert account.capabilities.deduplicates is True
    assert account.capabilities.templating is True


def test_password_accounts_do_not_rely_on_the_id() -> None:
    account = fake_account(url(auth="password"), [ACCEPTED])
    assert account.capabilities.deduplicates is False


def test_duplicate_after_a_timeout_means_accepted_earlier() -> None:
    account = fake_account(url(retries="2", backoff="0.001"), [TOKEN_REPLY, _timeout(), DUPLICATE])
    result = account.send(NUMBER, "hello")
    assert result.ok
    assert result.details.get("duplicate_of_earlier_attempt") is True
    first, second = _ids(account)
    assert first == second == result.client_ref == result.receipts[0].message_id
    assert len(first) == 20


def test_retry_after_a_timeout_reuses_the_id() -> None:
    account = fake_account(url(retries="1", backoff="0.001"), [TOKEN_REPLY, _timeout(), ACCEPTED])
    result = account.send(NUMBER, "hello", client_ref="my-ref-1")
    assert result.receipts[0].message_id == "88"
    assert _ids(account) == ["my-ref-1", "my-ref-1"]
    assert result.client_ref == "my-ref-1"


def test_no_retry_means_the_timeout_is_reported_unknown() -> None:
    account = fake_account(url(), [TOKEN_REPLY, _timeout()])
    with pytest.raises(ReadTimeoutError) as info:
        account.send(NUMBER, "hello")
    assert info.value.outcome is Outcome.UNKNOWN


def test_duplicate_on_a_first_attempt_is_raised() -> None:
    account = fake_account(url(retries="2", backoff="0.001"), [TOKEN_REPLY, DUPLICATE])
    with pytest.raises(DuplicateError) as info:
        account.send(NUMBER, "hello", client_ref="reused")
    assert info.value.outcome is Outcome.ALREADY_ACCEPTED
    assert len(account.ctx.http.sent) == 2


def test_password_account_does_not_retry_an_unknown_outcome() -> None:
    account = fake_account(url(auth="password", retries="2", backoff="0.001"), [_timeout(), ACCEPTED])
    with pytest.raises(ReadTimeoutError):
        account.send(NUMBER, "hello")
    assert len(account.ctx.http.sent) == 1


def test_service_unavailable_is_retried_with_the_same_id() -> None:
    replies: list[RawReply | BaseException] = [TOKEN_REPLY, reply("Error exists please try again"), ACCEPTED]
    account = fake_account(url(retries="1", backoff="0.001"), replies)
    result = account.send(NUMBER, "hello")
    assert result.ok
    first, second = _ids(account)
    assert first == second == result.client_ref


def test_failover_moves_on_only_when_not_sent() -> None:
    jormall = fake_account(url(), [TOKEN_REPLY, reply("Connection Failed, please try again")])
    group = FailoverAccount([jormall, connect("memory://")])
    result = group.send(NUMBER, "hello", sender="MyShop")
    assert result.provider == "memory"

    unknown = fake_account(url(), [TOKEN_REPLY, _timeout()])
    group = FailoverAccount([unknown, connect("memory://")])
    with pytest.raises(ReadTimeoutError):
        group.send(NUMBER, "hello", sender="MyShop")


def test_service_unavailable_without_retries_is_not_sent() -> None:
    account = fake_account(url(), [TOKEN_REPLY, reply("Error exists please try again")])
    with pytest.raises(ServiceUnavailableError) as info:
        account.send(NUMBER, "hello")
    assert info.value.certainly_not_sent
