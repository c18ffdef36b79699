"""A chunk's deliveries, first and redelivered, against a real PostgreSQL ledger and the stand-in server.

These drive ``ChunkWorker`` and the submitter (``DistributedRun``) directly, without Celery:
every redelivery case of docs/scaling.md, counted at the server.  ``test_fleet.py`` runs the same
through real workers and brokers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import ConfigurationError, JobBusyError
from smsbridge.ledger import open_ledger
from smsbridge.ledger.lease import _start_time
from smsbridge.ledger.models import RowOutcome
from smsbridge.ledger.states import RowState
from smsbridge_celery.accounts import AccountBook, check_name, env_name
from smsbridge_celery.chunks import (
    DEAD_REASON,
    FLEET_OWNER,
    ChunkWorker,
    decode_seqs,
    encode_seqs,
    job_finished,
)
from smsbridge_celery.submit import DistributedRun

from .conftest import SECRET, received

NUMBERS = [f"+21191{i:07d}" for i in range(25)]


@pytest.fixture
def ledger(pg_url: str) -> Iterator[Any]:
    with open_ledger(pg_url) as opened:
        yield opened


def playsms(standin: Any, batch: int = 10, port: int | None = None) -> Any:
    host = standin.host_port if port is None else f"127.0.0.1:{port}"
    return smsbridge.connect(f"playsms://bench:{SECRET}@{host}?plain_http=yes&batch={batch}&retries=0")


def jormall(standin: Any) -> Any:
    return smsbridge.connect(f"jormall://bench:{SECRET}@{standin.host_port}?plain_http=yes&sender=Shop")


def plan(ledger: Any, account: Any, job: str, recipients: Any, *, chunk_size: int | None = None) -> list[list[int]]:
    """Submit without a broker: the chunks the submitter would queue."""
    chunks = account.chunk_sender("Hi")
    if chunk_size is not None:
        chunks.size = chunk_size
    queued: list[list[int]] = []
    run = DistributedRun(
        chunks, recipients, enqueue=lambda s: queued.append(list(s)), fleet_ttl=600, ledger=ledger, job=job
    )
    for _ in run:
        pass
    return queued


def dead_owner() -> str:
    """The owner id of a process of this machine that has exited."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{socket.gethostname()}/{process.pid}/-/dead0000"


def live_owner() -> str:
    pid = os.getppid()
    return f"{socket.gethostname()}/{pid}/{_start_time(pid) or '-'}/live0000"


def numbers_received(standin: Any) -> list[str]:
    from benchmarks.celery_chaos import received_numbers

    return sorted(n for n, refs in received_numbers(received(standin)).items() for _ in refs)


# ---------------------------------------------------------------------------- first and later deliveries


def test_a_chunk_is_claimed_sent_and_recorded_once_and_a_redelivery_returns_the_outcome(
    ledger: Any, standin: Any
) -> None:
    account = playsms(standin)
    chunks = plan(ledger, account, "j", NUMBERS)
    assert [len(c) for c in chunks] == [10, 10, 5]  # ⌈25/10⌉ tasks, in input order
    worker = ChunkWorker(ledger, account)
    first = worker.run("j", chunks[0], "task-1")
    assert (first.sent, first.outcomes, first.retry, first.skipped) == (10, {"accepted": 10}, False, None)
    again = worker.run("j", chunks[0], "task-1")  # the same task delivered again (its ack was lost)
    assert (again.sent, again.resent_same_id, again.settled_unknown, again.outcomes) == (0, 0, 0, {"accepted": 10})
    assert numbers_received(standin) == sorted(n[1:] for n in NUMBERS[:10])
    rows = list(ledger.rows("j", seqs=chunks[0]))
    assert all(r.message_id and r.state is RowState.ACCEPTED for r in rows)


def test_a_chunk_claimed_by_a_dead_worker_becomes_unknown_and_is_not_sent_again(ledger: Any, standin: Any) -> None:
    account = playsms(standin)
    chunks = plan(ledger, account, "j", NUMBERS[:10])
    ledger.claim("j", chunks[0], f"task-1~aaaa@{dead_owner()}", provider="playsms", owner=FLEET_OWNER)
    report = ChunkWorker(ledger, account).run("j", chunks[0], "task-1")  # the redelivery
    assert (report.sent, report.settled_unknown, report.outcomes) == (0, 10, {"unknown": 10})
    assert numbers_received(standin) == []
    assert {r.reason for r in ledger.rows("j")} == {DEAD_REASON}
    assert job_finished(ledger, "j") and ledger.job_info("j").lease_owner is None  # the fleet let go


def test_a_jormall_single_send_claimed_by_a_dead_worker_goes_again_with_its_client_id(
    ledger: Any, standin: Any
) -> None:
    account = jormall(standin)
    numbers = ["+962791234567", "+962791234568"]
    chunks = plan(ledger, account, "otp", numbers, chunk_size=1)
    assert chunks == [[0], [1]]
    worker = ChunkWorker(ledger, account)
    assert worker.run("otp", chunks[1], "task-b").outcomes == {"accepted": 1}
    # the first delivery of task-a claimed its row with a client id, sent it, and died
    ledger.claim(
        "otp",
        [0],
        f"task-a~1111@{dead_owner()}",
        provider="jormall",
        client_ref="ref0000000000000001",
        owner=FLEET_OWNER,
    )
    report = worker.run("otp", chunks[0], "task-a")
    assert (report.resent_same_id, report.settled_unknown, report.outcomes) == (1, 0, {"accepted": 1})
    from benchmarks.celery_chaos import received_numbers

    got = received_numbers(received(standin))
    assert got["962791234567"] == ["ref0000000000000001"]  # the resend carried the stored id
    (other,) = ledger.rows("otp", seqs=[1])  # a single send's id is stored before it leaves: a resend reuses it
    assert other.client_ref and got["962791234568"] == [other.client_ref]


def test_a_claim_whose_worker_is_alive_is_waited_for(ledger: Any, standin: Any) -> None:
    """The broker redelivered a task still running elsewhere (its connection dropped): wait for its answer."""
    account = playsms(standin)
    (chunk,) = plan(ledger, account, "j", NUMBERS[:3])
    attempt = f"task-1~2222@{live_owner()}"
    ledger.claim("j", chunk, attempt, provider="playsms", owner=FLEET_OWNER)

    def answer() -> None:
        time.sleep(0.6)
        ledger.record("j", attempt, [RowOutcome(s, RowState.ACCEPTED, message_id=f"m{s}") for s in chunk])

    thread = threading.Thread(target=answer)
    thread.start()
    started = time.monotonic()
    report = ChunkWorker(ledger, account, grace=30).run("j", chunk, "task-1")
    thread.join()
    assert 0.5 < time.monotonic() - started < 10
    assert (report.sent, report.settled_unknown, report.outcomes) == (0, 0, {"accepted": 3})
    assert numbers_received(standin) == []


@pytest.mark.parametrize("owner", ["live", "other-host", "local-run"])
def test_a_claim_with_no_answer_within_the_grace_becomes_unknown(ledger: Any, standin: Any, owner: str) -> None:
    account = playsms(standin)
    (chunk,) = plan(ledger, account, "j", NUMBERS[:3])
    attempt = {
        "live": f"task-1~3333@{live_owner()}",
        "other-host": "task-1~3333@db-host-7/4242/-/x",
        "local-run": "0123456789abcdef",  # a claim of a one-process run: no owner in it
    }[owner]
    ledger.claim("j", chunk, attempt, provider="playsms", owner=FLEET_OWNER)
    started = time.monotonic()
    report = ChunkWorker(ledger, account, grace=0.8).run("j", chunk, "task-9")
    assert time.monotonic() - started >= 0.5  # it waited for the claimer first
    assert (report.sent, report.settled_unknown, report.outcomes) == (0, 3, {"unknown": 3})
    assert numbers_received(standin) == []


def test_a_job_taken_over_by_another_runner_sends_nothing_more(ledger: Any, standin: Any) -> None:
    account = playsms(standin)
    chunks = plan(ledger, account, "j", NUMBERS)
    ledger.release_lease("j", FLEET_OWNER)  # say the fleet's lease expired ...
    assert ledger.acquire_lease("j", live_owner(), 600) is None  # ... and a local run took the job
    report = ChunkWorker(ledger, account).run("j", chunks[0], "task-1")
    assert report.sent == 0 and report.skipped and "another runner" in report.skipped
    assert numbers_received(standin) == [] and ledger.counts("j") == {"pending": 25}


def test_a_chunk_refused_whole_is_not_sent_and_asks_for_a_retry(ledger: Any, standin: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = playsms(standin, port=port)  # nothing listens there: connection refused, certainly not sent
    chunks = plan(ledger, playsms(standin), "j", NUMBERS[:10])
    report = ChunkWorker(ledger, down).run("j", chunks[0], "task-1")
    assert (report.retry, report.outcomes, report.errors) == (True, {"not_sent": 10}, ("ConnectError",))
    assert ledger.job_info("j").lease_owner == FLEET_OWNER  # not finished: the retry still needs it
    retried = ChunkWorker(ledger, playsms(standin)).run("j", chunks[0], "task-1")
    assert (retried.sent, retried.retry, retried.outcomes) == (10, False, {"accepted": 10})
    assert len(numbers_received(standin)) == 10


def test_two_tasks_over_the_same_rows_send_them_once(ledger: Any, standin: Any) -> None:
    """A job submitted twice (a resubmission while tasks of the first were still queued)."""
    account = playsms(standin)
    chunks = plan(ledger, account, "j", NUMBERS)
    again = plan(ledger, account, "j", NUMBERS)
    assert again == chunks  # nothing ran yet: the same chunks are queued a second time
    reports: list[Any] = []
    threads = [
        threading.Thread(target=lambda c=c, t=t: reports.append(ChunkWorker(ledger, account).run("j", c, t)))
        for c, t in [(chunks[0], "a"), (again[0], "b"), (chunks[1], "c"), (again[1], "d")]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == 20
    got = numbers_received(standin)
    assert len(got) == len(set(got)) == 20


# ---------------------------------------------------------------------------- the submitter and the fleet's lease


def test_the_fleet_holds_the_job_until_its_last_chunk(ledger: Any, standin: Any) -> None:
    account = playsms(standin)
    chunks = plan(ledger, account, "j", NUMBERS)
    assert ledger.job_info("j").lease_owner == FLEET_OWNER
    with pytest.raises(JobBusyError, match="celery workers"):  # a one-process run of the same job refuses
        account.bulk_send(NUMBERS, "Hi", job="j", ledger=ledger)
    worker = ChunkWorker(ledger, account)
    for n, chunk in enumerate(chunks):
        worker.run("j", chunk, f"t{n}")
        assert (ledger.job_info("j").lease_owner is None) == (n == len(chunks) - 1)
    assert ledger.job_info("j").done and ledger.counts("j") == {"accepted": 25}


def test_a_resubmission_queues_only_what_has_no_outcome(ledger: Any, standin: Any) -> None:
    account = playsms(standin)
    chunks = plan(ledger, account, "j", NUMBERS)
    worker = ChunkWorker(ledger, account)
    worker.run("j", chunks[0], "t0")
    ledger.claim("j", chunks[1], f"t1~4444@{dead_owner()}", provider="playsms", owner=FLEET_OWNER)
    again = plan(ledger, account, "j", NUMBERS)  # e.g. after the broker lost its queue
    assert sorted(map(tuple, again)) == sorted([tuple(chunks[1]), tuple(chunks[2])])  # the claim, the pending
    for n, chunk in enumerate(again):
        worker.run("j", chunk, f"r{n}")
    assert ledger.counts("j") == {"accepted": 15, "unknown": 10}
    assert len(numbers_received(standin)) == 15


def test_rejected_and_repeated_rows_are_never_queued(ledger: Any, standin: Any) -> None:
    account = playsms(standin)
    assert plan(ledger, account, "bad", ["not-a-number", "+1"]) == []
    info = ledger.job_info("bad")
    assert info.counts == {"rejected": 2} and info.lease_owner is None  # nothing for the fleet: released
    assert plan(ledger, account, "dup", [NUMBERS[0]] * 5 + [NUMBERS[1]]) == [[0, 5]]


def test_seqs_travel_as_runs() -> None:
    assert encode_seqs([5, 3, 4, 9, 10, 20]) == [[3, 5], [9, 10], [20, 20]]
    assert decode_seqs(encode_seqs(range(1000))) == list(range(1000)) and encode_seqs(range(1000)) == [[0, 999]]
    with pytest.raises(ValueError):
        decode_seqs([[5, 3]])


# ---------------------------------------------------------------------------- accounts by name


def test_accounts_are_found_by_name_on_the_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[accounts.shop]\nurl = "memory://"\n', encoding="utf-8")
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(config))
    monkeypatch.setenv(env_name("eu-otp.2"), "console://")
    assert env_name("eu-otp.2") == "SMSBRIDGE_ACCOUNT_EU_OTP_2"
    book = AccountBook(lambda name: "memory://" if name == "mine" else None)
    assert book.account("shop").provider == "memory"  # the config file
    assert book.account("eu-otp.2").provider == "console"  # the environment
    assert book.account("mine").provider == "memory"  # the host's callback
    assert book.account("shop") is book.account("shop")  # opened once per process
    with pytest.raises(ConfigurationError, match="this worker knows no account named 'nope'"):
        book.account("nope")
    book.close()


@pytest.mark.parametrize("value", [f"aspsms://key:{SECRET}@default", "", "a b", 42])
def test_a_task_never_carries_an_account_url(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="credentials never travel through the broker") as caught:
        check_name(value)
    assert SECRET not in str(caught.value)


# ---------------------------------------------------------------------------- time limits are not swallowed


class FakeTask:
    """The bits of a bound Celery task the fleet's task bodies use."""

    class request:
        id = "task-tl"
        retries = 0

    def retry(self, **kwargs: Any) -> Exception:
        raise AssertionError(f"not retried: {kwargs}")


def test_a_soft_time_limit_in_flight_is_recorded_unknown_and_raised_again(
    ledger: Any, standin: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billiard.exceptions import SoftTimeLimitExceeded
    from celery import Celery

    from smsbridge_celery import register

    account = playsms(standin)
    (chunk,) = plan(ledger, account, "j", NUMBERS[:3])
    fleet = register(Celery("t", broker="memory://", set_as_current=False), ledger=pg_url)
    monkeypatch.setattr(fleet.accounts, "account", lambda name: account)
    standin.set_latency(2.0)

    def limit(*_: Any) -> None:  # what billiard's soft time limit does: raise inside the task
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            fleet.run_chunk(FakeTask(), "j", "shop", encode_seqs(chunk))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert ledger.counts("j") == {"unknown": 3}  # the request had left: recorded, then raised
    assert len(received(standin)) == 1


def test_a_worker_set_up_differently_keeps_the_chunk_for_another(
    ledger: Any, standin: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk of a job this worker's ledger does not have is retried later, never dropped."""
    from celery import Celery

    from smsbridge_celery import register

    class Retried(Exception):
        pass

    class Task(FakeTask):
        def retry(self, **kwargs: Any) -> Exception:
            raise Retried(kwargs)

    fleet = register(Celery("t", broker="memory://", set_as_current=False), ledger=pg_url)
    monkeypatch.setattr(fleet.accounts, "account", lambda name: playsms(standin))
    with pytest.raises(Retried) as caught:
        fleet.run_chunk(Task(), "not-in-this-ledger", "shop", [[0, 4]])
    assert caught.value.args[0]["countdown"] == 60 and caught.value.args[0]["max_retries"] == 60
    assert received(standin) == []
