"""The REST API (``/api/v1/...``) and its Server-Sent Events, over :class:`DevServer`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from smsbridge.devserver.faults import RuleError
from smsbridge.devserver.keys import DEVSERVER
from smsbridge.devserver.profiles import EmulatorProfile
from smsbridge.devserver.reports import magic_table
from smsbridge.devserver.state import as_kept

__all__ = ["API", "DEFAULT_PORT", "bad", "example_url", "routes"]

API = "/api/v1"
DEFAULT_PORT = 8025
_REPORT_STATUSES = ("delivered", "failed", "expired", "delayed")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def bad(message: str, status: int = 400) -> web.Response:
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
        recipient=as_kept(request.query["recipient"]) if request.query.get("recipient") else None,
        provider=request.query.get("provider") or None,
    )
    return _json({"messages": messages})


async def get_message(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    message = server.store.message(int(request.match_info["id"]))
    if message is None:
        return bad("no such message", 404)
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
        return bad("the body must be a JSON object")
    status = data.get("status")
    if status not in _REPORT_STATUSES:
        return bad(f"status must be one of {', '.join(_REPORT_STATUSES)}")
    number = data.get("number")
    if number is not None and not isinstance(number, str):
        return bad("number must be text or null")
    if server.store.message(ident) is None:
        return bad("no such message", 404)
    rows = server.store.recipient(message=ident, number=as_kept(number) if number else None)
    rows = [r for r in rows if r["status"] != "rejected"]
    if not rows:
        return bad("no such recipient of this message (or it was rejected)", 404)
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
        return bad("the body must be a JSON object")
    provider, sender, to, text = data.get("provider"), data.get("sender"), data.get("to"), data.get("text")
    if provider not in server.by_id:
        return bad(f"provider must be one of {', '.join(server.by_id)}")
    if not isinstance(sender, str) or not sender.strip():
        return bad("sender must be a phone number")
    if to is not None and not isinstance(to, str):
        return bad("to must be text or null")
    if not isinstance(text, str) or not text:
        return bad("text must be non-empty text")
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
        return bad(str(exc))
    server.publish("faults", {"rules": server.faults.as_list()})
    return _json(rule.as_dict(), 201)


async def delete_fault(request: web.Request) -> web.Response:
    server = request.app[DEVSERVER]
    if not server.faults.remove(int(request.match_info["id"])):
        return bad("no such rule", 404)
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
        return bad("the body must be a JSON object")
    new = dict(server.settings)
    for name in ("report_url", "inbound_url"):
        if name in data:
            value = data[name]
            if value in (None, ""):
                new[name] = None
            elif isinstance(value, str) and value.startswith(("http://", "https://")):
                new[name] = value
            else:
                return bad(f"{name} must be an http(s) URL or null")
    if "report_delay" in data:
        delay = data["report_delay"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600:
            return bad("report_delay must be a number of seconds from 0 to 3600")
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


def routes() -> list[web.RouteDef]:
    """Every route of the REST API and the event stream."""
    return [
        web.get(f"{API}/messages", list_messages),
        web.delete(f"{API}/messages", clear_messages),
        web.get(f"{API}/messages/{{id:\\d+}}", get_message),
        web.post(f"{API}/messages/{{id:\\d+}}/report", report),
        web.get(f"{API}/threads", threads),
        web.get(f"{API}/inbound", list_inbound),
        web.post(f"{API}/inbound", add_inbound),
        web.delete(f"{API}/inbound", clear_inbound),
        web.get(f"{API}/faults", list_faults),
        web.post(f"{API}/faults", add_fault),
        web.delete(f"{API}/faults", clear_faults),
        web.delete(f"{API}/faults/{{id:\\d+}}", delete_fault),
        web.get(f"{API}/providers", providers),
        web.get(f"{API}/settings", get_settings),
        web.put(f"{API}/settings", put_settings),
        web.get(f"{API}/callbacks", callbacks),
        web.get(f"{API}/events", events),
    ]
