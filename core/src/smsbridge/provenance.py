"""Which provider answered: filled in on what a provider hook returns or raises.

A hook runs for one account, so the core knows the provider id; a plugin need not repeat
``provider=ctx.provider`` on every error, receipt, balance or report.  ``ProviderHooks``
fills in the account's provider wherever a plugin left it out (``None``).
"""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge.errors import SmsBridgeError
from smsbridge.models import AdminResult, Balance, DeliveryReport, Estimate, InboundMessage, Receipt, SendResult

__all__ = ["stamped", "stamped_error"]

_STAMPED = (Receipt, Balance, DeliveryReport, InboundMessage, Estimate, AdminResult)


def stamped(result: Any, provider: str) -> Any:
    """``result`` (a model, a ``SendResult`` with its receipts, or a list of models) with
    ``provider`` where it has none; anything else as it is."""
    if isinstance(result, list):
        return [stamped(item, provider) for item in result]
    if isinstance(result, SendResult) and any(r.provider is None for r in result.receipts):
        return attrs.evolve(result, receipts=tuple(stamped(r, provider) for r in result.receipts))
    if isinstance(result, _STAMPED) and result.provider is None:
        return attrs.evolve(result, provider=provider)
    return result


def stamped_error(error: SmsBridgeError, provider: str) -> SmsBridgeError:
    """``error`` naming ``provider`` when it names none."""
    if error.provider is None:
        error.provider = provider
    return error
