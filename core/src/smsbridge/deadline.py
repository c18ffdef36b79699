"""An overall deadline for one HTTP exchange, and what the exchange got as far as.

requests' timeouts bound each socket operation: a server that sends one byte a second keeps
a request alive forever.  urllib3's own advice is a watcher that cuts the connection off at
the deadline; this module is that watcher, plus the bookkeeping the error mapping needs:

* ``Exchange``: one request's deadline, its connection once it has one, and whether the
  request started to be written (before that, nothing can have reached the provider);
* ``Watchdog``: one daemon thread for the whole process that shuts down the socket of an
  exchange whose deadline passed (``shutdown`` wakes a blocked ``recv`` in another thread);
* ``tracking_adapter()``: a requests adapter whose urllib3 pools report each connection to the
  exchange of the calling thread, and when the request starts to be written.  A connection
  going back to its pool is detached first, so the watchdog can never cut a connection
  another request is using.

Costs a thread-local lookup and a heap push per request; no thread per request.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

__all__ = ["DeadlinePassed", "Exchange", "current", "tracking_adapter", "watchdog"]

_local = threading.local()
_lock = threading.Lock()  # guards attach/detach/expire of every exchange


class Exchange:
    """One request's progress: connection, writing started, deadline passed."""

    __slots__ = ("conn", "deadline", "done", "expired", "interrupted", "tracked", "writing")

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.conn: Any = None
        self.tracked = False  # a tracking connection reported in: ``writing`` is reliable
        self.writing = False  # the request started to go out on the wire
        self.expired = False  # the deadline passed while the exchange was running
        self.interrupted = False  # the watchdog cut a live connection of this exchange
        self.done = False

    def __enter__(self) -> Exchange:
        _local.exchange = self
        watchdog.arm(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with _lock:
            self.done = True
            self.conn = None
        _local.exchange = None

    def attach(self, conn: Any) -> None:
        """The exchange got ``conn`` from its pool (raises ``DeadlinePassed`` when too late)."""
        with _lock:
            self.tracked = True
            self.conn = conn
            expired = self.expired
        if expired:  # the deadline passed before anything was written: stop here
            raise DeadlinePassed

    def start_writing(self) -> None:
        self.writing = True

    def expire(self) -> None:
        with _lock:
            if self.done:
                return
            self.expired = True
            conn = self.conn
            sock = getattr(conn, "sock", None) if conn is not None else None
            if sock is None:
                if conn is not None:  # connecting right now: cut it as soon as it has a socket
                    self.deadline = time.monotonic() + 0.05
                    watchdog.arm(self)
                return  # not attached yet: attach() refuses to go on
            self.interrupted = True
            try:  # the plain socket's shutdown: SSLSocket.shutdown would also unwrap TLS state
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except (OSError, TypeError, ValueError):
                pass


class DeadlinePassed(Exception):
    """Raised by a tracking connection asked to write after its exchange's deadline."""


def current() -> Exchange | None:
    exchange: Exchange | None = getattr(_local, "exchange", None)
    return exchange


def detach(conn: Any) -> None:
    """``conn`` goes back to its pool: no exchange may cut it any more."""
    exchange = current()
    if exchange is not None and exchange.conn is conn:
        with _lock:
            if exchange.conn is conn:
                exchange.conn = None


class Watchdog:
    """One thread expiring exchanges at their deadlines."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Exchange]] = []
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None
        self._prune_at = 256

    def arm(self, exchange: Exchange) -> None:
        with self._cond:
            if len(self._heap) >= self._prune_at:  # finished exchanges wait here for their deadline
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
                self._prune_at = max(256, 2 * len(self._heap))
            heapq.heappush(self._heap, (exchange.deadline, next(self._counter), exchange))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="smsbridge-deadline", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is exchange:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)  # finished in time: drop it
                if not self._heap:
                    self._cond.wait(30.0)
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, exchange = heapq.heappop(self._heap)
            exchange.expire()


watchdog = Watchdog()


# ---------------------------------------------------------------------------- urllib3 hooks


class _TrackingPool:
    """Mixin over a urllib3 pool class: reports each connection to the thread's exchange.

    The connection class is left alone (test tools such as vcrpy patch it on the base pool):
    the pool wraps ``request`` on the connection instance to learn when writing starts, and
    detaches a connection before it goes back to the pool.
    """

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        exchange = current()
        if exchange is not None:
            exchange.attach(conn)
            if not getattr(conn, "_smsbridge_tracked", False):
                _track_writes(conn)
        return super()._make_request(conn, *args, **kwargs)  # type: ignore[misc]

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            detach(conn)
        super()._put_conn(conn)  # type: ignore[misc]


def _track_writes(conn: Any) -> None:
    original = conn.request

    def request(*args: Any, **kwargs: Any) -> Any:
        exchange = current()
        if exchange is not None:
            exchange.start_writing()
        return original(*args, **kwargs)

    conn.request = request
    conn._smsbridge_tracked = True


_classes: dict[type, type] = {}


def _tracking(base: type) -> type:
    cls = _classes.get(base)
    if cls is None:
        cls = type(f"Tracking{base.__name__}", (_TrackingPool, base), {})
        _classes[base] = cls
    return cls


def _track_pools(manager: Any) -> Any:
    classes = getattr(manager, "pool_classes_by_scheme", None)
    if isinstance(classes, dict) and not getattr(manager, "_smsbridge_tracking", False):
        manager.pool_classes_by_scheme = {scheme: _tracking(cls) for scheme, cls in classes.items()}
        manager._smsbridge_tracking = True
    return manager


_adapter_cls: type | None = None


def tracking_adapter() -> Any:
    """A requests adapter whose urllib3 pools (direct and through proxies) report to exchanges."""
    global _adapter_cls
    if _adapter_cls is None:
        from requests.adapters import HTTPAdapter

        class TrackingAdapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                super().init_poolmanager(*args, **kwargs)
                _track_pools(self.poolmanager)

            def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
                return _track_pools(super().proxy_manager_for(proxy, **proxy_kwargs))

        _adapter_cls = TrackingAdapter
    return _adapter_cls()
