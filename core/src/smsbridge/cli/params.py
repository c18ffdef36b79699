"""click parameter types the commands share: schedule times, files, ``key=value`` pairs.

A file the user names is checked where click checks parameters, so that a missing input, a
report in a directory that does not exist or a text file that is not UTF-8 is a usage error
(exit 2) that names the option, never an exception from deep inside a command.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    _ScheduleBase = click.ParamType[dt.datetime]
else:  # click < 8.2 has no generic ParamType at run time
    _ScheduleBase = click.ParamType

__all__ = ["INPUT_FILE", "OUTPUT_FILE", "SCHEDULE", "OutputFile", "ScheduleType", "parse_pairs", "read_text_file"]

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

#: A file to read (``-`` for stdin): it must exist and not be a directory.
INPUT_FILE = click.Path(exists=True, dir_okay=False, readable=True, allow_dash=True, path_type=str)


class OutputFile(click.Path):
    """A file the command creates or appends to: an existing one must be writable, a new one
    needs an existing, writable directory (click's ``Path`` checks only existing files)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, writable=True, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        directory = path.parent
        if not path.exists():
            shown = f"{click.format_filename(path)!r}: the directory {str(directory)!r}"
            if not directory.is_dir():
                self.fail(f"{shown} does not exist", param, ctx)
            if not os.access(directory, os.W_OK | os.X_OK):
                self.fail(f"{shown} is not writable", param, ctx)
        return path


OUTPUT_FILE = OutputFile()


def read_text_file(stream: IO[str], param_hint: str = "--text-file") -> str:
    """The whole text of a ``click.File`` opened as UTF-8, without the final newline an editor adds."""
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        raise click.BadParameter(
            f"{click.format_filename(getattr(stream, 'name', '-'))!r} is not UTF-8 text "
            f"({exc.reason} at byte {exc.start}); save it as UTF-8",
            param_hint=param_hint,
        ) from None
    return text[:-1] if text.endswith("\n") else text


def parse_pairs(pairs: tuple[str, ...], types: dict[str, str]) -> dict[str, Any]:
    """``("count=3", "note=hi")`` -> typed values, by the operation's declared parameter types.

    Values are structured with the same converter as URL options (``yes``/``no`` for bools,
    ``a,b`` for lists), so one syntax works everywhere.
    """
    from decimal import Decimal

    from smsbridge.url_text import from_text

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
