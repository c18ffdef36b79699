"""Requests to ``https://api.allmysms.com/http/9.0/<method>/`` and the one reply mapper.

Every method takes the same form POST: ``login``, ``apiKey``, the method's own fields
(``smsData`` for sends) and ``returnformat=json``.  Every reply is mapped by ``read_reply``:
a readable body whose ``status`` is a documented error code becomes that typed error,
anything unreadable becomes ``UnreadableReplyError`` with the raw reply kept, and what is
left is returned for the operation's own parser in ``results``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from smsbridge.errors import (
    InvalidRecipientError,
    ProviderError,
    RejectedError,
    UnreadableReplyError,
)
from smsbridge.models import RawReply
from smsbridge.wire import expect_ok_status, json_body, looks_like_html, unreadable, xml_body
from smsbridge_allmysms.codes import ERRORS, PARTIAL, SUCCESS

__all__ = ["RESERVED_FIELDS", "call", "read_reply", "status_code", "text_of"]

# Form fields the plugin owns; user-given extra fields may not replace them.
RESERVED_FIELDS = frozenset({"login", "apikey", "returnformat", "smsdata", "clientcode"})


def call(
    ctx: Any,
    method: str,
    fields: Mapping[str, str] | None = None,
    *,
    send_like: bool = False,
    recipients: tuple[str, ...] = (),
) -> tuple[RawReply, Any]:
    """POST ``method`` and map its reply (see ``read_reply``)."""
    form = {"login": ctx.config.login, "apiKey": ctx.config.api_key, **(fields or {}), "returnformat": "json"}
    reply = ctx.http.request("POST", ctx.url(f"/{method}/"), data=form)
    return reply, read_reply(ctx, reply, send_like=send_like, recipients=recipients)


def status_code(data: Any) -> int | None:
    """``status`` as an integer when it is one (``100``, ``"100"``, ``100.0``), else ``None``."""
    if not isinstance(data, dict):
        return None
    value = data.get("status")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) < 10:
            return int(text)
    return None


def text_of(value: Any) -> str | None:
    """A scalar reply value as text (``"15"``, ``15`` -> ``"15"``); containers and null -> None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _status_text(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    for key in ("statusText", "text", "message", "error"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _parse(ctx: Any, reply: RawReply) -> Any:
    """JSON (what ``returnformat=json`` asks for) or, if the service answered XML, its root."""
    if reply.body.lstrip()[:1] == "<" and not looks_like_html(reply):
        document = xml_body(reply, ctx.provider)
        if len(document) != 1:
            raise unreadable(reply, ctx.provider, "XML with no single root element")
        root = next(iter(document.values()))
        if not isinstance(root, dict):
            raise unreadable(reply, ctx.provider, "XML root element without children")
        return root
    return json_body(reply, ctx.provider, expect=(dict, list))


def read_reply(ctx: Any, reply: RawReply, *, send_like: bool = False, recipients: tuple[str, ...] = ()) -> Any:
    """The reply's data, or the typed error it means.

    ``send_like`` (sendSms, simulateCampaign): ``status`` must be a number, 100/101/113 are
    results, every other number is an error.  Other methods: ``status`` may be text
    (``getInfo``: "Active Account") or another success marker (``"OK"``, ``"1"``); only a
    number of 102 and above is an error there.

    A non-2xx reply is read too, in case it carries a documented error code; otherwise it is
    unreadable (or rate limited for HTTP 429).
    """
    http_ok = 200 <= reply.status < 300
    try:
        data = _parse(ctx, reply if http_ok else attrs.evolve(reply, status=200))
    except UnreadableReplyError:
        if not http_ok:
            expect_ok_status(reply, ctx.provider)
        raise
    code = status_code(data)
    if code is not None and code in ERRORS:
        raise _error(ctx, reply, code, data, recipients)
    if not http_ok:
        expect_ok_status(reply, ctx.provider)
    if send_like:
        if code is None:
            raise unreadable(reply, ctx.provider, "no numeric status in the reply")
        if code not in SUCCESS and code != PARTIAL:
            raise _error(ctx, reply, code, data, recipients)
    elif code is not None and code >= 102:
        raise _error(ctx, reply, code, data, recipients)
    return data


def _error(ctx: Any, reply: RawReply, code: int, data: Any, recipients: tuple[str, ...]) -> ProviderError:
    text = _status_text(data)
    cls, meaning, hint = ERRORS.get(code, (RejectedError, "the request was refused", None))
    message = f"AllMySMS status {code}: {meaning}" + (f" ({text})" if text else "")
    kwargs: dict[str, Any] = {
        "provider": ctx.provider,
        "http_status": reply.status,
        "code": str(code),
        "text": text,
        "raw": reply,
    }
    if hint is not None:
        kwargs["hint"] = hint
    if issubclass(cls, InvalidRecipientError):
        return cls(message, recipient=", ".join(recipients) or None, **kwargs)
    return cls(message, **kwargs)
