"""Reading loose values the same way in every plugin: text, yes/no, decimals and time zones.

Providers answer numbers as strings or numbers, flags as ``"1"``/``"yes"``/``true``, and
users write options and admin parameters the same loose way.  One reading of each lives here
so that ``"yes"`` means the same thing to every plugin.  Parsers answer ``None`` for "not such
a value" (or raise ``ValueError`` where a caller must say why); they never raise anything else.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

__all__ = [
    "NO",
    "YES",
    "parse_bool",
    "parse_decimal",
    "parse_int",
    "parse_offset",
    "parse_time",
    "parse_zone",
    "text_of",
]

#: the yes/no vocabulary, compared lower-cased and stripped
YES = frozenset({"1", "yes", "true", "on", "y"})
NO = frozenset({"0", "no", "false", "off", "n"})

_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_UTC_NAMES = frozenset({"UTC", "GMT", "Z", "ETC/UTC", "0", "+0", "+00:00", "+0000"})
#: the longest text read as a decimal: ``Decimal`` of a megabyte of digits is slow
_MAX_DECIMAL = 40


def text_of(value: Any) -> str | None:
    """A reply scalar as text: strings stripped, numbers as written; ``None`` for anything else.

    A float that is a whole number reads without its ``.0`` (``5.0`` -> ``"5"``); booleans,
    ``None``, NaN, infinities and containers are no text.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, Decimal)):
        return str(value) if not isinstance(value, Decimal) or value.is_finite() else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return None


def parse_bool(value: Any) -> bool | None:
    """``True``/``False`` for a boolean or a word of ``YES``/``NO`` (``"on"``, ``1``); else ``None``."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, (str, int)):
        return None
    word = str(value).strip().lower()
    return True if word in YES else False if word in NO else None


def parse_decimal(value: Any, *, comma: Literal["decimal", "thousands"] | None = None) -> Decimal | None:
    """A finite ``Decimal`` from ``"12.5"``, ``12.5``, ``12``; ``None`` for anything else.

    ``comma``: how the provider writes a comma, as a decimal comma (``"12,5"``) or between
    thousands (``"1,000"``); by default a comma makes no number.  Booleans are no number.
    """
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    text = text_of(value)
    if not text or len(text) > _MAX_DECIMAL:
        return None
    if comma is not None:
        text = text.replace(",", "." if comma == "decimal" else "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_int(value: Any, *, comma: Literal["decimal", "thousands"] | None = None, limit: int = 10**12) -> int | None:
    """A whole number however written (``"12"``, ``12``, ``12.0``, ``"12,0"`` with ``comma``, see
    ``parse_decimal``); ``None`` for a fraction, a number beyond ``limit`` either way, or no number."""
    number = parse_decimal(value, comma=comma)
    if number is None or number != number.to_integral_value() or abs(number) > limit:
        return None
    return int(number)


def parse_offset(text: str) -> dt.timedelta:
    """``+07:00``, ``+0700``, ``UTC+7`` or ``UTC`` -> a fixed offset of at most 14 hours.

    :raises ValueError: saying why, for anything else.
    """
    value = text.strip()
    if value.upper() in _UTC_NAMES:
        return dt.timedelta(0)
    match = _OFFSET.fullmatch(value)
    if not match:
        raise ValueError(f"{text!r} is not a UTC offset such as +07:00 or +0200")
    sign, hours, minutes = match.groups()
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta > dt.timedelta(hours=14) or int(minutes or 0) > 59:
        raise ValueError(f"offset {text!r} is out of range")
    return -delta if sign == "-" else delta


def parse_zone(name: str) -> dt.tzinfo:
    """``UTC``, a fixed offset (``+02:00``, ``UTC-0530``) or an IANA name (``Europe/Zurich``).

    IANA names come from the standard library's ``zoneinfo`` (the system's tz database, or
    the ``tzdata`` package where the system has none).

    :raises ValueError: saying why, for anything else.
    """
    text = name.strip()
    if text.upper() in _UTC_NAMES:
        return dt.timezone.utc
    if _OFFSET.fullmatch(text):
        return dt.timezone(parse_offset(text))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"time zone {name!r} is neither UTC, an offset like +02:00, nor a known IANA name like Europe/Paris "
            "(install the 'tzdata' package where the system has no time-zone database)"
        ) from None


def parse_time(value: Any, zone: dt.tzinfo, *, formats: tuple[str, ...] = (), iso: bool = True) -> dt.datetime | None:
    """A provider's time as an aware datetime; ``None`` when it is no readable time.

    One of ``formats`` (``strptime`` formats such as ``"%d%m%Y%H%M%S"``) or, unless ``iso``
    is false, ISO 8601 (``2030-07-01 08:30:00``, ``...T08:30``, ``...Z``, with or without an
    offset).  A time without an offset is wall-clock time in ``zone``.
    """
    text = text_of(value)
    if not text:
        return None
    parsed: dt.datetime | None = None
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if parsed is None and not iso:
        return None
    if parsed is None:
        candidate = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
        try:
            parsed = dt.datetime.fromisoformat(candidate.replace(" ", "T", 1))
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
