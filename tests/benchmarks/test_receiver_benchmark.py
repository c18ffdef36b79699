"""The receiver benchmark runs (at a tiny size) and its correctness figures hold; no speed is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import receiver  # noqa: E402

pytestmark = pytest.mark.slow


def test_quick_receiver_run(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    output = tmp_path / "receiver.json"
    results: dict[str, Any] = receiver.run(quick=True, output=output)
    assert json.loads(output.read_text(encoding="utf-8")) == json.loads(json.dumps(results))
    forged, reports = results["forged"], results["reports"]
    assert forged["requests"] == 400 and forged["accepted"] == 0 and not forged["secret_in_log"]
    assert forged["refusals_logged"] == 400
    assert reports["answered_200"] == reports["requests"] == 500
    assert reports["same_state_as_ordered_replay"] and reports["orphans_left"] == 0
    assert reports["reports_per_second"] > 0 and reports["latency_ms"]["p99"] >= reports["latency_ms"]["p50"] > 0
