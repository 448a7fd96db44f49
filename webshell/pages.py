"""The shell's templates (base, sign-in, accounts, audit, charts, figure tables), its filters,
and the static files (stylesheet, scripts, the bundled font): nothing comes from the internet."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jinja2
from aiohttp import web

from .figures import Table, to_csv, to_xlsx

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
FONTS = HERE.parent / "assets" / "fonts"


def minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def clock(iso: str | None) -> str:
    return iso[11:16] if iso else "—"


def day(iso: str | None) -> str:
    return iso[:10] if iso else "—"


def environment(*template_dirs: Path) -> jinja2.Environment:
    """A console's templates first, then the shell's (which they extend: "base.html")."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*map(str, template_dirs), str(TEMPLATES)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(minutes=minutes, pct=pct, clock=clock, day=day)
    return env


def add_static(app: web.Application, root: str) -> None:
    """The shell's files under `<root>/static/` (the font under `<root>/static/fonts/`)."""
    app.router.add_static(root + "/static/fonts", FONTS, append_version=False)
    app.router.add_static(root + "/static", STATIC, append_version=False)


async def export(kind: str, name: str, title: str, tables: list[Table]) -> web.Response:
    """The tables as a CSV or XLSX download named `name`.csv / .xlsx."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}
    if kind == "csv":
        return web.Response(
            body=to_csv(title, tables).encode(),
            content_type="text/csv",
            charset="utf-8",
            headers=disposition,
        )
    body = await asyncio.get_running_loop().run_in_executor(None, to_xlsx, tables)
    return web.Response(
        body=body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )
