"""The ``aspsms`` entry point: the two provider ids and the hook implementations (thin).

``aspsms`` (json.aspsms.com) and ``server2sms`` (json.server2sms.com) are one JSON API on two
hosts; they share the config class, the capabilities and every hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from smsbridge.plugin import (
    Capabilities,
    EmulatorProfile,
    ProviderSpec,
    SenderRule,
    hookimpl,
)
from smsbridge_aspsms import admin, balance, callbacks, delivery, sending
from smsbridge_aspsms.admin import OPERATIONS
from smsbridge_aspsms.config import AspsmsConfig
from smsbridge_aspsms.wire import Ctx

__all__ = [
    "ASPSMS",
    "CAPABILITIES",
    "SECRET_FIELDS",
    "SERVER2SMS",
    "smsbridge_adjust_capabilities",
    "smsbridge_admin",
    "smsbridge_balance",
    "smsbridge_bulk_send",
    "smsbridge_callback_spec",
    "smsbridge_check_recipient",
    "smsbridge_delivery_status",
    "smsbridge_emulator_profiles",
    "smsbridge_parse_callback",
    "smsbridge_providers",
    "smsbridge_send",
]

MAX_RECIPIENTS = 1000
MAX_TEXT_LENGTH = 603  # ASPSMS splits it into up to 9 parts

# UserName / Password: the credentials in every request body; RedeemCode: a voucher is worth credits
SECRET_FIELDS = ("UserName", "Password", "RedeemCode")

CAPABILITIES = Capabilities(
    max_recipients=MAX_RECIPIENTS,
    max_text_length=MAX_TEXT_LENGTH,
    sender=SenderRule(
        min_length=1,
        max_length=11,
        pattern=r"[A-Za-z0-9]{1,11}",
        numeric_allowed=True,
        description="1-11 characters A-Z, a-z, 0-9, or a phone number (numeric originators must be unlocked first)",
    ),
    send=True,
    bulk_send=True,
    balance=True,
    delivery_status=True,
    callbacks=True,
    scheduling=True,
    flash=True,
    unicode=True,
    admin_operations=OPERATIONS,
)

ASPSMS = ProviderSpec(
    id="aspsms",
    config_class=AspsmsConfig,
    capabilities=CAPABILITIES,
    default_host="json.aspsms.com",
    known_hosts=("aspsms.com",),
    description="ASPSMS JSON API (Switzerland)",
    docs_url="https://json.aspsms.com/",
    secret_fields=SECRET_FIELDS,
)

SERVER2SMS = attrs.evolve(
    ASPSMS,
    id="server2sms",
    default_host="json.server2sms.com",
    known_hosts=("server2sms.com",),
    description="server2sms (the ASPSMS JSON API on json.server2sms.com)",
    docs_url="https://json.server2sms.com/",
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [ASPSMS, SERVER2SMS]


@hookimpl
def smsbridge_adjust_capabilities(config: AspsmsConfig, caps: Capabilities) -> Capabilities:
    """SendSimpleTextSMS has no DeferredDeliveryTime and no FlashingSMS."""
    return attrs.evolve(caps, scheduling=False, flash=False) if config.simple else caps


@hookimpl
def smsbridge_check_recipient(ctx: Ctx, number: str) -> str | None:
    """ASPSMS takes the E.164 number with its ``+`` (``"+41790000000:TRN"``)."""
    return number


# the hooks whose work is all in one function of another module
smsbridge_send = smsbridge_bulk_send = hookimpl(sending.send)
smsbridge_balance = hookimpl(balance.check_credits)
smsbridge_delivery_status = hookimpl(delivery.inquire)
smsbridge_parse_callback = hookimpl(delivery.parse_callback)
smsbridge_callback_spec = hookimpl(callbacks.callback_spec)
smsbridge_admin = hookimpl(admin.run)


@hookimpl
def smsbridge_emulator_profiles() -> list[EmulatorProfile]:
    from smsbridge_aspsms import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


if TYPE_CHECKING:  # mypy checks every hook implementation of this module against its specification
    import smsbridge.plugin as api
    import smsbridge_aspsms.plugin as this

    _hooks: tuple[api.ProvidersHook, api.AdjustCapabilitiesHook, api.CheckRecipientHook, api.SendHook]
    _hooks = (this, this, this, this)
    _more: tuple[api.BulkSendHook, api.BalanceHook, api.DeliveryStatusHook, api.ParseCallbackHook]
    _more = (this, this, this, this)
    _rest: tuple[api.CallbackSpecHook, api.AdminHook, api.EmulatorProfilesHook] = (this, this, this)
