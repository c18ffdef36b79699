"""Admin operation parameters converted by their declared type, before the plugin sees them.

A provider declares each parameter of an admin operation with ``AdminParam.type``; the core
converts what the caller gave (``"5"`` for an ``int``, ``"yes"`` for a ``bool``) once, here,
and refuses what does not convert before any request.  The plugin receives typed values:

==============  ================================================================
type            what the plugin receives
==============  ================================================================
``str``         text (an integer becomes its digits)
``int``         ``int`` (from an integer or its ASCII digits, optionally signed)
``bool``        ``bool`` (the yes/no vocabulary of :mod:`smsbridge.values`)
``decimal``     a finite ``Decimal``
``datetime``    a timezone-aware ``datetime`` (or ISO 8601 text with an offset)
``list``        ``list`` (a list or tuple, or comma-separated text)
anything else   the value as given (e.g. ``mapping``: the plugin reads it)
==============  ================================================================

``None`` and ``""`` stay as given: an optional parameter left out (a required one was refused
already).  Range checks (at least 1, positive) stay with the plugin, which knows them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from smsbridge.errors import InvalidMessageError
from smsbridge.models import AdminOperation, AdminParam
from smsbridge.values import parse_bool, parse_decimal

__all__ = ["convert_admin_params", "wire_fields", "wire_text"]

_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_HINT = "`smsbridge admin --list` shows every operation and its parameters"


def convert_admin_params(
    operation: AdminOperation, params: Mapping[str, Any], *, provider: str | None = None
) -> dict[str, Any]:
    """``params`` with each declared parameter converted by its type (see the module doc).

    :raises InvalidMessageError: before any request, naming the operation and the parameter.
    """
    declared = {p.name: p for p in operation.params}
    out: dict[str, Any] = {}
    for name, value in params.items():
        param = declared.get(name)
        if param is None or value is None or value == "":
            out[name] = value
            continue
        converted = _convert(param, value)
        if converted is None:
            raise InvalidMessageError(
                f"{operation.name}: {name} {_EXPECTED.get(param.type, 'is invalid')}, not {_shown(value)}",
                provider=provider,
                before_request=True,
                hint=_HINT,
            )
        out[name] = converted
    return out


_EXPECTED = {
    "str": "must be text",
    "int": "must be a whole number",
    "bool": "must be yes or no",
    "decimal": "must be a number",
    "datetime": "must be a timezone-aware date and time",
    "list": "must be a list",
}


def _shown(value: Any) -> str:
    """The value in an error: text and numbers as given, other things by their type."""
    if isinstance(value, (str, int, float)) and len(str(value)) <= 40:
        return repr(value)
    return type(value).__name__


def _convert(param: AdminParam, value: Any) -> Any:
    """The converted value, or ``None`` when it does not convert."""
    kind = param.type
    if kind == "str":
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "int":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        return int(value.strip()) if isinstance(value, str) and _INTEGER.fullmatch(value.strip()) else None
    if kind == "bool":
        return parse_bool(value)
    if kind == "decimal":
        return parse_decimal(value)
    if kind == "datetime":
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return None
        return value if isinstance(value, dt.datetime) and value.utcoffset() is not None else None
    if kind == "list":
        if isinstance(value, (list, tuple)):
            return list(value)
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else None
    return value


def wire_text(value: Any) -> str:
    """A converted parameter as form text: yes/no as ``1``/``0``, a decimal without exponent,
    a datetime in ISO 8601, a list comma-joined, anything else as ``str()`` gives it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(map(wire_text, value))
    return str(value)


def wire_fields(params: Mapping[str, Any], names: Iterable[str], *, strip: bool = False) -> dict[str, str]:
    """The parameters of ``names`` that were given (not ``None`` or ``""``), as form fields in
    that order (``wire_text``); ``strip``: text without surrounding blanks, blank text left out."""
    fields: dict[str, str] = {}
    for name in names:
        text = wire_text(params.get(name)) if params.get(name) not in (None, "") else ""
        text = text.strip() if strip else text
        if text:
            fields[name] = text
    return fields
