"""Shared pieces of the receiver tests: ledgers in both engines, jobs with sent rows, a receiver."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from smsbridge.ledger.models import JobSpec, NewRow, RowOutcome
from smsbridge.ledger.states import RowState
from smsbridge.receiver import Receiver, ReceiverAccount

TOKEN = "Zk3q-9vW_mT2xLp8RbN4sYc"  # 23 URL-safe characters: a test token, never a real one
OTHER_TOKEN = "Qa7Hn2Ve_Lr5Jm9Tx3Kb-Wz"


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest) -> Any:
    """The same test on a SQLite ledger and on a PostgreSQL one."""
    return request.getfixturevalue("sms_ledger" if request.param == "sqlite" else "postgres_ledger")


def sent_job(
    ledger: Any,
    job: str,
    numbers: Sequence[str],
    ids: Sequence[str | None],
    *,
    provider: str = "memory",
    states: Sequence[RowState] | None = None,
) -> None:
    """A job whose rows went out through ``provider`` with these message ids (and outcomes)."""
    ledger.open_job(JobSpec(job, provider, f"{provider}://", "hello"))
    ledger.ingest(
        job,
        [NewRow(i, n) for i, n in enumerate(numbers)],
        read_before=0,
        read_after=len(numbers),
        digest="d",
        done=True,
    )
    seqs = list(range(len(numbers)))
    ledger.claim(job, seqs, "attempt-1", provider=provider)
    chosen = states or [RowState.ACCEPTED] * len(numbers)
    ledger.record(job, "attempt-1", [RowOutcome(i, chosen[i], ids[i], provider) for i in seqs])


def row_states(ledger: Any, job: str) -> list[tuple[str, str | None, str | None, float | None]]:
    return [
        (r.state.value, r.report_status, r.report_code, r.report_at.timestamp() if r.report_at else None)
        for r in ledger.rows(job)
    ]


@pytest.fixture
def make_receiver(tmp_path: Any) -> Iterator[Any]:
    """``make_receiver(accounts={name: url or Account}, **options)``: a receiver on a fresh SQLite ledger."""
    made: list[Receiver] = []

    def make(accounts: dict[str, Any] | None = None, *, token: str = TOKEN, **options: Any) -> Receiver:
        options.setdefault("ledger", str(tmp_path / "receiver.db"))
        options.setdefault("sweep_every", 0)
        served = {
            name: ReceiverAccount(account, token=token) for name, account in (accounts or {"shop": "memory://"}).items()
        }
        receiver = Receiver(served, **options)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


def callback_samples(plugin: str) -> Mapping[str, Any]:
    """A plugin's real callback shapes (``tests/plugins/<plugin>/callback_samples.py``, each naming its source)."""
    path = Path(__file__).parents[1] / "plugins" / plugin / "callback_samples.py"
    spec = importlib.util.spec_from_file_location(f"_callback_samples_{plugin}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    samples: Mapping[str, Any] = module.SAMPLES
    return samples
