"""Races between runs of one job, found by the chaos suite and pinned here at the library level."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.chaos import TEXT, account_url, smsbridge_command
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


def test_sigterm_while_waiting_for_the_job_stops_the_wait(standin: Any, tmp_path: Path) -> None:
    """A run waiting for another run's job (``--wait``) is asked to stop: it stops waiting at
    once, instead of ignoring the request until the wait runs out."""
    source = tmp_path / "one.csv"
    source.write_text("to\n+33612345678\n", encoding="utf-8")
    ledger = f"sqlite:///{tmp_path / 'ledger.db'}"
    command = [
        *smsbridge_command(),
        "bulk",
        str(source),
        TEXT,
        "--url",
        account_url("allmysms", standin.host_port),
        "--job",
        "held",
        "--ledger",
        ledger,
    ]
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    with open_ledger(ledger) as opened:  # a run on another machine holds the job
        assert opened.acquire_lease("held", "elsewhere/4242/1/abcd", ttl=600) is None
    waiting = subprocess.Popen([*command, "--wait", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # started, and waiting
    stopped_at = time.monotonic()
    waiting.send_signal(signal.SIGTERM)
    _, err = waiting.communicate(timeout=90)
    assert time.monotonic() - stopped_at < 5, err
    assert waiting.returncode == 2 and "is being run by process 4242 on elsewhere" in err
    standin.settle()
    assert standin.received() == {"33612345678": 1}
