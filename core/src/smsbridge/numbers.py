"""Phone numbers: parsed and validated with ``phonenumbers``, kept in E.164.

Plugins receive E.164 (``+41791234567``) and format it as their provider wants
(``to_digits`` for providers that take ``41791234567``).  ``@user`` and ``#group`` targets pass
through untouched for providers that declare ``targets``.
"""

from __future__ import annotations

from smsbridge.errors import InvalidRecipientError

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
        if targets and len(raw) > 1:
            return raw
        raise InvalidRecipientError(
            f"{raw!r}: user and group targets are not supported by this provider",
            recipient=raw,
            provider=provider,
            before_request=True,
        )
    import phonenumbers  # imported here: ~50 ms, not needed at `import smsbridge`

    candidate = raw
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        parsed = phonenumbers.parse(candidate, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        hint = None if region else "use +<country code>..., or set a default region (URL option region=XX)"
        raise InvalidRecipientError(
            f"{raw!r} is not a phone number ({exc._msg})",
            recipient=raw,
            provider=provider,
            before_request=True,
            hint=hint,
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidRecipientError(
            f"{raw!r} is not a valid phone number", recipient=raw, provider=provider, before_request=True
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_digits(e164: str) -> str:
    """``+41791234567`` -> ``41791234567`` (the form most HTTP APIs want)."""
    return e164[1:] if e164.startswith("+") else e164
