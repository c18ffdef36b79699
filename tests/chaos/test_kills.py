"""``smsbridge bulk`` interrupted at random points and resumed until done, at CI size.

Each scenario of ``benchmarks.chaos.CI_SCENARIOS`` (a few interruptions over a few thousand
recipients; ``benchmarks/chaos.py`` runs the same at full size) drives the command line as real
subprocesses against the counting stand-in and checks the ledger against what the stand-in
received (see ``benchmarks/chaos.py`` for the list of checks).  A failure prints the seed:
``SMSBRIDGE_CHAOS_SEED=<seed> .venv/bin/python -m pytest tests/chaos`` repeats its random choices.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from benchmarks.chaos import CI_SCENARIOS, SEED_ENV, Scenario, run_scenario

pytestmark = pytest.mark.slow


def _explain(result: dict[str, Any]) -> str:
    shown = {k: v for k, v in result.items() if k != "problems"}
    problems = "\n  ".join(result["problems"])
    kept = f"; its files are kept in {result['kept']}" if "kept" in result else ""
    return (
        f"scenario {result['scenario']} failed with seed {result['seed']}{kept} "
        f"(rerun: {SEED_ENV}={result['seed']} .venv/bin/python benchmarks/chaos.py --quick "
        f"--seed {result['seed']} --scenarios {result['scenario']}):\n  {problems}\n{json.dumps(shown, indent=1)}"
    )


def _check(scenario: Scenario, result: dict[str, Any]) -> None:
    assert not result["problems"], _explain(result)
    assert result["received_twice"] == 0
    assert result["with_one_outcome"] == result["rows"] == scenario.recipients, _explain(result)
    assert result["interrupted_runs"] >= 1, "no run was interrupted: the scenario proved nothing"
    if scenario.faults.rates():  # every fault kind happened at least once (the stand-in's script)
        assert result["server"]["faults"] >= 4, _explain(result)
        assert result["unknown_not_received"] >= 1, _explain(result)  # an HTTP 500: unknown, never received
        assert result["server"]["refused"] >= 1, _explain(result)  # "not taken": sent again later
    if scenario.signal == "TERM":
        assert result["outcomes"].get("unknown", 0) == 0, _explain(result)
    if scenario.concurrent == "refuse":
        assert result["refused_busy"] >= 1, _explain(result)


@pytest.mark.parametrize("scenario", [s for s in CI_SCENARIOS if s.ledger == "sqlite"], ids=lambda s: s.name)
def test_chaos(scenario: Scenario, chaos_seed: int) -> None:
    result = run_scenario(scenario, chaos_seed + CI_SCENARIOS.index(scenario))
    _check(scenario, result)


@pytest.mark.parametrize("scenario", [s for s in CI_SCENARIOS if s.ledger == "postgresql"], ids=lambda s: s.name)
def test_chaos_with_a_postgresql_ledger(scenario: Scenario, chaos_seed: int) -> None:
    from smsbridge.testing.services import postgres_database

    with postgres_database("smsbridge_chaos") as url:
        result = run_scenario(scenario, chaos_seed + CI_SCENARIOS.index(scenario), ledger_url=url)
    _check(scenario, result)
