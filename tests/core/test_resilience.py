"""Retries and failover never send twice: they move on only when nothing was taken."""

from __future__ import annotations

import os
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    ConnectError,
    DuplicateError,
    InvalidMessageError,
    InvalidRecipientError,
    RateLimitedError,
    ReadTimeoutError,
    ServiceUnavailableError,
)
from smsbridge.models import ReceiptStatus
from smsbridge.resilience import FailoverAccount, RetryPolicy


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


# ---------------------------------------------------------------------------- the final error of a retried call


def test_a_later_refusal_never_hides_an_attempt_that_may_have_been_taken() -> None:
    timeout = ReadTimeoutError("no answer", hint="X-check the outbox")
    call = Flaky(timeout, AuthenticationError("no"))
    with pytest.raises(ReadTimeoutError) as info:
        policy(1).run(call, provider="x", dedup=True)
    assert info.value is timeout
    assert info.value.hint == (
        "X-check the outbox; a later attempt was refused (AuthenticationError: no), which does not undo the first"
    )
    assert [type(e) for e in info.value.attempts] == [ReadTimeoutError, AuthenticationError]  # type: ignore[attr-defined]
    # the refusal of a later attempt before its request (the plugin's own check) does not undo it either
    call = Flaky(ReadTimeoutError("no answer", hint=""), InvalidMessageError("bad", before_request=True))
    with pytest.raises(ReadTimeoutError) as info:
        policy(1).run(call, provider="x", dedup=True)
    assert info.value.hint == "a later attempt was refused (InvalidMessageError: bad), which does not undo the first"


def test_the_last_unknown_outcome_is_the_final_error() -> None:
    first, last = ReadTimeoutError("first"), ReadTimeoutError("second")
    with pytest.raises(ReadTimeoutError) as info:
        policy(1).run(Flaky(first, last), provider="x", dedup=True)
    assert info.value is last and last.hint == first.hint == ReadTimeoutError.default_hint
    assert info.value.attempts == [first, last]  # type: ignore[attr-defined]


def test_a_single_failure_is_raised_as_it_is() -> None:
    error = ConnectError("refused")
    with pytest.raises(ConnectError) as info:
        policy(0).run(Flaky(error), provider="x")
    assert info.value is error and not hasattr(error, "attempts")


# ---------------------------------------------------------------------------- the group as a whole


def test_a_group_needs_one_account_and_reads_go_to_the_first(sms_outbox: list[Any]) -> None:
    with pytest.raises(smsbridge.ConfigurationError) as info:
        FailoverAccount([])
    assert info.value.message == "a failover group needs at least one account"
    one = FailoverAccount([smsbridge.connect("memory://solo")])
    assert one.send("+41791234567", "Hi", ledger=False).ok  # a group of one is a group
    assert one.bulk_send(["+41791234568"], "Hi").accepted == 1
    group = smsbridge.connect("memory://a?fail=connect", "memory://b")
    assert repr(group) == "FailoverAccount(memory://a?fail=connect, memory://b)"
    assert group.url == "memory://a?fail=connect"  # anything else is the first account's
    from smsbridge.builtin import memory

    memory.clear("b")
    group.send("+41791234567", "Hi", ledger=False)
    assert group.balance().amount == 1  # the first healthy one answers (b, with its one message)
    with pytest.raises(AttributeError, match=r"^_capabilities$"):
        group._capabilities  # noqa: B018  (private attributes are not forwarded)


def test_failover_all_refuse_raises_the_last_of_three() -> None:
    group = smsbridge.connect("memory://a?fail=auth", "memory://b?fail=connect", "memory://c?fail=credit")
    with pytest.raises(smsbridge.InsufficientCreditError) as info:
        group.send("+41791234567", "Hi", ledger=False)
    assert len(info.value.attempts) == 3  # type: ignore[attr-defined]


def test_a_refusal_of_the_input_is_no_failure_of_the_account(spy: Any, sms_outbox: list[Any]) -> None:
    """Input one account's rules refuse (before any request) never puts that account on cool-down."""
    spy_first = smsbridge.connect("spy://u:p@default?failures_before_cooldown=1", "memory://")
    for _ in range(3):
        assert spy_first.send("+41791234567", "Hi", sender="1xy", ledger=False).provider == "memory"
    assert spy_first.send("+41791234567", "Hi", sender="Shop", ledger=False).provider == "spy"


def test_a_group_send_passes_every_option_to_the_account_that_takes_it(
    sms_outbox: list[Any], sms_ledger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smsbridge.ledger import open_ledger

    group = smsbridge.connect("memory://a?fail=credit", "memory://")
    group.send("+41791234567", "Hi", sender="Shop", flash=True, client_ref="ref-1", ledger=False)
    group.send("+41791234568", "Hi", sender="Shop", flash=True, client_ref="ref-2", idempotency_key="k")
    assert [(m.sender, m.flash, m.client_ref) for m in sms_outbox] == [("Shop", True, "ref-1"), ("Shop", True, "ref-2")]
    keyed_ledger = os.environ["SMSBRIDGE_LEDGER"]
    info = open_ledger(keyed_ledger).job_info("send:k")
    assert (info.options["sender"], info.options["flash"], info.provider) == ("Shop", True, "memory")
    assert info.account == "failover(memory://a?fail=credit memory://)"
    # the group's send is the one recorded: the member's own send records nothing anywhere
    group.send("+41791234569", "Hi", idempotency_key="given", ledger=sms_ledger)
    assert [j.id for j in sms_ledger.jobs()] == ["send:given"]
    assert [j.id for j in open_ledger(keyed_ledger).jobs()] == ["send:k"]
    with pytest.raises(smsbridge.ConfigurationError, match="needs a ledger"):
        group.send("+41791234567", "Hi", idempotency_key="k2", ledger=False)
    group.send("+41791234567", "Hi", ledger=False)
    assert [j.id for j in open_ledger(keyed_ledger).jobs()] == ["send:k"], "ledger=False records nothing"


def test_a_group_send_holds_its_key_as_long_as_every_member_may_take(sms_outbox: list[Any], sms_ledger: Any) -> None:
    group = smsbridge.connect("memory://a?fail=credit&timeout=7&retries=1", "memory://?timeout=3")
    seen: list[float] = []
    original = group.accounts[1].hooks.bulk_send

    def looking(ctx: Any, message: Any) -> Any:
        info = sms_ledger.job_info("send:held")
        assert info.lease_expires is not None
        seen.append((info.lease_expires - info.created_at).total_seconds())
        return original(ctx, message)

    group.accounts[1].hooks.bulk_send = looking  # type: ignore[method-assign]
    group.send("+41791234567", "Hi", idempotency_key="held", ledger=sms_ledger)
    expected = sum(a._longest_send() for a in group.accounts)
    assert seen and abs(seen[0] - expected) < 2


def test_a_crashed_group_send_is_never_resent(sms_outbox: list[Any], sms_ledger: Any) -> None:
    """The claim may have gone to any member: even with a client id it is unknown, never sent again."""
    from smsbridge.ledger.models import JobSpec
    from smsbridge.ledger.runner import job_options
    from smsbridge.models import Recipient

    group = smsbridge.connect("memory://", "memory://b")
    given = {"sender": None, "schedule": None, "flash": False, "encoding": None, "options": None}
    options = {**job_options(given, allow_repeats=True), "to": ["+41791234567"]}
    spec = JobSpec("send:gone", "memory", "x", "Hi", options, kind="send")
    assert sms_ledger.begin_send(spec, [Recipient("+41791234567")], "dead", client_ref="ref-g")
    result = group.send("+41791234567", "Hi", client_ref="ref-g", idempotency_key="gone", ledger=sms_ledger)
    assert result.receipts[0].status is ReceiptStatus.UNKNOWN and sms_outbox == []


def test_the_last_members_refusal_of_a_keyed_group_send_is_raised(spy: Any, sms_outbox: list[Any]) -> None:
    group = smsbridge.connect("memory://a", "spy://u:p@default", "memory://c")
    with pytest.raises(smsbridge.InvalidSenderError) as info:  # 12 characters: every member refuses
        group.send("+41791234567", "Hi", sender="TwelveChars1", idempotency_key="too-long")
    assert info.value.provider == "memory" and "1-11" in info.value.message
    assert sms_outbox == []


def test_by_default_only_a_certain_refusal_is_retryable() -> None:
    assert RetryPolicy.retryable(ConnectError("refused"))
    assert not RetryPolicy.retryable(ReadTimeoutError("t"))  # neither a read nor a de-duplicated send
    assert RetryPolicy.retryable(ReadTimeoutError("t"), idempotent=True)
    assert RetryPolicy.retryable(ReadTimeoutError("t"), dedup=True)
