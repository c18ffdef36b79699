"""Helpers plugin parsers share: read a reply as JSON or XML or fail with a typed error.

Every provider parser starts the same way: is this body what the provider speaks at all?
An HTML error page, an empty or truncated body, or an HTTP 5xx becomes
``UnreadableReplyError`` with the raw reply kept, never a ``ValueError`` or ``KeyError``.

Non-2xx replies: many providers answer a refusal with HTTP 4xx and their own error document
(``401 {"error": "bad key"}``).  ``json_body``/``xml_body`` read such a body when its status is
listed in ``error_statuses``; the plugin maps the provider's code as it does on 200, then calls
``expect_ok_status`` (or raises ``status_error``) for what is left.  A status says by itself:

========  ===========================  =========
HTTP      error                        outcome
========  ===========================  =========
401       ``AuthenticationError``      NOT_SENT
403       ``PermissionDeniedError``    NOT_SENT
429       ``RateLimitedError``         NOT_SENT
other     ``UnreadableReplyError``     UNKNOWN
========  ===========================  =========

Every such error carries the provider's own words (``text``): a short plain-text body as it
came, or what the plugin read from the error document.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from smsbridge.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProviderError,
    RateLimitedError,
    UnreadableReplyError,
)
from smsbridge.models import RawReply

__all__ = [
    "error_text",
    "expect_ok_status",
    "is_success",
    "json_body",
    "looks_like_html",
    "status_error",
    "unreadable",
    "xml_body",
]

#: the longest provider message an error quotes
MAX_ERROR_TEXT = 200


def unreadable(reply: RawReply, provider: str, why: str) -> UnreadableReplyError:
    """Build (not raise) the unreadable-reply error for ``reply``."""
    return UnreadableReplyError(
        f"unreadable reply: {why}",
        provider=provider,
        http_status=reply.status,
        raw=reply,
    )


def looks_like_html(reply: RawReply) -> bool:
    head = reply.body.lstrip()[:200].lower()
    return "text/html" in reply.content_type.lower() or head.startswith(("<!doctype html", "<html"))


def is_success(reply: RawReply) -> bool:
    """HTTP 2xx."""
    return 200 <= reply.status < 300


def error_text(reply: RawReply) -> str | None:
    """The body as the provider's own message: one line, at most ``MAX_ERROR_TEXT`` characters.

    ``None`` for an empty body or an HTML page (a proxy's page says nothing about the provider).
    """
    text = " ".join(reply.body.split())
    if not text or looks_like_html(reply):
        return None
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 3] + "..."


def status_error(reply: RawReply, provider: str, *, text: str | None = None, code: str | None = None) -> ProviderError:
    """The typed error a non-2xx status means by itself (built, not raised); see the module doc.

    ``text`` is the provider's own message, read from its error document by the plugin; by
    default the body itself when it is short plain text (``error_text``).  ``code`` is the
    provider's code, when its document had one the plugin does not know.
    """
    status = reply.status
    said = text if text is not None else error_text(reply)
    quoted = f": {said}" if said else ""
    kwargs: dict[str, Any] = {"provider": provider, "http_status": status, "code": code, "text": said, "raw": reply}
    if status == 401:
        return AuthenticationError(f"the provider refused the credentials (HTTP 401){quoted}", **kwargs)
    if status == 403:
        return PermissionDeniedError(f"the provider refused the request (HTTP 403 Forbidden){quoted}", **kwargs)
    if status == 429:
        return RateLimitedError(f"the provider is throttling requests (HTTP 429){quoted}", **kwargs)
    kind = "server error" if status >= 500 else "unexpected HTTP status"
    if said:
        body = f"the provider said {said!r}"
    elif reply.body.strip():
        body = "an HTML page"
    else:
        body = "an empty body"
    return UnreadableReplyError(f"unreadable reply: {kind} {status} with {body}", **kwargs)


def expect_ok_status(reply: RawReply, provider: str, *, text: str | None = None) -> None:
    """Raise ``status_error`` for a non-2xx reply; ``text``: the provider's message, if read."""
    if not is_success(reply):
        raise status_error(reply, provider, text=text)


def _readable(reply: RawReply, provider: str, error_statuses: Collection[int], kind: str) -> str:
    """The stripped body of a reply worth parsing, or the status error."""
    if not is_success(reply) and reply.status not in error_statuses:
        raise status_error(reply, provider)
    text = reply.body.strip()
    if not text:
        raise unreadable(reply, provider, "empty body")
    if looks_like_html(reply):
        raise unreadable(reply, provider, f"an HTML page instead of {kind}")
    return text


def json_body(
    reply: RawReply,
    provider: str,
    *,
    expect: type | tuple[type, ...] = dict,
    error_statuses: Collection[int] = (),
) -> Any:
    """The reply's JSON, or ``UnreadableReplyError`` saying why not.

    ``error_statuses``: non-2xx statuses whose body is the provider's error document (e.g.
    ``range(400, 500)``).  Such a body is returned like a 2xx one: map its code, then call
    ``expect_ok_status``.  When it cannot be read, the status decides (``status_error``): a
    401 with an HTML page is still an ``AuthenticationError``.
    """
    try:
        text = _readable(reply, provider, error_statuses, "JSON")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise unreadable(reply, provider, f"invalid or truncated JSON ({exc})") from None
        if not isinstance(data, expect):
            raise unreadable(reply, provider, f"JSON of an unexpected shape ({type(data).__name__})")
    except UnreadableReplyError:
        if not is_success(reply):
            raise status_error(reply, provider) from None
        raise
    return data


def xml_body(
    reply: RawReply, provider: str, *, error_statuses: Collection[int] = (), **xmltodict_options: Any
) -> dict[str, Any]:
    """The reply's XML as xmltodict data, or ``UnreadableReplyError`` (``error_statuses``: see ``json_body``)."""
    from xml.parsers.expat import ExpatError

    import xmltodict

    try:
        text = _readable(reply, provider, error_statuses, "XML")
        try:
            data = xmltodict.parse(text, disable_entities=True, **xmltodict_options)
        except (ExpatError, ValueError, RecursionError) as exc:
            raise unreadable(reply, provider, f"invalid or truncated XML ({exc})") from None
        if not isinstance(data, dict):
            raise unreadable(reply, provider, "XML of an unexpected shape")
    except UnreadableReplyError:
        if not is_success(reply):
            raise status_error(reply, provider) from None
        raise
    return data
