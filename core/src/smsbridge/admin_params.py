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
from urllib.parse import parse_qsl

from smsbridge.errors import InvalidMessageError, UnsupportedOperationError
from smsbridge.models import AdminOperation, AdminParam
from smsbridge.values import parse_bool, parse_decimal

__all__ = ["admin_error", "convert_admin_params", "find_operation", "form_pairs", "wire_fields", "wire_text"]

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


def wire_fields(
    params: Mapping[str, Any], names: Iterable[str], *, strip: bool = False, operation: str | None = None
) -> dict[str, str]:
    """The parameters of ``names`` that were given (not ``None`` or ``""``), as form fields in
    that order (``wire_text``); ``strip``: text without surrounding blanks, blank text left out.

    :raises InvalidMessageError: with ``operation`` (and ``strip``), for a given parameter whose
        text is blank, instead of leaving it out (``admin_error``).
    """
    fields: dict[str, str] = {}
    for name in names:
        given = params.get(name) not in (None, "")
        text = wire_text(params.get(name)) if given else ""
        text = text.strip() if strip else text
        if text:
            fields[name] = text
        elif given and operation is not None:
            raise admin_error(operation, f"{name} must be a non-empty text")
    return fields


def find_operation(operations: Iterable[AdminOperation], name: str, *, provider: str) -> AdminOperation:
    """The operation of ``operations`` called ``name``.

    :raises UnsupportedOperationError: ``"<provider> has no operation 'name'"``.
    """
    for operation in operations:
        if operation.name == name:
            return operation
    raise UnsupportedOperationError(f"{provider} has no operation {name!r}")


def admin_error(operation: str, text: str) -> InvalidMessageError:
    """The error for a parameter of ``operation`` the plugin refuses itself (a range, a
    combination): ``"<operation>: <text>"``, before any request, with the same hint as the
    core's own parameter refusals (built, not raised)."""
    return InvalidMessageError(f"{operation}: {text}", before_request=True, hint=_HINT)


def form_pairs(operation: str, name: str, value: Any) -> dict[str, str]:
    """Parameter ``name`` given as form fields, a mapping or ``"name=value&name2=value2"``, as
    ``{field: text}`` (values by ``wire_text``: yes/no as ``1``/``0``).

    :raises InvalidMessageError: (``admin_error``) for anything else, an empty field name, or
        a value that is neither text nor a number (``None``, a list, a mapping).
    """
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        try:
            if isinstance(value, str):
                pairs = list(parse_qsl(value, keep_blank_values=True, strict_parsing=True))
        except ValueError:
            pass
        if not pairs:
            raise admin_error(operation, f"{name} must be a mapping or 'name=value&name2=value2'")
    out: dict[str, str] = {}
    for key, item in pairs:
        field = str(key)
        if not field or item is None or isinstance(item, (dict, list)):
            raise admin_error(operation, f"{name}: {field!r} must be a non-empty name with a text or a number")
        out[field] = wire_text(item)
    return out
