"""A real headless Chromium (Debian's, installed by ./setup.sh) driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium.  Pages under test must
load nothing from the internet; ``no_internet`` makes any request off 127.0.0.1 fail the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One browser a test module: while Playwright's sync API is open its event loop stays the
    main thread's running loop, which later tests' `asyncio.run` and zeroconf's blocking API
    must not meet; ending it with the module frees the thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) at 1920×1080, Chinese first; fails on off-host loads."""
    context = chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    outside: list[str] = []

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not outside, f"the page tried to load from outside the hall: {outside}"
