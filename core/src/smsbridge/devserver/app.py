"""The dev server: provider wire APIs, the REST API, Server-Sent Events and the web inbox.

One aiohttp application.  Why aiohttp: its C HTTP parser reads every request (no hand-written
parser), it serves static files and streamed responses (SSE), and a handler reaches the
asyncio transport and its socket, which the faults need (a real TCP reset with SO_LINGER 0, a
stall, a truncated body).  Binds 127.0.0.1 only.

Routing: ``/api/v1/...`` is the REST API; every other request is offered to the emulator
profiles (each provider's real paths); a GET no profile claims is a file of the web inbox
(``static/``), ``/`` being ``index.html``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import socket
import struct
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from smsbridge.config import mask_user
from smsbridge.devserver.faults import TAKEN, FaultRules, RuleError
from smsbridge.devserver.profiles import (
    EmulatedMessage,
    EmulatedRecipient,
    EmulatorInbound,
    EmulatorProfile,
    EmulatorRequest,
    EmulatorResponse,
)
from smsbridge.devserver.registry import load_profiles
from smsbridge.devserver.reports import Callbacks, magic_table, plan, recipient_view
from smsbridge.devserver.store import DEFAULT_MAX_MESSAGES, Store
from smsbridge.redaction import Redactor

__all__ = ["DEFAULT_PORT", "STATIC", "DevServer", "build_app"]

log = logging.getLogger(__name__)

DEFAULT_PORT = 8025
STATIC = Path(__file__).parent / "static"
START_CREDITS = Decimal(10_000)
#: the longest a scheduled message waits for its reports (timers live in memory)
MAX_SCHEDULE_WAIT = 7 * 24 * 3600.0
#: how long a ``timeout`` fault holds a request at most (the client gives up long before)
STALL_SECONDS = 300.0
_API = "/api/v1"
_MASKED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Temporarily Unavailable</title></head>"
    b"<body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your"
    b" request. Please try again later.</p></body></html>"
)
_REPORT_STATUSES = ("delivered", "failed", "expired", "delayed")


def _number(number: str) -> str:
    """A recipient as kept: E.164 for digits (``9627...``, ``009627...``, ``+9627...``), targets as given."""
    text = number.strip().replace(" ", "")
    if text.startswith("00") and text[2:].isdigit():
        return "+" + text[2:]
    if text.isdigit():
        return "+" + text
    return text


class _RequestApi:
    """The :class:`EmulatorApi` one request's profile sees."""

    def __init__(
        self, server: DevServer, request: EmulatorRequest, profile: EmulatorProfile, fault: str | None
    ) -> None:
        self.server = server
        self.request = request
        self.profile = profile
        self.fault = fault
        self.stored: list[int] = []

    def store_message(self, message: EmulatedMessage) -> list[EmulatedRecipient]:
        return self.server.keep(message, self.request, self.profile, self.fault, self.stored)

    def lookup(self, provider: str, message_id: str) -> EmulatedRecipient | None:
        rows = [r for r in self.server.store.recipient(message_id=message_id) if r["provider"] == provider]
        return recipient_view(rows[-1]) if rows else None

    def new_id(self) -> int:
        return self.server.new_id()

    def balance(self, provider: str, account: str) -> Decimal:
        return self.server.credits.get((provider, account), START_CREDITS)

    def inbound(self, provider: str, *, since_id: int = 0, limit: int = 100) -> list[EmulatorInbound]:
        return [_inbound_view(i) for i in self.server.store.inbound(provider=provider, since_id=since_id, limit=limit)]

    def report_url(self) -> str | None:
        url = self.server.settings["report_url"]
        return str(url) if url else None


def _report_url(row: dict[str, Any], status: str, default: str | None) -> str | None:
    """Where ``status`` is reported for this recipient: the message's URL for that status
    (ASPSMS names one per outcome, and calls only those named), its one URL, else ``default``."""
    if row.get("report_urls"):
        url = json.loads(row["report_urls"]).get(status)
        return str(url) if url else None
    return row["report_url"] or default


def _inbound_view(row: dict[str, Any]) -> EmulatorInbound:
    return EmulatorInbound(
        id=row["id"],
        provider=row["provider"],
        sender=row["sender"],
        to=row["to"],
        text=row["text"],
        created=dt.datetime.fromisoformat(row["created"]),
    )


class DevServer:
    """The emulator's state: store, profiles, fault rules, settings, SSE subscribers, timers."""

    def __init__(
        self,
        *,
        db: str = ":memory:",
        max_messages: int = DEFAULT_MAX_MESSAGES,
        report_url: str | None = None,
        inbound_url: str | None = None,
        report_delay: float = 0.5,
        profiles: Sequence[EmulatorProfile] | None = None,
    ) -> None:
        self.store = Store(db, max_messages=max_messages)
        self.profiles: list[EmulatorProfile] = list(load_profiles() if profiles is None else profiles)
        self.by_id = {p.id: p for p in self.profiles}
        self.faults = FaultRules()
        self.settings: dict[str, Any] = {
            "report_url": report_url,
            "inbound_url": inbound_url,
            "report_delay": report_delay,
        }
        self.credits: dict[tuple[str, str], Decimal] = {}
        self.callbacks = Callbacks()
        self.subscribers: set[asyncio.Queue[tuple[str, Any] | None]] = set()
        self.timers: dict[int, list[asyncio.TimerHandle]] = {}
        self.stopping = asyncio.Event()
        self._next_id = int(dt.datetime.now().timestamp() * 1000) % 1_000_000_000 * 10
        self._id_lock = threading.Lock()
        self._redactors: dict[tuple[str, tuple[str, ...]], Redactor] = {}

    def new_id(self) -> int:
        with self._id_lock:
            self._next_id += 1
            return self._next_id

    # ------------------------------------------------------------------ events

    def publish(self, event: str, data: Any) -> None:
        for queue in list(self.subscribers):
            try:
                queue.put_nowait((event, data))
            except asyncio.QueueFull:  # a stalled browser tab: end its stream rather than grow
                self.subscribers.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    # ------------------------------------------------------------------ messages

    def keep(
        self,
        message: EmulatedMessage,
        request: EmulatorRequest,
        profile: EmulatorProfile,
        fault: str | None,
        stored: list[int],
    ) -> list[EmulatedRecipient]:
        """Store a message the profile received; schedule its reports unless the fault refused it."""
        from smsbridge.text import analyze

        taken = fault is None or fault in TAKEN
        status = "accepted" if taken else "rejected"
        recipients = [(_number(n), mid if mid else str(self.new_id()), status) for n, mid in message.recipients]
        info = analyze(message.text, encoding=message.encoding)
        raw = self.raw(request, profile, message.secrets)
        ident = self.store.add_message(
            provider=message.provider,
            account=mask_user(message.account),  # as smsbridge shows a URL's user: K***1
            sender=message.sender,
            text=message.text,
            encoding=info.encoding,
            segments=info.segments,
            flash=message.flash,
            scheduled=message.scheduled,
            report_url=message.report_url,
            raw=raw,
            fault=fault,
            recipients=recipients,
            report_urls=dict(message.report_urls),
        )
        stored.append(ident)
        if taken:
            key = (message.provider, message.account)
            self.credits[key] = self.credits.get(key, START_CREDITS) - info.segments * len(recipients)
        rows = self.store.recipient(message=ident)
        if self.subscribers:  # read back for the inbox only when one is listening
            full = self.store.message(ident)
            if full is not None:
                self.publish("message", full)
        if taken:
            delay = float(self.settings["report_delay"])
            if message.scheduled_at is not None:  # the provider sends it then: reports follow
                ahead = (message.scheduled_at - dt.datetime.now(dt.timezone.utc)).total_seconds()
                delay += min(max(ahead, 0.0), MAX_SCHEDULE_WAIT)
            loop = asyncio.get_running_loop()
            for row in rows:
                for after, new_status in plan(row["number"], delay):
                    handle = loop.call_later(after, self.change_status, row["rid"], new_status)
                    self.timers.setdefault(row["rid"], []).append(handle)
        return [recipient_view(row) for row in rows]

    def raw(self, request: EmulatorRequest, profile: EmulatorProfile, secrets: Sequence[str]) -> dict[str, Any]:
        """The request as the inbox shows it: credentials masked (fields, headers, secret values)."""
        key = (profile.id, tuple(secrets))
        redact = self._redactors.get(key)
        if redact is None:  # building one compiles its expressions: keep the recent ones
            if len(self._redactors) >= 256:
                self._redactors.clear()
            redact = self._redactors[key] = Redactor(secrets, fields=profile.secret_fields)
        headers = {k: ("***" if k in _MASKED_HEADERS else redact(v)) for k, v in request.headers.items()}
        target = request.path
        if request.query:
            from urllib.parse import urlencode

            target += "?" + urlencode([(k, v) for k, vs in request.query.items() for v in vs])
        return {
            "method": request.method,
            "path": redact(target),
            "headers": headers,
            "body": redact(request.body.decode("utf-8", "replace")),
        }

    def change_status(self, rid: int, status: str, *, cancel: bool = False) -> None:
        """Set a recipient's status, tell the inbox, send the provider's report callback."""
        if cancel:
            for handle in self.timers.pop(rid, []):
                handle.cancel()
        found = self.store.recipient_by_id(rid)
        if found is None:  # dropped by the bound (or cleared) before its report was due
            self.timers.pop(rid, None)
            return
        self.store.set_status(rid, status)
        row = dict(found, status=status, updated=dt.datetime.now(dt.timezone.utc).isoformat())
        self.publish("status", {"message": row["message"], "number": row["number"], "status": status})
        if status in ("delivered", "failed", "expired") and not cancel:
            self.timers.pop(rid, None)
        profile = self.by_id.get(row["provider"])
        url = _report_url(row, status, self.settings["report_url"])
        if profile is None or not url:
            return
        try:
            callback = profile.report_callback(recipient_view(row), url)
        except Exception:
            log.exception("profile %s could not build a report callback", profile.id)
            return
        if callback is not None:
            self.callbacks.send(callback, "report")

    def add_inbound(self, provider: str, sender: str, to: str | None, text: str) -> dict[str, Any]:
        item = self.store.add_inbound(provider, _number(sender), _number(to) if to else None, text)
        self.publish("inbound", item)
        profile = self.by_id.get(provider)
        url = self.settings["inbound_url"]
        if profile is not None and url:
            callback = profile.inbound_callback(_inbound_view(item), url)
            if callback is not None:
                self.callbacks.send(callback, "inbound")
        return item

    async def close(self) -> None:
        self.stopping.set()
        for handles in self.timers.values():
            for handle in handles:
                handle.cancel()
        self.timers.clear()
        for queue in list(self.subscribers):
            while queue.full():
                queue.get_nowait()
            queue.put_nowait(None)
        await self.callbacks.close()


# ---------------------------------------------------------------------------- provider requests


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
    api = _RequestApi(server, emulated, profile, kind)
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


# ---------------------------------------------------------------------------- REST API


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _bad(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status)


async def _body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "the body must be JSON"}), content_type="application/json"
        ) from None


def _int_arg(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"{name} must be a whole number"}), content_type="application/json"
        ) from None


async def list_messages(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    limit = _int_arg(request, "limit") or 100
    messages = server.store.messages(
        limit=limit,
        before=_int_arg(request, "before"),
        recipient=_number(request.query["recipient"]) if request.query.get("recipient") else None,
        provider=request.query.get("provider") or None,
    )
    return _json({"messages": messages})


async def get_message(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    message = server.store.message(int(request.match_info["id"]))
    if message is None:
        return _bad("no such message", 404)
    return _json(message)


async def clear_messages(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    for handles in server.timers.values():
        for handle in handles:
            handle.cancel()
    server.timers.clear()
    server.store.clear()
    server.credits.clear()  # a fresh start: every account's credits back to the start amount
    server.publish("cleared", {})
    return _json({})


async def threads(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    return _json({"threads": server.store.threads()})


async def report(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    ident = int(request.match_info["id"])
    data = await _body(request)
    if not isinstance(data, dict):
        return _bad("the body must be a JSON object")
    status = data.get("status")
    if status not in _REPORT_STATUSES:
        return _bad(f"status must be one of {', '.join(_REPORT_STATUSES)}")
    number = data.get("number")
    if number is not None and not isinstance(number, str):
        return _bad("number must be text or null")
    if server.store.message(ident) is None:
        return _bad("no such message", 404)
    rows = server.store.recipient(message=ident, number=_number(number) if number else None)
    rows = [r for r in rows if r["status"] != "rejected"]
    if not rows:
        return _bad("no such recipient of this message (or it was rejected)", 404)
    for row in rows:
        server.change_status(row["rid"], status, cancel=True)
    return _json(server.store.message(ident))


async def list_inbound(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    limit = _int_arg(request, "limit") or 100
    return _json(
        {
            "inbound": server.store.inbound(
                provider=request.query.get("provider") or None, limit=limit, newest_first=True
            )
        }
    )


async def clear_inbound(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    server.store.clear_inbound()
    return _json({})


async def add_inbound(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    data = await _body(request)
    if not isinstance(data, dict):
        return _bad("the body must be a JSON object")
    provider, sender, to, text = data.get("provider"), data.get("sender"), data.get("to"), data.get("text")
    if provider not in server.by_id:
        return _bad(f"provider must be one of {', '.join(server.by_id)}")
    if not isinstance(sender, str) or not sender.strip():
        return _bad("sender must be a phone number")
    if to is not None and not isinstance(to, str):
        return _bad("to must be text or null")
    if not isinstance(text, str) or not text:
        return _bad("text must be non-empty text")
    return _json(server.add_inbound(provider, sender, to or None, text), 201)


async def list_faults(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    return _json({"rules": server.faults.as_list()})


async def add_fault(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    data = await _body(request)
    try:
        rule = server.faults.add(data)
    except RuleError as exc:
        return _bad(str(exc))
    server.publish("faults", {"rules": server.faults.as_list()})
    return _json(rule.as_dict(), 201)


async def delete_fault(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    if not server.faults.remove(int(request.match_info["id"])):
        return _bad("no such rule", 404)
    server.publish("faults", {"rules": server.faults.as_list()})
    return _json({})


async def clear_faults(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    server.faults.clear()
    server.publish("faults", {"rules": []})
    return _json({})


def example_url(profile: EmulatorProfile, host: str) -> str:
    return profile.example_url.replace("{host}", host)


async def providers(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    host = request.host or f"127.0.0.1:{DEFAULT_PORT}"
    return _json(
        {
            "providers": [{"id": p.id, "name": p.name, "example_url": example_url(p, host)} for p in server.profiles],
            "magic_numbers": magic_table(),
        }
    )


async def get_settings(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    return _json(server.settings)


async def put_settings(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    data = await _body(request)
    if not isinstance(data, dict):
        return _bad("the body must be a JSON object")
    new = dict(server.settings)
    for name in ("report_url", "inbound_url"):
        if name in data:
            value = data[name]
            if value in (None, ""):
                new[name] = None
            elif isinstance(value, str) and value.startswith(("http://", "https://")):
                new[name] = value
            else:
                return _bad(f"{name} must be an http(s) URL or null")
    if "report_delay" in data:
        delay = data["report_delay"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600:
            return _bad("report_delay must be a number of seconds from 0 to 3600")
        new["report_delay"] = float(delay)
    server.settings.update(new)
    return _json(server.settings)


async def callbacks(request: web.Request) -> web.Response:
    """The last callbacks made to the host application and what each got back (for tests, debugging)."""
    server = request.app[DEVSERVER]
    return _json({"callbacks": list(server.callbacks.log)})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: ``message``, ``status``, ``inbound``, ``faults``, ``cleared``."""
    server = request.app[DEVSERVER]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue: asyncio.Queue[tuple[str, Any] | None] = asyncio.Queue(maxsize=10_000)
    server.subscribers.add(queue)
    try:
        await response.write(b": connected\n\n")
        while not server.stopping.is_set():
            try:
                item = await asyncio.wait_for(queue.get(), 15)
            except asyncio.TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if item is None:
                break
            event, data = item
            payload = json.dumps(data, ensure_ascii=False)
            await response.write(f"event: {event}\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        server.subscribers.discard(queue)
    return response


# ---------------------------------------------------------------------------- the application


DEVSERVER = web.AppKey("devserver", DevServer)


_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


@web.middleware
async def _same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    """The inbox and its REST API answer only pages of their own origin, on a loopback name.

    Binding 127.0.0.1 keeps other machines out, not other web pages open in the developer's
    browser: a foreign ``Origin`` (a page posting to 127.0.0.1:8025) or a foreign ``Host`` (DNS
    rebinding) is refused.  Provider API paths are left alone: host apps call them by any name.
    """
    if request.path.startswith(_API + "/") or request.path in ("/", "/index.html"):
        host = request.host or ""
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        origin = request.headers.get("Origin")
        if name not in _LOOPBACK_NAMES or (origin is not None and origin != f"{request.scheme}://{host}"):
            return _bad("this emulator answers its own inbox only (Host and Origin must be its own)", 403)
    response: web.StreamResponse = await handler(request)
    return response


def build_app(server: DevServer) -> web.Application:
    """The aiohttp application around ``server`` (its timers and callbacks need a running loop)."""
    app = web.Application(client_max_size=8 * 1024 * 1024, middlewares=[_same_origin])
    app[DEVSERVER] = server
    app.router.add_get(f"{_API}/messages", list_messages)
    app.router.add_delete(f"{_API}/messages", clear_messages)
    app.router.add_get(f"{_API}/messages/{{id:\\d+}}", get_message)
    app.router.add_post(f"{_API}/messages/{{id:\\d+}}/report", report)
    app.router.add_get(f"{_API}/threads", threads)
    app.router.add_get(f"{_API}/inbound", list_inbound)
    app.router.add_post(f"{_API}/inbound", add_inbound)
    app.router.add_delete(f"{_API}/inbound", clear_inbound)
    app.router.add_get(f"{_API}/faults", list_faults)
    app.router.add_post(f"{_API}/faults", add_fault)
    app.router.add_delete(f"{_API}/faults", clear_faults)
    app.router.add_delete(f"{_API}/faults/{{id:\\d+}}", delete_fault)
    app.router.add_get(f"{_API}/providers", providers)
    app.router.add_get(f"{_API}/settings", get_settings)
    app.router.add_put(f"{_API}/settings", put_settings)
    app.router.add_get(f"{_API}/callbacks", callbacks)
    app.router.add_get(f"{_API}/events", events)
    app.router.add_route("*", "/{tail:.*}", provider_request)

    async def on_shutdown(app: web.Application) -> None:
        await server.close()

    app.on_shutdown.append(on_shutdown)
    return app
