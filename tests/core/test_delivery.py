"""Retries and failover never send twice: they move on only when nothing was taken."""

from __future__ import annotations

from typing import Any

import pytest

import smsbridge
from smsbridge.delivery import FailoverAccount, RetryPolicy
from smsbridge.errors import (
    AuthenticationError,
    ConnectError,
    DuplicateError,
    InvalidRecipientError,
    RateLimitedError,
    ReadTimeoutError,
    ServiceUnavailableError,
)
from smsbridge.models import ReceiptStatus


class Flaky:
    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class Recorded(RetryPolicy):
    @property
    def delays(self) -> list[float]:
        return self.sleep.__self__  # type: ignore[attr-defined,no-any-return]


def policy(retries: int) -> Recorded:
    delays: list[float] = []
    return Recorded(retries=retries, backoff=0.5, sleep=delays.append)


def test_retries_only_certainly_unsent_failures_with_backoff() -> None:
    p = policy(3)
    call = Flaky(ConnectError("refused"), ServiceUnavailableError("busy"), "ok")
    assert p.run(call, provider="x") == "ok"
    assert call.calls == 3
    assert p.delays == [0.5, 1.0]


@pytest.mark.parametrize("error", [ConnectError("refused"), ServiceUnavailableError("busy"), RateLimitedError("slow")])
def test_each_certainly_unsent_failure_is_retried(error: Exception) -> None:
    call = Flaky(error, "ok")
    assert policy(1).run(call, provider="x") == "ok"
    assert call.calls == 2


@pytest.mark.parametrize("error", [ReadTimeoutError("t"), AuthenticationError("a")])
def test_never_retries_unknown_outcomes_or_pointless_refusals(error: Exception) -> None:
    call = Flaky(error, "ok")
    with pytest.raises(type(error)):
        policy(3).run(call, provider="x")
    assert call.calls == 1


def test_retries_zero_switches_it_off() -> None:
    call = Flaky(ConnectError("refused"), "ok")
    with pytest.raises(ConnectError):
        policy(0).run(call, provider="x")
    assert call.calls == 1


def test_deduplicating_provider_retries_unknown_and_reads_duplicate_as_accepted() -> None:
    call = Flaky(ReadTimeoutError("t"), DuplicateError("Message Ignored, Duplicate ID"))
    result = policy(2).run(call, provider="x", dedup=True, on_duplicate=lambda: "accepted earlier")
    assert result == "accepted earlier"
    assert call.calls == 2


def test_duplicate_on_a_first_attempt_is_an_error() -> None:
    with pytest.raises(DuplicateError):
        policy(2).run(Flaky(DuplicateError("dup")), provider="x", dedup=True, on_duplicate=lambda: "no")


def test_reads_retry_after_transport_failures() -> None:
    call = Flaky(ReadTimeoutError("t"), "balance")
    assert policy(1).run(call, provider="x", idempotent=True) == "balance"


def test_failover_moves_on_only_when_not_taken(sms_outbox: list[Any]) -> None:
    group = smsbridge.connect("memory://first?fail=credit", "memory://second?fail=connect", "memory://")
    result = group.send("+41791234567", "Hi")
    assert result.ok and result.provider == "memory"
    assert len(sms_outbox) == 1
    assert smsbridge.connect("memory://first").admin("count").data["count"] == 0


def test_failover_stops_on_unknown_outcome(sms_outbox: list[Any]) -> None:
    group = smsbridge.connect("failover(memory://first?fail=timeout memory://)")
    with pytest.raises(ReadTimeoutError):
        group.send("+41791234567", "Hi")
    assert sms_outbox == [], "after an unknown outcome the next provider must not be tried"


def test_failover_all_refuse_raises_the_last_with_every_attempt() -> None:
    group = smsbridge.connect("memory://a?fail=auth", "memory://b?fail=credit")
    with pytest.raises(smsbridge.InsufficientCreditError) as info:
        group.send("+41791234567", "Hi")
    assert [type(e).__name__ for e in info.value.attempts] == ["AuthenticationError", "InsufficientCreditError"]  # type: ignore[attr-defined]


def test_failover_cooldown_skips_then_retries(sms_outbox: list[Any]) -> None:
    now = [0.0]
    bad = smsbridge.connect("memory://bad?fail=connect&failures_before_cooldown=2&cooldown=60")
    good = smsbridge.connect("memory://")
    group = FailoverAccount([bad, good], clock=lambda: now[0])
    bad_calls = []
    original = bad.hooks.bulk_send

    def counting(ctx: Any, message: Any) -> Any:
        bad_calls.append(1)
        return original(ctx, message)

    bad.hooks.bulk_send = counting  # type: ignore[method-assign]
    for _ in range(4):
        assert group.send("+41791234567", "Hi").ok
    assert len(bad_calls) == 2, "after two failures the bad account is skipped"
    now[0] = 61.0
    group.send("+41791234567", "Hi")
    assert len(bad_calls) == 3, "after the cool-down it is tried again"
    group.send("+41791234567", "Hi")
    assert len(bad_calls) == 4, "its count of failures started again from zero after the cool-down"
    group.send("+41791234567", "Hi")
    assert len(bad_calls) == 4, "two failures again: skipped again"


def test_failover_all_cooling_down_still_tries_them_all() -> None:
    now = [0.0]
    a = smsbridge.connect("memory://a?fail=connect&failures_before_cooldown=1")
    b = smsbridge.connect("memory://b?fail=connect&failures_before_cooldown=1")
    group = FailoverAccount([a, b], clock=lambda: now[0])
    for _ in range(3):
        with pytest.raises(ConnectError) as info:
            group.send("+41791234567", "Hi")
        assert len(info.value.attempts) == 2  # type: ignore[attr-defined]


def test_failover_invalid_input_for_one_provider_tries_the_next(spy: Any, sms_outbox: list[Any]) -> None:
    # the spy refuses the sender "1x" by its rule before any request; memory takes it
    group = smsbridge.connect("spy://u:p@default", "memory://")
    assert group.send("+41791234567", "Hi", sender="1xy").provider == "memory"
    with pytest.raises(InvalidRecipientError):
        group.send("garbage", "Hi")


@pytest.mark.parametrize("ledger", [None, False], ids=["ledger", "no-ledger"])
@pytest.mark.parametrize(("first", "second", "requests"), [(4, 3, 4), (3, 4, 4), (1, 3, 10)])
def test_bulk_failover_per_chunk_every_recipient_once(
    sms_outbox: list[Any], ledger: Any, first: int, second: int, requests: int
) -> None:
    """Chunks of the group's smallest request size: a chunk the first refuses is one request of the second."""
    from smsbridge.builtin import memory

    memory.clear()
    numbers = [f"+4179100{i:04d}" for i in range(10)]
    group = smsbridge.connect(f"memory://a?fail=credit&max_recipients={first}", f"memory://b?max_recipients={second}")
    summary = group.bulk_send(numbers, "Hi", ledger=ledger)
    assert summary.total == 10 and summary.accepted == 10
    assert summary.requests == requests  # a bigger chunk would be split by b: more requests, not one a chunk
    assert sorted(m.to for m in memory.outbox("b")) == numbers
    assert memory.outbox("a") == []


def test_bulk_failover_keeps_a_chunk_answered_recipient_by_recipient() -> None:
    """Every recipient rejected one by one is an answer, not a refusal of the request: no failover."""
    from smsbridge.builtin import memory

    memory.clear()
    numbers = ["+41791000001", "+41791000002"]
    group = smsbridge.connect(f"memory://a?reject={','.join(numbers)}", "memory://b")
    summary = group.bulk_send(numbers, "Hi")
    assert (summary.rejected, summary.accepted) == (2, 0)
    assert memory.outbox("b") == []


def test_bulk_failover_never_resends_unknown_chunks() -> None:
    from smsbridge.builtin import memory

    memory.clear()
    group = smsbridge.connect("memory://a?fail=timeout", "memory://b")
    summary = group.bulk_send(["+41791000001", "+41791000002"], "Hi")
    assert summary.unknown == 2
    assert memory.outbox("b") == []
    assert all(r.status is ReceiptStatus.UNKNOWN for r in summary.receipts or ())


def test_account_retries_a_deduplicating_provider_with_the_same_id(registry: Any) -> None:
    """Timeout on the first attempt, 'duplicate id' on the retry: accepted once, same id twice."""
    from smsbridge.hookspecs import hookimpl
    from smsbridge.models import Capabilities, ProviderSpec

    from_attempts: list[str | None] = []

    @attrs_define
    class Config:
        pass

    spec = ProviderSpec("dedup", Config, Capabilities(deduplicates=True), default_host="dedup.example")

    class Plugin:
        @hookimpl
        def smsbridge_providers(self) -> list[ProviderSpec]:
            return [spec]

        @hookimpl
        def smsbridge_send(self, ctx: Any, message: Any) -> Any:
            from_attempts.append(message.client_ref)
            if len(from_attempts) == 1:
                raise ReadTimeoutError("no answer", provider="dedup")
            raise DuplicateError("Message Ignored, Duplicate ID", provider="dedup")

    registry.register(Plugin(), name="dedup")
    result = smsbridge.connect("dedup://?retries=1&backoff=0").send("+41791234567", "Hi")
    assert result.ok
    assert len(from_attempts) == 2 and from_attempts[0] == from_attempts[1] and from_attempts[0]
    assert result.receipts[0].message_id == from_attempts[0]
    assert "earlier attempt" in (result.receipts[0].reason or "")
    # without retries the unknown outcome is reported as such, never as a failure to resend elsewhere
    from_attempts.clear()
    with pytest.raises(ReadTimeoutError):
        smsbridge.connect("dedup://").send("+41791234567", "Hi")
    assert len(from_attempts) == 1


def attrs_define(cls: type) -> type:
    import attrs

    return attrs.define(kw_only=True)(cls)
