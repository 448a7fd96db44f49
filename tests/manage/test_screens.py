"""Every console page at a manager's PC (1920×1080) and a tablet (1024×768): rendered with the
bundled font, nothing cut off sideways. The screenshots land in var/screenshots/console/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.manage.conftest import Console
from tests.manage.test_console import _served

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"
PAGES = ["/", "/staff", "/devices", "/reports", "/cases", "/audit", "/accounts"]


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
    first_case = None
    for size, (width, height) in {"pc": (1920, 1080), "tablet": (1024, 768)}.items():
        admin.set_viewport_size({"width": width, "height": height})
        for path in [*PAGES, "/login"]:
            if path == "/login":
                admin.context.clear_cookies()
            admin.goto(console.url + path)
            admin.evaluate("document.fonts.ready")
            assert admin.evaluate("document.fonts.check('16px \"Noto Sans SC\"')")
            overflow = admin.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} at {size} is {overflow}px too wide"
            name = path.strip("/").replace("/", "-") or "live"
            admin.screenshot(path=SHOTS / f"{name}-{size}.png", full_page=True)
            if path == "/cases" and first_case is None:
                first_case = admin.locator("table.cases a").first.get_attribute("href")
        if size == "pc":
            from tests.manage.conftest import sign_in

            sign_in(admin, console)
            admin.wait_for_url(console.url + "/")
            admin.goto(console.url + str(first_case))
            admin.screenshot(path=SHOTS / "case-pc.png", full_page=True)
    assert len(list(SHOTS.glob("*.png"))) >= 17
