"""JSON-ready output: ``to_dict`` turns any result model into plain data.

Decimal and datetime become ISO strings, enums their values, bytes text; raw replies are
dropped unless asked for (what the CLI's ``--json`` and the receiver print).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import cattrs

__all__ = ["json_converter", "to_dict"]

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
