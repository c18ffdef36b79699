"""Phone numbers: parsed and validated with ``phonenumbers``, kept in E.164.

Plugins receive E.164 (``+41791234567``) and format it as their provider wants
(``to_digits`` for providers that take ``41791234567``).  ``@user`` and ``#group`` targets pass
through untouched for providers that declare ``targets``.

Numbers must be *valid* (phonenumbers' metadata knows the range) unless the account says
``number_check=possible``: then a number of the right length for its country is enough.
phonenumbers lags behind real number plans (South Sudan's ``+211 93…`` and ``+211 94…`` are
refused as invalid although operators use them), and an account must be able to reach them.
"""

from __future__ import annotations

import functools

from smsbridge.errors import InvalidRecipientError
from smsbridge.text import invisible_character

__all__ = ["NUMBER_CHECKS", "normalize", "to_digits"]

#: what ``number_check`` accepts: ``valid`` (the default: a number in a known range) or
#: ``possible`` (the right length for its country)
NUMBER_CHECKS = ("valid", "possible")


def normalize(
    number: str,
    *,
    region: str | None = None,
    provider: str | None = None,
    targets: bool = False,
    check: str = "valid",
) -> str:
    """Return ``number`` in E.164 or raise ``InvalidRecipientError`` naming it.

    ``region`` (ISO 3166 alpha-2, e.g. "JO") lets national numbers such as ``0791234567``
    through; ``00`` international prefixes are accepted too.  ``check`` is ``valid`` or
    ``possible`` (see the module doc).
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
    e164, problem, hint = _parse(raw, region.upper() if region else None, check == "possible")
    if e164 is None:
        raise InvalidRecipientError(problem, recipient=raw, provider=provider, before_request=True, hint=hint)
    return e164


@functools.lru_cache(maxsize=8192)
def _parse(raw: str, region: str | None, possible: bool = False) -> tuple[str | None, str, str | None]:
    """``(E.164, "", None)`` or ``(None, why, hint)``.  Cached: phonenumbers takes ~20 µs a number, and a
    bulk run checks each number more than once (the CLI before the core, failover per account)."""
    import phonenumbers  # imported here: ~50 ms, not needed at `import smsbridge`

    candidate = "+" + raw[2:] if raw.startswith("00") else raw
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        hint = None if region else "use +<country code>..., or set a default region (URL option region=XX)"
        return None, f"{raw!r} is not a phone number ({exc._msg})", hint
    if not phonenumbers.is_valid_number(parsed):
        reason = phonenumbers.is_possible_number_with_reason(parsed)
        if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
            return None, f"{raw!r} is not a valid phone number (unknown country code)", None
        if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
            return None, f"{raw!r} is not a valid phone number (wrong length for its country)", None
        if not possible:
            hint = "if the number is right and only newer than phonenumbers' data, set number_check=possible"
            return None, f"{raw!r} is not a valid phone number", hint
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), "", None


def to_digits(e164: str) -> str:
    """``+41791234567`` -> ``41791234567`` (the form most HTTP APIs want)."""
    return e164[1:] if e164.startswith("+") else e164
