"""AllMySMS dates: ``YYYY-MM-DD HH:MM:SS`` without a zone, read as Paris time.

Neither document names a time zone for DATE, ``receptionDate`` or the acks.  AllMySMS is a
French service whose examples are French numbers, so wall-clock times are taken as
Europe/Paris (an inference, documented in docs/providers/allmysms.md).  ``zoneinfo`` is used
when the system has the tz database; otherwise the EU summer-time rule (last Sunday of March
to last Sunday of October, switching at 01:00 UTC) gives the same offsets.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["FORMAT", "parse_paris", "to_paris_text"]

FORMAT = "%Y-%m-%d %H:%M:%S"
_UTC = dt.timezone.utc


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _eu_offset(utc_time: dt.datetime) -> dt.timedelta:
    year = utc_time.year
    start = dt.datetime.combine(_last_sunday(year, 3), dt.time(1), _UTC)
    end = dt.datetime.combine(_last_sunday(year, 10), dt.time(1), _UTC)
    return dt.timedelta(hours=2 if start <= utc_time < end else 1)


def _zone() -> dt.tzinfo | None:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no tz database on this system (e.g. Windows without tzdata)
        return None


_PARIS = _zone()


def to_paris_text(moment: dt.datetime) -> str:
    """An aware datetime as the wall-clock Paris time AllMySMS expects in DATE."""
    utc_time = moment.astimezone(_UTC)
    if _PARIS is not None:
        return utc_time.astimezone(_PARIS).strftime(FORMAT)
    return (utc_time + _eu_offset(utc_time)).replace(tzinfo=None).strftime(FORMAT)


def parse_paris(value: object) -> dt.datetime | None:
    """A provider date (Paris wall-clock time) as an aware datetime; ``None`` if unreadable."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in (FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            naive = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        return None
    if _PARIS is not None:
        return naive.replace(tzinfo=_PARIS)
    # Without a tz database: try both offsets and keep the one consistent with the rule.
    for hours in (2, 1):
        guess = naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))
        if _eu_offset(guess.astimezone(_UTC)) == dt.timedelta(hours=hours):
            return guess
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=1)))
