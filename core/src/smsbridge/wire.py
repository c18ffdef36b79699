"""Helpers plugin parsers share: read a reply as JSON or XML or fail with a typed error.

Every provider parser starts the same way: is this body what the provider speaks at all?
An HTML error page, an empty or truncated body, or an HTTP 5xx becomes
``UnreadableReplyError`` with the raw reply kept, never a ``ValueError`` or ``KeyError``.
"""

from __future__ import annotations

import json
from typing import Any

from smsbridge.errors import UnreadableReplyError
from smsbridge.models import RawReply

__all__ = ["expect_ok_status", "json_body", "looks_like_html", "unreadable", "xml_body"]


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


def expect_ok_status(reply: RawReply, provider: str) -> None:
    """Raise for HTTP statuses no provider of ours answers a readable reply with."""
    if 200 <= reply.status < 300:
        return
    if reply.status == 429:
        from smsbridge.errors import RateLimitedError

        raise RateLimitedError(
            "the provider is throttling requests (HTTP 429)", provider=provider, http_status=429, raw=reply
        )
    kind = "server error" if reply.status >= 500 else "unexpected HTTP status"
    body = "an empty body" if not reply.body.strip() else ("an HTML page" if looks_like_html(reply) else "a body")
    raise unreadable(reply, provider, f"{kind} {reply.status} with {body}")


def json_body(reply: RawReply, provider: str, *, expect: type | tuple[type, ...] = dict) -> Any:
    """The reply's JSON, or ``UnreadableReplyError`` saying why not."""
    expect_ok_status(reply, provider)
    text = reply.body.strip()
    if not text:
        raise unreadable(reply, provider, "empty body")
    if looks_like_html(reply):
        raise unreadable(reply, provider, "an HTML page instead of JSON")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise unreadable(reply, provider, f"invalid or truncated JSON ({exc})") from None
    if not isinstance(data, expect):
        raise unreadable(reply, provider, f"JSON of an unexpected shape ({type(data).__name__})")
    return data


def xml_body(reply: RawReply, provider: str, **xmltodict_options: Any) -> dict[str, Any]:
    """The reply's XML as xmltodict data, or ``UnreadableReplyError``."""
    from xml.parsers.expat import ExpatError

    import xmltodict

    expect_ok_status(reply, provider)
    text = reply.body.strip()
    if not text:
        raise unreadable(reply, provider, "empty body")
    if looks_like_html(reply):
        raise unreadable(reply, provider, "an HTML page instead of XML")
    try:
        data = xmltodict.parse(text, disable_entities=True, **xmltodict_options)
    except (ExpatError, ValueError, RecursionError) as exc:
        raise unreadable(reply, provider, f"invalid or truncated XML ({exc})") from None
    if not isinstance(data, dict):
        raise unreadable(reply, provider, "XML of an unexpected shape")
    return data
