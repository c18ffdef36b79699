"""Requests to the providers' wire APIs: offered to the emulator profiles, faults applied.

A fault that means "taken" is played on the real connection: ``reset`` a TCP reset (SO_LINGER
0, then abort) after the profile stored the message, ``timeout`` a stall until the client gives
up, ``truncated`` half the answer then close.  A GET no profile claims is a file of the web
inbox (``static/``, ``/`` being ``index.html``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from pathlib import Path

from aiohttp import web

from smsbridge.devserver.keys import DEVSERVER
from smsbridge.devserver.profiles import EmulatorProfile, EmulatorRequest, EmulatorResponse
from smsbridge.devserver.state import DevServer, RequestApi

__all__ = ["STATIC", "provider_request"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
#: how long a ``timeout`` fault holds a request at most (the client gives up long before)
STALL_SECONDS = 300.0
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Temporarily Unavailable</title></head>"
    b"<body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your"
    b" request. Please try again later.</p></body></html>"
)


def _reset(request: web.Request) -> None:
    """Close the connection with a TCP reset (RST): SO_LINGER 0, then abort."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


async def _stall(request: web.Request, server: DevServer) -> None:
    """Never answer: hold the request until the client gives up (or the server stops)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STALL_SECONDS
    while loop.time() < deadline and not server.stopping.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        try:
            await asyncio.wait_for(server.stopping.wait(), 0.1)
        except asyncio.TimeoutError:
            continue


def _response(answer: EmulatorResponse) -> web.Response:
    response = web.Response(status=answer.status, body=answer.body, headers=dict(answer.headers))
    response.headers["Content-Type"] = answer.content_type
    return response


def _generic_fault(kind: str) -> EmulatorResponse:
    if kind == "rate_limited":
        return EmulatorResponse(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
    if kind == "no_credit":
        return EmulatorResponse(402, b"Payment Required: no credit left", "text/plain")
    return EmulatorResponse(400, b"Bad Request", "text/plain")


async def provider_request(request: web.Request) -> web.StreamResponse:
    server = request.app[DEVSERVER]
    body = await request.read()
    emulated = EmulatorRequest.build(request.method, request.raw_path, request.headers, body)
    profile = next((p for p in server.profiles if _matches(p, emulated)), None)
    if profile is None:
        return await _static(request)
    rule = None
    if server.faults:
        try:
            operation = profile.operation(emulated)
            numbers = profile.recipients(emulated) if operation == "send" else []
        except Exception:
            operation, numbers = "send", []
        rule = server.faults.pick(profile.id, operation, numbers)
        if rule is not None and rule.remaining is not None:  # the inbox shows what is left
            server.publish("faults", {"rules": server.faults.as_list()})
    kind = rule.kind if rule is not None else None
    api = RequestApi(server, emulated, profile, kind)
    try:
        answer = profile.handle(emulated, api)
    except Exception:
        log.exception("emulator profile %s failed on %s %s", profile.id, request.method, request.path)
        answer = EmulatorResponse(500, b"emulator profile error (see the smsbridge dev log)", "text/plain")
    if kind is None:
        return _response(answer)
    if kind == "reset":
        _reset(request)
        return web.Response(status=200)  # never written: the connection is gone
    if kind == "timeout":
        await _stall(request, server)
        _reset(request)
        return web.Response(status=200)
    if kind == "truncated":
        stream = web.StreamResponse(status=answer.status, headers=dict(answer.headers))
        stream.headers["Content-Type"] = answer.content_type
        full = answer.body if len(answer.body) > 1 else answer.body + b" " * 16
        stream.content_length = len(full)
        await stream.prepare(request)
        await stream.write(full[: len(full) // 2])
        transport = request.transport
        if transport is not None:
            transport.close()
        return stream
    if kind == "http500":
        return _response(EmulatorResponse(500, b"Internal Server Error", "text/plain"))
    if kind == "html":
        return _response(EmulatorResponse(200, _HTML_PAGE, "text/html; charset=UTF-8"))
    own = profile.fault_response(kind, emulated)
    return _response(own if own is not None else _generic_fault(kind))


def _matches(profile: EmulatorProfile, request: EmulatorRequest) -> bool:
    try:
        return profile.matches(request)
    except Exception:
        log.exception("emulator profile %s failed in matches()", profile.id)
        return False


async def _static(request: web.Request) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        raise web.HTTPNotFound(text="no emulated provider API at this path\n")
    name = request.path.lstrip("/") or "index.html"
    root = STATIC.resolve()
    path = (root / name).resolve()
    if (root not in path.parents and path != root) or not path.is_file():
        if name == "index.html":
            return web.Response(text="smsbridge dev: the web inbox is not installed; the REST API is at /api/v1/\n")
        raise web.HTTPNotFound(text="not found\n")
    response = web.FileResponse(path)
    response.headers["Cache-Control"] = "no-cache"
    return response
