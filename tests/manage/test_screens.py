"""Every console page at a manager's PC (1920×1080) and a tablet (1024×768): rendered with the
bundled font, nothing cut off sideways. The screenshots land in var/screenshots/console/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.manage.conftest import Console
from tests.manage.test_console import _served

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"
PAGES = [
    "/",
    "/staff",
    "/devices",
    "/reports",
    "/cases",
    "/appointments",
    "/audit",
    "/accounts",
    "/config",
]


@pytest.mark.slow
def test_every_page_fits_a_pc_and_a_tablet(admin, console: Console) -> None:
    s = console.server
    for window in ("1", "4"):
        s.sign_in(window)
    for score in (5, 2, 4):
        _served(console, "1", "A", score=score)
    _served(console, "4", "C", score=1)
    for service in ("A", "B", "C", "C"):
        s.request("POST", "/tickets", {"service": service}, device="kiosk-2")
    s.request("POST", "/windows/1/call-next", device="caller-1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin.goto(console.url + "/cases")
    case = str(admin.locator("table.cases a").first.get_attribute("href"))
    pages = [*PAGES, case.removeprefix("/manage")]
    for size, (width, height) in {"pc": (1920, 1080), "tablet": (1024, 768)}.items():
        admin.set_viewport_size({"width": width, "height": height})
        for path in pages:
            answer = admin.goto(console.url + path)
            assert answer is not None and answer.status == 200, path
            _look(admin, path, size)
    admin.context.clear_cookies()
    for size, (width, height) in {"pc": (1920, 1080), "tablet": (1024, 768)}.items():
        admin.set_viewport_size({"width": width, "height": height})
        admin.goto(console.url + "/login")
        _look(admin, "/login", size)
    assert len(list(SHOTS.glob("*.png"))) >= 2 * (len(pages) + 1)


def _look(page, path: str, size: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans SC\"')")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} at {size} is {overflow}px too wide"
    name = "case" if path.startswith("/cases/") else path.strip("/") or "live"
    page.screenshot(path=SHOTS / f"{name}-{size}.png", full_page=True)
