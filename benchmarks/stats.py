"""Small statistics for noisy timings: medians and spreads of paired ratios."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["spread", "summary"]


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, quartiles and range of ``values`` (rounded for the JSON)."""
    ordered = sorted(values)
    if not ordered:
        return {
            "median": float("nan"),
            "q1": float("nan"),
            "q3": float("nan"),
            "min": float("nan"),
            "max": float("nan"),
        }
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1, q3 = ordered[0], ordered[-1]
    return {
        "median": round(statistics.median(ordered), 4),
        "q1": round(q1, 4),
        "q3": round(q3, 4),
        "min": round(ordered[0], 4),
        "max": round(ordered[-1], 4),
    }


def summary(numerators: Sequence[float], denominators: Sequence[float]) -> dict[str, Any]:
    """Per-round ratios ``numerator / denominator`` and their spread.

    Each pair was measured back to back (ABAB...), so machine noise that lasts longer than a
    round cancels in the ratio; the median then discards rounds hit by a short burst.
    """
    ratios = [a / b for a, b in zip(numerators, denominators, strict=True) if b > 0]
    return {"ratios": [round(r, 4) for r in ratios], **spread(ratios)}
