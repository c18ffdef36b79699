"""Sections measured in child processes: memory (3) and start-up (4).

Memory: a fresh child per size, its peak RSS read from ``os.wait4`` (``ru_maxrss``, the
child's own high-water mark, not the maximum over every child ever waited for), so sizes never
share a heap.  Start-up: wall time of whole interpreter runs, interleaved command by command
so that machine noise hits every command alike, reported as ratios to ``python -c pass``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.providers import TEXT, Provider
from benchmarks.standin import StandIn
from benchmarks.stats import spread

__all__ = ["ALIAS_PROBES", "MEMORY_LIMIT_MB", "memory", "startup"]

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT_MB = 100.0
#: peak RSS may grow this much from the smallest to the largest size and still count as flat
FLAT_TOLERANCE_MB = 10.0


def _env(ledger: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no cache in the tree
    if ledger is not None:  # bulk sends go through the send ledger: a fresh one, never the user's own
        env["SMSBRIDGE_LEDGER"] = str(ledger)
    return env


def _ledger_files(ledger: Path) -> list[Path]:
    return [Path(f"{ledger}{suffix}") for suffix in ("", "-wal", "-shm")]


def _run_measured(argv: Sequence[str], workdir: Path, timeout: float) -> dict[str, Any]:
    """Run ``argv`` with a fresh SQLite ledger; its exit code, stdout, wall time, peak RSS (MB), ledger size."""
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    ledger = workdir / "ledger.db"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), stdout=out, stderr=err, env=_env(ledger), cwd=str(workdir))
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    ledger_bytes = sum(f.stat().st_size for f in _ledger_files(ledger) if f.exists())
    for f in _ledger_files(ledger):
        f.unlink(missing_ok=True)
    return {
        "exit_code": process.returncode,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "ledger_mb": round(ledger_bytes / 1e6, 1),
        "stdout": out_path.read_text(errors="replace"),
        "stderr": err_path.read_text(errors="replace")[-2000:],
    }


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def _write_csv(path: Path, provider: Provider, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("phone\n")
        step = 10_000
        for start in range(0, n, step):
            f.write("".join(f"{provider.number(i)}\n" for i in range(start, min(n, start + step))))


def _smsbridge_command() -> list[str]:
    script = Path(sys.executable).with_name("smsbridge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "smsbridge.cli"]


def memory(server: StandIn, provider: Provider, sizes: Sequence[int], *, cli: bool = True) -> dict[str, Any]:
    """Peak RSS of a child sending to ``sizes`` recipients, from a generator and from a CSV.

    Both go through the send ledger (a fresh SQLite file per child, in the temporary folder),
    as every bulk send does by default; its size after the run is recorded too.
    """
    url = provider.url(server.host_port)
    out: dict[str, Any] = {"provider": provider.id, "limit_mb": MEMORY_LIMIT_MB, "paths": {}}
    workdir = Path(tempfile.mkdtemp(prefix="smsbridge-bench-"))
    try:
        floor = _run_measured([sys.executable, "-m", "benchmarks.memchild", "floor", url], workdir, 120)
        out["floor_mb"] = floor["peak_rss_mb"]
        paths: dict[str, dict[str, Any]] = {"generator": {}}
        if cli:
            paths["cli"] = {}
        for n in sizes:
            print(f"[memory] {provider.id}: {n} recipients", file=sys.stderr, flush=True)
            timeout = 60 + n / 2000
            report = workdir / f"generator-{n}.csv"
            run = _run_measured(
                [sys.executable, "-m", "benchmarks.memchild", "generator", url, str(n), str(report)], workdir, timeout
            )
            child = json.loads(run["stdout"].strip().splitlines()[-1]) if run["exit_code"] == 0 else {}
            paths["generator"][str(n)] = {
                "peak_rss_mb": run["peak_rss_mb"],
                "seconds": run["seconds"],
                "exit_code": run["exit_code"],
                "ledger_mb": run["ledger_mb"],
                "accepted": child.get("accepted"),
                "requests": child.get("requests"),
                "requests_min": math.ceil(n / provider.limit),
                "report_lines": _count_lines(report) - 1 if report.exists() else 0,
                **({"error": run["stderr"]} if run["exit_code"] else {}),
            }
            report.unlink(missing_ok=True)
            if not cli:
                continue
            source, report = workdir / f"input-{n}.csv", workdir / f"cli-{n}.csv"
            _write_csv(source, provider, n)
            command = [*_smsbridge_command(), "bulk", str(source), TEXT, "--url", url, "--report", str(report)]
            run = _run_measured([*command, "--no-progress", "--json"], workdir, timeout * 2)
            try:
                doc = json.loads(run["stdout"])
            except ValueError:
                doc = {}
            paths["cli"][str(n)] = {
                "peak_rss_mb": run["peak_rss_mb"],
                "seconds": run["seconds"],
                "exit_code": run["exit_code"],
                "ledger_mb": run["ledger_mb"],
                "accepted": doc.get("accepted"),
                "requests": doc.get("requests"),
                "requests_min": math.ceil(n / provider.limit),
                "report_lines": _count_lines(report) - 1 if report.exists() else 0,
                **({"error": run["stderr"]} if run["exit_code"] else {}),
            }
            source.unlink(missing_ok=True)
            report.unlink(missing_ok=True)
        out["paths"] = paths
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for name, by_size in out["paths"].items():
        peaks = [v["peak_rss_mb"] for v in by_size.values()]
        complete = all(v["report_lines"] == int(n) and v["accepted"] == int(n) for n, v in by_size.items())
        growth = round(peaks[-1] - peaks[0], 1) if peaks else 0.0
        out[f"{name}_growth_mb"] = growth
        out[f"{name}_flat"] = growth <= FLAT_TOLERANCE_MB
        out[f"{name}_under_limit"] = all(p < MEMORY_LIMIT_MB for p in peaks)
        out[f"{name}_complete"] = complete
    return out


# ---------------------------------------------------------------------------- 4. start-up

_PROBE = (
    "\nimport sys, json\n"
    "providers = sorted(m for m in sys.modules if m.startswith('smsbridge_') and '.' not in m)\n"
    "heavy = sorted(m for m in ('requests', 'urllib3', 'phonenumbers', 'rich', 'click', 'pluggy', 'cattrs')"
    " if m in sys.modules)\n"
    "print('@@' + json.dumps({'providers': providers, 'heavy': heavy}), file=sys.stderr)\n"
)

COMMANDS: dict[str, str] = {
    "python -c pass": "pass",
    "import smsbridge": "import smsbridge",
    "connect('console://')": "import smsbridge; smsbridge.connect('console://')",
    "connect('aspsms://u:p@default')": "import smsbridge; smsbridge.connect('aspsms://u:p@default')",
    "connect('playsms://u:t@127.0.0.1?plain_http=yes')": (
        "import smsbridge; smsbridge.connect('playsms://u:t@127.0.0.1?plain_http=yes')"
    ),
    "smsbridge --help": "",  # the console script, below
}
#: extra rows, not in the brief: a provider id that is not its plugin's entry-point name
ALIAS_PROBES = ("connect('playsms://u:t@127.0.0.1?plain_http=yes')",)


def _installed_plugin_modules() -> list[str]:
    """The top-level modules of every installed smsbridge entry point."""
    from importlib.metadata import entry_points

    return sorted({ep.value.split(":")[0].split(".")[0] for ep in entry_points(group="smsbridge")})


#: provider modules each command may load (None: not checked).  Opening any account loads every
#: installed plugin, so that a provider id is resolved only once every claimant is known
#: (docs/security.md); importing smsbridge or asking for --help loads none.
_ALL = _installed_plugin_modules()
EXPECTED_MODULES: dict[str, list[str] | None] = {
    "python -c pass": [],
    "import smsbridge": [],
    "connect('console://')": _ALL,
    "connect('aspsms://u:p@default')": _ALL,
    "connect('playsms://u:t@127.0.0.1?plain_http=yes')": _ALL,
    "smsbridge --help": [],
}
_HELP_CODE = (
    "import sys\nsys.argv = ['smsbridge', '--help']\nfrom smsbridge.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
)


def _argv(name: str) -> list[str]:
    if name == "smsbridge --help":
        return [*_smsbridge_command(), "--help"]
    return [sys.executable, "-c", COMMANDS[name]]


def startup(repeats: int) -> dict[str, Any]:
    """Interpreter start-up with smsbridge, against ``python -c pass``, and what it imports."""
    env = _env()
    env.pop("PYTHONPATH", None)  # what a user runs: no benchmark path
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for name in COMMANDS:  # warm the OS file cache once
        subprocess.run(_argv(name), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    for _ in range(repeats):
        for name in COMMANDS:
            start = time.perf_counter()
            subprocess.run(_argv(name), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            times[name].append(time.perf_counter() - start)
    base = times["python -c pass"]
    out: dict[str, Any] = {"repeats": repeats, "commands": {}}
    for name in COMMANDS:
        code = _HELP_CODE if name == "smsbridge --help" else COMMANDS[name]
        probe = subprocess.run(
            [sys.executable, "-c", code + _PROBE], env=env, capture_output=True, text=True, timeout=60
        )
        found = next((line[2:] for line in probe.stderr.splitlines() if line.startswith("@@")), None)
        loaded = json.loads(found) if found else {"providers": None, "heavy": None}
        ratios = [t / b for t, b in zip(times[name], base, strict=True)]
        expected = EXPECTED_MODULES.get(name)
        out["commands"][name] = {
            "median_ms": round(statistics.median(times[name]) * 1000, 1),
            "ratio_to_pass": spread(ratios),
            "extra_ms": round((statistics.median(times[name]) - statistics.median(base)) * 1000, 1),
            "provider_modules": loaded["providers"],
            "heavy_modules": loaded["heavy"],
            "expected_provider_modules": expected,
            "modules_ok": expected is None or loaded["providers"] == expected,
        }
    return out
