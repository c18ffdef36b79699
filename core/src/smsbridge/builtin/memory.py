"""``memory://NAME``: an outbox in memory that tests assert on (like Django's locmem backend).

``smsbridge.builtin.memory.outbox("NAME")`` (default name ``default``) lists every
``SentMessage``; the pytest fixture ``sms_outbox`` clears and returns the default outbox.

To rehearse failures without a real provider:
``reject=+41791234567,+41...`` rejects those numbers;
``unknown=+41...`` reports them with an unknown outcome;
``fail=auth|credit|timeout|connect|unavailable`` makes every request fail that way;
``max_recipients=N`` sets the request size.

Its callbacks (``smsbridge.receiver``) are described in ``memory_callbacks``: with
``callback_secret=...`` they must be signed, as a real signing provider's are.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from decimal import Decimal
from typing import Any

import attrs

from smsbridge import errors
from smsbridge.builtin import memory_callbacks
from smsbridge.config import credential
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    AdminOperation,
    AdminParam,
    AdminResult,
    Balance,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    DeliveryStatus,
    InboundMessage,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    SenderRule,
    SendResult,
)

_lock = threading.Lock()
_outboxes: dict[str, list[SentMessage]] = {}
_ids = itertools.count(1)


@attrs.frozen
class SentMessage:
    id: str
    to: str
    text: str
    sender: str | None
    schedule: dt.datetime | None
    flash: bool
    client_ref: str | None
    outbox: str


def outbox(name: str = "default") -> list[SentMessage]:
    """The live list of messages sent to ``memory://NAME``."""
    with _lock:
        return _outboxes.setdefault(name, [])


def clear(name: str | None = None) -> None:
    with _lock:
        if name is None:
            for box in _outboxes.values():
                box.clear()
        else:
            _outboxes.setdefault(name, []).clear()


@attrs.define(kw_only=True)
class MemoryConfig:
    reject: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    fail: str | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(
            attrs.validators.in_(("auth", "credit", "timeout", "connect", "unavailable"))
        ),
    )
    max_recipients: int = 1000
    callback_secret: str | None = credential(None, default=None)  # signs callbacks (memory_callbacks)

    def __attrs_post_init__(self) -> None:
        if self.callback_secret is not None and not self.callback_secret.strip():
            raise ValueError("callback_secret is empty: leave it out for unsigned callbacks, or give a secret")


SPEC = ProviderSpec(
    id="memory",
    config_class=MemoryConfig,
    default_host="default",
    description="Keeps messages in an in-process outbox for tests.",
    capabilities=Capabilities(
        max_recipients=1000,
        max_text_length=1600,
        sender=SenderRule(min_length=1, max_length=11, numeric_allowed=True),
        bulk_send=True,
        balance=True,
        delivery_status=True,
        callbacks=True,
        inbound_callbacks=True,
        scheduling=True,
        flash=True,
        targets=True,
        templating=True,  # renders each recipient's text itself (Message.text_for)
        admin_operations=(
            AdminOperation("clear", "Empty this outbox."),
            AdminOperation(
                "count", "How many messages this outbox holds.", (AdminParam("to", description="only to this number"),)
            ),
        ),
    ),
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [SPEC]


@hookimpl
def smsbridge_adjust_capabilities(config: MemoryConfig, caps: Capabilities) -> Capabilities:
    return attrs.evolve(caps, max_recipients=config.max_recipients)


def _name(ctx: Any) -> str:
    return ctx.settings.host or "default"


def _fail(ctx: Any) -> None:
    kind = ctx.config.fail
    if kind is None:
        return
    if kind == "auth":
        raise errors.AuthenticationError(
            "memory outbox rehearses an authentication failure", provider="memory", code="auth"
        )
    if kind == "credit":
        raise errors.InsufficientCreditError(
            "memory outbox rehearses a lack of credit", provider="memory", code="credit"
        )
    if kind == "unavailable":
        raise errors.ServiceUnavailableError("memory outbox rehearses a temporary problem", provider="memory")
    if kind == "connect":
        raise errors.ConnectError("memory outbox rehearses a refused connection", provider="memory")
    raise errors.ReadTimeoutError("memory outbox rehearses a read timeout", provider="memory")


@hookimpl
def smsbridge_bulk_send(ctx: Any, message: Message) -> SendResult | None:
    _fail(ctx)
    box = outbox(_name(ctx))
    receipts = []
    # compare digits: a "+" in a URL query reads as a space
    reject = {n.strip().lstrip("+") for n in ctx.config.reject}
    unknown = {n.strip().lstrip("+") for n in ctx.config.unknown}
    for recipient in message.recipients:
        digits = recipient.number.lstrip("+")
        if digits in reject:
            receipts.append(
                Receipt(
                    recipient.number, ReceiptStatus.REJECTED, reason="rejected by memory:// reject=", provider="memory"
                )
            )
            continue
        if digits in unknown:
            receipts.append(
                Receipt(
                    recipient.number, ReceiptStatus.UNKNOWN, reason="unknown by memory:// unknown=", provider="memory"
                )
            )
            continue
        message_id = f"mem-{next(_ids)}"
        with _lock:
            box.append(
                SentMessage(
                    id=message_id,
                    to=recipient.number,
                    text=message.text_for(recipient),
                    sender=message.sender,
                    schedule=message.schedule,
                    flash=message.flash,
                    client_ref=message.client_ref,
                    outbox=_name(ctx),
                )
            )
        receipts.append(Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=message_id, provider="memory"))
    return SendResult(
        provider="memory",
        receipts=tuple(receipts),
        client_ref=message.client_ref,
        scheduled=message.schedule is not None,
    )


@hookimpl
def smsbridge_balance(ctx: Any) -> Balance | None:
    _fail(ctx)
    return Balance(amount=Decimal(len(outbox(_name(ctx)))), unit="messages sent", provider="memory")


@hookimpl
def smsbridge_delivery_status(ctx: Any, message_ids: list[str]) -> list[DeliveryReport] | None:
    known = {m.id: m for m in outbox(_name(ctx))}
    return [
        DeliveryReport(
            message_id=mid,
            status=DeliveryStatus.DELIVERED if mid in known else DeliveryStatus.UNKNOWN,
            recipient=known[mid].to if mid in known else None,
            provider="memory",
        )
        for mid in message_ids
    ]


@hookimpl
def smsbridge_parse_callback(ctx: Any, request: CallbackRequest) -> list[DeliveryReport] | None:
    return memory_callbacks.parse_report(ctx, request)


@hookimpl
def smsbridge_callback_spec(ctx: Any) -> CallbackSpec | None:
    return memory_callbacks.callback_spec(ctx)


@hookimpl
def smsbridge_parse_inbound_callback(ctx: Any, request: CallbackRequest) -> list[InboundMessage] | None:
    return memory_callbacks.parse_inbound(ctx, request)


@hookimpl
def smsbridge_admin(ctx: Any, operation: str, params: dict[str, Any]) -> AdminResult | None:
    name = _name(ctx)
    if operation == "clear":
        clear(name)
        return AdminResult(operation, {"cleared": True}, provider="memory")
    if operation == "count":
        box = outbox(name)
        to = params.get("to")
        return AdminResult(operation, {"count": sum(1 for m in box if to is None or m.to == to)}, provider="memory")
    raise errors.UnsupportedOperationError(f"unknown operation {operation!r}", provider="memory")
