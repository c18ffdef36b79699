"""The chaos run at CI size: workers SIGKILLed mid-request, the broker restarted, nobody sent twice.

The full-size run (20,000 recipients, at least 25 kills) is ``benchmarks/celery_chaos.py``;
its figures are in benchmarks/README.md.  What is counted is what the stand-in server received.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from benchmarks.celery_chaos import chaos

from smsbridge.testing.services import require

from .conftest import require_rabbitmq, require_redis

pytestmark = pytest.mark.slow


def check(result: dict[str, Any], *, total: int, min_kills: int, messages: int) -> None:
    details = {k: v for k, v in result.items() if k != "jobs"} | {"jobs": result["jobs"]}
    assert result["finished"], details
    assert result["received_twice"] == 0, details
    assert result["with_one_outcome"] == total and result["problems"] == 0, details
    assert result["broker_messages"] == messages, details
    assert result["kills"] >= min_kills and result["broker_restarts"] == 1, details
    assert sum(n for kind, n in result["kills_by_kind"].items() if "in flight" in kind) >= 1, details
    print(details)


def test_chaos_redis_broker_killed_and_restarted() -> None:
    """4 workers, 1,200 recipients in two jobs, a kill every 2 s, our own Redis killed and restarted."""
    require_redis()
    import shutil

    require("redis-server", shutil.which("redis-server") is not None, "the redis-server binary")
    result = chaos(playsms=1000, jormall=200, min_kills=8, batch=5, timeout=240)
    check(result, total=1200, min_kills=8, messages=math.ceil(1000 / 5) + 200)


def test_chaos_rabbitmq_connections_cut() -> None:
    """The same on the machine's RabbitMQ, whose restart is a proxy cutting every connection."""
    require_rabbitmq()
    result = chaos(playsms=500, jormall=100, min_kills=5, batch=5, broker="amqp", timeout=240)
    check(result, total=600, min_kills=5, messages=math.ceil(500 / 5) + 100)
