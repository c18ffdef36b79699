"""Real ``celery worker`` processes on Redis and RabbitMQ, a PostgreSQL ledger, the stand-in counting.

No eager mode, no in-memory broker: the workers are separate processes started with
``celery -A smsbridge_celery.worker worker``, on a queue of this test's own.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from benchmarks.celery_chaos import received_numbers, wait_done, windows

from smsbridge.ledger import open_ledger
from smsbridge_celery.chunks import FLEET_OWNER

from .conftest import SECRET, FleetRig, received

pytestmark = pytest.mark.slow

BROKERS = pytest.mark.parametrize("rig", ["redis", "rabbitmq"], indirect=True)
NUMBERS = [f"+21191{i:07d}" for i in range(95)]


def wait_workers(rig: FleetRig, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = [p.read_text(errors="replace") for p in rig.pool.logs.glob("worker-*.log")]
        if sum("ready." in text for text in logs) >= n:
            return
        time.sleep(0.1)
    raise AssertionError("the workers did not start:\n" + "\n".join(logs))


@BROKERS
def test_a_job_is_sent_by_the_workers_once_per_recipient(rig: FleetRig, standin: Any) -> None:
    rig.pool.start(2)
    submission = rig.fleet.submit("spring", "shop", NUMBERS, "Hi")
    assert (submission.tasks, submission.chunk_size, submission.rows_read) == (10, 10, 95)  # ⌈95/10⌉ messages
    with open_ledger(rig.fleet.ledger_url) as ledger:
        assert wait_done(ledger, ["spring"], timeout=120), ledger.counts("spring")
        assert ledger.counts("spring") == {"accepted": 95}
        assert ledger.job_info("spring").lease_owner is None  # the last chunk released the fleet's lease
    got = received_numbers(received(standin))
    assert Counter(len(refs) for refs in got.values()) == {1: 95}
    assert len(received(standin)) == 10
    from click.testing import CliRunner

    from smsbridge.cli import cli

    shown = CliRunner().invoke(cli, ["jobs", "show", "spring", "--json", "--ledger", rig.fleet.ledger_url])
    data = json.loads(shown.output)
    assert (data["rows"], data["done"], data["running"], data["counts"]) == (95, 95, None, {"accepted": 95})


def raw_messages(rig: FleetRig) -> list[bytes]:
    """The task messages as the broker holds them (taken off the queue)."""
    if rig.broker.startswith("redis://"):
        import redis

        client = redis.Redis.from_url(rig.broker)
        raw = client.lrange(f"{rig.prefix}{rig.queue}", 0, -1)
        client.close()
        return [bytes(m) for m in raw]
    from kombu import Connection

    out = []
    with Connection(rig.broker, connect_timeout=5) as conn:
        channel = conn.default_channel
        while True:
            message = channel.basic_get(rig.queue, no_ack=True)
            if message is None:
                break
            body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
            out.append(json.dumps([message.headers, message.properties], default=str).encode() + b"\n" + body)
    return out


@BROKERS
def test_tasks_carry_the_job_and_the_account_name_never_a_credential(rig: FleetRig, standin: Any) -> None:
    rig.fleet.submit("secret-check", "shop", NUMBERS[:25], "Hi")
    rig.fleet.send("otp", "+962791234567", "Your code is 4242", key="notif-77")
    raw = raw_messages(rig)
    assert len(raw) == 4  # 3 chunks, 1 transactional send
    texts = []
    for message in raw:
        text = message.decode("utf-8")
        try:  # Redis keeps the kombu envelope: the body is base64 inside it
            envelope = json.loads(text)
            text += base64.b64decode(envelope["body"]).decode("utf-8")
        except (ValueError, KeyError, TypeError):
            pass
        texts.append(text)
    everything = "\n".join(texts)
    for secret in (SECRET, base64.b64encode(SECRET.encode()).decode(), "bench:", "playsms://", "jormall://"):
        assert secret not in everything
    assert rig.fleet.ledger_url not in everything and "postgresql://" not in everything  # the ledger URL stays home
    assert everything.count('"secret-check", "shop"') == 3 and '"otp", "+962791234567"' in everything


def test_a_transactional_send_goes_once_per_key(rig: FleetRig, standin: Any) -> None:
    rig.pool.start(2)
    for _ in range(3):  # the host submits the same notification three times (a retry of its own, a double click)
        rig.fleet.send("otp", "+962791234567", "Your code is 4242", key="notif-42")
    with open_ledger(rig.fleet.ledger_url) as ledger:
        assert wait_done(ledger, ["send:notif-42"], timeout=60)
        deadline = time.monotonic() + 30  # let the other two deliveries run: they replay, never send
        while time.monotonic() < deadline and not _queue_empty(rig):
            time.sleep(0.2)
        time.sleep(1.0)
        rows = list(ledger.rows("send:notif-42"))
    assert [r.state.value for r in rows] == ["accepted"]
    got = received_numbers(received(standin))
    assert list(got) == ["962791234567"] and len(got["962791234567"]) == 1
    assert got["962791234567"][0] == rows[0].client_ref  # JorMall: the stored client id travelled


def _queue_empty(rig: FleetRig) -> bool:
    import redis

    client = redis.Redis.from_url(rig.broker)
    try:
        return client.llen(f"{rig.prefix}{rig.queue}") == 0 and client.hlen(f"{rig.prefix}unacked") == 0
    finally:
        client.close()


def test_bulk_via_celery_from_the_command_line(rig: FleetRig, standin: Any, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("to\n" + "\n".join(NUMBERS[:30]) + "\nnot-a-number\n", encoding="utf-8")
    command = [sys.executable, "-m", "smsbridge.cli", "--json", "bulk", str(source), "Hi", "--job", "cli-job"]
    submitted = subprocess.run(
        [*command, "--account", "shop", "--via", "celery"], env=rig.env, capture_output=True, text=True, timeout=60
    )
    assert submitted.returncode == 0, submitted.stderr
    data = json.loads(submitted.stdout)
    assert (data["job"], data["tasks"], data["counts"]) == ("cli-job", 3, {"pending": 30, "rejected": 1})
    assert data["follow"] == "smsbridge jobs show cli-job"
    busy = subprocess.run([*command, "--account", "shop"], env=rig.env, capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2 and FLEET_OWNER in busy.stderr  # the fleet holds the job: no local run meanwhile
    rig.pool.start(2)
    with open_ledger(rig.fleet.ledger_url) as ledger:
        assert wait_done(ledger, ["cli-job"], timeout=120)
    shown = subprocess.run(
        [sys.executable, "-m", "smsbridge.cli", "jobs", "show", "cli-job", "--json"],
        env=rig.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    job = json.loads(shown.stdout)
    assert (job["rows"], job["done"], job["running"], job["counts"]) == (31, 31, None, {"accepted": 30, "rejected": 1})
    assert len(received(standin)) == 3


@pytest.mark.parametrize("store", ["redis", "ledger"])
def test_an_accounts_rate_holds_for_the_whole_fleet(rig: FleetRig, standin: Any, store: str) -> None:
    """``rate=50`` on an account, four workers: never more than 52 requests in a second at the server."""
    if store == "ledger":
        rig.env["SMSBRIDGE_CELERY_RATE_STORE"] = "ledger"
        rig.pool.env["SMSBRIDGE_CELERY_RATE_STORE"] = "ledger"
    rig.pool.start(4)
    wait_workers(rig, 4)
    numbers = [f"+21192{i:07d}" for i in range(200)]
    submission = rig.fleet.submit("rated", "limited", numbers, "Hi")  # one recipient a request (batch=1)
    assert submission.tasks == 200
    with open_ledger(rig.fleet.ledger_url) as ledger:
        assert wait_done(ledger, ["rated"], timeout=120)
    arrivals = [r.at for r in received(standin)]
    assert len(arrivals) == 200
    busiest = windows(arrivals)
    achieved = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    print(f"rate=50 over 4 workers ({store}): busiest 1-second window {busiest}, {achieved:.1f} requests/s")
    assert busiest <= 52
    assert achieved > 40  # the fleet does use its allowance


def test_a_lost_queue_is_resumed_from_the_ledger_and_a_row_queued_twice_goes_once(rig: FleetRig, standin: Any) -> None:
    import redis

    rig.fleet.submit("lost", "shop", NUMBERS, "Hi")
    client = redis.Redis.from_url(rig.broker)
    assert client.delete(f"{rig.prefix}{rig.queue}") == 1  # the broker lost every queued task
    client.close()
    first = rig.fleet.resume("lost", "shop")
    again = rig.fleet.resume("lost", "shop")  # and an operator resumes it twice
    assert (first.tasks, again.tasks, first.rows_read) == (10, 10, 0)
    rig.pool.start(2)
    with open_ledger(rig.fleet.ledger_url) as ledger:
        assert wait_done(ledger, ["lost"], timeout=120)
        assert ledger.counts("lost") == {"accepted": 95}
    got = received_numbers(received(standin))
    assert len(got) == 95 and all(len(refs) == 1 for refs in got.values())
