"""Real components for the Celery integration's tests: a PostgreSQL ledger, Redis and RabbitMQ
brokers, ``celery worker`` processes, and the stand-in provider server counting what it received.

Every test run uses queues and Redis keys of its own (``smsbridge-test-<random>``) on the
machine's shared brokers, and removes them afterwards; tests that restart a broker start one of
their own (``benchmarks.celery_chaos.RedisServer``, or a proxy in front of RabbitMQ).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.dont_write_bytecode = True  # the benchmark modules leave no cache in the tree
ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.celery_chaos import WorkerPool, fleet_env, write_config  # noqa: E402
from benchmarks.standin import StandIn, received_requests  # noqa: E402

from smsbridge.testing.services import postgres_database, require, tcp_open  # noqa: E402

REDIS_URL = os.environ.get("SMSBRIDGE_TEST_REDIS", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("SMSBRIDGE_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")
SECRET = "Pa55-w0rd-never-on-the-wire"  # the provider password of the test accounts


def require_redis() -> None:
    require("Redis", tcp_open("127.0.0.1", 6379), "127.0.0.1:6379")


def require_rabbitmq() -> None:
    require("RabbitMQ", tcp_open("127.0.0.1", 5672), "127.0.0.1:5672")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own: the shared ledger of one test."""
    with postgres_database("smsbridge_celery") as url:
        yield url


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[StandIn]:
    folder = tmp_path / "standin"
    folder.mkdir()
    with StandIn(log_dir=str(folder)) as server:
        yield server


def received(server: StandIn) -> list[Any]:
    assert server.log_dir is not None
    return received_requests(server.log_dir)


class FleetRig:
    """One broker's worth of test fleet: unique queue and key prefix, config file, workers."""

    def __init__(self, broker: str, ledger: str, folder: Path, accounts: dict[str, str]) -> None:
        self.broker = broker
        self.queue = f"smsbridge-test-{uuid.uuid4().hex[:10]}"
        self.prefix = f"{self.queue}:"
        self.config = write_config(folder / "config.toml", accounts)
        (folder / "logs").mkdir(exist_ok=True)
        self.env = fleet_env(broker=broker, ledger=ledger, config=self.config, queue=self.queue, prefix=self.prefix)
        self.pool = WorkerPool(self.env, self.queue, folder / "logs")
        from smsbridge_celery.worker import make_app

        self.app, self.fleet = make_app(self.env)
        self.fleet.ledger_url = ledger

    def clean(self) -> None:
        """Remove what this rig left on the shared broker: its queue (and exchange) or its keys."""
        self.pool.stop()
        if self.broker.startswith("redis://"):
            import redis

            client = redis.Redis.from_url(self.broker)
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()
        else:
            from kombu import Connection

            with Connection(self.broker, connect_timeout=5) as conn:
                channel = conn.channel()
                channel.queue_delete(self.queue)
                channel.exchange_delete(self.queue)


@pytest.fixture
def rig(
    request: pytest.FixtureRequest, pg_url: str, standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FleetRig]:
    """A fleet on the broker named by the test's ``broker`` parameter (``redis`` or ``rabbitmq``)."""
    broker = getattr(request, "param", "redis")
    if broker == "redis":
        require_redis()
        url = REDIS_URL
    else:
        require_rabbitmq()
        url = RABBITMQ_URL
    host = standin.host_port
    accounts = {
        "shop": f"playsms://bench:{SECRET}@{host}?plain_http=yes&batch=10",
        "otp": f"jormall://bench:{SECRET}@{host}?plain_http=yes&sender=Shop",
        "limited": f"playsms://bench:{SECRET}@{host}?plain_http=yes&rate=50",
    }
    fleet_rig = FleetRig(url, pg_url, tmp_path, accounts)
    monkeypatch.setenv("SMSBRIDGE_CONFIG", str(fleet_rig.config))  # the submitting side resolves names too
    monkeypatch.setenv("SMSBRIDGE_LEDGER", pg_url)
    try:
        yield fleet_rig
    finally:
        fleet_rig.clean()
