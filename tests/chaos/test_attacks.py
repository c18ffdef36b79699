"""The library-level rows of issue 12's attack table, each counted at the stand-in server.

What the client believes is not evidence: every assertion here reads what the provider
stand-in itself received (``standin.received()``: SMS taken per number; ``events()``: every
recipient of every request with its client id).
"""

from __future__ import annotations

import _thread
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from benchmarks.chaos import TEXT, account_url, smsbridge_command
from benchmarks.providers import PROVIDERS

import smsbridge
from smsbridge.errors import Outcome, SmsBridgeError
from smsbridge.ledger import open_ledger


def number(provider: str, i: int) -> str:
    return PROVIDERS[provider].number(i)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def rows_by_number(url: str, job: str) -> dict[str, Any]:
    with open_ledger(url) as ledger:
        return {digits(r.number): r for r in ledger.rows(job)}


# ---------------------------------------------------------------------------- bulk_send


def test_an_input_that_raises_midway_with_8_workers_leaves_no_received_recipient_without_an_outcome(
    standin: Any, tmp_path: Path
) -> None:
    standin.set_latency(0.2)  # requests in flight when the input breaks
    url = f"sqlite:///{tmp_path / 'ledger.db'}"

    def recipients() -> Iterator[str]:
        for i in range(2000):
            if i == 1500:
                raise RuntimeError("the input broke")
            yield number("allmysms", i)

    account = smsbridge.connect(account_url("allmysms", standin.host_port))
    with pytest.raises(RuntimeError, match="the input broke"):
        account.bulk_send(recipients(), TEXT, job="broken", ledger=url, workers=8)
    account.close()
    standin.settle()
    received = standin.received()
    rows = rows_by_number(url, "broken")
    assert received, "nothing was sent before the input broke: the test proves nothing"
    assert set(received) <= set(rows)
    without = {n: rows[n].state.value for n in received if rows[n].state.value not in ("accepted", "unknown")}
    assert not without, f"{len(without)} recipient(s) received the SMS but have no outcome: {list(without.items())[:5]}"
    assert not [r for r in rows.values() if r.state.value == "claimed"]
    assert all(received[n] == 0 for n, r in rows.items() if r.state.value == "pending")

    with smsbridge.connect(account_url("allmysms", standin.host_port)) as again:
        summary = again.bulk_send(
            [number("allmysms", i) for i in range(2000)], TEXT, job="broken", ledger=url, workers=8
        )
    standin.settle()
    received = standin.received()
    assert summary.accepted + summary.unknown == 2000 and summary.pending == 0
    assert max(received.values()) == 1
    for n, row in rows_by_number(url, "broken").items():
        assert row.state.value in ("accepted", "unknown"), row
        assert row.state.value == "unknown" or received[n] == 1, row  # accepted: received exactly once


def test_the_same_number_a_thousand_times_is_one_sms(standin: Any, tmp_path: Path) -> None:
    with smsbridge.connect(account_url("allmysms", standin.host_port)) as account:
        summary = account.bulk_send(["+33612345678"] * 1000, "same text", ledger=tmp_path / "ledger.db")
    standin.settle()
    assert standin.received() == {"33612345678": 1}
    assert standin.counts()["allmysms"] == 1
    assert (summary.accepted, summary.duplicates, summary.total) == (1000, 999, 1000)


def test_ctrl_c_with_slow_requests_leaves_never_sent_recipients_pending_not_unknown(
    standin: Any, tmp_path: Path
) -> None:
    """KeyboardInterrupt in ``bulk_send`` with 8 workers whose requests take 300 ms: only the
    requests in flight become unknown (and the provider did receive them); nothing else was
    sent, and it stays pending, so that a resume sends it without ``--resend-unknown``."""
    standin.set_latency(0.3)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    numbers = [number("allmysms", i) for i in range(2000)]

    def ctrl_c() -> None:
        _wait_for(lambda: standin.taken() >= 400)
        _thread.interrupt_main()

    account = smsbridge.connect(account_url("allmysms", standin.host_port, timeout=10))
    threading.Thread(target=ctrl_c, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        account.bulk_send(numbers, TEXT, job="slow", ledger=url, workers=8)
    for thread in threading.enumerate():  # the requests in flight finish in the background
        if thread.name.startswith("smsbridge-slow"):
            thread.join(30)
    account.close()
    standin.settle()
    received = standin.received()
    rows = rows_by_number(url, "slow")
    states = Counter(r.state.value for r in rows.values())
    assert states["pending"] > 0 and states["claimed"] == 0, states
    # the requests in flight, no more: recorded unknown at the abort, or accepted when their late
    # answer still came in (the same attempt's outcome refines "unknown")
    assert states["unknown"] <= 8 * 40 and states["accepted"] + states["unknown"] >= 400, states
    assert [n for n, r in rows.items() if r.state.value == "pending" and received[n]] == []
    assert [n for n, r in rows.items() if r.state.value == "unknown" and not received[n]] == []
    assert max(received.values()) == 1


# ---------------------------------------------------------------------------- JorMall: taken, the reply lost


def jormall(standin: Any, extra: str = "&retries=2&backoff=0") -> Any:
    return smsbridge.connect(account_url("jormall", standin.host_port, extra))


def test_jormall_reply_lost_then_retries_refused_is_unknown_never_not_sent(standin: Any) -> None:
    standin.script_faults(["reset", "busy", "busy"])  # taken, reply lost; then "Connection Failed"
    with jormall(standin) as account, pytest.raises(SmsBridgeError) as caught:
        account.send(number("jormall", 1), TEXT)
    assert caught.value.outcome is Outcome.UNKNOWN
    assert [type(e).__name__ for e in caught.value.attempts] == [  # type: ignore[attr-defined]
        "ConnectionLostError",
        "ServiceUnavailableError",
        "ServiceUnavailableError",
    ]
    standin.settle()
    events = list(standin.events())
    assert [e.kind for e in events] == ["taken", "refused", "refused"]
    assert len({e.ref for e in events}) == 1  # every retry with the same id
    assert standin.received() == {digits(number("jormall", 1)): 1}


def test_jormall_reply_lost_then_the_retry_is_answered_duplicate_id_is_accepted(standin: Any) -> None:
    standin.script_faults(["reset"])  # taken, reply lost; the retry (same id) is ignored by JorMall
    with jormall(standin) as account:
        result = account.send(number("jormall", 2), TEXT)
    assert result.ok and result.receipts[0].message_id == result.client_ref
    standin.settle()
    assert [e.kind for e in standin.events()] == ["taken", "ignored"]
    assert standin.received() == {digits(number("jormall", 2)): 1}


def test_a_failover_group_does_not_move_on_after_jormall_may_have_taken_it(standin: Any) -> None:
    standin.script_faults(["reset", "busy", "busy"])
    group = smsbridge.connect(
        account_url("jormall", standin.host_port, "&retries=2&backoff=0"), account_url("aspsms", standin.host_port)
    )
    with group, pytest.raises(SmsBridgeError) as caught:
        group.send(number("jormall", 3), TEXT)
    assert caught.value.outcome is Outcome.UNKNOWN
    standin.settle()
    assert standin.counts()["aspsms"] == 0
    assert standin.received() == {digits(number("jormall", 3)): 1}


def test_a_failover_bulk_sends_each_chunk_once(standin: Any, tmp_path: Path) -> None:
    """Chunk 1 taken with its reply lost: unknown, never sent through the next account;
    chunk 2 refused ("not taken"): sent once through the next account; the rest normally."""
    standin.script_faults(["reset", "busy"])
    group = smsbridge.connect(account_url("allmysms", standin.host_port), account_url("playsms", standin.host_port))
    numbers = [number("allmysms", i) for i in range(200)]  # 8 chunks of 25 (the group's smallest limit)
    with group:
        summary = group.bulk_send(numbers, TEXT, job="failover", ledger=tmp_path / "ledger.db")
    standin.settle()
    assert (summary.accepted, summary.unknown) == (175, 25)
    assert standin.received() == {digits(n): 1 for n in numbers}
    assert standin.counts()["playsms"] == 1  # only the refused chunk went to the second account


def _one_recipient_job(tmp_path: Path, provider_url: str) -> list[str]:
    source = tmp_path / "one.csv"
    source.write_text(f"to\n{number('jormall', 4)}\n", encoding="utf-8")
    ledger = f"sqlite:///{tmp_path / 'ledger.db'}"
    return [*smsbridge_command(), "bulk", str(source), TEXT, "--url", provider_url, "--job", "one", "--ledger", ledger]


def _killed_after_the_provider_took_it(standin: Any, command: list[str]) -> None:
    """Run ``command`` with the provider taking the message and never answering; kill it then."""
    standin.script_faults(["stall"])
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: standin.taken() == 1 or first.poll() is not None)
        first.kill()
    finally:
        first.wait(30)
    assert first.returncode == -9
    with open_ledger(command[command.index("--ledger") + 1]) as opened:
        assert [r.state.value for r in opened.rows("one")] == ["claimed"]


def test_a_killed_jormall_single_send_goes_again_with_its_id_which_jormall_ignores(
    standin: Any, tmp_path: Path
) -> None:
    """The claim (with its client id) is committed, the provider takes the message, the run is
    killed before the reply: the next run sends it again with the same id, and JorMall's
    "duplicate id" answer makes it accepted, with one SMS."""
    command = _one_recipient_job(tmp_path, account_url("jormall", standin.host_port, timeout=30))
    _killed_after_the_provider_took_it(standin, command)
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "sent again with the same client id" in second.stderr
    standin.settle()
    events = list(standin.events())
    assert [e.kind for e in events] == ["taken", "ignored"]
    assert events[0].ref == events[1].ref
    assert [r.state.value for r in rows_by_number(command[-1], "one").values()] == ["accepted"]


def test_a_killed_jormall_single_send_refused_when_sent_again_stays_unknown(standin: Any, tmp_path: Path) -> None:
    """The retry outcome rule across runs: the first attempt may have been taken, so the
    resend's refusal ("not taken") must not make the row ``not_sent``, which a later run, here
    through another provider that does not know the id, would send again."""
    command = _one_recipient_job(tmp_path, account_url("jormall", standin.host_port, timeout=30))
    _killed_after_the_provider_took_it(standin, command)
    standin.script_faults(["busy", "busy"])  # every resend: "Connection Failed, please try again"
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert second.returncode == 3, second.stderr
    assert [r.state.value for r in rows_by_number(command[-1], "one").values()] == ["unknown"]
    elsewhere = [*command[:5], account_url("aspsms", standin.host_port), *command[6:]]
    third = subprocess.run(elsewhere, capture_output=True, text=True, timeout=120)
    assert third.returncode == 3, third.stderr
    standin.settle()
    assert standin.received() == {digits(number("jormall", 4)): 1}
    assert standin.counts()["aspsms"] == 0


def _wait_for(condition: Any, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)
