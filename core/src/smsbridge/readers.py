"""Reading the shape of provider data: lists however wrapped, numbers however written, texts by key.

JSON and XML replies (XML read by ``xmltodict``) give the same data different shapes: a list
is ``[{...}, {...}]`` in JSON, but ``{"item": [...]}``, or a single ``{...}`` when the XML has
one element, or nothing at all when it has none.  Numbers come as ``"336..."``, ``"+336..."``,
``"00336..."`` or JSON numbers; the text a plugin wants sits under one of several keys.  Every
plugin needs these readings, and one of each lives here.  Readers never raise on odd data:
they answer an empty result (or ``None``) and the plugin decides whether that is unreadable.
Nesting is followed to a bounded depth, so hostile data cannot exhaust the stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from smsbridge.models import CallbackRequest, RawReply
from smsbridge.replies import unreadable, xml_body
from smsbridge.values import text_of

__all__ = [
    "callback_items",
    "first_text",
    "list_of",
    "numbers_in",
    "objects_of",
    "phone_digits",
    "records_of",
    "texts_of",
    "unxml",
    "xml_root",
]

#: how deep ``objects_of`` and ``numbers_in`` follow nested wrappers
MAX_DEPTH = 6
_SPLIT = re.compile(r"[\s,;|]+")
#: the keys ``numbers_in`` reads a number from, in an object of a number list
NUMBER_KEYS = ("phoneNumber", "MOBILEPHONE", "number", "msisdn")


def objects_of(node: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The objects of a list, whatever the wrapping.

    ``[{...}, {...}]`` gives its objects; an object holding a scalar value is one entry
    (``{...}``: xmltodict's reading of a single element); an object of containers only is a
    wrapper (``{"item": [...]}``), whose values are read in turn.  Anything else is no object.
    """
    if depth > MAX_DEPTH:
        return []
    if isinstance(node, list):
        return [item for item in node if isinstance(item, dict)]
    if isinstance(node, dict):
        if any(not isinstance(v, (dict, list)) for v in node.values()):
            return [node]
        return [item for v in node.values() for item in objects_of(v, depth + 1)]
    return []


def list_of(value: Any) -> list[Any] | None:
    """A list that XML may give as a single mapping: ``None`` or ``{}`` -> ``[]``, ``{...}`` ->
    ``[{...}]``, a list as it is; ``None`` when the value is no list at all (a text, a number)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value] if value else []
    return None


def records_of(value: Any) -> list[Mapping[str, Any]] | None:
    """``list_of(value)`` when every member is a mapping (a list of rows); else ``None``."""
    rows = list_of(value)
    if rows is None or not all(isinstance(r, Mapping) for r in rows):
        return None
    return rows


def unxml(node: Any, item: str = "item") -> Any:
    """xmltodict data in the shape the JSON of the same reply has.

    Attributes (``@name``) are dropped, an element holding only text is that text, and an
    element holding only ``<item>`` runs (``item``) is the list of them.  Deep nesting raises
    ``RecursionError``: the caller turns it into an unreadable reply.
    """
    if isinstance(node, list):
        return [unxml(v, item) for v in node]
    if not isinstance(node, dict):
        return node
    keys = [k for k in node if not k.startswith("@")]
    if keys == ["#text"]:
        return node["#text"]
    if keys == [item]:
        return [unxml(v, item) for v in list_of(node[item]) or []]
    return {k: unxml(node[k], item) for k in keys if k != "#text"}


def xml_root(
    reply: RawReply, provider: str, *, item: str | None = None, error_statuses: Collection[int] = (), **options: Any
) -> dict[str, Any]:
    """The children of an XML reply's root element, by name (``xml_body``; ``options`` go to
    xmltodict).  With ``item``, in the shape the JSON of the same reply has (``unxml``).

    :raises UnreadableReplyError: for no XML, a root without children, or nesting too deep.
    """
    document = xml_body(reply, provider, error_statuses=error_statuses, **options)
    root = next(iter(document.values())) if len(document) == 1 else document
    try:
        root = unxml(root, item) if item is not None else root
    except RecursionError:
        raise unreadable(reply, provider, "XML nested too deeply") from None
    if not isinstance(root, dict):
        raise unreadable(reply, provider, "XML without a root element holding fields")
    return root


def phone_digits(value: Any) -> str | None:
    """``"336XXXXXXXX"``, ``"+336..."``, ``"00336..."`` or a JSON number -> ``"336..."``.

    ASCII digits only (an international ``00`` dropped); ``None`` for no digits, booleans and
    anything that is neither text nor a whole number.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    digits = "".join(ch for ch in str(value) if ch.isascii() and ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    return digits or None


def numbers_in(node: Any, keys: Iterable[str] = NUMBER_KEYS, depth: int = 0) -> set[str]:
    """The numbers (``phone_digits``) a list of numbers holds, however it is written.

    ``""``, ``"336..,337.."`` (split at blanks, ``,``, ``;``, ``|``), a number, a list, or
    objects whose number is under one of ``keys`` (other objects are searched whole).
    """
    if depth > MAX_DEPTH:
        return set()
    keys = tuple(keys)
    if isinstance(node, str):
        return {d for d in (phone_digits(part) for part in _SPLIT.split(node)) if d}
    if isinstance(node, int) and not isinstance(node, bool):
        return {str(node)}
    if isinstance(node, list):
        return {n for item in node for n in numbers_in(item, keys, depth + 1)}
    if isinstance(node, dict):
        for key in keys:
            if key in node:
                return numbers_in(node[key], keys, depth + 1)
        return {n for v in node.values() for n in numbers_in(v, keys, depth + 1)}
    return set()


def first_text(data: Any, keys: Iterable[str]) -> str | None:
    """The first non-blank text (``text_of``) under one of ``keys``; ``None`` when none has one
    or ``data`` is no mapping."""
    if isinstance(data, Mapping):
        for key in keys:
            text = text_of(data.get(key))
            if text:
                return text
    return None


def texts_of(data: Mapping[str, Any], keys: Iterable[str]) -> dict[str, str]:
    """``{key: text}`` for each of ``keys`` whose value has a text (``text_of``), in that order."""
    out = {}
    for key in keys:
        value = text_of(data.get(key))
        if value is not None:
            out[key] = value
    return out


def callback_items(request: CallbackRequest) -> list[dict[str, Any]]:
    """A webhook request's entries: its query and form fields, with a JSON body read on top.

    A JSON object is one entry, a JSON list one entry a member object (query and form fields
    under each); a form body that was not decoded as a form is read as one; any other body
    adds nothing.
    """
    fields: dict[str, Any] = {**request.query, **request.form}
    body = request.body.decode("utf-8", "replace").strip() if isinstance(request.body, bytes) else ""
    if body.startswith(("{", "[")):
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            return [{**fields, **parsed}]
        if isinstance(parsed, list):
            return [{**fields, **item} for item in parsed if isinstance(item, dict)]
    elif body and "=" in body and not request.form:
        fields.update(dict(parse_qsl(body, keep_blank_values=True)))
    return [fields]
