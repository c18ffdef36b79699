"""The provider hooks as ``typing.Protocol`` types, so that mypy checks a plugin's implementations.

pluggy checks a hook implementation's parameter *names* when the plugin is registered; the
types are nobody's business at run time.  These protocols, one a hook, let ``mypy --strict``
check both against :mod:`smsbridge.hookspecs`: a module is a protocol implementation when its
functions match.  A plugin module ends with::

    if TYPE_CHECKING:  # mypy checks every hook implementation of this module against its spec
        import smsbridge_example.plugin as _this
        from smsbridge.plugin import BalanceHook, ProvidersHook, SendHook

        _checked: tuple[ProvidersHook, SendHook, BalanceHook] = (_this, _this, _this)

and mypy then fails on a renamed parameter, a wrong type or a wrong return type.  Parameters
are keyword-only here because pluggy calls hooks by keyword: the names are the contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smsbridge.context import ProviderContext
    from smsbridge.devserver.profiles import EmulatorProfile
    from smsbridge.models import (
        AdminResult,
        Balance,
        CallbackRequest,
        CallbackSpec,
        Capabilities,
        DeliveryReport,
        Estimate,
        InboundMessage,
        InboundQuery,
        Message,
        ProviderSpec,
        SendResult,
    )

__all__ = [
    "AdjustCapabilitiesHook",
    "AdminHook",
    "BalanceHook",
    "BulkSendHook",
    "CallbackSpecHook",
    "CheckRecipientHook",
    "DeliveryStatusHook",
    "EmulatorProfilesHook",
    "EstimateHook",
    "InboundHook",
    "ParseCallbackHook",
    "ParseInboundCallbackHook",
    "ProvidersHook",
    "SendHook",
]


class ProvidersHook(Protocol):
    def smsbridge_providers(self) -> list[ProviderSpec]: ...


class AdjustCapabilitiesHook(Protocol):
    def smsbridge_adjust_capabilities(self, *, config: Any, caps: Capabilities) -> Capabilities | None: ...


class CheckRecipientHook(Protocol):
    def smsbridge_check_recipient(self, *, ctx: ProviderContext[Any], number: str) -> str | None: ...


class SendHook(Protocol):
    def smsbridge_send(self, *, ctx: ProviderContext[Any], message: Message) -> SendResult | None: ...


class BulkSendHook(Protocol):
    def smsbridge_bulk_send(self, *, ctx: ProviderContext[Any], message: Message) -> SendResult | None: ...


class BalanceHook(Protocol):
    def smsbridge_balance(self, *, ctx: ProviderContext[Any]) -> Balance | None: ...


class DeliveryStatusHook(Protocol):
    def smsbridge_delivery_status(
        self, *, ctx: ProviderContext[Any], message_ids: Sequence[str]
    ) -> list[DeliveryReport] | None: ...


class InboundHook(Protocol):
    def smsbridge_inbound(self, *, ctx: ProviderContext[Any], query: InboundQuery) -> list[InboundMessage] | None: ...


class ParseCallbackHook(Protocol):
    def smsbridge_parse_callback(
        self, *, ctx: ProviderContext[Any], request: CallbackRequest
    ) -> list[DeliveryReport] | None: ...


class CallbackSpecHook(Protocol):
    def smsbridge_callback_spec(self, *, ctx: ProviderContext[Any]) -> CallbackSpec | None: ...


class ParseInboundCallbackHook(Protocol):
    def smsbridge_parse_inbound_callback(
        self, *, ctx: ProviderContext[Any], request: CallbackRequest
    ) -> list[InboundMessage] | None: ...


class EstimateHook(Protocol):
    def smsbridge_estimate(self, *, ctx: ProviderContext[Any], message: Message) -> Estimate | None: ...


class AdminHook(Protocol):
    def smsbridge_admin(
        self, *, ctx: ProviderContext[Any], operation: str, params: dict[str, Any]
    ) -> AdminResult | None: ...


class EmulatorProfilesHook(Protocol):
    def smsbridge_emulator_profiles(self) -> list[EmulatorProfile]: ...
