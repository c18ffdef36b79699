"""Run the smsbridge benchmarks: ``.venv/bin/python benchmarks/run.py [--quick] [options]``.

Starts the stand-in provider server on loopback (``benchmarks/standin.py``), runs the chosen
sections, prints the tables and writes the JSON (``benchmarks/results/latest.json`` for a
full run).  See ``benchmarks/README.md`` for what each section measures and how to read it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True  # leave no __pycache__ in the tree
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import ledgercost, processes, suite  # noqa: E402
from benchmarks.machine import describe  # noqa: E402
from benchmarks.providers import PROVIDERS  # noqa: E402
from benchmarks.report import print_tables  # noqa: E402
from benchmarks.standin import StandIn  # noqa: E402

__all__ = ["SECTIONS", "main", "run_all"]

SECTIONS = ("overhead", "bulk", "memory", "startup", "latency", "ledger")
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "latest.json"
QUICK_OUTPUT = Path("/tmp/smsbridge-bench-quick.json")
SCHEMA = 1


def checks(results: dict[str, Any]) -> dict[str, bool]:
    """The pass/fail facts of a run (goals that were not met are reported, not raised)."""
    s = results["sections"]
    out: dict[str, bool] = {}
    if "overhead" in s:
        ps = s["overhead"]["providers"].values()
        out["overhead_bytes_identical"] = all(p["identical"] for p in ps)
        out["overhead_requests_counted"] = all(p["requests"] == p["requests_expected"] for p in ps)
        out["overhead_goal_1_05"] = all(p["meets_goal"] for p in ps)
    if "bulk" in s:
        ps = s["bulk"]["providers"].values()
        out["bulk_bytes_identical"] = all(p["identical"] for p in ps)
        out["bulk_requests_minimal"] = all(p["requests_ok"] for p in ps)
        out["bulk_all_accepted"] = all(p["accepted_ok"] for p in ps)
    if "memory" in s:
        m = s["memory"]
        for name in m["paths"]:
            out[f"memory_{name}_under_100mb"] = m[f"{name}_under_limit"]
            out[f"memory_{name}_flat"] = m[f"{name}_flat"]
            out[f"memory_{name}_report_complete"] = m[f"{name}_complete"]
    if "startup" in s:
        commands = s["startup"]["commands"]
        required = [c for name, c in commands.items() if name not in processes.ALIAS_PROBES]
        out["startup_lazy_provider_modules"] = all(c["modules_ok"] for c in required)
        out["startup_lazy_for_alias_ids"] = all(commands[name]["modules_ok"] for name in processes.ALIAS_PROBES)
    if "latency" in s:
        out["latency_requests_minimal"] = all(w["requests_ok"] for w in s["latency"]["workers"].values())
    if "ledger" in s:
        ps = s["ledger"]["bulk"]["providers"].values()
        out["ledger_bytes_identical"] = all(p["identical"] for p in ps)
        out["ledger_requests_minimal"] = all(p["requests_ok"] for p in ps)
        out["ledger_all_accepted"] = all(p["accepted_ok"] for p in ps)
        out["ledger_goal_0_8"] = all(p["meets_goal"] for p in ps)
        by_workers = s["ledger"]["workers"]["workers"].values()
        out["ledger_workers_requests_minimal"] = all(w["requests_ok"] for w in by_workers)
    return out


def run_all(
    *,
    quick: bool = False,
    sections: Sequence[str] = SECTIONS,
    providers: Sequence[str] = tuple(PROVIDERS),
    server_procs: int = 1,
    memory_provider: str = "aspsms",
    latency_provider: str = "jormall",
    cli: bool = True,
    output: Path | None = None,
) -> dict[str, Any]:
    """Run ``sections`` and return the results (also written to ``output`` when given)."""
    sizes = suite.QUICK if quick else suite.FULL
    chosen = [PROVIDERS[p] for p in providers]
    started = time.perf_counter()
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "mode": "quick" if quick else "full",
        "machine": describe(),
        "server": {
            "procs": server_procs,
            "implementation": "asyncio, hand-rolled HTTP/1.1 keep-alive parser, SO_REUSEPORT, 127.0.0.1",
        },
        "sizes": {
            "overhead_messages_per_block": sizes.overhead_messages,
            "overhead_rounds": sizes.overhead_rounds,
            "bulk_recipients": sizes.bulk_recipients,
            "bulk_rounds": sizes.bulk_rounds,
            "memory_sizes": list(sizes.memory_sizes),
            "startup_repeats": sizes.startup_repeats,
            "latency_requests": sizes.latency_requests,
            "latency_workers": list(sizes.latency_workers),
            "ledger_recipients": sizes.ledger_recipients,
            "ledger_rounds": sizes.ledger_rounds,
            "ledger_workers": list(sizes.ledger_workers),
        },
        "providers": list(providers),
        "sections": {},
    }
    with StandIn(procs=server_procs) as server:
        if "overhead" in sections:
            results["sections"]["overhead"] = suite.overhead(server, chosen, sizes)
        if "bulk" in sections:
            results["sections"]["bulk"] = suite.bulk(server, chosen, sizes)
        if "memory" in sections:
            results["sections"]["memory"] = processes.memory(
                server, PROVIDERS[memory_provider], sizes.memory_sizes, cli=cli
            )
        if "latency" in sections:
            results["sections"]["latency"] = suite.latency(server, PROVIDERS[latency_provider], sizes)
        if "ledger" in sections:
            results["sections"]["ledger"] = {
                "bulk": ledgercost.bulk(server, chosen, sizes),
                "workers": ledgercost.workers(server, PROVIDERS[latency_provider], sizes),
            }
    if "startup" in sections:  # no server needed; runs last so nothing else competes for the CPU
        suite.log("[startup]")
        results["sections"]["startup"] = processes.startup(sizes.startup_repeats)
    results["checks"] = checks(results)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".tmp")
        temporary.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        os.replace(temporary, output)
    return results


def _list(value: str, allowed: Sequence[str]) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = sorted(set(items) - set(allowed))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return items


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a few seconds): what the test runs")
    parser.add_argument(
        "--sections",
        type=lambda v: _list(v, SECTIONS),
        default=list(SECTIONS),
        help=f"comma-separated, from {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--providers",
        type=lambda v: _list(v, tuple(PROVIDERS)),
        default=list(PROVIDERS),
        help=f"comma-separated, from {','.join(PROVIDERS)} (default: all; sections 1, 2 and 6a)",
    )
    parser.add_argument("--server-procs", type=int, default=1, help="stand-in server processes (default 1)")
    parser.add_argument("--memory-provider", choices=tuple(PROVIDERS), default="aspsms")
    parser.add_argument("--latency-provider", choices=tuple(PROVIDERS), default="jormall", help="sections 5 and 6b")
    parser.add_argument("--no-cli", action="store_true", help="skip the `smsbridge bulk` memory runs")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"JSON path (default: {DEFAULT_OUTPUT.relative_to(ROOT)}; with --quick: {QUICK_OUTPUT})",
    )
    args = parser.parse_args(argv)
    output = args.output or (QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT)
    results = run_all(
        quick=args.quick,
        sections=args.sections,
        providers=args.providers,
        server_procs=args.server_procs,
        memory_provider=args.memory_provider,
        latency_provider=args.latency_provider,
        cli=not args.no_cli,
        output=output,
    )
    print_tables(results)
    print(f"JSON: {output}  ({results['duration_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
