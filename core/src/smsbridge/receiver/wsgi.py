"""The receiver as a WSGI application (PEP 3333): Flask, Django, any WSGI server.

Mount it under a prefix with the server or the framework (``SCRIPT_NAME``); routes are read
from ``PATH_INFO``.  The raw request target, for signature checks, comes from ``RAW_URI`` /
``REQUEST_URI`` where the server gives one (gunicorn, uWSGI), else it is rebuilt from the
decoded path (see docs/receiving.md: a proxy that rewrites the path breaks signed URLs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from smsbridge.receiver.http import HttpHead, raw_target

if TYPE_CHECKING:
    from smsbridge.receiver.core import Receiver

__all__ = ["WSGIReceiver", "head_from_environ"]

_STATUS = {
    200: "200 OK",
    201: "201 Created",
    202: "202 Accepted",
    204: "204 No Content",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    411: "411 Length Required",
    413: "413 Content Too Large",
    415: "415 Unsupported Media Type",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


def _text(value: str) -> str:
    """A WSGI "bytes as latin-1" string as the UTF-8 text it encodes."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def head_from_environ(environ: dict[str, Any]) -> HttpHead:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    script = environ.get("SCRIPT_NAME", "")
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or raw_target(script + path, query)
    return HttpHead(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=_text(path),
        target=target,
        query_string=query,
        headers=headers,
        peer=environ.get("REMOTE_ADDR"),
        scheme=environ.get("wsgi.url_scheme", "http"),
    )


def _reader(environ: dict[str, Any]) -> Callable[[int], bytes]:
    stream = environ.get("wsgi.input")

    def read(limit: int) -> bytes:
        if stream is None:
            return b""
        length = environ.get("CONTENT_LENGTH")
        if length:
            return bytes(stream.read(min(int(length), limit + 1)))
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get("wsgi.input_terminated"):
            chunks, size = [], 0
            while size <= limit:
                chunk = stream.read(min(65536, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks)
        return b""  # no length and no end marker: PEP 3333 says not to read

    return read


class WSGIReceiver:
    """``receiver.wsgi``: a WSGI callable over a :class:`~smsbridge.receiver.Receiver`."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        head = head_from_environ(environ)
        response = self.receiver.handle(head, _reader(environ))
        start_response(_STATUS.get(response.status, f"{response.status} Status"), response.header_list())
        return [response.body]
