"""The results as rich tables (stdout) and as Markdown (for benchmarks/README.md)."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["print_tables", "tables"]


def _r(spread: dict[str, float]) -> str:
    return f"{spread['median']:.2f} ({spread['min']:.2f}-{spread['max']:.2f})"


def _yes(flag: object) -> str:
    return "yes" if flag else "NO"


def tables(results: dict[str, Any]) -> list[Table]:
    """One table per section that ran."""
    out: list[Table] = []
    sections = results["sections"]
    if "overhead" in sections:
        s = sections["overhead"]
        t = Table(
            title=f"1. Per-message overhead: {s['rounds']} x {s['messages_per_block']} single sends per side, "
            f"interleaved (goal: ratio <= {s['goal']})"
        )
        for col in (
            "provider",
            "bytes identical",
            "wall ratio median (min-max)",
            "client CPU ratio",
            "smsbridge µs/msg",
            "baseline µs/msg",
            "overhead µs/msg",
            "goal met",
        ):
            t.add_column(col, justify="left" if col == "provider" else "right")
        for pid, p in s["providers"].items():
            t.add_row(
                pid,
                _yes(p["identical"]),
                _r(p["wall_ratio"]),
                _r(p["cpu_ratio"]),
                f"{p['smsbridge_us_per_message']:.0f}",
                f"{p['baseline_us_per_message']:.0f}",
                f"{p['overhead_us_per_message']:.0f}",
                _yes(p["meets_goal"]),
            )
        out.append(t)
        t = Table(
            title="1b. Where the overhead goes (µs per message or request, medians of interleaved blocks; "
            "same request bytes in every column)"
        )
        for col in (
            "provider",
            "server floor (raw socket)",
            "smsbridge CPU, no I/O",
            "Session.request",
            "Transport.request",
            "Transport / Session",
            "Transport, proxies resolved once",
            "saving",
        ):
            t.add_column(col, justify="left" if col == "provider" else "right")
        for pid, p in s["providers"].items():
            d = p["decomposition"]
            t.add_row(
                pid,
                f"{p['server_floor_us']:.0f}",
                f"{d['framework_us']:.0f}",
                f"{d['session_request_us']:.0f}",
                f"{d['transport_us']:.0f}",
                _r(d["transport_ratio"]),
                f"{d['transport_cached_proxies_us']:.0f}",
                f"{d['transport_us'] - d['transport_cached_proxies_us']:.0f}",
            )
        out.append(t)
    if "bulk" in sections:
        s = sections["bulk"]
        t = Table(title=f"2. Bulk: {s['recipients']:,} recipients through bulk_send, {s['rounds']} rounds per side")
        for col in (
            "provider",
            "per request",
            "requests (min)",
            "bytes identical",
            "smsbridge msg/s",
            "baseline msg/s",
            "wall ratio median (min-max)",
            "smsbridge µs/recipient",
        ):
            t.add_column(col, justify="left" if col == "provider" else "right")
        for pid, p in s["providers"].items():
            t.add_row(
                pid,
                str(p["limit"]),
                f"{p['requests']} ({p['requests_min']}) {'ok' if p['requests_ok'] else 'NOT MINIMAL'}",
                _yes(p["identical"]),
                f"{p['smsbridge_msgs_per_s']:,}",
                f"{p['baseline_msgs_per_s']:,}",
                _r(p["wall_ratio"]),
                f"{p['smsbridge_us_per_recipient']:.1f}",
            )
        out.append(t)
    if "memory" in sections:
        s = sections["memory"]
        t = Table(
            title=f"3. Memory: peak RSS of a child process ({s['provider']}; floor {s['floor_mb']} MB: "
            f"import + connect + 10 recipients; limit {s['limit_mb']:.0f} MB)"
        )
        t.add_column("path")
        sizes = list(next(iter(s["paths"].values())).keys()) if s["paths"] else []
        for n in sizes:
            t.add_column(f"{int(n):,}", justify="right")
        for col in ("growth", "flat", "< limit", "report complete"):
            t.add_column(col, justify="right")
        for name, by_size in s["paths"].items():
            t.add_row(
                {"generator": "generator -> bulk_send", "cli": "CSV -> smsbridge bulk"}.get(name, name),
                *(f"{by_size[n]['peak_rss_mb']:.1f} MB / {by_size[n]['seconds']:.0f} s" for n in sizes),
                f"{s[name + '_growth_mb']:+.1f} MB",
                _yes(s[name + "_flat"]),
                _yes(s[name + "_under_limit"]),
                _yes(s[name + "_complete"]),
            )
        out.append(t)
    if "startup" in sections:
        s = sections["startup"]
        t = Table(title=f"4. Start-up: median of {s['repeats']} runs each, interleaved")
        for col in (
            "command",
            "median ms",
            "ratio to python -c pass",
            "extra ms",
            "smsbridge_* modules loaded",
            "as expected",
        ):
            t.add_column(col, justify="left" if col in ("command", "smsbridge_* modules loaded") else "right")
        for name, c in s["commands"].items():
            t.add_row(
                name,
                f"{c['median_ms']:.0f}",
                _r(c["ratio_to_pass"]),
                f"{c['extra_ms']:+.0f}",
                ", ".join(c["provider_modules"] or []) or "none",
                _yes(c["modules_ok"]),
            )
        out.append(t)
    if "latency" in sections:
        s = sections["latency"]
        t = Table(
            title=f"5. Latency hiding: {s['recipients']:,} recipients ({s['requests']} requests, {s['provider']}) "
            f"with {s['latency_ms']} ms server latency; without latency: {s['no_latency_msgs_per_s']:,} msg/s"
        )
        for col in (
            "workers",
            "seconds",
            "msg/s",
            "speed-up",
            "ideal",
            "efficiency",
            "of no-latency rate",
            "connections opened",
        ):
            t.add_column(col, justify="right")
        for workers, w in s["workers"].items():
            t.add_row(
                workers,
                f"{w['seconds']:.2f}",
                f"{w['msgs_per_s']:,}",
                f"{w['speedup']:.2f}",
                str(w["ideal_speedup"]),
                f"{w['efficiency']:.2f}",
                f"{w['of_no_latency_rate']:.2f}",
                str(w["connections_opened"]),
            )
        out.append(t)
    return out


def print_tables(results: dict[str, Any], console: Console | None = None) -> None:
    if console is None:
        console = Console() if sys.stdout.isatty() else Console(width=180)
    m = results["machine"]
    console.print(
        f"[bold]smsbridge benchmarks[/] ({results['mode']}) {m['date']}  {m['cpu']}, {m['cores']} cores, "
        f"{m['ram_gb']} GB, {m['python']}, {m['os']}; stand-in server: {results['server']['procs']} process(es)"
    )
    for table in tables(results):
        console.print(table)
    checks = results.get("checks", {})
    if checks:
        console.print("checks: " + ", ".join(f"{k}={'ok' if v else 'FAILED'}" for k, v in checks.items()))
