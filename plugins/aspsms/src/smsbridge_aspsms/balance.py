"""CheckCredits: the account's credits, a string that may be fractional (``"567"``, ``"12.5"``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from smsbridge.models import Balance
from smsbridge.wire import unreadable
from smsbridge_aspsms.wire import call, text_of

if TYPE_CHECKING:
    from smsbridge.context import ProviderContext

__all__ = ["check_credits"]


def check_credits(ctx: ProviderContext) -> Balance:
    answer = call(ctx, "CheckCredits", {})
    text = text_of(answer.data.get("Credits"))
    try:
        amount = Decimal(text) if text else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise unreadable(answer.raw, ctx.provider, "CheckCredits: no readable Credits in the reply")
    return Balance(amount=amount, unit="credits", provider=ctx.provider, raw=answer.raw)
