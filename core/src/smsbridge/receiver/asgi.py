"""The receiver as an ASGI 3 application: FastAPI/Starlette, uvicorn, hypercorn (asyncio).

Routing, checks and parsing run on the event loop (no I/O); the ledger write is handed to
the receiver's writer thread and awaited without blocking the loop, so many callbacks in
flight share one commit; host-app hooks, which may block, run in the loop's executor.
``lifespan`` events open nothing and close the receiver's writer at shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from smsbridge.receiver.http import HttpHead, HttpResponse, Rejected
from smsbridge.receiver.storage import Stored

if TYPE_CHECKING:
    from smsbridge.receiver.core import Receiver

__all__ = ["ASGIReceiver", "head_from_scope"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def head_from_scope(scope: Scope) -> HttpHead:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    raw = scope.get("raw_path")
    query = scope.get("query_string", b"")
    if raw is not None:
        target = raw.decode("latin-1")
        if root and not target.startswith(root):
            target = root + target  # a server that kept the prefix out of raw_path
    else:
        from smsbridge.receiver.http import raw_target

        target = raw_target(root + path, b"").split("?", 1)[0]
    if query:
        target += "?" + query.decode("latin-1")
    client = scope.get("client")
    return HttpHead(
        method=scope.get("method", "GET").upper(),
        path=path,
        target=target,
        query_string=query,
        headers=headers,
        peer=client[0] if client else None,
        scheme=scope.get("scheme", "http"),
    )


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("the client went away")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise Rejected(413, "the body is larger than max_body")
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, response: HttpResponse) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.header_list()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


class ASGIReceiver:
    """``receiver.asgi``: an ASGI callable over a :class:`~smsbridge.receiver.Receiver`."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return  # websockets: not ours (closing without accepting refuses the handshake)
        receiver = self.receiver
        head = head_from_scope(scope)
        try:
            admitted = receiver.admit(head)
            body = await _read_body(receive, receiver.max_body)
            prepared = receiver.prepare(admitted, head, body)
        except Rejected as refused:
            await _send(send, receiver.refused(head, refused))
            return
        except ConnectionError:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()

        def done(result: Stored) -> None:
            loop.call_soon_threadsafe(_settle, future, result)

        receiver.writer.submit(prepared.batch(), done)
        try:
            stored = await asyncio.wait_for(future, receiver.timeout)
        except asyncio.TimeoutError:
            from smsbridge.errors import LedgerError

            stored = Stored(error=LedgerError(f"the ledger did not commit within {receiver.timeout:.0f}s"))
        if stored.error is None and receiver.needs_notify(prepared):
            await loop.run_in_executor(None, receiver.notify, prepared, stored)  # host code may block
        response = receiver.answer(prepared, stored)
        receiver.log_access(head, admitted.client, response.status)
        await _send(send, response)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.receiver.close)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _settle(future: asyncio.Future[Stored], result: Stored) -> None:
    if not future.done():
        future.set_result(result)
