"""smsbridge provider for Acme SMS: POST /v1/send {"key", "to", "text", "from"} -> {"ok", "id"}."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from smsbridge import AuthenticationError, RejectedError, hookimpl
from smsbridge.config import credential
from smsbridge.models import (
    Balance,
    Capabilities,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    SendResult,
    SenderRule,
)
from smsbridge.numbers import to_digits
from smsbridge.wire import json_body, unreadable


@attrs.define(kw_only=True)
class AcmeConfig:
    api_key: str = credential("password")  # acme://:KEY@default
    account: str | None = credential("user", secret=False, default=None)


SPEC = ProviderSpec(
    id="acme",
    config_class=AcmeConfig,
    default_host="api.acme-sms.example",
    description="Acme SMS (example plugin from the smsbridge docs)",
    secret_fields=("key",),
    capabilities=Capabilities(
        max_recipients=1,
        max_text_length=612,
        sender=SenderRule(min_length=1, max_length=11),
        balance=True,
    ),
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [SPEC]


def _call(ctx: Any, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    reply = ctx.http.request("POST", ctx.url(path), json={"key": ctx.config.api_key, **payload})
    data = json_body(reply, ctx.provider)
    if data.get("ok") is True and ("id" in data or "credits" in data):
        return data
    error = str(data.get("error", ""))
    if error == "bad_key":
        raise AuthenticationError("the API key was refused", provider=ctx.provider, code=error, raw=reply)
    if error:
        raise RejectedError(f"refused: {error}", provider=ctx.provider, code=error, raw=reply)
    raise unreadable(reply, ctx.provider, "neither a result nor an error")


@hookimpl
def smsbridge_send(ctx: Any, message: Message) -> SendResult:
    (recipient,) = message.recipients
    data = _call(
        ctx,
        "/v1/send",
        {"to": to_digits(recipient.number), "text": message.text, "from": message.sender},
    )
    receipt = Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=str(data["id"]), provider=ctx.provider)
    return SendResult(provider=ctx.provider, receipts=(receipt,))


@hookimpl
def smsbridge_balance(ctx: Any) -> Balance:
    data = _call(ctx, "/v1/balance", {})
    return Balance(amount=Decimal(str(data["credits"])), unit="credits", provider=ctx.provider)
