"""Section 6: what the send ledger costs, against the very same bulk send without it.

Every bulk send goes through the send ledger: the recipients are written to it, each
request's recipients are claimed in a committed transaction before the request leaves and
get their outcome in a committed transaction after it.  This section measures that, in the
same run and on the same stand-in server as the other sections:

* **6a, bulk**: per provider, N recipients through ``account.bulk_send`` three ways in every
  round, in rotating order: ``ledger=False``, the SQLite ledger (a fresh file in a temporary
  folder, WAL, ``synchronous=FULL``: as shipped) and the PostgreSQL ledger (a fresh
  throw-away database of ``smsbridge.testing.services.postgres_database()``).  Opening the
  ledger (creating its tables) is not timed; everything a bulk send does is.  The figure is
  the throughput ratio with / without (goal: SQLite >= 0.8), its range over the rounds, the
  ledger transactions per request, and the proof that the ledger changes nothing on the
  wire: the server counts the minimum number of requests on every side and the first
  request of a ledgered send is byte-identical to the unledgered one.
* **6b, workers**: JorMall bulk with the server holding every answer 50 ms and
  ``workers=8`` (claims and outcomes are then written from the worker threads), with and
  without the ledger, rounds interleaved.

When PostgreSQL cannot be reached the PostgreSQL columns say why instead of a figure; the
section still runs.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import smsbridge
from benchmarks.providers import TEXT, Provider
from benchmarks.standin import StandIn
from benchmarks.stats import summary
from smsbridge.ledger import Ledger, open_ledger

__all__ = ["GOAL", "SIDES", "bulk", "postgres_server", "workers"]

#: the goal of 6a: the SQLite ledger keeps at least this share of the throughput without it
GOAL = 0.8
SIDES = ("none", "sqlite", "postgresql")


def _log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def postgres_server() -> tuple[bool, str | None]:
    """Whether a throw-away PostgreSQL database can be had here, and if not, why."""
    try:
        with _postgres() as url:
            open_ledger(url).close()
    except _Unavailable as exc:
        return False, str(exc)
    return True, None


class _Unavailable(Exception):
    pass


@contextlib.contextmanager
def _postgres() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards), or ``_Unavailable`` saying why not."""
    import pytest

    from smsbridge.testing.services import postgres_database

    manager = postgres_database("smsbridge_bench")
    try:
        url = manager.__enter__()
    # it skips (or, in CI, fails) the way a test does when there is no server
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise _Unavailable(str(getattr(exc, "msg", exc)).split(": see README")[0]) from None
    except Exception as exc:  # e.g. no right to CREATE DATABASE
        raise _Unavailable(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}") from None
    try:
        yield url
    finally:
        manager.__exit__(None, None, None)  # drops the database


class _Side:
    """One way of sending: no ledger, or a freshly created SQLite or PostgreSQL ledger per run."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.workdir = workdir
        self.transactions = 0
        self.durable = 0  # transactions flushed to disk at their commit (an fsync each)

    @contextlib.contextmanager
    def ledger(self) -> Iterator[Ledger | bool]:
        """The ``ledger=`` argument of one run: created (untimed) before, removed after."""
        if self.name == "none":
            yield False
            return
        if self.name == "sqlite":
            path = self.workdir / f"ledger-{uuid.uuid4().hex[:8]}.db"
            try:
                with open_ledger(path) as ledger:
                    yield self._counted(ledger)
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        with _postgres() as url, open_ledger(url) as ledger:
            yield self._counted(ledger)

    def _counted(self, ledger: Ledger) -> Ledger:
        """Count the ledger's write transactions, and those flushed to disk at their commit."""
        db = ledger.db
        real = db.transaction

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.transactions += 1
            self.durable += bool(kwargs.get("durable", True))
            return real(*args, **kwargs)

        db.transaction = counted  # type: ignore[method-assign]
        return ledger


def _sides(workdir: Path, postgres: bool) -> dict[str, _Side]:
    return {name: _Side(name, workdir) for name in SIDES if postgres or name != "postgresql"}


def fsync_ms(folder: Path, count: int = 50) -> float:
    """Median time of a 4 KB write and its fsync in ``folder``: the floor of a durable commit there."""
    path = folder / f"fsync-probe-{uuid.uuid4().hex[:8]}"
    times = []
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        for _ in range(count):
            start = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return round(statistics.median(times) * 1000, 2)


def _rotation(names: Sequence[str], r: int) -> list[str]:
    """The order of round ``r``: rotated, so no side always runs first (or after the same one)."""
    k = r % len(names)
    return list(names[k:]) + list(names[:k])


# ---------------------------------------------------------------------------- 6a. bulk


def bulk(server: StandIn, providers: Sequence[Provider], sizes: Any) -> dict[str, Any]:
    """Bulk of ``sizes.ledger_recipients`` per provider: no ledger, SQLite, PostgreSQL."""
    n, rounds = sizes.ledger_recipients, sizes.ledger_rounds
    postgres, why = postgres_server()
    out: dict[str, Any] = {
        "recipients": n,
        "rounds": rounds,
        "goal": GOAL,
        "postgresql": {"available": postgres, "reason": why},
        "providers": {},
    }
    if not postgres:
        _log(f"[ledger] PostgreSQL is not available ({why}): its figures are left out")
    workdir = Path(tempfile.mkdtemp(prefix="smsbridge-bench-ledger-"))
    out["sqlite_folder"] = str(workdir.parent)
    out["fsync_ms"] = fsync_ms(workdir)
    try:
        for provider in providers:
            _log(f"[ledger] {provider.id}: {rounds} x {n} recipients, sides {', '.join(_sides(workdir, postgres))}")
            out["providers"][provider.id] = _bulk_one(server, provider, n, rounds, workdir, postgres)
    finally:
        with contextlib.suppress(OSError):
            workdir.rmdir()
    return out


def _bulk_one(
    server: StandIn, provider: Provider, n: int, rounds: int, workdir: Path, postgres: bool
) -> dict[str, Any]:
    account = smsbridge.connect(provider.url(server.host_port))
    sides = _sides(workdir, postgres)
    minimum = math.ceil(n / provider.limit)
    wall: dict[str, list[float]] = {name: [] for name in sides}
    served: dict[str, list[int]] = {name: [] for name in sides}
    reported: dict[str, list[int]] = {name: [] for name in sides}
    accepted: dict[str, list[int]] = {name: [] for name in sides}

    def send(ledger: Ledger | bool, count: int) -> Any:
        return account.bulk_send(provider.recipients(0, count), TEXT, ledger=ledger, on_result=lambda r: None)

    try:
        send(False, provider.limit)  # warm up: token, connection, caches
        identity = _identity(server, provider, sides["sqlite"], lambda led: send(led, provider.limit))
        for r in range(rounds):
            for name in _rotation(list(sides), r):
                with sides[name].ledger() as ledger:
                    before = server.counts()
                    start = time.perf_counter()
                    result = send(ledger, n)
                    wall[name].append(time.perf_counter() - start)
                    served[name].append(server.delta(before)[provider.id])
                reported[name].append(result.requests)
                accepted[name].append(result.accepted)
    finally:
        account.close()
    out: dict[str, Any] = {
        **identity,
        "limit": provider.limit,
        "requests_min": minimum,
        "requests": served,
        "requests_ok": all(s == minimum for name in sides for s in served[name] + reported[name]),
        "accepted_ok": all(a == n for name in sides for a in accepted[name]),
        "msgs_per_s": {name: round(n / statistics.median(wall[name])) for name in sides},
        "us_per_recipient": {name: round(statistics.median(wall[name]) / n * 1e6, 1) for name in sides},
        "transactions_per_request": {
            name: round(side.transactions / (rounds * minimum), 2) for name, side in sides.items() if name != "none"
        },
        "flushed_per_request": {
            name: round(side.durable / (rounds * minimum), 2) for name, side in sides.items() if name != "none"
        },
    }
    # throughput with / without = time without / time with, round by round
    for name in sides:
        if name != "none":
            out[f"{name}_ratio"] = summary(wall["none"], wall[name])
    out["meets_goal"] = out["sqlite_ratio"]["median"] >= GOAL
    return out


def _identity(server: StandIn, provider: Provider, side: _Side, send: Callable[[Any], object]) -> dict[str, Any]:
    """The first request of a ledgered bulk send against the same send without the ledger."""
    counted = side.transactions, side.durable
    with side.ledger() as ledger:
        ours = server.capture(lambda: send(ledger))
    side.transactions, side.durable = counted  # not part of the timed rounds
    plain = server.capture(lambda: send(False))
    difference = None
    if ours != plain:
        for a, b in zip(ours.split(b"\r\n"), plain.split(b"\r\n"), strict=False):
            if a != b:
                difference = f"ledger {a[:200]!r} != no ledger {b[:200]!r}"
                break
        else:
            difference = f"lengths differ: {len(ours)} != {len(plain)}"
    return {"identical": ours == plain, "bytes": len(ours), "difference": difference}


# ---------------------------------------------------------------------------- 6b. workers


def workers(server: StandIn, provider: Provider, sizes: Any) -> dict[str, Any]:
    """Bulk with server latency and ``workers=k``: no ledger against the ledgers, interleaved."""
    n = sizes.latency_requests * provider.limit
    rounds = sizes.ledger_rounds
    postgres, why = postgres_server()
    out: dict[str, Any] = {
        "provider": provider.id,
        "latency_ms": round(sizes.latency_seconds * 1000),
        "recipients": n,
        "requests_min": sizes.latency_requests,
        "rounds": rounds,
        "postgresql": {"available": postgres, "reason": why},
        "workers": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="smsbridge-bench-ledger-"))
    account = smsbridge.connect(provider.url(server.host_port))
    try:
        account.bulk_send(provider.recipients(0, provider.limit), TEXT, ledger=False, on_result=lambda r: None)
        server.set_latency(sizes.latency_seconds)
        for k in sizes.ledger_workers:
            _log(f"[ledger] {provider.id}: workers={k}, {sizes.latency_seconds * 1000:.0f} ms latency")
            sides = _sides(workdir, postgres)
            wall: dict[str, list[float]] = {name: [] for name in sides}
            ok: list[bool] = []
            for r in range(rounds):
                for name in _rotation(list(sides), r):
                    with sides[name].ledger() as ledger:
                        before = server.counts()
                        start = time.perf_counter()
                        result = account.bulk_send(
                            provider.recipients(0, n), TEXT, ledger=ledger, workers=k, on_result=lambda r: None
                        )
                        wall[name].append(time.perf_counter() - start)
                        served = server.delta(before)[provider.id]
                    ok.append(served == result.requests == sizes.latency_requests and result.accepted == n)
            entry: dict[str, Any] = {
                "msgs_per_s": {name: round(n / statistics.median(wall[name])) for name in sides},
                "requests_ok": all(ok),
                "transactions_per_request": {
                    name: round(side.transactions / (rounds * sizes.latency_requests), 2)
                    for name, side in sides.items()
                    if name != "none"
                },
                "flushed_per_request": {
                    name: round(side.durable / (rounds * sizes.latency_requests), 2)
                    for name, side in sides.items()
                    if name != "none"
                },
            }
            for name in sides:
                if name != "none":
                    entry[f"{name}_ratio"] = summary(wall["none"], wall[name])
            out["workers"][str(k)] = entry
    finally:
        server.set_latency(0)
        account.close()
        with contextlib.suppress(OSError):
            workdir.rmdir()
    return out
