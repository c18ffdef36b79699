"""A misbehaving HTTP server on loopback, for proving what a plugin does under faults.

It speaks just enough HTTP/1.1 by hand (raw sockets, so it can misbehave at the byte level)
and answers each request by a script: a normal reply, a reset before or after the body is
read, a stall past the client's read timeout, a reply trickled byte by byte, a truncated or oversized
body, a wrong content type.  It counts what it received, so tests assert "the provider saw exactly one request".

    with FaultServer() as server:
        server.script = lambda request: Reply(200, '{"StatusCode":"1"}')
        account = smsbridge.connect(f"aspsms://u:p@{server.host_port}?plain_http=yes")

Only ever binds 127.0.0.1; every wait is bounded; the server stops with the ``with`` block.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable

import attrs

__all__ = ["Close", "FaultServer", "Reply", "Request", "Reset", "Stall", "Trickle", "body_text", "refused_port"]


@attrs.frozen
class Request:
    """A request as the server saw it.  The script is asked twice per request: first with
    ``complete=False`` once the headers are read (it may answer ``Reset(after_body=False)``),
    then with ``complete=True`` and the body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    complete: bool = True


@attrs.frozen
class Reply:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/plain; charset=utf-8"
    declared_length: int | None = None  # lie about Content-Length (truncation)
    headers: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Reset:
    """Reset the connection (RST): before reading the body, or after reading it."""

    after_body: bool = True


@attrs.frozen
class Stall:
    """Read the request, then say nothing for ``seconds`` and close."""

    seconds: float = 3.0


@attrs.frozen
class Close:
    """Read the request, then close cleanly without answering."""


@attrs.frozen
class Trickle:
    """Send ``reply`` (status line and headers included) one byte every ``interval`` seconds.

    No single read waits long, so a read timeout never fires: only an overall deadline ends
    the exchange (a slow-loris server).
    """

    reply: Reply = Reply(200, "OK")
    interval: float = 1.0
    body_only: bool = False  # send the status line and headers at once, then trickle the body


Action = Reply | Reset | Stall | Close | Trickle
Script = Callable[[Request], Action]


def refused_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class FaultServer:
    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda request: Reply(200, b"OK"))
        self.requests: list[Request] = []  # complete requests (headers and body read)
        self.partial: int = 0  # requests reset before their body was read
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True, name="fault-server")

    @property
    def port(self) -> int:
        port: int = self._sock.getsockname()[1]
        return port

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        with self._lock:
            for conn in self._conns:  # wake handlers blocked on idle keep-alive connections
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        buffer = b""
        try:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                probe = Request(method, target, headers, b"", complete=False)
                action = self.script(probe)
                if isinstance(action, Reset) and not action.after_body:
                    with self._lock:
                        self.partial += 1
                    _reset(conn)
                    return
                while len(buffer) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                body, buffer = buffer[:length], buffer[length:]
                request = Request(method, target, headers, body)
                with self._lock:
                    self.requests.append(request)
                action = self.script(request)
                if isinstance(action, Reset):
                    _reset(conn)
                    return
                if isinstance(action, Stall):
                    self._stop.wait(action.seconds)
                    return
                if isinstance(action, Close):
                    return
                if isinstance(action, Trickle):
                    data = _render(action.reply)
                    if action.body_only:
                        head, _, data = data.partition(b"\r\n\r\n")
                        conn.sendall(head + b"\r\n\r\n")
                    for byte in data:
                        if self._stop.wait(action.interval):
                            return
                        conn.sendall(bytes([byte]))
                    return
                conn.sendall(_render(action))
                if action.declared_length is not None:
                    return  # a lying Content-Length: close so the client sees the truncation
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def count(self, predicate: Callable[[Request], bool] | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if predicate is None or predicate(r))


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


_REASONS = {
    200: "OK",
    302: "Found",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _render(reply: Reply) -> bytes:
    body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
    length = reply.declared_length if reply.declared_length is not None else len(body)
    head = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}", f"Content-Length: {length}"]
    if reply.content_type:
        head.append(f"Content-Type: {reply.content_type}")
    head.extend(f"{k}: {v}" for k, v in reply.headers.items())
    head.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def body_text(request: Request) -> str:
    return request.body.decode("utf-8", "replace")
