"""The entry point ``junubsms``: provider specs ``junubsms`` and ``playsms`` and their hooks.

Both ids speak the playSMS webservices API through one implementation; they differ only in
their default host.  Hooks stay thin: requests and reply mapping live in ``wire``,
``sending``, ``reports`` and ``admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from smsbridge.plugin import Balance, Capabilities, EmulatorProfile, ProviderSpec, SenderRule, hookimpl, parse_decimal
from smsbridge_junubsms import admin, callbacks, reports, sending
from smsbridge_junubsms.config import PlaySMSConfig
from smsbridge_junubsms.wire import PLACEHOLDER_HOST, Ctx, call, unreadable

__all__ = [
    "CAPABILITIES",
    "JUNUBSMS",
    "PLAYSMS",
    "SECRET_FIELDS",
    "smsbridge_adjust_capabilities",
    "smsbridge_admin",
    "smsbridge_balance",
    "smsbridge_bulk_send",
    "smsbridge_callback_spec",
    "smsbridge_check_recipient",
    "smsbridge_delivery_status",
    "smsbridge_emulator_profiles",
    "smsbridge_inbound",
    "smsbridge_parse_inbound_callback",
    "smsbridge_providers",
    "smsbridge_send",
]

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
def smsbridge_adjust_capabilities(config: PlaySMSConfig, caps: Capabilities) -> Capabilities:
    """Apply ``batch`` and ``max_length`` to the declared capabilities."""
    length = config.max_length if config.max_length is not None else caps.max_text_length
    return attrs.evolve(caps, max_recipients=config.batch, max_text_length=length)


@hookimpl
def smsbridge_balance(ctx: Ctx) -> Balance:
    answer = call(ctx, "cr")
    amount = parse_decimal(answer.data.get("credit"), comma="thousands")  # a number, but the string "0" when zero
    if amount is None:
        raise unreadable(ctx, answer.raw, "cr", "op=cr answered no credit figure")
    return Balance(amount=amount, unit="credits", raw=answer.raw)


# the hooks whose work is all in one function of another module
smsbridge_check_recipient = hookimpl(sending.wire_number)
smsbridge_send = smsbridge_bulk_send = hookimpl(sending.send)
smsbridge_delivery_status = hookimpl(reports.delivery_status)
smsbridge_inbound = hookimpl(reports.inbound)
smsbridge_callback_spec = hookimpl(callbacks.callback_spec)
smsbridge_parse_inbound_callback = hookimpl(callbacks.parse_inbound)
smsbridge_admin = hookimpl(admin.run)


@hookimpl
def smsbridge_emulator_profiles() -> list[EmulatorProfile]:
    from smsbridge_junubsms import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


if TYPE_CHECKING:  # mypy checks every hook implementation of this module against its specification
    import smsbridge.plugin as api
    import smsbridge_junubsms.plugin as this

    _hooks: tuple[api.ProvidersHook, api.AdjustCapabilitiesHook, api.CheckRecipientHook, api.SendHook]
    _hooks = (this, this, this, this)
    _more: tuple[api.BulkSendHook, api.BalanceHook, api.DeliveryStatusHook, api.InboundHook]
    _more = (this, this, this, this)
    _rest: tuple[api.CallbackSpecHook, api.ParseInboundCallbackHook, api.AdminHook, api.EmulatorProfilesHook] = (
        this,
        this,
        this,
        this,
    )
