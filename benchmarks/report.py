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
            title=f"3. Memory: peak RSS of a child process ({s['provider']}, through the SQLite ledger; floor "
            f"{s['floor_mb']} MB: import + connect + 10 recipients; limit {s['limit_mb']:.0f} MB)"
        )
        t.add_column("path")
        sizes = list(next(iter(s["paths"].values())).keys()) if s["paths"] else []
        for n in sizes:
            t.add_column(f"{int(n):,}", justify="right")
        for col in ("growth", "flat", "< limit", "report complete", "ledger file"):
            t.add_column(col, justify="right")
        for name, by_size in s["paths"].items():
            t.add_row(
                {"generator": "generator -> bulk_send", "cli": "CSV -> smsbridge bulk"}.get(name, name),
                *(f"{by_size[n]['peak_rss_mb']:.1f} MB / {by_size[n]['seconds']:.0f} s" for n in sizes),
                f"{s[name + '_growth_mb']:+.1f} MB",
                _yes(s[name + "_flat"]),
                _yes(s[name + "_under_limit"]),
                _yes(s[name + "_complete"]),
                f"{by_size[sizes[-1]].get('ledger_mb', 0):.0f} MB" if sizes else "",
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
    if "ledger" in sections:
        out.extend(_ledger_tables(sections["ledger"]))
    return out


def _postgres_note(section: dict[str, Any]) -> str:
    pg = section["postgresql"]
    return "" if pg["available"] else f"; PostgreSQL not measured: {pg['reason']}"


def _commits(entry: dict[str, Any], side: str) -> str:
    """Write transactions per request, and (in brackets) how many of them were flushed to disk."""
    return f"{entry['transactions_per_request'][side]:.2f} ({entry['flushed_per_request'][side]:.2f})"


def _ledger_table(title: str, first: str, rows: dict[str, dict[str, Any]], pg: bool, goal: bool) -> Table:
    t = Table(title=title)
    columns = [first, "no ledger msg/s", "SQLite msg/s", "SQLite ratio", *(["goal met"] if goal else []), "SQLite tx"]
    columns += ["PostgreSQL msg/s", "PostgreSQL ratio", "PostgreSQL tx"] if pg else []
    for col in columns:
        t.add_column(col, justify="left" if col == first else "right")
    for name, e in rows.items():
        row = [name, f"{e['msgs_per_s']['none']:,}", f"{e['msgs_per_s']['sqlite']:,}", _r(e["sqlite_ratio"])]
        row += [_yes(e["meets_goal"])] if goal else []
        row += [_commits(e, "sqlite")]
        if pg:
            row += [f"{e['msgs_per_s']['postgresql']:,}", _r(e["postgresql_ratio"]), _commits(e, "postgresql")]
        t.add_row(*row)
    return t


def _ledger_tables(section: dict[str, Any]) -> list[Table]:
    s = section["bulk"]
    checks = Table(
        title=f"6a. Send ledger, on the wire: {s['recipients']:,} recipients per run, every side of every round"
    )
    for col in ("provider", "requests (min)", "bytes identical", "all accepted"):
        checks.add_column(col, justify="left" if col == "provider" else "right")
    for pid, p in s["providers"].items():
        minimal = "ok" if p["requests_ok"] else "NOT MINIMAL"
        checks.add_row(pid, f"{p['requests_min']} {minimal}", _yes(p["identical"]), _yes(p["accepted_ok"]))
    bulk = _ledger_table(
        f"6a. Send ledger: {s['recipients']:,} recipients through bulk_send, {s['rounds']} rounds, sides interleaved; "
        f"ratio = throughput with / without, median (min-max) (goal: SQLite >= {s['goal']}); tx = write "
        f"transactions per request (flushed to disk; fsync here {s['fsync_ms']} ms){_postgres_note(s)}",
        "provider",
        s["providers"],
        s["postgresql"]["available"],
        goal=True,
    )
    w = section["workers"]
    workers = _ledger_table(
        f"6b. Send ledger with workers: {w['recipients']:,} recipients ({w['requests_min']} requests, "
        f"{w['provider']}), {w['latency_ms']} ms server latency, {w['rounds']} rounds{_postgres_note(w)}",
        "workers",
        w["workers"],
        w["postgresql"]["available"],
        goal=False,
    )
    return [checks, bulk, workers]


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
