"""The dev server benchmark runs (at a tiny size) and its correctness figures hold; no speed is asserted."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from smsbridge.testing.services import require

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import devserver  # noqa: E402

pytestmark = pytest.mark.slow
HOW = "pip install -r requirements-dev.txt (Playwright) and apt-get install chromium; .ci/run does both"


def test_quick_devserver_run(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require("Playwright", False, "the playwright package is not installed", how=HOW)
    require("Chromium", os.access(devserver.CHROMIUM, os.X_OK), f"no executable at {devserver.CHROMIUM}", how=HOW)
    output = tmp_path / "devserver.json"
    results: dict[str, Any] = devserver.run(quick=True, output=output)
    assert json.loads(output.read_text(encoding="utf-8")) == json.loads(json.dumps(results, ensure_ascii=False))

    start = results["start"]
    assert start["rounds"] == 3 and start["api_ms"]["n"] == 3
    assert start["page_ms"]["p50"] >= start["api_ms"]["p50"] > start["python_c_pass_ms"]["p50"] > 0

    visible = results["visible"]
    assert set(visible["providers"]) == {"jormall", "aspsms", "playsms", "allmysms"}
    assert visible["dom_inserted_ms"]["n"] == visible["messages"] == 12
    # the order of events in one page: the event arrives, then the bubble, then the frame that paints it
    assert visible["next_frame_ms"]["p50"] >= visible["dom_inserted_ms"]["p50"] >= visible["sse_event_ms"]["p50"] >= 0

    load = results["throughput"]
    for key in ("without_browser", "with_inbox_open"):
        run = load[key]
        assert run["accepted"] == run["sent"] == run["messages_kept_by_server"] and run["errors"] == 0
        assert run["server_cpu_ms_per_message"] > 0
    assert load["with_inbox_open"]["page_caught_up"] and load["with_inbox_open"]["browser_cpu_ms_per_message"] > 0
    alone = load["server_alone"]
    assert alone["statuses"] == {"200": alone["requests"]} and alone["accepted"] == alone["requests"]
    assert load["bulk_aspsms"]["accepted"] == load["bulk_aspsms"]["recipients"] == 2000
    assert results["goals"]["every_send_kept"]
