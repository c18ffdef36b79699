"""Requests to JorMall and THE mapping from its replies to values or typed errors.

What JorMall really answers (REFERENCE.md, JorMall): a sentence with HTTP 200 whatever the
outcome.  The ASMX routes wrap it in an ASP.NET ``<string xmlns="http://tempuri.org/">``
element with a CRLF before ``MsgID``; GetBalance answers a JSON string (``"9994"``); the REST
and ``.cfm`` routes are read as bare text (their exact wrapping is UNKNOWN, so all three forms
are accepted everywhere).  Anything else is ``UnreadableReplyError`` with the raw reply kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from smsbridge.plugin import (
    MAX_ERROR_TEXT,
    AuthenticationError,
    InvalidMessageError,
    ProviderError,
    RawReply,
    Refusal,
    RejectedError,
    before_request,
    refusal_error,
    status_error,
    unreadable,
)
from smsbridge_jormall.codes import ACCEPTED, REFUSALS, match_phrase

__all__ = [
    "BULK_TIMEOUT",
    "Expect",
    "bulk_fields",
    "interpret",
    "msgs_document",
    "msgs_fields",
    "parse_balance",
    "reply_text",
    "single_fields",
]

#: the ``requesttimeout`` field as the document's gateway link and every observed client send it
BULK_TIMEOUT = ("requesttimeout", "5000000")

Expect = Literal["msgid", "balance", "token"]

_BEARER = re.compile(r"Bearer\s+(\S+)", re.IGNORECASE)
# ASCII digits only: "٣" or "²" are digits to Python, not to JorMall
_NUMBER = re.compile(r"[+-]?[0-9]{1,18}(?:\.[0-9]{1,6})?")
# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---------------------------------------------------------------------------- requests


def single_fields(
    *, number: str, text: str, sender: str, client_ref: str, login: tuple[str, str] | None = None
) -> list[tuple[str, str]]:
    """SendSMS fields: ``senderid, numbers, msg, id`` (+ ``AccName, AccPass`` on the older routes).

    ``login`` (account name and password) is for the older password routes.  ``id`` is
    always present: the document says to pass it as an empty string when unused, and
    smsbridge always has one (it de-duplicates retries).
    """
    return [("senderid", sender), ("numbers", number), *_login(login), ("msg", text), ("id", client_ref)]


def bulk_fields(
    *, numbers: Sequence[str], text: str, sender: str, login: tuple[str, str] | None = None
) -> list[tuple[str, str]]:
    """SendBulkMessages(3).cfm query: comma-joined numbers (at most 120), one text."""
    return [("numbers", ",".join(numbers)), ("senderid", sender), *_login(login), ("msg", text), BULK_TIMEOUT]


def _login(login: tuple[str, str] | None) -> list[tuple[str, str]]:
    return [("AccName", login[0]), ("AccPass", login[1])] if login else []


def msgs_document(items: Sequence[tuple[str, str]]) -> str:
    """The ``msgs`` DocumentElement: one ``<msg>`` per (wire number, text), as the document shows.

    Built with xmltodict so ``<``, ``&`` and ``]]>`` are escaped and come back unchanged on
    the other side; a CR is written ``&#13;`` because XML parsers would otherwise turn CRLF
    into LF.  A character XML cannot carry at all (most C0 controls) is refused before any
    request.
    """
    import xmltodict

    for _, text in items:
        bad = _NOT_XML.search(text)
        if bad:
            raise before_request(
                InvalidMessageError,
                f"the text holds the control character U+{ord(bad.group()):04X}, which the per-recipient "
                "(msgs) form cannot carry",
            )
    document = {
        "DocumentElement": {
            "msg": [
                {"SMS_ID": str(index), "SMS_BODY": text, "MOBILE_PHONE": number, "BULK_ID": "1"}
                for index, (number, text) in enumerate(items, start=1)
            ]
        }
    }
    xml = xmltodict.unparse(document, full_document=False)
    return xml.replace("\r", "&#13;")


def msgs_fields(*, numbers: Sequence[str], sender: str, document: str) -> list[tuple[str, str]]:
    """The document's per-recipient form: ``numbers`` (each followed by a comma), ``senderid``, ``msgs``."""
    return [("numbers", "".join(f"{n}," for n in numbers)), ("senderid", sender), ("msgs", document)]


# ---------------------------------------------------------------------------- replies


def reply_text(reply: RawReply, provider: str) -> str:
    """The sentence inside a reply: unwrapped from ``<string>`` or a JSON string, else as is."""
    body = reply.body.strip().lstrip("\ufeff").strip()
    if not body:
        raise unreadable(reply, provider, "empty body")
    if _html_page(body):
        raise unreadable(reply, provider, "an HTML page instead of a JorMall answer")
    if body.startswith("<"):
        return _xml_string(reply, body, provider)
    if body.startswith('"'):
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise unreadable(reply, provider, "a truncated or malformed quoted string") from None
        if not isinstance(value, str):
            raise unreadable(reply, provider, "a quoted value that is not a string")
        return value
    return body


def _html_page(body: str) -> bool:
    """An HTML page by its body, not its Content-Type.

    The ``.cfm`` routes are ColdFusion pages, whose default Content-Type is ``text/html`` even
    for a bare ``MsgID = n`` (the real Content-Type of every reply is UNKNOWN), so the header
    alone proves nothing.
    """
    head = body[:512].lower()
    return head.startswith(("<!doctype", "<html")) or any(tag in head for tag in ("<html", "<body", "<head", "<title"))


def _xml_string(reply: RawReply, body: str, provider: str) -> str:
    from xml.parsers.expat import ExpatError

    import xmltodict

    try:
        data = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError, RecursionError) as exc:
        raise unreadable(reply, provider, f"invalid or truncated XML ({exc})") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise unreadable(reply, provider, "XML of an unexpected shape")
    ((name, value),) = data.items()
    if str(name).rpartition(":")[2] != "string":
        raise unreadable(reply, provider, f"XML element <{name}> instead of an ASMX <string>")
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        children = [k for k in value if not str(k).startswith("@")]
        text = value.get("#text")
        if children in ([], ["#text"]) and (text is None or isinstance(text, str)):
            return text or ""
    raise unreadable(reply, provider, "an ASMX <string> element with unexpected content")


def interpret(
    reply: RawReply,
    *,
    provider: str,
    expect: Expect,
    recipient: str | None = None,
    bulk: bool = False,
) -> str:
    """THE mapping of a JorMall reply: the expected value, or the typed error the reply states.

    :param expect: ``msgid`` (sends: the digits of ``MsgID = n``), ``balance`` (the number of
        GetBalance, as text), ``token`` (from the ``Bearer <token>`` line of the token routes).
    :param recipient: the E.164 number of a single send, named by an invalid-number error.
    :param bulk: a bulk request: "duplicate id" then means "nothing sent by this request"
        (a bulk request is never a retry with an id), not "accepted earlier".
    :raises ProviderError: a typed subclass for each known refusal text (HTTP 2xx or 4xx);
        ``AuthenticationError`` for HTTP 401/403 without one (a refused token is renewed on
        that); ``RateLimitedError`` for HTTP 429; ``UnreadableReplyError`` for anything else
        (HTTP 1xx/3xx/5xx whatever the body says, HTML, empty or truncated bodies, unknown
        texts).  Every error quotes JorMall's own words.
    """
    status = reply.status
    if status >= 500 or 300 <= status < 400 or status < 200:
        # a server error proves nothing about the message, whatever the body says
        raise status_error(reply, provider, text=_said(reply, provider))
    if status == 429:
        raise status_error(reply, provider, text=_said(reply, provider))
    try:
        raw_text = reply_text(reply, provider)
    except ProviderError:
        if status in (401, 403):
            raise _auth_status(reply, provider, None) from None
        raise
    text = " ".join(raw_text.split())
    if 200 <= status < 300:
        found = _expected(raw_text, text, expect)
        if found is not None:
            return found
    code = match_phrase(text)
    if code is not None:
        raise _refusal(code, text, reply, provider, recipient=recipient, bulk=bulk)
    if status in (401, 403):
        raise _auth_status(reply, provider, text)
    if not 200 <= status < 300:
        raise status_error(reply, provider, text=text or None)
    wanted = {"msgid": "'MsgID = n'", "balance": "a balance", "token": "a 'Bearer <token>' line"}[expect]
    raise unreadable(reply, provider, f"neither {wanted} nor a known JorMall error text")


def _said(reply: RawReply, provider: str) -> str | None:
    """JorMall's words in any reply (unwrapped when it can be), for an error to quote."""
    try:
        text = " ".join(reply_text(reply, provider).split())
    except ProviderError:
        return None
    return text[:MAX_ERROR_TEXT] or None


def _expected(raw_text: str, text: str, expect: Expect) -> str | None:
    if expect == "msgid":
        match = ACCEPTED.fullmatch(text)
        return match.group(1) if match else None
    if expect == "balance":
        return text if _NUMBER.fullmatch(text) else None
    for line in raw_text.splitlines():
        match = _BEARER.fullmatch(line.strip())
        if match:
            return match.group(1)
    return None


def _auth_status(reply: RawReply, provider: str, text: str | None) -> ProviderError:
    """HTTP 401/403: the credentials or the token were refused (nothing was sent).

    Not the core's ``PermissionDeniedError`` for 403: JorMall's statuses are not documented,
    and a refused token must be renewed whichever of the two it answers.
    """
    said = f" (JorMall: {text!r})" if text else ""
    message = f"JorMall refused the credentials or token (HTTP {reply.status}){said}"
    refusal = Refusal(AuthenticationError, "")
    return refusal_error(refusal, reply, code=f"http_{reply.status}", text=text, message=message, provider=provider)


def _refusal(
    code: str, text: str, reply: RawReply, provider: str, *, recipient: str | None, bulk: bool
) -> ProviderError:
    refusal = REFUSALS[code]
    message = f"{refusal.meaning} (JorMall: {text!r})"
    if code == "duplicate_id" and bulk:  # a bulk request is never a retry: nothing of it was sent
        refusal, message = Refusal(RejectedError, ""), f"JorMall ignored the request as a duplicate (JorMall: {text!r})"
    return refusal_error(refusal, reply, code=code, text=text, message=message, recipient=recipient, provider=provider)


def parse_balance(value: str) -> Decimal:
    """GetBalance's number (already matched by ``interpret``: an integer as observed, a decimal
    fraction accepted too) as a ``Decimal``."""
    return Decimal(value)
