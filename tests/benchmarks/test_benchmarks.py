"""The benchmarks run (at tiny sizes) and produce well-formed results.

Not timed tests: no assertion here is about speed.  What must hold on any machine is asserted:
the JSON shape, request counts equal to the minimum, byte-identical requests on both sides of
every comparison (the send ledger's included), numeric memory figures measured through the
ledger, lazy provider imports, and a PostgreSQL ledger figure wherever PostgreSQL runs.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

sys.dont_write_bytecode = True  # the benchmark modules leave no cache in the tree
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import processes, providers, run, suite  # noqa: E402
from smsbridge.testing.services import require  # noqa: E402

PROVIDERS = providers.PROVIDERS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("bench") / "quick.json"
    with pytest.MonkeyPatch.context() as mp:  # the benchmarks' bulk sends keep a ledger: never the user's own
        mp.setenv("SMSBRIDGE_LEDGER", str(output.with_name("ledger.db")))
        produced = run.run_all(quick=True, output=output)
    written: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(produced))
    return written


def test_shape(results: dict[str, Any]) -> None:
    assert results["schema"] == run.SCHEMA
    assert results["mode"] == "quick"
    for key in ("cpu", "cores", "ram_gb", "python", "os", "date"):
        assert results["machine"][key], key
    assert set(results["sections"]) == set(run.SECTIONS)
    assert isinstance(results["checks"], dict) and results["checks"]
    assert all(isinstance(v, bool) for v in results["checks"].values())


def test_overhead_requests_are_byte_identical(results: dict[str, Any]) -> None:
    section = results["sections"]["overhead"]
    assert set(section["providers"]) == set(PROVIDERS)
    for pid, p in section["providers"].items():
        assert p["identical"], (pid, p["difference"])
        assert p["requests"] == p["requests_expected"] == 2 * section["rounds"] * section["messages_per_block"]
        assert len(p["wall_ratio"]["ratios"]) == section["rounds"]
        for key in ("median", "q1", "q3", "min", "max"):
            assert isinstance(p["wall_ratio"][key], float) and p["wall_ratio"][key] > 0
        assert isinstance(p["meets_goal"], bool)
        if not p["meets_goal"]:  # a ratio above the goal comes with its explanation
            assert p["profile"]["smsbridge"]["by_category_us"]
            assert p["profile"]["smsbridge"]["top_functions"]


def test_bulk_uses_the_minimum_number_of_requests(results: dict[str, Any]) -> None:
    section = results["sections"]["bulk"]
    n = section["recipients"]
    for pid, p in section["providers"].items():
        minimum = math.ceil(n / PROVIDERS[pid].limit)
        assert p["requests_min"] == minimum
        assert p["requests"] == p["requests_reported"] == minimum, pid
        assert p["baseline_requests"] == minimum, pid
        assert p["requests_ok"] and p["accepted_ok"], pid
        assert p["identical"], (pid, p["difference"])
        assert p["smsbridge_msgs_per_s"] > 0 and p["baseline_msgs_per_s"] > 0


def test_memory_figures_are_numbers(results: dict[str, Any]) -> None:
    section = results["sections"]["memory"]
    assert isinstance(section["floor_mb"], float) and section["floor_mb"] > 0
    assert set(section["paths"]) == {"generator", "cli"}
    for path, by_size in section["paths"].items():
        assert [int(n) for n in by_size] == list(suite.QUICK.memory_sizes)
        for n, figures in by_size.items():
            assert figures["exit_code"] == 0, (path, n, figures.get("error"))
            assert isinstance(figures["peak_rss_mb"], float) and figures["peak_rss_mb"] > 0
            assert figures["report_lines"] == int(n), (path, n)
            assert figures["accepted"] == int(n), (path, n)
            assert figures["ledger_mb"] > 0, (path, n)  # the child went through a ledger of its own
        assert isinstance(section[f"{path}_growth_mb"], float)


def test_startup_loads_plugins_only_when_an_account_is_opened(results: dict[str, Any]) -> None:
    commands = results["sections"]["startup"]["commands"]
    assert commands["python -c pass"]["ratio_to_pass"]["median"] == 1.0
    assert commands["import smsbridge"]["provider_modules"] == []
    assert commands["smsbridge --help"]["provider_modules"] == []
    # every installed plugin, so that no provider id is resolved before every claimant is known
    everything = processes.EXPECTED_MODULES["connect('console://')"]
    assert everything and {"smsbridge_aspsms", "smsbridge_junubsms"} <= set(everything)
    assert commands["connect('console://')"]["provider_modules"] == everything
    assert commands["connect('aspsms://u:p@default')"]["provider_modules"] == everything
    for c in commands.values():
        assert c["median_ms"] > 0


def test_latency_section(results: dict[str, Any]) -> None:
    section = results["sections"]["latency"]
    assert [int(w) for w in section["workers"]] == list(suite.QUICK.latency_workers)
    for w in section["workers"].values():
        assert w["requests_ok"] and w["accepted_ok"]
        assert w["msgs_per_s"] > 0 and w["speedup"] > 0


def test_ledger_section(results: dict[str, Any]) -> None:
    section = results["sections"]["ledger"]["bulk"]
    n = section["recipients"]
    assert n == suite.QUICK.ledger_recipients
    assert set(section["providers"]) == set(PROVIDERS)
    sides = ["none", "sqlite"] + (["postgresql"] if section["postgresql"]["available"] else [])
    if not section["postgresql"]["available"]:
        assert section["postgresql"]["reason"]  # the output says why, instead of a figure
    for pid, p in section["providers"].items():
        assert p["identical"], (pid, p["difference"])  # the ledger changes nothing on the wire
        minimum = math.ceil(n / PROVIDERS[pid].limit)
        assert p["requests_min"] == minimum
        assert sorted(p["requests"]) == sorted(sides), pid
        assert all(count == minimum for counts in p["requests"].values() for count in counts), pid
        assert p["requests_ok"] and p["accepted_ok"], pid
        assert all(p["msgs_per_s"][side] > 0 for side in sides), pid
        assert isinstance(p["meets_goal"], bool)
        for side in sides[1:]:
            assert len(p[f"{side}_ratio"]["ratios"]) == section["rounds"]
            assert p[f"{side}_ratio"]["median"] > 0
            assert p["transactions_per_request"][side] > 0  # it really wrote to that ledger
    workers = results["sections"]["ledger"]["workers"]
    assert [int(k) for k in workers["workers"]] == list(suite.QUICK.ledger_workers)
    for entry in workers["workers"].values():
        assert entry["requests_ok"]
        assert entry["msgs_per_s"]["sqlite"] > 0 and entry["sqlite_ratio"]["median"] > 0


def test_ledger_section_measures_postgresql(results: dict[str, Any]) -> None:
    """Skipped on a laptop without PostgreSQL; in CI (services required) its absence fails."""
    section = results["sections"]["ledger"]
    for part in ("bulk", "workers"):
        require("PostgreSQL", section[part]["postgresql"]["available"], section[part]["postgresql"]["reason"] or "")
    for p in section["bulk"]["providers"].values():
        assert p["msgs_per_s"]["postgresql"] > 0
        assert p["postgresql_ratio"]["median"] > 0
        assert p["transactions_per_request"]["postgresql"] > 0
    for entry in section["workers"]["workers"].values():
        assert entry["msgs_per_s"]["postgresql"] > 0


def test_command_line_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "cli.json"
    code = run.main(["--quick", "--sections", "bulk", "--providers", "aspsms", "--output", str(output)])
    assert code == 0
    data = json.loads(output.read_text(encoding="utf-8"))
    assert list(data["sections"]) == ["bulk"]
    assert list(data["sections"]["bulk"]["providers"]) == ["aspsms"]
    assert "2. Bulk" in capsys.readouterr().out
