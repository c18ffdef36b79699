"""The entry point ``junubsms``: provider specs ``junubsms`` and ``playsms`` and their hooks.

Both ids speak the playSMS webservices API through one implementation; they differ only in
their default host.  Hooks stay thin: requests and reply mapping live in ``wire``,
``sending``, ``reports`` and ``admin``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smsbridge.context import ProviderContext
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    AdminResult,
    Balance,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    InboundMessage,
    InboundQuery,
    Message,
    ProviderSpec,
    SenderRule,
    SendResult,
)
from smsbridge_junubsms import admin, callbacks, reports, sending
from smsbridge_junubsms.config import PlaySMSConfig
from smsbridge_junubsms.wire import PLACEHOLDER_HOST, call, to_decimal

__all__ = ["CAPABILITIES", "JUNUBSMS", "PLAYSMS", "SECRET_FIELDS"]

#: wire fields that carry secrets: the token, the password, tokens and login keys in replies,
#: passwords in admin requests
SECRET_FIELDS = ("h", "p", "token", "login_key", "data_password")

CAPABILITIES = Capabilities(
    max_recipients=1,  # the URL option batch= raises it (see config.PlaySMSConfig)
    max_text_length=None,  # per account on the server; the URL option max_length= sets it
    sender=SenderRule(
        min_length=1,
        max_length=11,
        numeric_allowed=True,
        description="a sender id approved on the server; any other is silently replaced by the default sender",
    ),
    bulk_send=True,
    balance=True,
    delivery_status=True,
    inbound=True,
    inbound_callbacks=True,  # the "SMS custom" feature pushes received messages (callbacks.py)
    scheduling=True,
    flash=True,
    unicode=True,
    targets=True,
    admin_operations=admin.OPERATIONS,
)

#: JunubSMS's domains (the docs use sms.junubsms.com and sms.junub.com)
JUNUB_HOSTS = ("junubsms.com", "junub.com")

JUNUBSMS = ProviderSpec(
    id="junubsms",
    config_class=PlaySMSConfig,
    capabilities=CAPABILITIES,
    default_host="sms.junubsms.com",
    known_hosts=JUNUB_HOSTS,
    default_path="/index.php",
    description="JunubSMS (South Sudan), playSMS 1.4.5 webservices",
    docs_url="https://sms.junubsms.com/index.php?app=ws",
    secret_fields=SECRET_FIELDS,
)

PLAYSMS = ProviderSpec(
    id="playsms",
    config_class=PlaySMSConfig,
    capabilities=CAPABILITIES,
    default_host=PLACEHOLDER_HOST,  # never used: host_required makes connect() ask for the server
    host_required=True,
    known_hosts=JUNUB_HOSTS,  # JunubSMS runs playSMS: its hosts never get plain http either
    default_path="/index.php",
    description="any playSMS server (webservices API); host and path in the URL",
    secret_fields=SECRET_FIELDS,
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [JUNUBSMS, PLAYSMS]


@hookimpl
def smsbridge_check_recipient(ctx: ProviderContext, number: str) -> str | None:
    return sending.wire_number(ctx, number)


@hookimpl
def smsbridge_send(ctx: ProviderContext, message: Message) -> SendResult | None:
    return sending.send(ctx, message)


@hookimpl
def smsbridge_bulk_send(ctx: ProviderContext, message: Message) -> SendResult | None:
    return sending.send(ctx, message)


@hookimpl
def smsbridge_balance(ctx: ProviderContext) -> Balance | None:
    answer = call(ctx, "cr")
    amount = to_decimal(answer.data.get("credit"))  # a number, but the string "0" when zero
    if amount is None:
        raise answer.unreadable("op=cr answered no credit figure")
    return Balance(amount=amount, unit="credits", provider=ctx.provider, raw=answer.raw)


@hookimpl
def smsbridge_delivery_status(ctx: ProviderContext, message_ids: Sequence[str]) -> list[DeliveryReport] | None:
    return reports.delivery_status(ctx, message_ids)


@hookimpl
def smsbridge_inbound(ctx: ProviderContext, query: InboundQuery) -> list[InboundMessage] | None:
    return reports.inbound(ctx, query)


@hookimpl
def smsbridge_callback_spec(ctx: ProviderContext) -> CallbackSpec | None:
    return callbacks.callback_spec(ctx)


@hookimpl
def smsbridge_parse_inbound_callback(ctx: ProviderContext, request: CallbackRequest) -> list[InboundMessage] | None:
    return callbacks.parse_inbound(ctx, request)


@hookimpl
def smsbridge_emulator_profiles() -> list[Any]:
    from smsbridge_junubsms import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


@hookimpl
def smsbridge_admin(ctx: ProviderContext, operation: str, params: dict[str, Any]) -> AdminResult | None:
    return admin.run(ctx, operation, params)
