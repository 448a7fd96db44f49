"""Bootstrap pieces: arguments and terminal config, fonts, language, worker threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QTextLayout
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal import i18n
from terminal.app import TerminalConfigError, start_application, terminal_arguments
from terminal.fonts import register_fonts
from terminal.theme import ELDER_SCALE, HALL_DARK, Theme, app_theme
from terminal.workers import run_in_thread


def test_command_line_wins_over_the_config_file(qapp: QApplication, tmp_path: Path) -> None:
    cfg = tmp_path / "terminal.toml"
    cfg.write_text(
        'server = "http://hall:8750"\ntoken = "from-file"\nlang = "en"\n'
        'screen_size = "1080x1920"\n[display]\nmode = "supervision"\n',
        encoding="utf-8",
    )
    args = terminal_arguments("hallq-display", "display").parse_args(
        ["--config", str(cfg), "--token", "from-cli", "--lang", "zh"]
    )
    try:
        start_application(args)
        assert (args.server, args.token, args.lang) == ("http://hall:8750", "from-cli", "zh")
        assert args.screen_size == (1080, 1920)
        assert args.sections == {"display": {"mode": "supervision"}}
        assert app_theme().palette == HALL_DARK  # a display gets the dark wall look
    finally:
        i18n.set_language("zh")


def test_unknown_config_keys_are_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "terminal.toml"
    cfg.write_text('servr = "http://typo"\n', encoding="utf-8")
    args = terminal_arguments("hallq-kiosk", "kiosk").parse_args(["--config", str(cfg)])
    with pytest.raises(TerminalConfigError, match="servr"):
        start_application(args)


def test_the_bundled_font_draws_chinese(qapp: QApplication) -> None:
    family = register_fonts()
    assert family == "Noto Sans SC"
    font = QFont(family)
    font.setPixelSize(40)
    text = "请A012号到3号窗口办理"
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    # The glyphs come from the bundled font itself, not a system fallback that may be missing.
    runs = layout.glyphRuns()
    assert {run.rawFont().familyName() for run in runs} == {"Noto Sans SC"}
    assert sum(len(run.glyphIndexes()) for run in runs) == len(text)


def test_language_switch_and_bilingual_text(qapp: QApplication) -> None:
    try:
        assert i18n.Text("取号").both() == ("取号", "Take a ticket")
        i18n.set_language("en")
        assert i18n.Text("取号").both() == ("Take a ticket", "取号")
        assert i18n.Text("取号").primary() == "Take a ticket"
        with pytest.raises(ValueError):
            i18n.set_language("fr")
    finally:
        i18n.set_language("zh")


def test_elder_theme_scales_sizes() -> None:
    theme = Theme()
    assert theme.elder().px(100) == round(100 * ELDER_SCALE)
    assert theme.elder().font(40).pixelSize() > theme.font(40).pixelSize()


def test_worker_results_and_errors_come_back_on_the_gui_thread(qtbot: QtBot) -> None:
    gui = threading.current_thread()
    seen: list[tuple[str, object, threading.Thread]] = []

    def slow_read(x: int) -> int:
        assert threading.current_thread() is not gui
        return x * 2

    def broken() -> None:
        raise OSError("reader unplugged")

    def done(value: object) -> None:
        seen.append(("done", value, threading.current_thread()))

    def error(exc: BaseException) -> None:
        seen.append(("error", exc, threading.current_thread()))

    run_in_thread(slow_read, 21, on_done=done, on_error=error)
    run_in_thread(broken, on_done=done, on_error=error)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    results = {kind: value for kind, value, _ in seen}
    assert results["done"] == 42
    assert isinstance(results["error"], OSError)
    assert all(thread is gui for _, _, thread in seen)


def test_importing_terminal_protects_against_the_emit_refcount_bug() -> None:
    import sys

    import terminal  # noqa: F401  (the import applies the workaround)
    from terminal.link import ServerLink

    link = ServerLink("http://127.0.0.1:1", "t")
    for _ in range(2000):
        link.resynced.emit()
        link.setObjectName("link")  # a C++ void method: leaks a reference to None
    # Far from the fatal zero, whatever emit() and void methods leak.
    assert sys.getrefcount(True) > 2**30
    assert sys.getrefcount(None) > 2**30
