"""An account's ``rate=`` for the whole fleet: one schedule of request slots, shared by every worker.

Celery's own ``rate_limit`` is per worker (four workers at ``50/s`` make 200 a second), and so
is smsbridge's per-account limiter.  Here the slots live in one place all workers reach:

* **Redis** (the broker's, or any): one key per account holding the time the next request may
  start.  A Lua script reads the server's clock, takes the slot ``max(now, next)`` and moves
  ``next`` on by ``1/rate``, atomically; the worker sleeps until its slot.
* **PostgreSQL** (the shared ledger's): the same in one ``INSERT ... ON CONFLICT DO UPDATE``
  on a row of ``smsbridge_meta`` (``rate:<account>``), with the database server's clock.

Either way the clock is the server's, so hosts with drifting clocks still share one schedule,
and slots are spaced evenly (no bursts).  A slot is when a worker may send, not when the
request arrives: a worker woken late on a busy host sends late, and the next one on time, so
two requests arrive closer together than their slots were.  The schedule therefore runs
``HEADROOM`` (5 %) below ``rate``: at ``rate=50`` a slot every 21 ms, and a one-second window
at the provider stays within ``rate`` + 2 requests unless arrivals are late by over ~70 ms
(measured in docs/scaling.md).  Every HTTP request of the account takes a slot (sends,
retries, token fetches): the limiter replaces the transport's own (``Transport.limiter``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from smsbridge.errors import ConfigurationError

__all__ = ["HEADROOM", "PostgresRateLimiter", "RedisRateLimiter", "limiter_factory"]

#: how far below ``rate`` the shared schedule runs, against the workers' scheduling jitter
HEADROOM = 0.05

_SCRIPT = """
local interval = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, nxt)
local after = start + interval
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', math.ceil((after - now) * 1000) + 60000)
return string.format('%.6f', start - now)
"""


class _Limiter:
    """``acquire()`` waits for this worker's next slot; the interface of smsbridge's own limiter."""

    def __init__(self, key: str, rate: float) -> None:
        if rate <= 0:
            raise ConfigurationError(f"rate must be positive, not {rate}")
        self.key = key
        self.interval = (1.0 + HEADROOM) / rate
        self.waited = 0.0
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        raise NotImplementedError

    def acquire(self) -> float:
        """Take the next slot of the shared schedule and sleep until it starts; the seconds waited."""
        wait = self._reserve()
        if wait > 0:
            time.sleep(wait)
            with self._lock:
                self.waited += wait
        return max(wait, 0.0)


class RedisRateLimiter(_Limiter):
    def __init__(self, client: Any, key: str, rate: float) -> None:
        super().__init__(key, rate)
        self._script = client.register_script(_SCRIPT)

    def _reserve(self) -> float:
        return float(self._script(keys=[self.key], args=[f"{self.interval:.9f}"]))


class PostgresRateLimiter(_Limiter):
    def __init__(self, ledger: Any, key: str, rate: float) -> None:
        super().__init__(key, rate)
        if ledger.db.dialect != "postgresql":
            raise ConfigurationError(
                "a fleet-wide rate limit needs Redis or a PostgreSQL ledger",
                hint="set rate_store='redis://host:6379/0', or use a postgresql:// ledger",
            )
        self.ledger = ledger

    def _reserve(self) -> float:
        now = "extract(epoch from clock_timestamp())"
        rows = self.ledger.db.query(
            "INSERT INTO smsbridge_meta AS m (key, value) "
            f"VALUES (?, ({now} + ?)::text) "
            f"ON CONFLICT (key) DO UPDATE SET value = (GREATEST(m.value::float8, {now}) + ?)::text "
            f"RETURNING m.value::float8 - ? - {now}",
            (self.key, self.interval, self.interval, self.interval),
        )
        return float(rows[0][0])


def limiter_factory(store: str, *, prefix: str, ledger: Any) -> Any:
    """``(name, rate) -> limiter`` for ``store``: a ``redis://`` URL, or ``"ledger"``."""
    if store.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                "a Redis rate store needs the redis package", hint="pip install 'smsbridge-celery[redis]'"
            ) from None
        client = redis.Redis.from_url(store, socket_timeout=10, socket_connect_timeout=5)
        return lambda name, rate: RedisRateLimiter(client, f"{prefix}smsbridge:rate:{name}", rate)
    if store == "ledger":
        return lambda name, rate: PostgresRateLimiter(ledger(), f"rate:{prefix}{name}", rate)
    raise ConfigurationError(f"unknown rate store {store!r}", hint="a redis:// URL, or 'ledger' (PostgreSQL)")
