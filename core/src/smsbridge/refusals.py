"""Provider refusals: the table a plugin declares and the one function that builds the error.

A provider says "no" with a code of its own (``"5"``, ``102``, ``ERR 100``, a sentence).  A
plugin declares once, per code, which :mod:`smsbridge.errors` class it becomes, what it means
and what the user should do::

    REFUSALS: RefusalTable = {
        "5": Refusal(InsufficientCreditError, "not enough credits"),
        "10": Refusal(InvalidSenderError, "invalid originator", hint="1-11 letters or digits"),
    }
    raise refusal_error(REFUSALS["5"], reply, code="5", text=said)

and the error always carries the code, the provider's own words, the HTTP status and the
(redacted) raw reply the same way.  ``before_request`` builds the error for a refusal the
plugin makes itself, before any request: nothing was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from smsbridge.errors import InvalidRecipientError, ProviderError
from smsbridge.models import RawReply

__all__ = ["Refusal", "RefusalTable", "before_request", "refusal_error"]

E = TypeVar("E", bound=ProviderError)


@attrs.frozen
class Refusal:
    """What one provider code means: the error class, its meaning in words, and a hint."""

    error: type[ProviderError]
    meaning: str
    hint: str | None = None


#: a provider's refusal codes (as text) and what each one means
RefusalTable = Mapping[str, Refusal]


def refusal_error(
    refusal: Refusal,
    reply: RawReply | None,
    *,
    code: str | None,
    text: str | None = None,
    message: str | None = None,
    recipient: str | None = None,
    hint: str | None = None,
    provider: str | None = None,
) -> ProviderError:
    """The typed error ``refusal`` means for ``reply`` (built, not raised).

    ``message`` defaults to the meaning followed by the provider's words; ``hint`` overrides
    the table's.  ``provider`` may stay ``None`` inside a hook: the core fills it in.
    """
    said = f" ({text})" if text and message is None else ""
    kwargs: dict[str, Any] = {
        "provider": provider,
        "http_status": reply.status if reply is not None else None,
        "code": code,
        "text": text,
        "raw": reply,
    }
    chosen = hint if hint is not None else refusal.hint
    if chosen is not None:
        kwargs["hint"] = chosen
    if issubclass(refusal.error, InvalidRecipientError):
        kwargs["recipient"] = recipient
    return refusal.error(message if message is not None else f"{refusal.meaning}{said}", **kwargs)


def before_request(error: type[E], message: str, **details: Any) -> E:
    """``error`` for a refusal the plugin makes before any request: certainly not sent.

    ``details`` are the error's own keywords (``hint``, ``recipient``, ``code``...); the core
    fills in the provider.
    """
    return error(message, before_request=True, **details)
