"""CheckCredits: the account's credits, a string that may be fractional (``"567"``, ``"12.5"``)."""

from __future__ import annotations

import re
from decimal import Decimal

from smsbridge.plugin import Balance, text_of, unreadable
from smsbridge_aspsms.wire import Ctx, call

__all__ = ["check_credits"]

# ASCII digits, an optional fraction: not "1_000", "1e5", "NaN" or "٣", which Decimal() takes
_CREDITS = re.compile(r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,10})?")


def check_credits(ctx: Ctx) -> Balance:
    answer = call(ctx, "CheckCredits", {})
    text = text_of(answer.data.get("Credits"))
    if text is None or not _CREDITS.fullmatch(text):
        raise unreadable(answer.raw, ctx.provider, "CheckCredits: no readable Credits in the reply")
    return Balance(amount=Decimal(text), unit="credits", raw=answer.raw)
