"""The chaos suite's fixtures: the counting stand-in server and the seed of every random choice.

The stand-in is ``benchmarks/standin.py`` in counting mode (one implementation for the
benchmarks and these tests); the scenarios are ``benchmarks/chaos.py``'s, at CI size.
"""

from __future__ import annotations

import gc
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.dont_write_bytecode = True  # the benchmark modules leave no cache in the tree
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.chaos import SEED_ENV  # noqa: E402
from benchmarks.standin import StandIn  # noqa: E402

_SEED = int(os.environ.get(SEED_ENV, "").strip() or random.SystemRandom().randrange(2**31))


@pytest.fixture(scope="session")
def chaos_seed() -> int:
    """``SMSBRIDGE_CHAOS_SEED``, else a new seed each session; failures print it."""
    return _SEED


class _ServerOfThisProcess(StandIn):
    def settle(self, timeout: float = 10.0) -> None:
        # after a connection error, requests (urllib3) leaves the next connection open until its
        # response is garbage-collected, even past Session.close(): collect before waiting
        gc.collect()
        super().settle(timeout)


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Any]:
    """The stand-in server of every provider, journaling what it takes (one process)."""
    with _ServerOfThisProcess(journal=tmp_path / "journal") as server:
        yield server
