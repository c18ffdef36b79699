"""The receiver's view of HTTP, shared by the WSGI and ASGI adapters: a request head, a body, an answer.

Decoding is strict, because a callback is input from the internet: the query string and a
form body must be valid percent-encoded UTF-8 (or the declared charset), a JSON body valid
JSON, any other body declared text; the body is bounded (``max_body``).  Anything else is a
4xx :class:`Rejected` with a short reason that never quotes the input.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote

import attrs

from smsbridge.models import CallbackRequest

__all__ = ["FORM", "JSON", "TEXT", "HttpHead", "HttpResponse", "Rejected", "decode", "raw_target", "reply"]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TEXT = "text/plain"
MAX_FIELDS = 200


@attrs.frozen
class HttpHead:
    """A request before its body: what routing and authentication need.

    ``path`` is percent-decoded and relative to the mount point; ``target`` the raw request
    target (mount prefix, path and query as sent), ``headers`` lower-case names.
    """

    method: str
    path: str
    target: str
    query_string: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    peer: str | None = None
    scheme: str = "http"

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        if value is None:
            return None
        value = value.strip()
        return int(value) if value.isdigit() and len(value) < 19 else -1

    @property
    def url(self) -> str:
        """The full URL as the client asked for it (Host header, raw target)."""
        host = self.headers.get("host", "")
        return f"{self.scheme}://{host}{self.target}" if host else self.target


@attrs.frozen
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    def header_list(self) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))), *self.headers]


class Rejected(Exception):
    """A request the receiver refuses: its status, a reason for the log and the answer."""

    def __init__(self, status: int, reason: str, *, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers

    def response(self) -> HttpResponse:
        return reply(self.status, headers=self.headers)


_REASONS = {
    200: "OK",
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    411: "length required",
    413: "payload too large",
    415: "unsupported media type",
    500: "internal error",
    503: "unavailable, try again later",
}


def reply(status: int, *, headers: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
    """A short plain-text answer of the receiver's own (never the provider-specific one)."""
    return HttpResponse(status, f"{_REASONS.get(status, 'error')}\n".encode(), headers=headers)


def _media_type(value: str) -> tuple[str, str | None]:
    kind, _, rest = value.partition(";")
    charset = None
    for param in rest.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip('"') or None
    return kind.strip().lower(), charset


def _codec(charset: str | None) -> str:
    if charset is None:
        return "utf-8"
    try:
        return codecs.lookup(charset).name
    except LookupError:
        raise Rejected(415, "unknown charset") from None


def _pairs(text: str, *, encoding: str, strict: bool, what: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=strict, encoding=encoding, errors="strict",
            max_num_fields=MAX_FIELDS,
        )  # fmt: skip
    except UnicodeDecodeError:
        raise Rejected(400, f"{what} is not valid {encoding}") from None
    except ValueError:
        raise Rejected(400, f"malformed {what}") from None
    return dict(pairs)


def decode(head: HttpHead, body: bytes, *, remote_addr: str | None) -> CallbackRequest:
    """The request as a plugin reads it; ``Rejected`` (400/415) for anything malformed."""
    try:
        query_text = head.query_string.decode("ascii")
    except UnicodeDecodeError:
        raise Rejected(400, "the query string holds raw non-ASCII bytes") from None
    query = _pairs(query_text, encoding="utf-8", strict=False, what="query string")
    form: dict[str, str] = {}
    if body:
        media, charset = _media_type(head.headers.get("content-type", ""))
        encoding = _codec(charset)
        if media == FORM:
            try:
                text = body.decode("ascii")
            except UnicodeDecodeError:
                raise Rejected(400, "a form body holds raw non-ASCII bytes") from None
            form = _pairs(text, encoding=encoding, strict=True, what="form body")
        elif media == JSON or media.endswith("+json"):
            try:
                json.loads(body.decode(encoding))
            except (UnicodeDecodeError, ValueError, RecursionError):
                raise Rejected(400, "malformed JSON body") from None
        elif media in (TEXT, ""):
            try:
                body.decode(encoding)
            except UnicodeDecodeError:
                raise Rejected(400, f"the body is not valid {encoding}") from None
        else:
            raise Rejected(415, f"content type {media[:60]!r} is not taken (form, JSON or text)")
    return CallbackRequest(
        method=head.method,
        query=query,
        form=form,
        body=body,
        headers=dict(head.headers),
        path=head.path,
        target=head.target,
        url=head.url,
        remote_addr=remote_addr,
    )


def raw_target(path: str, query_string: bytes) -> str:
    """A request target rebuilt from a decoded path, for servers that keep no raw one."""
    target = quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~")
    return f"{target}?{query_string.decode('latin-1')}" if query_string else target
