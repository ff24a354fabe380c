"""A real browser for tests: Debian's headless chromium under Debian's chromium-driver, driven by
Selenium (no browser download), and what the tests ask of it beyond Selenium's own API: a phone-wide
viewport and a screenshot of the whole page."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

__all__ = ["chromium", "full_page_png", "phone_viewport"]


def chromium(width: int = 1280, height: int = 1800) -> Any:
    """Headless Debian chromium under Debian's chromium-driver, its window `width`×`height`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert browser and driver, "chromium and chromium-driver are required (make test installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def phone_viewport(driver: Any, width: int, height: int = 844) -> None:
    """Emulate a phone `width` CSS px wide (Chrome DevTools' device mode): a mobile viewport, so
    the page's `<meta name="viewport">` decides the layout width as it does on a phone. Lasts
    for the driver's life, across page loads."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


def full_page_png(driver: Any, path: Path) -> Path:
    """A screenshot of the whole page as laid out (not only the viewport) into `path`."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
