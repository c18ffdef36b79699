"""In-process test providers: a registry of their own, so the real plugins stay out of it."""

from __future__ import annotations

import types
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest

from smsbridge import plugins
from smsbridge.config import credential
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    AdminOperation,
    AdminParam,
    AdminResult,
    Balance,
    CallbackKind,
    CallbackSetup,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    DeliveryStatus,
    Estimate,
    InboundMessage,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    SenderRule,
    SendResult,
)


@attrs.define(kw_only=True)
class SpyConfig:
    user: str = credential("user", secret=False)
    password: str = credential("password")
    colour: str = "blue"
    batch: int = 3

    def capabilities(self, caps: Capabilities) -> Capabilities:
        return attrs.evolve(caps, max_recipients=self.batch)


def make_spy(provider_id: str, calls: list[tuple[str, str, Any]], **caps: Any) -> types.SimpleNamespace:
    """A provider plugin that records every call it sees (hook name, provider id, payload)."""
    spec = ProviderSpec(
        id=provider_id,
        config_class=SpyConfig,
        default_host=f"api.{provider_id}.example",
        secret_fields=("password",),
        capabilities=Capabilities(
            max_recipients=3,
            max_text_length=160,
            sender=SenderRule(min_length=3, max_length=11, pattern=r"[A-Za-z][A-Za-z0-9]*", numeric_allowed=False),
            bulk_send=True,
            balance=True,
            delivery_status=True,
            inbound=True,
            callbacks=True,
            inbound_callbacks=True,
            estimate=True,
            admin_operations=(AdminOperation("ping", "answers pong", (AdminParam("word", required=True),)),),
            **caps,
        ),
    )

    class Plugin:
        @hookimpl
        def smsbridge_providers(self) -> list[ProviderSpec]:
            return [spec]

        @hookimpl
        def smsbridge_adjust_capabilities(self, config: Any, caps: Capabilities) -> Capabilities:
            return config.capabilities(caps)  # type: ignore[no-any-return]

        @hookimpl
        def smsbridge_bulk_send(self, ctx: Any, message: Message) -> SendResult:
            calls.append(("bulk_send", provider_id, message))
            return SendResult(
                provider=ctx.provider,
                receipts=tuple(
                    Receipt(r.number, ReceiptStatus.ACCEPTED, message_id=f"{provider_id}-{i}", provider=ctx.provider)
                    for i, r in enumerate(message.recipients)
                ),
            )

        @hookimpl
        def smsbridge_check_recipient(self, ctx: Any, number: str) -> str | None:
            calls.append(("check_recipient", provider_id, number))
            return None

        @hookimpl
        def smsbridge_send(self, ctx: Any, message: Message) -> SendResult:
            calls.append(("send", provider_id, message))
            (r,) = message.recipients
            return SendResult(ctx.provider, (Receipt(r.number, ReceiptStatus.ACCEPTED, message_id="one"),))

        @hookimpl
        def smsbridge_balance(self, ctx: Any) -> Balance:
            calls.append(("balance", provider_id, None))
            return Balance(Decimal("12.5"), provider=ctx.provider)

        @hookimpl
        def smsbridge_delivery_status(self, ctx: Any, message_ids: list[str]) -> list[DeliveryReport]:
            calls.append(("delivery_status", provider_id, message_ids))
            return [DeliveryReport(i, DeliveryStatus.DELIVERED, provider=ctx.provider) for i in message_ids]

        @hookimpl
        def smsbridge_inbound(self, ctx: Any, query: Any) -> list[InboundMessage]:
            calls.append(("inbound", provider_id, query))
            return [InboundMessage("1", "+41791234567", "hello", provider=ctx.provider)]

        @hookimpl
        def smsbridge_parse_callback(self, ctx: Any, request: Any) -> list[DeliveryReport]:
            calls.append(("parse_callback", provider_id, request))
            return [DeliveryReport(request.query["id"], DeliveryStatus.FAILED, provider=ctx.provider)]

        @hookimpl
        def smsbridge_callback_spec(self, ctx: Any) -> CallbackSpec:
            calls.append(("callback_spec", provider_id, None))
            return CallbackSpec(kinds={CallbackKind.STATUS: CallbackSetup(), CallbackKind.INBOUND: CallbackSetup()})

        @hookimpl
        def smsbridge_parse_inbound_callback(self, ctx: Any, request: Any) -> list[InboundMessage]:
            calls.append(("parse_inbound_callback", provider_id, request))
            return [InboundMessage(request.query["id"], "+41791234567", "hi", provider=ctx.provider)]

        @hookimpl
        def smsbridge_report_received(self, event: Any) -> None:
            calls.append(("report_received", provider_id, event))

        @hookimpl
        def smsbridge_inbound_received(self, event: Any) -> None:
            calls.append(("inbound_received", provider_id, event))

        @hookimpl
        def smsbridge_estimate(self, ctx: Any, message: Message) -> Estimate:
            calls.append(("estimate", provider_id, message))
            from smsbridge.text import analyze

            return Estimate(
                analyze(message.text), len(message.recipients), 0, provider_cost=Decimal("0.16"), cost_unit="EUR"
            )

        @hookimpl
        def smsbridge_admin(self, ctx: Any, operation: str, params: dict[str, Any]) -> AdminResult:
            calls.append(("admin", provider_id, (operation, params, ctx.config)))
            return AdminResult(operation, {"pong": params["word"]}, provider=ctx.provider)

        @hookimpl
        def smsbridge_emulator_profiles(self) -> list[Any]:
            from smsbridge.plugin import EmulatorProfile

            calls.append(("emulator_profiles", provider_id, None))
            profile = EmulatorProfile()
            profile.id = provider_id
            return [profile]

    return types.SimpleNamespace(plugin=Plugin(), spec=spec)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[plugins.Registry]:
    """A process registry without entry points, installed as the global one."""
    reg = plugins.Registry(entry_points=False)
    monkeypatch.setattr(plugins, "_registry", reg)
    yield reg


@pytest.fixture
def make_provider() -> Any:
    """``make_provider(id, calls, **capabilities)``: a recording provider plugin."""
    return make_spy


@pytest.fixture
def calls() -> list[tuple[str, str, Any]]:
    return []


@pytest.fixture
def spy(registry: plugins.Registry, calls: list[tuple[str, str, Any]]) -> types.SimpleNamespace:
    s = make_spy("spy", calls)
    registry.register(s.plugin, name="spy")
    return s
