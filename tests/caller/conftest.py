"""A caller (clerk screen and window-facing screen) for window 1, linked to a real hall server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from caller.citizen import CitizenViewModel
from caller.citizen_view import CitizenView
from caller.clerk import CallerViewModel, CountsFile
from caller.clerk_view import CallerView
from terminal.fonts import register_fonts
from terminal.link import ServerLink
from terminal.theme import Theme
from tests.support.server import HallServerProcess


@dataclass
class WindowTerminal:
    """Everything one window's caller runs, as the app wires it."""

    link: ServerLink
    model: CallerViewModel
    view: CallerView
    citizen: CitizenViewModel
    citizen_view: CitizenView


@pytest.fixture
def window_one(
    qtbot: Any, hall_server: HallServerProcess, tmp_path: Path
) -> Iterator[WindowTerminal]:
    theme = Theme(family=register_fonts())
    link = ServerLink(hall_server.url, hall_server.tokens["caller-1"])
    model = CallerViewModel(link, "1", counts_file=CountsFile(tmp_path / "counts.json"))
    view = CallerView(model, theme)
    citizen = CitizenViewModel(link, "1", thanks_ms=200)
    citizen_view = CitizenView(citizen, theme)
    for widget in (view, citizen_view):
        qtbot.addWidget(widget)
    view.resize(1600, 900)
    citizen_view.resize(1280, 800)
    view.show()
    citizen_view.show()
    model.start()
    qtbot.waitUntil(lambda: model.ready and citizen.ready, timeout=10_000)
    yield WindowTerminal(link, model, view, citizen, citizen_view)
    link.stop()
