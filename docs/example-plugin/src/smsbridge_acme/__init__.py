"""smsbridge provider for Acme SMS: POST /v1/send {"key", "to", "text", "from"} -> {"ok", "id"}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.plugin import (
    AuthenticationError,
    Balance,
    Capabilities,
    Message,
    ProviderContext,
    ProviderSpec,
    RawReply,
    Receipt,
    ReceiptStatus,
    Refusal,
    RefusalTable,
    RejectedError,
    SenderRule,
    SendResult,
    credential,
    expect_ok_status,
    hookimpl,
    json_body,
    parse_decimal,
    refusal_error,
    unreadable,
)


@attrs.define(kw_only=True)
class AcmeConfig:
    api_key: str = credential("password")  # acme://:KEY@default
    account: str | None = credential("user", secret=False, default=None)


SPEC = ProviderSpec(
    id="acme",
    config_class=AcmeConfig,
    default_host="api.acme-sms.example",  # what "@default" means
    description="Acme SMS (example plugin from the smsbridge docs)",
    secret_fields=("key",),  # wire fields holding secrets
    capabilities=Capabilities(
        max_recipients=1, max_text_length=612, sender=SenderRule(min_length=1, max_length=11), balance=True
    ),
)

REFUSALS: RefusalTable = {"bad_key": Refusal(AuthenticationError, "the API key was refused")}  # code: error


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [SPEC]


def _call(ctx: ProviderContext[AcmeConfig], path: str, payload: dict[str, Any]) -> tuple[dict[str, Any], RawReply]:
    """The reply's data when Acme says ok; its refusal as a typed error; anything else unreadable."""
    reply = ctx.http.request("POST", ctx.url(path), json={"key": ctx.config.api_key, **payload})
    data = json_body(reply, ctx.provider, error_statuses=range(400, 500))  # Acme explains its 4xx refusals
    error, said = data.get("error"), data.get("message")
    said = said if isinstance(said, str) else None  # Acme's own words, shown to the user
    if isinstance(error, str) and error:  # a refusal: the table's, or another one stated in words
        refusal = REFUSALS.get(error) or Refusal(RejectedError, f"Acme refused the request: {error}")
        raise refusal_error(refusal, reply, code=error, text=said, message=refusal.meaning)
    expect_ok_status(reply, ctx.provider, text=said)  # any other non-2xx: the status decides
    if data.get("ok") is True:
        return data, reply
    raise unreadable(reply, ctx.provider, "neither a result nor an error")


@hookimpl
def smsbridge_send(ctx: ProviderContext[AcmeConfig], message: Message) -> SendResult:
    (recipient,) = message.recipients  # E.164, validated; recipient.wire: as the provider takes it
    data, reply = _call(ctx, "/v1/send", {"to": recipient.wire, "text": message.text, "from": message.sender})
    message_id = data.get("id")
    if isinstance(message_id, bool) or not isinstance(message_id, (int, str)) or message_id == "":
        raise unreadable(reply, ctx.provider, "an 'ok' reply without a message id")  # taken? unknown
    return ctx.result([Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=str(message_id))], raw=reply)


@hookimpl
def smsbridge_balance(ctx: ProviderContext[AcmeConfig]) -> Balance:
    data, reply = _call(ctx, "/v1/balance", {})
    amount = parse_decimal(data.get("credits"))  # "12.5" or 12; never trust a reply's types
    if amount is None:
        raise unreadable(reply, ctx.provider, "no number in 'credits'")
    return Balance(amount=amount, unit="credits", raw=reply)  # the core fills in the provider


if TYPE_CHECKING:  # mypy checks each hook implementation of this module against its specification
    import smsbridge.plugin as api
    import smsbridge_acme as this

    _hooks: tuple[api.ProvidersHook, api.SendHook, api.BalanceHook] = (this, this, this)
