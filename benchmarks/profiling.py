"""Where the time of a loop goes, by library, for explaining a ratio above the goal.

``cProfile`` distorts absolute times (each Python call costs more under the profiler), so the
figures here are shares and per-message microseconds *under the profiler*, used to compare
the smsbridge side with the baseline side, never as the benchmark's result.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any

__all__ = ["CATEGORIES", "breakdown"]

#: (category, path fragments); the first match wins, anything else is "other"
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("smsbridge core", ("/core/src/smsbridge/",)),
    ("provider plugin", ("/plugins/",)),
    ("pluggy", ("/pluggy/",)),
    ("attrs/cattrs", ("/attr/", "/attrs/", "/cattrs/")),
    ("phonenumbers", ("/phonenumbers/",)),
    ("requests", ("/requests/",)),
    ("urllib3", ("/urllib3/",)),
    ("http.client/socket", ("/http/", "socket.py", "ssl.py", "selectors.py")),
    ("json", ("/json/",)),
    ("proxy env lookup", ("urllib/request.py", "<frozen os>", "_collections_abc")),
    ("benchmark", ("/benchmarks/",)),
)


def _category(filename: str, name: str) -> str:
    if filename == "~":
        if "socket" in name:
            return "http.client/socket"
        return "builtins"
    for category, fragments in CATEGORIES:
        if any(f in filename for f in fragments):
            return category
    return "other"


def breakdown(loop: Callable[[], Any], messages: int, *, top: int = 12) -> dict[str, Any]:
    """Profile ``loop`` (which sends ``messages`` messages).

    Returns µs per message by category (own time of the functions of that category) and the
    ``top`` functions of smsbridge, its plugins and their dependencies by own time.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    loop()
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_category: dict[str, float] = {}
    functions: list[tuple[float, float, int, str]] = []
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in raw.items():
        category = _category(filename, name)
        by_category[category] = by_category.get(category, 0.0) + tottime
        total += tottime
        if category in ("smsbridge core", "provider plugin", "pluggy", "attrs/cattrs", "phonenumbers"):
            short = filename.split("/src/", 1)[-1].split("site-packages/", 1)[-1]
            functions.append((tottime, cumtime, calls, f"{short}:{line}({name})"))
    functions.sort(reverse=True)
    scale = 1e6 / max(1, messages)
    return {
        "profiled_us_per_message": round(total * scale, 1),
        "by_category_us": {k: round(v * scale, 1) for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])},
        "top_functions": [
            {
                "function": where,
                "own_us_per_message": round(own * scale, 2),
                "cum_us_per_message": round(cum * scale, 2),
                "calls_per_message": round(calls / max(1, messages), 2),
            }
            for own, cum, calls, where in functions[:top]
        ],
    }
