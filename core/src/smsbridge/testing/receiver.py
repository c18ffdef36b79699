"""Driving the receiver in tests without a server: one request through the WSGI or ASGI app.

``wsgi_request(receiver.wsgi, "POST", "/shop/status/TOKEN?x=1", body, headers)`` and its
``asgi_request`` twin build the environ / scope a real server would (raw target kept,
``SCRIPT_NAME`` / ``root_path`` for a mount prefix) and return an :class:`Answer`.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

import attrs

__all__ = ["Answer", "asgi_request", "wsgi_request"]


@attrs.frozen
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = attrs.field(factory=dict)


def _split(target: str, prefix: str) -> tuple[str, str]:
    path, _, query = target.partition("?")
    if prefix and not path.startswith(prefix):
        raise ValueError(f"target {target!r} is not under the mount prefix {prefix!r}")
    return path, query


def wsgi_request(
    app: Any,
    method: str,
    target: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    remote_addr: str = "127.0.0.1",
    script_name: str = "",
    chunked: bool = False,
) -> Answer:
    """One request through a WSGI app; ``target`` is the raw path and query (prefix included)."""
    path, query = _split(target, script_name)
    decoded = unquote_to_bytes(path[len(script_name) :]).decode("latin-1")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": decoded,
        "QUERY_STRING": query,
        "RAW_URI": target,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8025",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": "127.0.0.1:8025",
    }
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    elif body or method in ("POST", "PUT"):
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"] = int(status.split(" ", 1)[0])
        seen["headers"] = {k.lower(): v for k, v in response_headers}

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return Answer(seen["status"], data, seen["headers"])


async def asgi_request_async(
    app: Any,
    method: str,
    target: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    remote_addr: str = "127.0.0.1",
    root_path: str = "",
    chunk_size: int | None = None,
) -> Answer:
    path, query = _split(target, root_path)
    raw_headers = [(b"host", b"127.0.0.1:8025")]
    raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if body and not any(k == b"content-length" for k, _ in raw_headers) and chunk_size is None:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote_to_bytes(path).decode("utf-8", "replace"),
        "raw_path": path.encode("latin-1"),
        "root_path": root_path,
        "query_string": query.encode("latin-1"),
        "headers": raw_headers,
        "client": (remote_addr, 40000),
        "server": ("127.0.0.1", 8025),
    }
    size = chunk_size or max(1, len(body))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    incoming = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(
        start["status"], data, {k.decode("latin-1"): v.decode("latin-1") for k, v in start.get("headers", [])}
    )


def asgi_request(
    app: Any, method: str, target: str, body: bytes = b"", headers: Mapping[str, str] | None = None, **kw: Any
) -> Answer:
    """One request through an ASGI app, in a fresh event loop."""
    return asyncio.run(asgi_request_async(app, method, target, body, headers, **kw))
