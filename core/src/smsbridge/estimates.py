"""``provider_estimate``: the ``Estimate`` an estimate hook returns, from the provider's figures.

An ``Estimate`` holds the core's own count (encoding, segments, recipients) next to what the
provider says a send would cost.  The count is the same for every provider, so a plugin's
``smsbridge_estimate`` gives only the provider's figures and this builds the rest.
"""

from __future__ import annotations

from decimal import Decimal

from smsbridge.models import Estimate, Message, RawReply
from smsbridge.text import analyze

__all__ = ["provider_estimate"]


def provider_estimate(
    message: Message,
    provider_cost: Decimal | None,
    *,
    cost_unit: str | None = None,
    provider_segments: int | None = None,
    raw: RawReply | None = None,
) -> Estimate:
    """The provider's figures next to the core's count of ``message``.

    The text counted is the first recipient's, as they will see it (a template filled from
    their fields; the template as written when it cannot be filled); segments are counted for
    every recipient alike (at least one).
    """
    try:
        text = message.text_for(message.recipients[0]) if message.recipients else message.text
    except (KeyError, ValueError, IndexError, AttributeError, TypeError):
        text = message.text
    info = analyze(text, encoding=message.encoding)
    count = len(message.recipients)
    return Estimate(
        text=info,
        recipients=count,
        segments_total=info.segments * max(1, count),
        provider_cost=provider_cost,
        cost_unit=cost_unit,
        provider_segments=provider_segments,
        raw=raw,
    )
