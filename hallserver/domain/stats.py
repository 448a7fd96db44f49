"""A day's figures from its tickets: what the manager reads at closing time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _avg(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def _figures(rows: list[Mapping[str, Any]], min_score: int) -> dict[str, Any]:
    waits = [r["wait_s"] for r in rows if r["wait_s"] is not None]
    served = [r for r in rows if r["status"] == "done"]
    scores = [r["score"] for r in rows if r["score"] is not None]
    # How honest the wait told at issue was, on the tickets that have been called.
    told = [
        r["estimated_wait_s"] - r["wait_s"]
        for r in rows
        if r["wait_s"] is not None and r.get("estimated_wait_s") is not None
    ]
    return {
        "issued": len(rows),
        "served": len(served),
        "no_show": sum(1 for r in rows if r["status"] == "no_show"),
        "waiting": sum(1 for r in rows if r["status"] == "waiting"),
        "avg_wait_s": _avg(waits),
        "avg_service_s": _avg([r["service_s"] for r in served]),
        "estimate_error_s": _avg([abs(d) for d in told]),
        "estimate_bias_s": _avg(told),
        "evaluations": len(scores),
        "satisfaction_rate": (
            round(sum(1 for s in scores if s >= min_score) / len(scores), 4) if scores else None
        ),
    }


def day_stats(rows: Iterable[Mapping[str, Any]], *, min_score: int = 3) -> dict[str, Any]:
    """Rows carry service, window, status, wait_s, service_s, score and estimated_wait_s (the
    wait told at issue) of each ticket; the estimate's mean error and bias (told − real, > 0:
    too long) are over the tickets called."""
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
