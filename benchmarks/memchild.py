"""A child process for the memory section: its peak RSS is what the parent measures.

``python -m benchmarks.memchild floor URL``: import and connect, send one small bulk (so
``requests`` and ``phonenumbers`` are loaded), nothing else: the floor every run pays.

``python -m benchmarks.memchild generator URL N REPORT``: stream N recipients from a generator
through ``account.bulk_send(gen, text, on_result=...)``, writing one report line per recipient
as each request's result comes (what a host application would do).  Prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import smsbridge
from benchmarks.providers import PROVIDERS, TEXT


def _vmhwm_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def main(argv: list[str]) -> int:
    mode, url = argv[0], argv[1]
    provider = PROVIDERS[url.split("://", 1)[0]]
    account = smsbridge.connect(url)
    start = time.perf_counter()
    if mode == "floor":
        summary = account.bulk_send([provider.number(i) for i in range(10)], TEXT)
    else:
        n, report = int(argv[2]), Path(argv[3])
        numbers = (provider.number(i) for i in range(n))
        with report.open("w", encoding="utf-8") as out:
            out.write("recipient,outcome,message_id\n")

            def write(result: smsbridge.SendResult) -> None:
                out.write("".join(f"{r.recipient},{r.status.value},{r.message_id or ''}\n" for r in result.receipts))

            summary = account.bulk_send(numbers, TEXT, on_result=write)
    print(
        json.dumps(
            {
                "accepted": summary.accepted,
                "total": summary.total,
                "requests": summary.requests,
                "seconds": round(time.perf_counter() - start, 3),
                "vmhwm_kb": _vmhwm_kb(),
            }
        )
    )
    account.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
