"""A day's figures from its tickets: what the manager reads at closing time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..protocol import day_figures as _figures


def day_stats(rows: Iterable[Mapping[str, Any]], *, min_score: int = 3) -> dict[str, Any]:
    """Rows carry service, window, status, wait_s, service_s and score of each ticket."""
    rows = list(rows)
    out = _figures(rows, min_score)
    out["by_service"] = {
        code: _figures([r for r in rows if r["service"] == code], min_score)
        for code in sorted({r["service"] for r in rows})
    }
    out["by_window"] = {
        w: _figures([r for r in rows if r["window"] == w], min_score)
        for w in sorted({r["window"] for r in rows if r["window"]})
    }
    return out
