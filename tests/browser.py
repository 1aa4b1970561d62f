"""Debian's Chromium through its driver, headless, for the browser suites (console and patient app).

One setup so both suites run the same browser the same way: a fresh profile each time, nothing
fetched from the network by the browser or by Selenium, and the same rule when no browser is
installed: a suite skips, saying why, except on CI, which installs them and so must fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def skip_without_browser() -> None:
    """At a suite module's top: no browser here skips the module, but not on CI."""
    if not HAVE_BROWSER and not os.environ.get("CI"):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (CI installs them: .ci/run)",
            allow_module_level=True,
        )


@contextmanager
def chromium(window: str, *, wait: float, profile: str, flags: tuple[str, ...] = ()) -> Iterator:
    """A headless Chromium of this window size ("390,844"), its profile removed afterwards."""
    assert HAVE_BROWSER, "CI must install chromium and chromium-driver"
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never try to download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    folder = tempfile.mkdtemp(prefix=f"companion-{profile}-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={window}",
        *flags,
        f"--user-data-dir={folder}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(wait)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(folder, ignore_errors=True)


class Shots:
    """Numbered screenshots of a story's steps; their paths are printed (`pytest -s` shows them)."""

    def __init__(self, driver, prefix: str):
        self.driver = driver
        self.folder = Path(tempfile.mkdtemp(prefix=f"companion-{prefix}-shots-"))
        self.paths: list[Path] = []

    def take(self, name: str) -> None:
        path = self.folder / f"{len(self.paths) + 1:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path))
        self.paths.append(path)
        print(f"screenshot: {path}")
