"""Sections that run against the stand-in server: per-message overhead, bulk, latency hiding.

Every figure is a ratio of two loops measured back to back in the same run (smsbridge, then
the hand-written baseline, then the other order, ...), because this kind of machine is shared
and noisy: absolute rates move by tens of percent between runs, ratios much less.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

import smsbridge
from benchmarks.profiling import breakdown
from benchmarks.providers import TEXT, Provider
from benchmarks.standin import StandIn
from benchmarks.stats import summary

__all__ = ["FULL", "QUICK", "Sizes", "bulk", "latency", "overhead"]

#: the goal of section 1: smsbridge at most 5% slower per message than the hand-written loop
OVERHEAD_GOAL = 1.05


@attrs.frozen
class Sizes:
    """How much work each section does (``FULL`` for the README, ``QUICK`` for the test)."""

    overhead_messages: int  # messages per timed block
    overhead_rounds: int  # blocks per side, interleaved
    overhead_profile_messages: int
    bulk_recipients: int
    bulk_rounds: int
    bulk_profile_recipients: int
    memory_sizes: tuple[int, ...]
    startup_repeats: int
    latency_requests: int  # bulk requests per measurement (recipients = requests x limit)
    latency_workers: tuple[int, ...]
    latency_seconds: float
    ledger_recipients: int  # section 6a, per provider and side
    ledger_rounds: int  # rounds of sections 6a and 6b (every side once a round)
    ledger_workers: tuple[int, ...]  # section 6b, at latency_seconds


FULL = Sizes(
    overhead_messages=250,
    overhead_rounds=16,
    overhead_profile_messages=1000,
    bulk_recipients=100_000,
    bulk_rounds=3,
    bulk_profile_recipients=10_000,
    memory_sizes=(10_000, 100_000, 1_000_000),
    startup_repeats=10,
    latency_requests=64,
    latency_workers=(1, 2, 4, 8, 16),
    latency_seconds=0.05,
    ledger_recipients=100_000,
    ledger_rounds=3,
    ledger_workers=(8,),
)

QUICK = Sizes(
    overhead_messages=10,
    overhead_rounds=2,
    overhead_profile_messages=10,
    bulk_recipients=2_500,  # more than every limit, so chunking is exercised
    bulk_rounds=1,
    bulk_profile_recipients=300,
    memory_sizes=(300, 1_500),
    startup_repeats=1,
    latency_requests=4,
    latency_workers=(1, 2),
    latency_seconds=0.01,
    ledger_recipients=1_200,  # more than every limit: several requests per provider
    ledger_rounds=1,
    ledger_workers=(2,),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _first_difference(a: bytes, b: bytes) -> str | None:
    if a == b:
        return None
    for line_a, line_b in zip(a.split(b"\r\n"), b.split(b"\r\n"), strict=False):
        if line_a != line_b:
            return f"smsbridge {line_a[:200]!r} != baseline {line_b[:200]!r}"
    return f"lengths differ: {len(a)} != {len(b)}"


def _identity(
    server: StandIn, ours: Callable[[], object], theirs: Callable[[], object], *, floor: int = 0
) -> dict[str, Any]:
    """Capture the first send request of each side at the server and compare the bytes.

    With ``floor`` > 0 the captured request is also replayed that many times over a raw
    socket: the server's own share of a request (``server_floor_us``).
    """
    a = server.capture(ours)
    b = server.capture(theirs)
    extra = {"server_floor_us": round(server.round_trips(a, floor) * 1e6, 1)} if floor else {}
    return {
        **extra,
        "identical": a == b,
        "bytes": len(a),
        "request_line": a.split(b"\r\n", 1)[0].decode("latin-1")[:160],
        "difference": _first_difference(a, b),
    }


def _timed(loop: Callable[[], object]) -> tuple[float, float]:
    """Wall and client-CPU seconds of ``loop``."""
    wall, cpu = time.perf_counter(), time.process_time()
    loop()
    return time.perf_counter() - wall, time.process_time() - cpu


# ---------------------------------------------------------------------------- 1. overhead


def overhead(server: StandIn, providers: Sequence[Provider], sizes: Sizes) -> dict[str, Any]:
    """N single sends through smsbridge against the hand-written loop, per provider."""
    n, rounds = sizes.overhead_messages, sizes.overhead_rounds
    out: dict[str, Any] = {"messages_per_block": n, "rounds": rounds, "goal": OVERHEAD_GOAL, "providers": {}}
    for provider in providers:
        log(f"[overhead] {provider.id}: {rounds} x {n} messages per side")
        out["providers"][provider.id] = _overhead_one(server, provider, sizes)
    return out


def _overhead_one(server: StandIn, provider: Provider, sizes: Sizes) -> dict[str, Any]:
    n, rounds = sizes.overhead_messages, sizes.overhead_rounds
    account = smsbridge.connect(provider.url(server.host_port, single=True))
    client = provider.baseline_class(server.host_port)
    try:
        for i in range(20):  # warm up: token, connection, lazy imports, caches
            provider.send_one(account, i)
            provider.baseline_one(client, i)
        identity = _identity(
            server, lambda: provider.send_one(account, 1), lambda: provider.baseline_one(client, 1), floor=n
        )

        def ours(count: int = n) -> None:
            for i in range(count):
                provider.send_one(account, i)

        def theirs(count: int = n) -> None:
            for i in range(count):
                provider.baseline_one(client, i)

        sides: dict[str, Callable[[], object]] = {"smsbridge": ours, "baseline": theirs}
        wall: dict[str, list[float]] = {"smsbridge": [], "baseline": []}
        cpu: dict[str, list[float]] = {"smsbridge": [], "baseline": []}
        before = server.counts()
        for r in range(rounds):
            for side in ("smsbridge", "baseline") if r % 2 == 0 else ("baseline", "smsbridge"):
                w, c = _timed(sides[side])
                wall[side].append(w)
                cpu[side].append(c)
        served = server.delta(before)[provider.id]
        ratio = summary(wall["smsbridge"], wall["baseline"])
        result: dict[str, Any] = {
            **identity,
            "wall_ratio": ratio,
            "cpu_ratio": summary(cpu["smsbridge"], cpu["baseline"]),
            "smsbridge_us_per_message": round(statistics.median(wall["smsbridge"]) / n * 1e6, 1),
            "baseline_us_per_message": round(statistics.median(wall["baseline"]) / n * 1e6, 1),
            "overhead_us_per_message": round(
                statistics.median(a - b for a, b in zip(wall["smsbridge"], wall["baseline"], strict=True)) / n * 1e6,
                1,
            ),
            "requests": served,
            "requests_expected": 2 * rounds * n,
            "meets_goal": ratio["median"] <= OVERHEAD_GOAL,
        }
        result["decomposition"] = _decompose(provider, account, client, n, max(3, rounds // 2))
        if not result["meets_goal"]:
            m = sizes.overhead_profile_messages
            result["profile"] = {
                "note": "cProfile own time per message by library; inflated by the profiler, compare the sides",
                "smsbridge": breakdown(lambda: ours(m), m),
                "baseline": breakdown(lambda: theirs(m), m),
            }
        return result
    finally:
        account.close()
        client.close()


def _decompose(provider: Provider, account: Any, client: Any, n: int, rounds: int) -> dict[str, Any]:
    """Split the overhead: smsbridge's own CPU per message, and its HTTP layer against bare requests.

    * ``framework_us``: ``account.send`` with the account's transport answering a canned reply
      (the real reply to the same request), so no I/O at all: validation, hooks, building
      the request, parsing the reply.
    * ``transport_us`` against ``session_request_us``: the account's ``Transport.request`` and
      ``requests.Session.request`` with the very same arguments (same bytes on the wire).
    * ``transport_cached_proxies_us``: what-if, the same ``Transport.request`` with the
      environment's proxy settings resolved once and handed to ``Session.send`` (which then
      skips its own per-request lookup): the gain of the fix proposed in the README.
    """
    transport = account.ctx.http
    real = transport.request
    calls: list[tuple[str, str, dict[str, Any], Any]] = []

    def recording(method: str, url: str, **kwargs: Any) -> Any:
        reply = real(method, url, **kwargs)
        calls.append((method, url, kwargs, reply))
        return reply

    transport.request = recording
    try:
        provider.send_one(account, 1)
    finally:
        del transport.request
    method, url, kwargs, canned = calls[-1]
    plain = {k: v for k, v in kwargs.items() if k in ("params", "data", "json", "headers")}
    session = client.session
    proxies = session.merge_environment_settings(url, {}, None, None, None)["proxies"]

    def stubbed() -> None:
        transport.request = lambda *a, **k: canned
        try:
            for _ in range(n):
                provider.send_one(account, 1)
        finally:
            del transport.request

    def through_transport() -> None:
        for _ in range(n):
            real(method, url, **kwargs)

    def through_requests() -> None:
        for _ in range(n):
            session.request(method, url, **plain).content  # noqa: B018  (read the body, like the transport)

    def cached_proxies() -> None:
        own = transport.session
        send = own.send
        own.send = lambda prepared, **options: send(prepared, **{**options, "proxies": proxies})
        try:
            for _ in range(n):
                real(method, url, **kwargs)
        finally:
            del own.send

    loops = {
        "framework_us": stubbed,
        "transport_us": through_transport,
        "session_request_us": through_requests,
        "transport_cached_proxies_us": cached_proxies,
    }
    times: dict[str, list[float]] = {name: [] for name in loops}
    names = list(loops)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order
            times[name].append(_timed(loops[name])[0] / n * 1e6)
    out: dict[str, Any] = {name: round(statistics.median(v), 1) for name, v in times.items()}
    out["transport_ratio"] = summary(times["transport_us"], times["session_request_us"])
    out["cached_proxies_ratio"] = summary(times["transport_cached_proxies_us"], times["transport_us"])
    out["rounds"] = rounds
    return out


# ---------------------------------------------------------------------------- 2. bulk


def bulk(server: StandIn, providers: Sequence[Provider], sizes: Sizes) -> dict[str, Any]:
    """``bulk_send`` of N recipients against the hand-written chunking loop, per provider.

    Without the send ledger (``ledger=False``), like the loop: this is the framework's own cost;
    section 6 (``benchmarks.ledgercost``) measures what the ledger adds to it.
    """
    n, rounds = sizes.bulk_recipients, sizes.bulk_rounds
    out: dict[str, Any] = {"recipients": n, "rounds": rounds, "providers": {}}
    for provider in providers:
        log(f"[bulk] {provider.id}: {rounds} x {n} recipients per side")
        out["providers"][provider.id] = _bulk_one(server, provider, sizes)
    return out


def _bulk_one(server: StandIn, provider: Provider, sizes: Sizes) -> dict[str, Any]:
    n, rounds = sizes.bulk_recipients, sizes.bulk_rounds
    account = smsbridge.connect(provider.url(server.host_port))
    client = provider.baseline_class(server.host_port)
    minimum = math.ceil(n / provider.limit)
    accepted: dict[str, list[int]] = {"smsbridge": [], "baseline": []}
    reported: list[int] = []

    def ours(count: int = n, record: bool = True) -> None:
        result = account.bulk_send(provider.recipients(0, count), TEXT, ledger=False, on_result=lambda r: None)
        if record:
            accepted["smsbridge"].append(result.accepted)
            reported.append(result.requests)

    def theirs(count: int = n, record: bool = True) -> None:
        got = provider.baseline_bulk(client, 0, count)[0]
        if record:
            accepted["baseline"].append(got)

    try:
        identity = _identity(server, lambda: ours(provider.limit, False), lambda: theirs(provider.limit, False))
        wall: dict[str, list[float]] = {"smsbridge": [], "baseline": []}
        cpu: dict[str, list[float]] = {"smsbridge": [], "baseline": []}
        served: dict[str, list[int]] = {"smsbridge": [], "baseline": []}
        sides: dict[str, Callable[[], None]] = {"smsbridge": ours, "baseline": theirs}
        for r in range(rounds):
            for side in ("smsbridge", "baseline") if r % 2 == 0 else ("baseline", "smsbridge"):
                before = server.counts()
                w, c = _timed(sides[side])
                wall[side].append(w)
                cpu[side].append(c)
                served[side].append(server.delta(before)[provider.id])
        m = min(n, sizes.bulk_profile_recipients)
        profile = breakdown(lambda: ours(m, False), m, top=10)
    finally:
        account.close()
        client.close()
    return {
        **identity,
        "limit": provider.limit,
        "requests": served["smsbridge"][0],
        "requests_all_rounds": served["smsbridge"],
        "requests_reported": reported[0],
        "requests_min": minimum,
        "baseline_requests": served["baseline"][0],
        "requests_ok": all(s == minimum for s in served["smsbridge"] + reported),
        "accepted_ok": all(a == n for a in accepted["smsbridge"] + accepted["baseline"]),
        "smsbridge_msgs_per_s": round(n / statistics.median(wall["smsbridge"])),
        "baseline_msgs_per_s": round(n / statistics.median(wall["baseline"])),
        "wall_ratio": summary(wall["smsbridge"], wall["baseline"]),
        "cpu_ratio": summary(cpu["smsbridge"], cpu["baseline"]),
        "smsbridge_us_per_recipient": round(statistics.median(wall["smsbridge"]) / n * 1e6, 2),
        "baseline_us_per_recipient": round(statistics.median(wall["baseline"]) / n * 1e6, 2),
        "profile": {"recipients": m, **profile},
    }


# ---------------------------------------------------------------------------- 5. latency hiding


def latency(server: StandIn, provider: Provider, sizes: Sizes) -> dict[str, Any]:
    """Bulk throughput with an injected server latency, against ``workers``.

    Each request waits ``latency_seconds`` at the server, so one worker spends nearly all its
    time waiting; ``workers=k`` should approach a k-fold speed-up until the client's own CPU
    (number validation, request building: one GIL) becomes the limit.  That limit is measured
    in the same run: the same bulk without latency (``no_latency_msgs_per_s``).
    """
    n = sizes.latency_requests * provider.limit
    out: dict[str, Any] = {
        "provider": provider.id,
        "latency_ms": round(sizes.latency_seconds * 1000),
        "recipients": n,
        "requests": sizes.latency_requests,
        "workers": {},
    }
    account = smsbridge.connect(provider.url(server.host_port))
    try:  # warm up (token, connection); sections 2 and 5 measure bulk without the ledger, section 6 with it
        account.bulk_send(provider.recipients(0, provider.limit), TEXT, ledger=False, on_result=lambda r: None)
        start = time.perf_counter()  # the client's own ceiling: no latency, one worker
        account.bulk_send(provider.recipients(0, n), TEXT, ledger=False, on_result=lambda r: None)
        ceiling = n / (time.perf_counter() - start)
        out["no_latency_msgs_per_s"] = round(ceiling)
        server.set_latency(sizes.latency_seconds)
        base_rate = None
        for workers in sizes.latency_workers:
            log(f"[latency] {provider.id}: workers={workers}")
            before = server.counts()
            start = time.perf_counter()
            summary_ = account.bulk_send(
                provider.recipients(0, n), TEXT, ledger=False, on_result=lambda r: None, workers=workers
            )
            seconds = time.perf_counter() - start
            delta = server.delta(before)
            rate = n / seconds
            base_rate = base_rate or rate
            ideal = min(workers, sizes.latency_requests)
            out["workers"][str(workers)] = {
                "seconds": round(seconds, 3),
                "msgs_per_s": round(rate),
                "speedup": round(rate / base_rate, 2),
                "ideal_speedup": ideal,
                "efficiency": round(rate / base_rate / ideal, 2),
                "of_no_latency_rate": round(rate / ceiling, 2),
                "requests": delta[provider.id],
                "requests_ok": delta[provider.id] == sizes.latency_requests == summary_.requests,
                "connections_opened": delta["connections"],
                "accepted_ok": summary_.accepted == n,
            }
    finally:
        server.set_latency(0)
        account.close()
    floor = sizes.latency_requests * sizes.latency_seconds
    out["latency_floor_seconds_at_1_worker"] = round(floor, 3)
    speedups = [w["speedup"] for w in out["workers"].values()]
    out["best_speedup"] = max(speedups) if speedups else None
    out["spread_note"] = "single measurement per worker count; speed-ups are ratios to workers=1 of the same run"
    return out
