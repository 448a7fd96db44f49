"""A day's figures from its tickets: what the manager reads at closing time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..protocol import day_figures


def _figures(rows: list[Mapping[str, Any]], min_score: int) -> dict[str, Any]:
    """The shared day figures, and how honest the wait told at issue was over the tickets
    called: mean |told − real| and mean told − real (> 0: told too long)."""
    told = [
        r["estimated_wait_s"] - r["wait_s"]
        for r in rows
        if r["wait_s"] is not None and r.get("estimated_wait_s") is not None
    ]
    out = day_figures(rows, min_score)
    out["estimate_error_s"] = round(sum(abs(d) for d in told) / len(told)) if told else None
    out["estimate_bias_s"] = round(sum(told) / len(told)) if told else None
    return out


def day_stats(rows: Iterable[Mapping[str, Any]], *, min_score: int = 3) -> dict[str, Any]:
    """Rows carry service, window, status, wait_s, service_s, score and estimated_wait_s (the
    wait told at issue) of each ticket."""
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
