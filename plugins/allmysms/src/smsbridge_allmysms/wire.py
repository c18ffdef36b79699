"""Requests to ``https://api.allmysms.com/http/9.0/<method>/`` and the one reply mapper.

Every method takes the same form POST: ``login``, ``apiKey``, the method's own fields
(``smsData`` for sends) and ``returnformat=json``.  Every reply is mapped by ``read_reply``:
a readable body whose ``status`` is a documented error code becomes that typed error, a
number the documents do not list leaves the outcome unknown, anything unreadable becomes
``UnreadableReplyError`` with the raw reply kept, and what is left is returned for the
operation's own parser in ``results``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smsbridge.plugin import (
    Answer,
    ProviderError,
    RawReply,
    UnreadableReplyError,
    is_success,
    json_body,
    looks_like_html,
    refusal_error,
    status_error,
    unreadable,
    xml_root,
)
from smsbridge_allmysms.codes import PARTIAL, REFUSALS, SUCCESS
from smsbridge_allmysms.config import Ctx

__all__ = ["RESERVED_FIELDS", "call", "read_reply", "status_code"]

# Form fields the plugin owns; user-given extra fields may not replace them.
RESERVED_FIELDS = frozenset({"login", "apikey", "returnformat", "smsdata", "clientcode"})

# Errors come with HTTP 200 (doc); should a 4xx come with a status document, it is read too.
# A 5xx proves nothing about the request, whatever its body says.
_ERROR_STATUSES = range(400, 500)


def call(
    ctx: Ctx,
    method: str,
    fields: Mapping[str, str] | None = None,
    *,
    send_like: bool = False,
    recipients: tuple[str, ...] = (),
) -> Answer:
    """POST ``method`` and map its reply (see ``read_reply``)."""
    form = {"login": ctx.config.login, "apiKey": ctx.config.api_key, **(fields or {}), "returnformat": "json"}
    reply = ctx.http.request("POST", ctx.url(f"/{method}/"), data=form)
    return Answer(read_reply(ctx, reply, send_like=send_like, recipients=recipients), reply)


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


def _status_text(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    for key in ("statusText", "text", "message", "error"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _parse(ctx: Ctx, reply: RawReply) -> Any:
    """JSON (what ``returnformat=json`` asks for) or, if the service answered XML, its root."""
    if reply.body.lstrip()[:1] == "<" and not looks_like_html(reply):
        return xml_root(reply, ctx.provider, error_statuses=_ERROR_STATUSES)
    return json_body(reply, ctx.provider, expect=(dict, list), error_statuses=_ERROR_STATUSES)


def read_reply(ctx: Ctx, reply: RawReply, *, send_like: bool = False, recipients: tuple[str, ...] = ()) -> Any:
    """The reply's data, or the typed error it means.

    ``send_like`` (sendSms, simulateCampaign): ``status`` must be a number, 100/101/113 are
    results, a documented error code its typed error, and any other number leaves the outcome
    unknown (``UnreadableReplyError``): only a documented refusal means "not sent".  Other
    methods: ``status`` may be text (``getInfo``: "Active Account") or another success marker
    (``"OK"``, ``"1"``); a documented code is its error, an undocumented number of 102 and
    above is unreadable.

    An HTTP 4xx is read too: a documented code maps as on 200; otherwise the status decides
    (``smsbridge.plugin.status_error``: 401 authentication, 403 permission, 429 rate limit,
    others unknown), quoting AllMySMS's ``statusText``.
    """
    data = _parse(ctx, reply)
    code = status_code(data)
    if code is not None and str(code) in REFUSALS:
        raise _error(ctx, reply, code, data, recipients)
    if not is_success(reply):
        raise status_error(reply, ctx.provider, text=_status_text(data), code=None if code is None else str(code))
    if send_like:
        if code is None:
            raise unreadable(reply, ctx.provider, "no numeric status in the reply")
        if code not in SUCCESS and code != PARTIAL:
            raise _undocumented(ctx, reply, code, data, send_like=True)
    elif code is not None and code >= 102:
        raise _undocumented(ctx, reply, code, data, send_like=False)
    return data


def _undocumented(ctx: Ctx, reply: RawReply, code: int, data: Any, *, send_like: bool) -> UnreadableReplyError:
    """A status number no document lists: it may be a refusal, or not."""
    text = _status_text(data)
    hint = (
        "the message may have been sent: check delivery status before sending again"
        if send_like
        else "AllMySMS answered a status it does not document; the raw reply is kept on the error"
    )
    return UnreadableReplyError(
        f"AllMySMS status {code} is not a documented one" + (f" ({text})" if text else "") + ": the outcome is unknown",
        http_status=reply.status,
        code=str(code),
        text=text,
        raw=reply,
        hint=hint,
    )


def _error(ctx: Ctx, reply: RawReply, code: int, data: Any, recipients: tuple[str, ...]) -> ProviderError:
    text = _status_text(data)
    refusal = REFUSALS[str(code)]
    message = f"AllMySMS status {code}: {refusal.meaning}" + (f" ({text})" if text else "")
    recipient = ", ".join(recipients) or None
    return refusal_error(refusal, reply, code=str(code), text=text, message=message, recipient=recipient)
