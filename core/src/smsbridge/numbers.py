"""Phone numbers: parsed and validated with ``phonenumbers``, kept in E.164.

Plugins receive E.164 (``+41791234567``) and format it as their provider wants
(``to_digits`` for providers that take ``41791234567``).  ``@user`` and ``#group`` targets pass
through untouched for providers that declare ``targets``.
"""

from __future__ import annotations

import functools

from smsbridge.errors import InvalidRecipientError
from smsbridge.text import invisible_character

__all__ = ["normalize", "to_digits"]


def normalize(number: str, *, region: str | None = None, provider: str | None = None, targets: bool = False) -> str:
    """Return ``number`` in E.164 or raise ``InvalidRecipientError`` naming it.

    ``region`` (ISO 3166 alpha-2, e.g. "JO") lets national numbers such as ``0791234567``
    through; ``00`` international prefixes are accepted too.
    """
    raw = number.strip() if isinstance(number, str) else ""
    if not raw:
        raise InvalidRecipientError("empty recipient", recipient=str(number), provider=provider, before_request=True)
    if raw[0] in "@#":
        hidden = invisible_character(raw)
        if targets and len(raw) > 1 and not hidden:
            return raw
        if hidden:
            raise InvalidRecipientError(
                f"{raw!r} holds {hidden}", recipient=raw, provider=provider, before_request=True
            )
        raise InvalidRecipientError(
            f"{raw!r}: user and group targets are not supported by this provider",
            recipient=raw,
            provider=provider,
            before_request=True,
        )
    e164, problem, unparsed = _parse(raw, region.upper() if region else None)
    if e164 is None:
        hint = (
            "use +<country code>..., or set a default region (URL option region=XX)"
            if unparsed and not region
            else None
        )
        raise InvalidRecipientError(problem, recipient=raw, provider=provider, before_request=True, hint=hint)
    return e164


@functools.lru_cache(maxsize=8192)
def _parse(raw: str, region: str | None) -> tuple[str | None, str, bool]:
    """``(E.164, "", False)`` or ``(None, why, unparsed)``.  Cached: phonenumbers takes ~20 µs a number, and a
    bulk run checks each number more than once (the CLI before the core, failover per account)."""
    import phonenumbers  # imported here: ~50 ms, not needed at `import smsbridge`

    candidate = "+" + raw[2:] if raw.startswith("00") else raw
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        return None, f"{raw!r} is not a phone number ({exc._msg})", True
    if not phonenumbers.is_valid_number(parsed):
        return None, f"{raw!r} is not a valid phone number", False
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), "", False


def to_digits(e164: str) -> str:
    """``+41791234567`` -> ``41791234567`` (the form most HTTP APIs want)."""
    return e164[1:] if e164.startswith("+") else e164
