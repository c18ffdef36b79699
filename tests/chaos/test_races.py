"""Races between runs of one job, found by the chaos suite and pinned here at the library level."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.chaos import TEXT, account_url
from benchmarks.providers import PROVIDERS

import smsbridge
from smsbridge.ledger import open_ledger


def test_a_run_that_waited_for_the_job_reads_the_input_on_from_where_the_holder_stopped(
    standin: Any, tmp_path: Path
) -> None:
    """Run B opens the job, then waits for run A's lease while A reads more input into the
    ledger.  B must take the job as A left it, not as it was when B opened it (before the
    fix: "another run is reading the input", exit 2, with the job still unfinished)."""
    numbers = [PROVIDERS["allmysms"].number(i) for i in range(3000)]
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    account = smsbridge.connect(account_url("allmysms", standin.host_port))
    run_a = iter(account.iter_bulk_send(numbers, TEXT, job="j", ledger=url))
    next(run_a)  # A holds the job and has read its first input batch
    outcome: dict[str, Any] = {}

    def run_b() -> None:
        try:
            outcome["summary"] = account.bulk_send(numbers, TEXT, job="j", ledger=url, wait=30)
        except Exception as exc:
            outcome["error"] = exc

    waiting = threading.Thread(target=run_b)
    waiting.start()
    time.sleep(0.3)  # B has opened the job and waits for the lease
    for _ in range(40):  # A reads on (1000 rows a batch) and sends
        next(run_a)
    run_a.close()  # A stops between two requests and frees the job
    waiting.join(60)

    assert "error" not in outcome, outcome["error"]
    assert outcome["summary"].accepted == 3000
    account.close()
    standin.settle()
    received = standin.received()
    assert sorted(received.values()) == [1] * 3000
    with open_ledger(url) as ledger:
        assert ledger.job("j").counts() == {"accepted": 3000}
