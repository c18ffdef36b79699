"""The dev server's aiohttp application: the REST API, the providers' wire APIs, the inbox.

Why aiohttp: its C HTTP parser reads every request (no hand-written parser), it serves static
files and streamed responses (SSE), and a handler reaches the asyncio transport and its socket,
which the faults need (a real TCP reset with SO_LINGER 0, a stall, a truncated body).  Binds
127.0.0.1 only (``runner``).

Routing: ``/api/v1/...`` is the REST API (``api``); every other request is offered to the
emulator profiles, each provider's real paths (``emulation``); a GET no profile claims is a
file of the web inbox (``static/``).  The state they act on is :class:`DevServer` (``state``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from smsbridge.devserver.api import API, DEFAULT_PORT, bad, example_url, routes
from smsbridge.devserver.emulation import STATIC, provider_request
from smsbridge.devserver.keys import DEVSERVER
from smsbridge.devserver.state import DevServer

__all__ = ["DEFAULT_PORT", "STATIC", "DevServer", "build_app", "example_url"]


_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


@web.middleware
async def _same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    """The inbox and its REST API answer only pages of their own origin, on a loopback name.

    Binding 127.0.0.1 keeps other machines out, not other web pages open in the developer's
    browser: a foreign ``Origin`` (a page posting to 127.0.0.1:8025) or a foreign ``Host`` (DNS
    rebinding) is refused.  Provider API paths are left alone: host apps call them by any name.
    """
    if request.path.startswith(API + "/") or request.path in ("/", "/index.html"):
        host = request.host or ""
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        origin = request.headers.get("Origin")
        if name not in _LOOPBACK_NAMES or (origin is not None and origin != f"{request.scheme}://{host}"):
            return bad("this emulator answers its own inbox only (Host and Origin must be its own)", 403)
    response: web.StreamResponse = await handler(request)
    return response


def build_app(server: DevServer) -> web.Application:
    """The aiohttp application around ``server`` (its timers and callbacks need a running loop)."""
    app = web.Application(client_max_size=8 * 1024 * 1024, middlewares=[_same_origin])
    app[DEVSERVER] = server
    app.router.add_routes(routes())
    app.router.add_route("*", "/{tail:.*}", provider_request)

    async def on_shutdown(app: web.Application) -> None:
        await server.close()

    app.on_shutdown.append(on_shutdown)
    return app
