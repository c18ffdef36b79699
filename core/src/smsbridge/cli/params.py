"""click parameter types the commands share: schedule times and ``key=value`` pairs."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    _ScheduleBase = click.ParamType[dt.datetime]
else:  # click < 8.2 has no generic ParamType at run time
    _ScheduleBase = click.ParamType

__all__ = ["SCHEDULE", "ScheduleType", "parse_pairs"]

_RELATIVE = re.compile(r"^\+(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ScheduleType(_ScheduleBase):
    """``--at``: an ISO 8601 time (a time without offset is local time) or ``+30m``/``+2h``/``+1d``.

    The core wants a timezone-aware datetime; people type local times.  Converting here keeps
    the core strict and the command line friendly.
    """

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.astimezone()
        text = str(value).strip()
        match = _RELATIVE.match(text)
        if match:
            delta = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
            return dt.datetime.now(dt.timezone.utc) + delta
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            self.fail(f"{text!r} is not a time: use e.g. 2030-01-31T09:00, 2030-01-31T09:00+01:00 or +30m", param, ctx)
        return parsed if parsed.tzinfo else parsed.astimezone()


SCHEDULE = ScheduleType()


def parse_pairs(pairs: tuple[str, ...], types: dict[str, str]) -> dict[str, Any]:
    """``("count=3", "note=hi")`` -> typed values, by the operation's declared parameter types.

    Values are structured with the same converter as URL options (``yes``/``no`` for bools,
    ``a,b`` for lists), so one syntax works everywhere.
    """
    from decimal import Decimal

    from smsbridge.converters import from_text

    python_types: dict[str, Any] = {
        "str": str,
        "int": int,
        "bool": bool,
        "decimal": Decimal,
        "datetime": dt.datetime,
        "list": list[str],
    }
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not key=value", param_hint="PARAMS")
        if key in params:
            raise click.BadParameter(f"{key!r} is given twice", param_hint="PARAMS")
        wanted = python_types.get(types.get(key, "str"), str)
        try:
            params[key] = from_text(value, wanted)
        except Exception as exc:  # cattrs raises several kinds; the parameter name is what matters
            # the value itself is not repeated: an admin parameter may be a password
            raise click.BadParameter(f"{key}: expected a {types.get(key)} ({exc})", param_hint="PARAMS")
    return params
