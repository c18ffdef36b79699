"""Receiver figures over loopback HTTP: ``.venv/bin/python benchmarks/receiver.py [--quick]``.

Runs ``smsbridge serve`` (uvicorn, the SQLite ledger) on 127.0.0.1 for two signing
``memory://`` accounts and measures, in one run:

* **forgeries**: 10,000 forged requests (wrong token, wrong signature, a signed body replayed
  to another path, empty secrets; ``smsbridge.testing.callbacks.forgeries``): how many were
  accepted (the goal is 0);
* **reports**: 10,000 genuine, signed delivery reports for a 2,700-message job (queued, sent,
  final, a "sent" after the final one, a third repeated) sent in random order by
  ``--connections`` concurrent keep-alive connections: throughput (goal >= 2,000 reports/s)
  and latency percentiles; then the job's rows are compared with an ordered replay of the
  same reports applied straight to another ledger (the goal: identical).

Results go to ``benchmarks/results/receiver.json`` (``--quick``: a small run to /tmp).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe  # noqa: E402
from smsbridge.ledger import open_ledger  # noqa: E402
from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome  # noqa: E402
from smsbridge.ledger.states import RowState  # noqa: E402
from smsbridge.testing.callbacks import forgeries, report_history, signed_headers  # noqa: E402

__all__ = ["main", "run"]

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "receiver.json"
QUICK_OUTPUT = Path("/tmp/smsbridge-bench-receiver-quick.json")
TOKEN_A, TOKEN_B = "Bench-a_7Kq2Lm9Xv4Rt8Wz3Np", "Bench-b_5Hs1Jd6Fg0Yc2Vb7Mq"
SECRET_A, SECRET_B = "bench-secret-a-0001", "bench-secret-b-0002"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare_job(url: str, ids: list[str]) -> None:
    """A job whose rows went out through memory://a with these message ids."""
    with open_ledger(url) as ledger:
        ledger.open_job(JobSpec("bench", "memory", "memory://a", "Spring sale!"))
        rows = [NewRow(i, f"+4179{i:07d}") for i in range(len(ids))]
        ledger.ingest("bench", rows, read_before=0, read_after=len(ids), digest="d", done=True)
        ledger.claim("bench", list(range(len(ids))), "attempt", provider="memory")
        ledger.record(
            "bench", "attempt", [RowOutcome(i, RowState.ACCEPTED, mid, "memory") for i, mid in enumerate(ids)]
        )


def _states(url: str) -> list[tuple[Any, ...]]:
    with open_ledger(url) as ledger:
        return [
            (r.seq, r.state.value, r.report_status, r.report_code, r.report_at.timestamp() if r.report_at else None)
            for r in ledger.rows("bench")
        ]


def _request(method: str, target: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _blast(port: int, requests: list[bytes], connections: int) -> tuple[list[int], list[float], float]:
    """Send ``requests`` over ``connections`` keep-alive connections; statuses, latencies, wall time."""
    statuses: list[int] = [0] * len(requests)
    latencies: list[float] = [0.0] * len(requests)
    cursor = iter(range(len(requests)))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for index in cursor:
                started = time.perf_counter()
                writer.write(requests[index])
                statuses[index] = await _read_status(reader)
                latencies[index] = time.perf_counter() - started
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return statuses, latencies, time.perf_counter() - began


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(*, quick: bool = False, output: Path | None = None, connections: int = 32) -> dict[str, Any]:
    rng = random.Random(16)
    messages, total, forged_count = (150, 500, 400) if quick else (2_700, 10_000, 10_000)
    history, ids = report_history(rng, messages)
    shuffled = history[:total]
    rng.shuffle(shuffled)
    with tempfile.TemporaryDirectory(prefix="smsbridge-bench-receiver-") as tmp:
        folder = Path(tmp)
        served, ordered = f"sqlite:///{folder / 'served.db'}", f"sqlite:///{folder / 'ordered.db'}"
        _prepare_job(served, ids)
        _prepare_job(ordered, ids)
        with open_ledger(ordered) as ledger:  # the reference: each distinct report once, in time order
            ledger.record_reports(sorted(set(history[:total]), key=lambda r: (r.at, r.status)))
        port = _free_port()
        config = folder / "config.toml"
        config.write_text(
            f"""
[accounts.a]
url = "memory://a?callback_secret={SECRET_A}"
[accounts.b]
url = "memory://b?callback_secret={SECRET_B}"
[receiver]
listen = "127.0.0.1:{port}"
ledger = "{served}"
[receiver.accounts.a]
token = "{TOKEN_A}"
[receiver.accounts.b]
token = "{TOKEN_B}"
""",
            encoding="utf-8",
        )
        target = f"/a/status/{TOKEN_A}"
        genuine = []
        for r in shuffled:
            body = f"id={r.message_id}&status={r.status}&code={r.code}&at={r.at!r}".encode()
            genuine.append(_request("POST", target, body, signed_headers(SECRET_A, target, body)))
        forged = [
            (kind, _request(method, path, body, headers))
            for kind, method, path, body, headers in forgeries(
                random.Random(1616),
                forged_count,
                token=TOKEN_A,
                other_token=TOKEN_B,
                secret=SECRET_A,
                other_secret=SECRET_B,
            )
        ]
        env = {**os.environ, "SMSBRIDGE_CONFIG": str(config), "COLUMNS": "200"}
        log_path = folder / "serve.log"  # a file: a pipe nobody reads fills up and blocks the server
        log = log_path.open("wb")
        server = subprocess.Popen([sys.executable, "-m", "smsbridge.cli", "serve"], env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"smsbridge serve did not start: {log_path.read_text()}") from None
                    time.sleep(0.1)
            forged_status, _, forged_time = asyncio.run(_blast(port, [req for _, req in forged], connections))
            statuses, latencies, wall = asyncio.run(_blast(port, genuine, connections))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            log.close()
        logged = log_path.read_text(encoding="utf-8", errors="replace")
        by_kind: Counter[str] = Counter()
        for (kind, _), status in zip(forged, forged_status, strict=True):
            if status < 400:
                by_kind[kind] += 1
        got, expected = _states(served), _states(ordered)
        with open_ledger(served) as ledger:
            orphans = ledger.orphan_count()
    accepted = Counter(statuses)
    results: dict[str, Any] = {
        "schema": 1,
        "quick": quick,
        "machine": describe(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "server": "smsbridge serve (uvicorn), SQLite ledger (WAL, synchronous=FULL), loopback",
        "connections": connections,
        "forged": {
            "requests": forged_count,
            "accepted": sum(by_kind.values()),
            "accepted_by_kind": dict(by_kind),
            "seconds": round(forged_time, 3),
            "refusals_logged": logged.count("receiver: 40"),
            "secret_in_log": any(secret in logged for secret in (TOKEN_A, TOKEN_B, SECRET_A, SECRET_B)),
        },
        "reports": {
            "requests": total,
            "messages": messages,
            "answered_200": accepted.get(200, 0),
            "other_statuses": {str(k): v for k, v in accepted.items() if k != 200},
            "seconds": round(wall, 3),
            "reports_per_second": round(total / wall, 1),
            "latency_ms": {
                "p50": round(statistics.median(latencies) * 1000, 2),
                "p90": round(_percentile(latencies, 0.90) * 1000, 2),
                "p99": round(_percentile(latencies, 0.99) * 1000, 2),
                "max": round(max(latencies) * 1000, 2),
            },
            "same_state_as_ordered_replay": got == expected,
            "rows_compared": len(expected),
            "rows_final": sum(1 for row in expected if row[1] in ("delivered", "failed", "expired")),
            "orphans_left": orphans,
        },
    }
    results["goals"] = {
        "no_forgery_accepted": results["forged"]["accepted"] == 0,
        "no_secret_in_the_log": not results["forged"]["secret_in_log"],
        "every_report_taken": results["reports"]["answered_200"] == total,
        "same_state_as_ordered_replay": got == expected,
        "throughput_2000_per_s": results["reports"]["reports_per_second"] >= 2000,
    }
    target_file = output or (QUICK_OUTPUT if quick else DEFAULT_OUTPUT)
    target_file.parent.mkdir(parents=True, exist_ok=True)
    target_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), written to /tmp")
    parser.add_argument("--output", type=Path, help="where to write the JSON")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (32)")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, output=args.output, connections=args.connections)
    forged, reports = results["forged"], results["reports"]
    print(f"forged requests accepted: {forged['accepted']} of {forged['requests']}")
    print(
        f"reports: {reports['answered_200']} of {reports['requests']} taken in {reports['seconds']} s = "
        f"{reports['reports_per_second']:,.0f}/s over {results['connections']} connections; latency "
        f"p50 {reports['latency_ms']['p50']} ms, p99 {reports['latency_ms']['p99']} ms"
    )
    print(
        f"same state as the ordered replay: {reports['same_state_as_ordered_replay']} ({reports['rows_compared']} rows)"
    )
    return 0 if all(results["goals"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
