"""The time frames of a playSMS server: which zone each operation's zone-less times are in.

playSMS stores times as "GMT+0" by subtracting its *default timezone* setting
(``gateway_timezone``, ``+0700`` on a fresh install) from the PHP clock's wall time
(``core_adjust_datetime``).  That is true UTC only when PHP's ``date.timezone`` and the setting
agree; and some paths subtract it twice.  What a playSMS 1.4.8 server really does (read in its
source, measured on a loopback server with PHP on UTC and the setting at ``+0700``):

============  ===============================================  ==================
operation     what the zone-less text is                       frame (``shifts``)
============  ===============================================  ==================
``schedule``  read by the server as PHP-clock wall time         clock (0)
``in``/``sx`` PHP-clock wall time (injected, dev gateway)       clock (0)
``ds``        PHP clock minus the setting                       clock - gw (1)
``ix``        PHP clock minus the setting twice                 clock - 2 gw (2)
============  ===============================================  ==================

With PHP on UTC and the setting at +0700, ``ds`` times are therefore 7 h behind true UTC and
``ix`` times 14 h; with both at +07:00, ``ds`` is true UTC.  A playSMS user with a time zone of
its own (``accountconf data_datetime_timezone``) moves its ``schedule`` by (own - setting);
smsbridge assumes the user has none.  playSMS reads a negative setting as ``+0000``
(``core_datetime_offset`` returns 0 below zero); so does this module.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import attrs

from smsbridge.plugin import parse_offset, parse_zone

__all__ = ["FRAMES", "ServerClock", "server_clock"]

#: how many times the server subtracted its ``gateway_timezone`` from the PHP clock
FRAMES: dict[str, int] = {"schedule": 0, "in": 0, "sx": 0, "ds": 1, "ix": 2}

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")


def _effective(offset: dt.timedelta) -> dt.timedelta:
    return max(offset, dt.timedelta(0))  # core_datetime_offset: below zero reads as zero


@attrs.frozen
class ServerClock:
    """The PHP clock's zone and the (effective) ``gateway_timezone`` offset of one server."""

    zone: dt.tzinfo
    gateway: dt.timedelta = attrs.field(converter=_effective)

    def read(self, value: Any, op: str) -> dt.datetime | None:
        """A ``YYYY-MM-DD hh:mm:ss`` text of ``op``'s frame as an aware datetime; zero or junk dates -> None."""
        match = _TIME.match(value.strip()) if isinstance(value, str) else None
        if not match:
            return None
        try:
            year, month, day, hour, minute, second = (int(p or 0) for p in match.groups())
            naive = dt.datetime(year, month, day, hour, minute, second)
            return (naive + FRAMES[op] * self.gateway).replace(tzinfo=self.zone)
        except (ValueError, OverflowError):
            return None

    def schedule(self, when: dt.datetime) -> str:
        """``when`` as the ``schedule`` text the server reads (its PHP clock's wall time)."""
        return when.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")


@functools.lru_cache(maxsize=64)
def server_clock(timezone: str, gateway_timezone: str) -> ServerClock:
    """The clock of a server with these two settings (built once: reports read it per row)."""
    return ServerClock(zone=parse_zone(timezone), gateway=parse_offset(gateway_timezone))
