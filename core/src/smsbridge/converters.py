"""cattrs converters, kept apart from the models.

``to_dict`` turns any result model into plain JSON-ready data (Decimal and datetime as ISO
strings, enums as their values, raw replies dropped unless asked for).  ``from_text`` structures
URL query strings ("yes", "5", "a,b") into the types a config class declares.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import cattrs

__all__ = ["from_text", "json_converter", "structure_config", "to_dict"]

json_converter = cattrs.Converter()
json_converter.register_unstructure_hook(Decimal, str)
json_converter.register_unstructure_hook(dt.datetime, lambda d: d.isoformat())
json_converter.register_unstructure_hook(bytes, lambda b: b.decode("utf-8", "replace"))
json_converter.register_unstructure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda e: e.value
)


def to_dict(obj: Any, *, raw: bool = False) -> Any:
    """Plain data for JSON.  Raw replies are left out unless ``raw=True``."""
    data = json_converter.unstructure(obj)
    if not raw:
        _drop_raw(data)
    return data


def _drop_raw(data: Any) -> None:
    if isinstance(data, dict):
        data.pop("raw", None)
        for value in data.values():
            _drop_raw(value)
    elif isinstance(data, list):
        for value in data:
            _drop_raw(value)


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
