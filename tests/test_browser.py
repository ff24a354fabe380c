"""Pages as a real browser (Debian's headless Chromium) builds them: language, direction, fallbacks."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest

from .conftest import html_elements

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=2000",
]


def _dump_dom(url: str) -> str:
    """The DOM after Chromium parsed and laid out the page (not our own serialisation)."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is required (make test installs it)"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    return done.stdout


@pytest.mark.parametrize(
    ("locale", "direction"), [("ar", "rtl"), ("es", "ltr"), ("zh-Hans", "ltr")]
)
def test_browser_sees_language_and_direction(live_server: str, locale: str, direction: str) -> None:
    elements = html_elements(_dump_dom(f"{live_server}/pages/esketamine-overview?locale={locale}"))
    html = next(attrs for tag, attrs in elements if tag == "html")
    assert (html.get("lang"), html.get("dir")) == (locale, direction)


def test_browser_sees_english_fallbacks_marked_for_screen_readers(live_server: str) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live_server}/v1/pages/esketamine-overview?locale=ar") as r:
        page = json.load(r)
    fallback_ids = {
        s["id"]
        for s in page["segments"]
        if s["fallback"] and s["type"] not in ("title", "description")
    }
    assert fallback_ids
    elements = {
        attrs.get("id"): attrs
        for _, attrs in html_elements(
            _dump_dom(f"{live_server}/pages/esketamine-overview?locale=ar")
        )
    }
    for seg_id in fallback_ids:
        assert (elements[seg_id].get("lang"), elements[seg_id].get("dir")) == ("en", "ltr"), seg_id
    arabic = [
        s["id"]
        for s in page["segments"]
        if not s["fallback"] and s["type"] not in ("title", "description")
    ]
    assert arabic and all(elements[i].get("lang") is None for i in arabic)
