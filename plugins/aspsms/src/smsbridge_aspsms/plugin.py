"""The ``aspsms`` entry point: the two provider ids and the hook implementations (thin).

``aspsms`` (json.aspsms.com) and ``server2sms`` (json.server2sms.com) are one JSON API on two
hosts; they share the config class, the capabilities and every hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from smsbridge import hookimpl
from smsbridge.models import (
    AdminResult,
    Balance,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    Message,
    ProviderSpec,
    SenderRule,
    SendResult,
)
from smsbridge_aspsms import admin, callbacks, delivery, sending
from smsbridge_aspsms.admin import OPERATIONS
from smsbridge_aspsms.balance import check_credits
from smsbridge_aspsms.config import AspsmsConfig

if TYPE_CHECKING:
    from smsbridge.context import ProviderContext

__all__ = ["ASPSMS", "CAPABILITIES", "SECRET_FIELDS", "SERVER2SMS"]

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

SERVER2SMS = ProviderSpec(
    id="server2sms",
    config_class=AspsmsConfig,
    capabilities=CAPABILITIES,
    default_host="json.server2sms.com",
    known_hosts=("server2sms.com",),
    description="server2sms (the ASPSMS JSON API on json.server2sms.com)",
    docs_url="https://json.server2sms.com/",
    secret_fields=SECRET_FIELDS,
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [ASPSMS, SERVER2SMS]


@hookimpl
def smsbridge_check_recipient(ctx: ProviderContext, number: str) -> str | None:
    """ASPSMS takes the E.164 number with its ``+`` (``"+41790000000:TRN"``)."""
    return number


@hookimpl
def smsbridge_send(ctx: ProviderContext, message: Message) -> SendResult:
    return sending.send(ctx, message)


@hookimpl
def smsbridge_bulk_send(ctx: ProviderContext, message: Message) -> SendResult:
    return sending.send(ctx, message)


@hookimpl
def smsbridge_balance(ctx: ProviderContext) -> Balance:
    return check_credits(ctx)


@hookimpl
def smsbridge_delivery_status(ctx: ProviderContext, message_ids: Sequence[str]) -> list[DeliveryReport]:
    return delivery.inquire(ctx, message_ids)


@hookimpl
def smsbridge_parse_callback(ctx: ProviderContext, request: CallbackRequest) -> list[DeliveryReport]:
    return delivery.parse_callback(ctx, request)


@hookimpl
def smsbridge_callback_spec(ctx: ProviderContext) -> CallbackSpec:
    return callbacks.callback_spec(ctx)


@hookimpl
def smsbridge_emulator_profiles() -> list[Any]:
    from smsbridge_aspsms import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


@hookimpl
def smsbridge_admin(ctx: ProviderContext, operation: str, params: dict[str, Any]) -> AdminResult:
    return admin.run(ctx, operation, params)
