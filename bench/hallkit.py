"""Shared by the server benchmarks: a big hall config, a server process, percentiles."""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from tests.support.server import CLERK_PIN, SAMPLE, HallServerProcess, clerk_for

__all__ = [
    "CLERK_PIN",
    "SAMPLE",
    "HallServerProcess",
    "api_post",
    "big_hall",
    "clerk_for",
    "pct",
    "running_hall",
    "summary",
]


def big_hall(path: Path, windows: int = 60) -> Path:
    """The sample hall's services with `windows` windows, a caller each, kiosks and a manager."""
    text = SAMPLE.read_text(encoding="utf-8")
    # Benchmarks compress hours into seconds: a per-minute kiosk limit would only measure itself.
    head = text[: text.index("[[windows]]")].replace(
        "kiosk_tickets_per_minute = 60", "kiosk_tickets_per_minute = 1000000"
    )
    groups = [
        ("comprehensive", ["A", "B", "F", "G"]),
        ("comprehensive", ["C", "D", "E"]),
        ("comprehensive", ["B", "C", "D", "F"]),
        ("specialized", ["H"]),
        ("specialized", ["J"]),
        ("issuance", ["K"]),
        ("help", ["L"]),
        ("consultation", ["M"]),
    ]
    parts = [head]
    for i in range(1, windows + 1):
        kind, services = groups[(i - 1) % len(groups)] if i > 8 else groups[i - 1]
        codes = ", ".join(f'"{c}"' for c in services)
        parts.append(
            f'[[windows]]\nid = "{i}"\nname = "{i}号窗口"\nkind = "{kind}"\n'
            f"services = [{codes}]\n\n"
        )
    for i in range(1, windows + 1):
        parts.append(f'[[devices]]\nid = "caller-{i}"\nrole = "caller"\nwindow = "{i}"\n\n')
    for i in range(1, 5):
        parts.append(f'[[devices]]\nid = "kiosk-{i}"\nrole = "kiosk"\n\n')
    parts.append('[[devices]]\nid = "display-hall"\nrole = "display"\n\n')
    parts.append('[[devices]]\nid = "manager-1"\nrole = "manager"\n')
    path.write_text("".join(parts), encoding="utf-8")
    return path


@contextmanager
def running_hall(
    windows: int | None = None, extra_args: list[str] | None = None
) -> Iterator[HallServerProcess]:
    """A paired hall server on loopback in a temporary folder: the sample hall, or a big one
    with `windows` windows; `extra_args` for hallq-server (e.g. --city URL)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = big_hall(Path(tmp) / "big.toml", windows) if windows else SAMPLE
        server = HallServerProcess(
            db=Path(tmp) / "hall.db", config=config, extra_args=list(extra_args or [])
        )
        server.pair_all()
        server.start()
        try:
            yield server
        finally:
            server.stop()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, values_ms: list[float]) -> str:
    return (
        f"{name}: n={len(values_ms)} p50={pct(values_ms, 50):.1f} ms "
        f"p99={pct(values_ms, 99):.1f} ms max={max(values_ms):.1f} ms "
        f"mean={statistics.fmean(values_ms):.1f} ms"
    )


async def api_post(
    s: aiohttp.ClientSession, server: HallServerProcess, path: str, token: str, body: object = None
) -> tuple[int, dict]:
    """POST to the hall's API as a device: (status, JSON answer)."""
    async with s.post(
        server.url + "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"}
    ) as r:
        return r.status, await r.json()
