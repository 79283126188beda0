"""Pages in a real browser: Debian's chromium driven by Playwright, nothing leaving the machine.

Shared by the report and docs-site tests. Chromium is never downloaded: the ``chromium`` on
PATH (Debian's package) is used. Without it, or without the playwright package, the tests are
skipped, except under CI=true, where .ci/run installs both and a skip would hide the check, so
they fail instead. Every request a page makes is recorded, and anything but file: and data: is
aborted.
"""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium calls Google hosts on its own (updates, sync, field trials):
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str):
    """Skip, or under CI=true fail: CI installs what the browser tests need."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


def chromium_path() -> str:
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if path is None:
        unavailable("no chromium on PATH (Debian: apt-get install chromium)")
    return path


@contextmanager
def launched():
    """Yield a started headless chromium (a Playwright Browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
        except Exception as error:  # a chromium that will not start under Playwright
            unavailable(f"{executable} did not start under Playwright: {error}")
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def is_local(url: str) -> bool:
    return url.startswith(("file:", "data:"))


class Visit:
    """A page opened in a fresh context, with every request, failure and error recorded."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route(lambda url: not is_local(url), lambda route: route.abort())
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.url = path.resolve().as_uri()
        self.page.goto(self.url, wait_until="load", timeout=TIMEOUT_MS)
        self.page.wait_for_function(
            "Array.from(document.images).every(i => i.complete)", timeout=TIMEOUT_MS
        )

    def images(self) -> list[dict]:
        return self.page.evaluate(
            "Array.from(document.images).map(i => ({src: i.getAttribute('src'), "
            "complete: i.complete, width: i.naturalWidth}))"
        )

    def close(self):
        self.context.close()
