"""AllMySMS dates: ``YYYY-MM-DD HH:MM:SS`` without a zone, read as Paris time.

Neither document names a time zone for DATE, ``receptionDate`` or the acks.  AllMySMS is a
French service whose examples are French numbers, so wall-clock times are taken as
Europe/Paris (an inference, documented in docs/providers/allmysms.md), through the standard
library's ``zoneinfo`` (the ``tzdata`` package provides the zone where the system has no
tz database).
"""

from __future__ import annotations

import datetime as dt

from smsbridge.plugin import parse_time, parse_zone

__all__ = ["FORMAT", "PARIS", "parse_paris", "to_paris_text"]

FORMAT = "%Y-%m-%d %H:%M:%S"
PARIS = parse_zone("Europe/Paris")


def to_paris_text(moment: dt.datetime) -> str:
    """An aware datetime as the wall-clock Paris time AllMySMS expects in DATE."""
    return moment.astimezone(PARIS).strftime(FORMAT)


def parse_paris(value: object) -> dt.datetime | None:
    """A provider date (Paris wall-clock time) as an aware datetime; ``None`` if unreadable."""
    if not isinstance(value, str):
        return None
    return parse_time(value, PARIS, formats=(FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"), iso=False)
