"""Celery fleet under fire: real workers killed, a real broker restarted, the stand-in counting.

Run (full size, about 5 minutes on 2 cores; --quick for a smoke run)::

    .venv/bin/python benchmarks/celery_chaos.py            # chaos, throughput 1/2/4/8 workers, rate
    .venv/bin/python benchmarks/celery_chaos.py --only chaos

Needs PostgreSQL (the shared ledger, a database of its own, dropped after), ``redis-server``
(a broker instance of its own on a free port, so that it can be killed and restarted without
touching the machine's shared Redis) and, for ``--broker amqp``, the machine's RabbitMQ on
5672 (queues of its own; its "restart" is a TCP proxy cutting every connection, since the shared
broker is not ours to restart).

What it checks is what the stand-in server received (``benchmarks.standin``, one log line per
request): no number received twice (JorMall: a repeat must carry the same client id, which
the provider ignores), every recipient with exactly one outcome in the ledger, and each outcome
agreeing with the server: accepted ⇒ received, rejected/not_sent ⇒ not received, unknown ⇒
either.  The same harness runs at CI size in ``tests/integrations/celery/test_chaos.py``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.standin import Received, StandIn, received_requests  # noqa: E402

__all__ = [
    "BrokerProxy",
    "RedisServer",
    "WorkerPool",
    "audit",
    "fleet_env",
    "free_port",
    "received_numbers",
    "windows",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------- brokers of our own


class RedisServer:
    """A ``redis-server`` of our own on a free port, persisting every write (AOF, fsync always),
    so that killing and restarting it is a real broker restart that keeps the queued tasks."""

    def __init__(self, folder: Path, fsync: str = "always") -> None:
        self.folder = folder
        self.fsync = fsync  # "always" for the restart test; "everysec" (Redis's default) for speed
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", self.fsync, "--dir", str(self.folder), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not _redis_ready(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self, down: float = 1.0) -> None:
        """SIGKILL (a crash, not a clean shutdown), stay down ``down`` seconds, start again."""
        self.kill()
        time.sleep(down)
        self.start()
        self.restarts += 1

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def _redis_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class BrokerProxy:
    """A TCP proxy in front of a broker we must not restart (the machine's RabbitMQ): ``cut``
    drops every connection and refuses new ones for a while, which is what the workers and the
    broker see of a broker restart (unacknowledged tasks go back to the queue)."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self.cuts = 0

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
                with self._lock:
                    self._open.discard(s)

    def restart(self, down: float = 1.0) -> None:
        """What a broker restart looks like from outside: every connection drops, none for ``down`` s."""
        self.cut(down)

    @property
    def restarts(self) -> int:
        return self.cuts

    def cut(self, down: float = 1.0) -> None:
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            doomed = list(self._open)
        for s in doomed:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        time.sleep(down)
        self._listen()
        self.cuts += 1

    def __enter__(self) -> BrokerProxy:
        self._listen()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            doomed = list(self._open)
        for s in doomed:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


# ---------------------------------------------------------------------------- workers


def fleet_env(*, broker: str, ledger: str, config: Path, queue: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of the workers and of the submitting side (``smsbridge_celery.worker``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMSBRIDGE_", "CELERY_"))}
    env.update(
        SMSBRIDGE_CELERY_BROKER=broker,
        SMSBRIDGE_LEDGER=ledger,
        SMSBRIDGE_CONFIG=str(config),
        SMSBRIDGE_CELERY_QUEUE=queue,
        SMSBRIDGE_CELERY_PREFIX=prefix,
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


class WorkerPool:
    """``celery worker`` processes (each in its own session, so that a kill takes its pool child too)."""

    def __init__(self, env: Mapping[str, str], queue: str, logs: Path, *, pool: str = "solo") -> None:
        self.env = dict(env)
        self.queue = queue
        self.logs = logs
        self.pool = pool
        self.workers: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.kills: list[str] = []

    def spawn(self) -> subprocess.Popen[bytes]:
        self.started += 1
        name = f"w{self.started}-{uuid.uuid4().hex[:6]}@%h"
        pool = ["--pool=solo"] if self.pool == "solo" else ["--pool=prefork", "--concurrency=1"]
        log = (self.logs / f"worker-{self.started}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smsbridge_celery.worker", "worker", "-Q", self.queue, *pool,
             "--without-mingle", "--without-gossip", "--without-heartbeat", "-n", name, "--loglevel=INFO"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.workers.append(process)
        return process

    def start(self, n: int) -> None:
        for _ in range(n):
            self.spawn()

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [w for w in self.workers if w.poll() is None]

    def kill_one(self, rng: random.Random, busy: Collection[int] = ()) -> None:
        """SIGKILL one worker and start another in its place.

        ``busy``: pids of processes holding a claim right now (a request in flight): the victim
        is one of them when there are any, so that the kill lands mid-request.  With the prefork
        pool, every other kill hits the pool child running the task (the worker survives, sees
        the child lost: ``reject_on_worker_lost`` requeues the task), the others the whole
        worker (its connection drops: the broker redelivers).
        """
        alive = self.alive()
        if not alive:
            self.spawn()
            return
        owners = {w.pid: w for w in alive} | {c: w for w in alive for c in _children(w.pid)}
        targets = [pid for pid in busy if pid in owners]
        victim_pid = rng.choice(targets) if targets else rng.choice(alive).pid
        victim = owners[victim_pid]
        children = _children(victim.pid) if self.pool != "solo" else []
        if children and len(self.kills) % 2 == 0:
            os.kill(victim_pid if victim_pid in children else children[0], signal.SIGKILL)
            self.kills.append("pool child" + (" in flight" if targets else ""))
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        self.kills.append("worker" + (" in flight" if targets else ""))
        self.spawn()

    def stop(self) -> None:
        for w in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(w.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for w in self.workers:
            try:
                w.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(w.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.wait(5)


def claimers(ledger: Any, jobs: Collection[str]) -> list[int]:
    """Pids of the local processes holding a claim of ``jobs`` (from the attempt ids' owners)."""
    pids = []
    for job in jobs:
        for claim in ledger.stale_claims(job):
            parts = claim.attempt.rpartition("@")[2].split("/")
            if len(parts) == 4 and parts[0] == socket.gethostname() and parts[1].isdigit():
                pids.append(int(parts[1]))
    return pids


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# ---------------------------------------------------------------------------- what the server received

_FORM_FIELD = re.compile(r"(?:^|&)(numbers|to|id)=([^&]*)")


def received_numbers(requests: list[Received]) -> dict[str, list[str | None]]:
    """Each number the server received, with the client id of each time (JorMall ``id``, else None)."""
    out: dict[str, list[str | None]] = collections.defaultdict(list)
    for request in requests:
        text = request.body if request.body.strip() else request.target.partition("?")[2]
        fields = dict(_FORM_FIELD.findall(text))
        numbers = unquote_plus(fields.get("numbers") or fields.get("to") or "")
        ref = unquote_plus(fields["id"]) if "id" in fields else None
        for number in numbers.split(","):
            digits = re.sub(r"\D", "", number)
            if digits:
                out[digits].append(ref)
    return out


def audit(ledger: Any, job: str, received: Mapping[str, list[str | None]]) -> dict[str, Any]:
    """Compare the ledger's job with what the server received; the figures, and what is wrong."""
    rows = 0
    outcomes: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    twice = same_id = unknown_received = 0
    for row in ledger.rows(job):
        rows += 1
        outcome = row.outcome.value
        outcomes[outcome] += 1
        got = received.get(re.sub(r"\D", "", row.number), [])
        if len(got) > 1 and (None in got or len(set(got)) > 1):
            twice += 1
            problems.append(f"{row.number} received {len(got)} times (ids {got})")
        elif len(got) > 1:
            same_id += 1
        if outcome == "unknown" and got:
            unknown_received += 1
        if outcome in ("pending", "claimed"):
            problems.append(f"{row.number}: no outcome ({outcome})")
        elif row.outcome.sent and not got:
            problems.append(f"{row.number}: {outcome} but the server never received it")
        elif outcome in ("rejected", "not_sent") and got:
            problems.append(f"{row.number}: {outcome} but the server received it")
    return {
        "rows": rows,
        "outcomes": dict(sorted(outcomes.items())),
        "with_one_outcome": rows - outcomes.get("pending", 0) - outcomes.get("claimed", 0),
        "received_twice": twice,
        "repeats_with_same_id": same_id,  # a de-duplicating provider ignores these
        "unknown_and_received": unknown_received,  # in flight at a kill: the server had them
        "problems": problems[:20],
        "problem_count": len(problems),
    }


def windows(times: list[float], width: float = 1.0) -> int:
    """The most arrivals in any window of ``width`` seconds (a sliding window over every start)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


def wait_done(ledger: Any, jobs: list[str], *, timeout: float, during: Callable[[], None] = lambda: None) -> bool:
    """Poll until every job of ``jobs`` has no row without an outcome; ``during`` runs each poll."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        during()
        found = [ledger.find_job(j) for j in jobs]
        if all(info is not None and info.done for info in found):
            return True
        time.sleep(0.25)
    return False


# ---------------------------------------------------------------------------- the runs


@contextlib.contextmanager
def environment(latency: float, *, broker: str = "redis", fsync: str = "always") -> Iterator[dict[str, Any]]:
    """A stand-in (logging), a ledger database, a broker of our own, a config file with accounts."""
    from smsbridge.testing.services import postgres_database

    folder = Path(tempfile.mkdtemp(prefix="smsbridge-celery-"))
    try:
        (folder / "standin").mkdir()
        (folder / "broker").mkdir()
        (folder / "logs").mkdir()
        with StandIn(log_dir=str(folder / "standin")) as standin, postgres_database("smsbridge_celery") as ledger_url:
            standin.set_latency(latency)
            if broker == "redis":
                server: Any = RedisServer(folder / "broker", fsync)
                broker_url = lambda: server.url  # noqa: E731
            else:
                server = BrokerProxy(5672)
                broker_url = lambda: f"amqp://guest:guest@127.0.0.1:{server.port}//"  # noqa: E731
            queue = f"smsbridge-test-{uuid.uuid4().hex[:10]}"
            try:
                with server:
                    yield {
                        "folder": folder,
                        "standin": standin,
                        "ledger_url": ledger_url,
                        "broker": server,
                        "broker_url": broker_url(),
                        "queue": queue,
                        "prefix": f"{queue}:",
                    }
            finally:
                if broker != "redis":  # the machine's RabbitMQ: leave nothing of ours behind
                    _delete_queue("amqp://guest:guest@127.0.0.1:5672//", queue)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _delete_queue(url: str, queue: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=5) as conn:
        channel = conn.channel()
        channel.queue_delete(queue)
        channel.exchange_delete(queue)


def write_config(path: Path, accounts: Mapping[str, str]) -> Path:
    path.write_text("".join(f'[accounts.{n}]\nurl = "{u}"\n' for n, u in accounts.items()), encoding="utf-8")
    return path


def chaos(
    *,
    playsms: int,
    jormall: int,
    workers: int = 4,
    latency: float = 0.05,
    kill_every: float = 2.0,
    min_kills: int = 25,
    restart_at: float = 0.4,
    batch: int = 5,
    timeout: float = 900.0,
    seed: int = 15,
    broker: str = "redis",
    stall_after: float = 40.0,
) -> dict[str, Any]:
    """Two jobs at once (playSMS in chunks of ``batch``: unknown on redelivery; JorMall one
    recipient a task: resent with the same id), workers SIGKILLed every ``kill_every`` seconds
    until ``min_kills`` and the end, the broker killed and restarted once.

    A job that makes no progress for ``stall_after`` seconds is resumed as docs/scaling.md tells
    an operator to (``Fleet.resume``): kombu's Redis transport loses a task whose worker is
    killed between taking it off the queue and recording it as unacknowledged.  The figures
    count those resumptions."""
    from smsbridge.ledger import open_ledger
    from smsbridge_celery.worker import make_app

    rng = random.Random(seed)
    with environment(latency, broker=broker) as env:
        host = env["standin"].host_port
        config = write_config(
            env["folder"] / "config.toml",
            {
                "chaos-playsms": f"playsms://bench:secret@{host}?plain_http=yes&batch={batch}",
                "chaos-jormall": f"jormall://bench:secret@{host}?plain_http=yes&sender=Shop",
            },
        )
        fenv = fleet_env(
            broker=env["broker_url"], ledger=env["ledger_url"], config=config, queue=env["queue"],
            prefix=env["prefix"], SMSBRIDGE_CELERY_VISIBILITY_TIMEOUT="10",
        )  # fmt: skip
        pool = WorkerPool(fenv, env["queue"], env["folder"] / "logs", pool="prefork")
        _, fleet = make_app(fenv)
        started = time.monotonic()
        with open_ledger(env["ledger_url"]) as ledger:
            fleet.ledger_url = env["ledger_url"]
            os.environ["SMSBRIDGE_CONFIG"] = str(config)  # the submitting side resolves the names too
            try:
                pool.start(workers)
                subs = [
                    fleet.submit("chaos-playsms", "chaos-playsms", (f"+21191{i:07d}" for i in range(playsms)), "Hi"),
                    fleet.submit(
                        "chaos-jormall", "chaos-jormall", (f"+96279{i:07d}" for i in range(jormall)), "Hi", chunk_size=1
                    ),
                ]
                submitted = time.monotonic()
                last = [time.monotonic()]
                restart_done = [False]
                total = playsms + jormall
                progress = {"open": -1, "since": time.monotonic()}
                resumed: list[dict[str, Any]] = []
                sizes = {"chaos-playsms": None, "chaos-jormall": 1}

                def fire() -> None:
                    now = time.monotonic()
                    if now - last[0] >= kill_every:
                        last[0] = now
                        pool.kill_one(rng, claimers(ledger, [s.job for s in subs]))
                    still_open = {s.job: _open(ledger, s.job) for s in subs}
                    if not restart_done[0] and total - sum(still_open.values()) >= restart_at * total:
                        restart_done[0] = True
                        env["broker"].restart()
                    if sum(still_open.values()) != progress["open"]:
                        progress.update(open=sum(still_open.values()), since=now)
                    elif now - progress["since"] > stall_after:
                        for job, n in still_open.items():
                            if n:
                                counts = ledger.counts(job)
                                again = fleet.resume(job, job, chunk_size=sizes[job])
                                resumed.append({"job": job, "counts": counts, "tasks": again.tasks})
                        progress["since"] = now

                finished = wait_done(ledger, [s.job for s in subs], timeout=timeout, during=fire)
                while finished and len(pool.kills) < min_kills:  # kills keep coming while the fleet idles
                    fire()
                    time.sleep(0.25)
                elapsed = time.monotonic() - submitted
            finally:
                pool.stop()
                os.environ.pop("SMSBRIDGE_CONFIG", None)
            time.sleep(0.5)
            stuck = [
                {
                    "job": s.job,
                    "counts": ledger.counts(s.job),
                    "claims": [c.attempt for c in ledger.stale_claims(s.job)],
                }
                for s in subs
                if not finished
            ]
            if os.environ.get("SMSBRIDGE_CHAOS_KEEP"):  # keep the worker logs to look at
                shutil.copytree(env["folder"] / "logs", os.environ["SMSBRIDGE_CHAOS_KEEP"], dirs_exist_ok=True)
            received = received_numbers(received_requests(str(env["folder"] / "standin")))
            jobs = {s.job: audit(ledger, s.job, received) for s in subs}
            requests = len(received_requests(str(env["folder"] / "standin")))
        return {
            "broker": broker,
            "recipients": total,
            "workers": workers,
            "latency_s": latency,
            "finished": finished,
            "seconds": round(elapsed, 1),
            "setup_seconds": round(submitted - started, 1),
            "kills": len(pool.kills),
            "kills_by_kind": dict(collections.Counter(pool.kills)),
            "workers_started": pool.started,
            "broker_restarts": env["broker"].restarts,
            "resumed_after_stall": resumed,
            "broker_messages": sum(s.tasks for s in subs),
            "requests_received": requests,
            "jobs": jobs,
            "received_twice": sum(j["received_twice"] for j in jobs.values()),
            "with_one_outcome": sum(j["with_one_outcome"] for j in jobs.values()),
            "problems": sum(j["problem_count"] for j in jobs.values()),
            "stuck": stuck,
        }


def _open(ledger: Any, job: str) -> int:
    counts = ledger.counts(job)
    return sum(counts.get(s, 0) for s in ("pending", "claimed", "not_sent"))


def throughput(*, recipients: int, workers: int, latency: float = 0.05, batch: int = 25) -> dict[str, Any]:
    """One job of ``recipients`` through ``workers`` solo workers: messages/s and broker messages."""
    from smsbridge.ledger import open_ledger
    from smsbridge_celery.worker import make_app

    with environment(latency, fsync="everysec") as env:
        config = write_config(
            env["folder"] / "config.toml",
            {"bench": f"playsms://bench:secret@{env['standin'].host_port}?plain_http=yes&batch={batch}"},
        )
        fenv = fleet_env(
            broker=env["broker_url"], ledger=env["ledger_url"], config=config, queue=env["queue"], prefix=env["prefix"]
        )
        pool = WorkerPool(fenv, env["queue"], env["folder"] / "logs")
        _, fleet = make_app(fenv)
        fleet.ledger_url = env["ledger_url"]
        os.environ["SMSBRIDGE_CONFIG"] = str(config)
        try:
            pool.start(workers)
            with open_ledger(env["ledger_url"]) as ledger:
                _wait_workers_ready(env, pool, workers)
                started = time.monotonic()
                sub = fleet.submit("bench", "bench", (f"+21191{i:07d}" for i in range(recipients)), "Hi")
                submitted = time.monotonic()
                finished = wait_done(ledger, ["bench"], timeout=600)
                elapsed = time.monotonic() - started
                counts = ledger.counts("bench")
        finally:
            pool.stop()
            os.environ.pop("SMSBRIDGE_CONFIG", None)
        arrivals = [r.at for r in received_requests(str(env["folder"] / "standin"))]
        sending = arrivals[-1] - arrivals[0] + latency if arrivals else 0.0
        return {
            "workers": workers,
            "recipients": recipients,
            "limit": batch,
            "broker_messages": sub.tasks,
            "expected_messages": -(-recipients // batch),
            "requests": len(arrivals),
            "finished": finished,
            "submit_seconds": round(submitted - started, 2),  # into the ledger and onto the broker
            "seconds": round(elapsed, 2),  # submit to the last outcome
            "messages_per_s": round(recipients / elapsed, 1),
            "sending_messages_per_s": round(recipients / sending, 1) if sending else 0.0,  # first to last request
            "accepted": counts.get("accepted", 0),
        }


def _wait_workers_ready(env: Mapping[str, Any], pool: WorkerPool, n: int, timeout: float = 60) -> None:
    """Wait until ``n`` workers log that they are ready (start-up is not part of a throughput figure)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = sum("ready." in p.read_text(errors="replace") for p in Path(env["folder"] / "logs").glob("*.log"))
        if ready >= n:
            return
        time.sleep(0.1)
    raise RuntimeError("the workers did not start")


def rate(*, requests: int, workers: int = 4, limit: float = 50.0, store: str = "redis") -> dict[str, Any]:
    """``rate=limit`` on an account shared by ``workers``: the busiest 1-second window at the server."""
    from smsbridge.ledger import open_ledger
    from smsbridge_celery.worker import make_app

    with environment(0.0, fsync="everysec") as env:
        config = write_config(
            env["folder"] / "config.toml",
            {"ratelimited": f"playsms://bench:secret@{env['standin'].host_port}?plain_http=yes&rate={limit:g}"},
        )
        extra = {"SMSBRIDGE_CELERY_RATE_STORE": "ledger"} if store == "ledger" else {}
        fenv = fleet_env(
            broker=env["broker_url"], ledger=env["ledger_url"], config=config, queue=env["queue"],
            prefix=env["prefix"], **extra,
        )  # fmt: skip
        pool = WorkerPool(fenv, env["queue"], env["folder"] / "logs")
        _, fleet = make_app(fenv)
        fleet.ledger_url = env["ledger_url"]
        os.environ["SMSBRIDGE_CONFIG"] = str(config)
        try:
            pool.start(workers)
            with open_ledger(env["ledger_url"]) as ledger:
                _wait_workers_ready(env, pool, workers)
                started = time.monotonic()
                fleet.submit("rate", "ratelimited", (f"+21191{i:07d}" for i in range(requests)), "Hi")
                finished = wait_done(ledger, ["rate"], timeout=requests / limit * 3 + 60)
                elapsed = time.monotonic() - started
        finally:
            pool.stop()
            os.environ.pop("SMSBRIDGE_CONFIG", None)
        arrivals = [r.at for r in received_requests(str(env["folder"] / "standin"))]
        return {
            "store": store,
            "workers": workers,
            "rate": limit,
            "requests": len(arrivals),
            "finished": finished,
            "busiest_window": windows(arrivals),
            "seconds": round(elapsed, 2),
            "achieved_per_s": round(len(arrivals) / max(arrivals[-1] - arrivals[0], 1e-9), 2) if arrivals else 0.0,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", choices=["chaos", "throughput", "rate"], action="append")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "celery.json")
    args = parser.parse_args(argv)
    only = set(args.only or ["chaos", "throughput", "rate"])
    out: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "mode": "quick" if args.quick else "full"}
    from benchmarks.machine import describe

    out["machine"] = describe()
    if "chaos" in only:
        sizes = {"playsms": 1500, "jormall": 300, "min_kills": 5} if args.quick else {"playsms": 18000, "jormall": 2000}
        out["chaos"] = chaos(batch=10, **sizes)
        print(json.dumps(out["chaos"], indent=2), flush=True)
    if "throughput" in only:
        n = 2000 if args.quick else 20000
        out["throughput"] = [throughput(recipients=n, workers=w) for w in (1, 2, 4, 8)]
        print(json.dumps(out["throughput"], indent=2), flush=True)
    if "rate" in only:
        n = 150 if args.quick else 600
        out["rate"] = [rate(requests=n, store=s) for s in ("redis", "ledger")]
        print(json.dumps(out["rate"], indent=2), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
