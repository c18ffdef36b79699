"""Fixtures of the ledger tests: a ledger in each engine, and a provider that counts what it got.

``tally`` is an in-process provider whose every request is recorded (numbers, texts, client
ids), so a test can compare what the ledger says with what the "provider" really received:
the only comparison that proves "never twice".  Its behaviour is set per test through
``Tally`` (numbers to refuse, a request to lose the answer of, a request to be interrupted in).
"""

from __future__ import annotations

import threading
import types
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

from smsbridge import plugins
from smsbridge.config import credential
from smsbridge.errors import (
    AuthenticationError,
    DuplicateError,
    InvalidRecipientError,
    ReadTimeoutError,
    ServiceUnavailableError,
)
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Capabilities, Message, ProviderSpec, Receipt, ReceiptStatus, SendResult


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The same tests against SQLite and PostgreSQL."""
    yield request.getfixturevalue("sms_ledger" if request.param == "sqlite" else "postgres_ledger")


@attrs.define(kw_only=True)
class TallyConfig:
    key: str = credential("password")
    batch: int = 3
    dedup: bool = False

    def capabilities(self, caps: Capabilities) -> Capabilities:
        return attrs.evolve(caps, max_recipients=self.batch, deduplicates=self.dedup)


@attrs.define
class Tally:
    """What the provider received and how it behaves."""

    requests: list[tuple[tuple[str, ...], str | None]] = attrs.field(factory=list)  # (numbers, client_ref) taken
    attempts: int = 0  # requests that reached the provider, taken or not
    refuse: set[str] = attrs.field(factory=set)  # numbers refused one by one (rejected)
    fail_request: dict[int, BaseException] = attrs.field(factory=dict)  # attempt number -> refused, nothing taken
    lose_answer: set[int] = attrs.field(factory=set)  # attempt numbers taken, then the answer lost
    interrupt: set[int] = attrs.field(factory=set)  # taken, then KeyboardInterrupt (Ctrl-C mid-request)
    refs_seen: set[str] = attrs.field(factory=set)
    on_request: Callable[[int], None] | None = None
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def received(self) -> Counter[str]:
        """How many times each number reached the provider (a repeated client id counts once)."""
        counts: Counter[str] = Counter()
        seen: set[str] = set()
        for numbers, ref in self.requests:
            if ref is not None and ref in seen:
                continue
            if ref is not None:
                seen.add(ref)
            counts.update(numbers)
        return counts


TALLY_SPEC = ProviderSpec(
    id="tally",
    config_class=TallyConfig,
    default_host="api.tally.example",
    secret_fields=("key",),
    capabilities=Capabilities(max_recipients=3, bulk_send=True, delivery_status=False),
)


def make_plugin(tally: Tally) -> Any:
    def take(ctx: Any, message: Message) -> SendResult:
        numbers = tuple(r.number for r in message.recipients)
        with tally.lock:
            tally.attempts += 1
            n = tally.attempts
            failure = tally.fail_request.get(n)
            if failure is None:
                if (
                    message.client_ref is not None
                    and message.client_ref in tally.refs_seen
                    and ctx.capabilities.deduplicates
                ):
                    tally.requests.append((numbers, message.client_ref))
                    raise DuplicateError("duplicate id", provider=ctx.provider)
                tally.requests.append((numbers, message.client_ref))
                if message.client_ref is not None:
                    tally.refs_seen.add(message.client_ref)
        if failure is not None:
            raise failure
        if tally.on_request is not None:
            tally.on_request(n)
        if n in tally.interrupt:
            raise KeyboardInterrupt
        if n in tally.lose_answer:
            raise ReadTimeoutError("no answer", provider=ctx.provider)
        return SendResult(
            provider=ctx.provider,
            receipts=tuple(
                Receipt(r.number, ReceiptStatus.REJECTED, reason="refused", provider=ctx.provider)
                if r.number in tally.refuse
                else Receipt(r.number, ReceiptStatus.ACCEPTED, message_id=f"t{n}-{i}", provider=ctx.provider)
                for i, r in enumerate(message.recipients)
            ),
        )

    class Plugin:
        @hookimpl
        def smsbridge_providers(self) -> list[ProviderSpec]:
            return [TALLY_SPEC]

        @hookimpl
        def smsbridge_adjust_capabilities(self, config: Any, caps: Capabilities) -> Capabilities:
            return config.capabilities(caps)  # type: ignore[no-any-return]

        @hookimpl
        def smsbridge_bulk_send(self, ctx: Any, message: Message) -> SendResult:
            return take(ctx, message)

        @hookimpl
        def smsbridge_send(self, ctx: Any, message: Message) -> SendResult:
            return take(ctx, message)

    return Plugin()


@pytest.fixture
def tally(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tally]:
    """A registry with the ``tally`` provider (and the built-ins) only."""
    reg = plugins.Registry(entry_points=False)
    monkeypatch.setattr(plugins, "_registry", reg)
    state = Tally()
    reg.register(make_plugin(state), name="tally")
    yield state


ERRORS = types.SimpleNamespace(
    auth=lambda: AuthenticationError("bad key", provider="tally"),
    unavailable=lambda: ServiceUnavailableError("try later", provider="tally"),
    invalid=lambda: InvalidRecipientError("no", provider="tally"),
)
