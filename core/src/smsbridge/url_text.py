"""Typed values from URL text: ``from_text`` structures query-string values ("yes", "5",
"a,b", an ISO time) into the types a config class declares; ``structure_config`` builds a
config class from them, naming the bad option on error.
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import cattrs

__all__ = ["from_text", "structure_config", "text_converter"]


_TRUE = {"1", "yes", "true", "on", "y"}
_FALSE = {"0", "no", "false", "off", "n", ""}


def _to_bool(value: Any, _: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected yes/no, got {value!r}")


def _to_decimal(value: Any, _: Any = None) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None


def _to_datetime(value: Any, _: Any = None) -> dt.datetime:
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone: give an offset such as +00:00")
    return parsed


text_converter = cattrs.Converter()
text_converter.register_structure_hook(bool, _to_bool)
text_converter.register_structure_hook(Decimal, _to_decimal)
text_converter.register_structure_hook(dt.datetime, _to_datetime)


def _is_str_sequence(t: Any) -> bool:
    return typing.get_origin(t) in (tuple, list) and all(a in (str, Ellipsis) for a in typing.get_args(t))


def _split(value: Any, t: Any) -> Any:
    items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else list(value)
    return tuple(items) if typing.get_origin(t) is tuple else items


text_converter.register_structure_hook_func(_is_str_sequence, _split)


def from_text(value: Any, type_: Any) -> Any:
    """Structure one URL/query value into ``type_``."""
    return text_converter.structure(value, type_)


def structure_config(cls: type, values: dict[str, Any]) -> Any:
    """Build an attrs config class from strings or plain values, naming the bad field on error."""
    attrs.resolve_types(cls)
    fields = {f.name: f for f in attrs.fields(cls)}
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        field = fields[name]
        if value is None:
            kwargs[name] = None
            continue
        try:
            kwargs[name] = from_text(value, field.type)
        except Exception as exc:  # cattrs raises several kinds; the field name is what matters
            secret = bool(field.metadata.get("smsbridge_secret"))
            shown = "(hidden)" if secret else repr(value)
            raise ValueError(f"option {name!r}: cannot read {shown}: {_reason(exc)}") from None
    return cls(**kwargs)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError) and exc.exceptions:
        return _reason(exc.exceptions[0])
    return str(exc) or type(exc).__name__
