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


def _dump_dom(url: str, *flags: str) -> str:
    """The DOM after Chromium parsed and laid out the page (not our own serialisation)."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is required (make test installs it)"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, *flags, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    return done.stdout


@pytest.mark.parametrize(("locale", "direction"), [("ar", "rtl"), ("es", "ltr"), ("pt-BR", "ltr")])
def test_browser_sees_language_and_direction(live_server: str, locale: str, direction: str) -> None:
    elements = html_elements(_dump_dom(f"{live_server}/pages/saline-spray?locale={locale}"))
    html = next(attrs for tag, attrs in elements if tag == "html")
    assert (html.get("lang"), html.get("dir")) == (locale, direction)


# tests/data/tree in Arabic: what is reviewed in Arabic, and what is shown in English
ARABIC = [
    "What it is",
    "A saline nasal spray is salt water (0.9% sodium chloride) that rinses the inside of the nose.",
]
IN_ENGLISH = [
    "How to use it",
    "Blow your nose gently.",
    "Use 2 sprays in each nostril.",
    "Wait 10 minutes before any other nasal medicine.",
    "Safety",
    "Do not use **Nasolin** more than 6 times in 24 hours. Stop and call your doctor if your nose "
    "bleeds.",
    "Storage",
    "Keep the bottle below 25 °C and throw it away 30 days after opening.",
]


def test_browser_sees_english_fallbacks_marked_for_screen_readers(live_server: str) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live_server}/v1/pages/saline-spray?locale=en") as r:
        id_of = {s["text"]: s["id"] for s in json.load(r)["segments"]}
    elements = {
        attrs.get("id"): attrs
        for _, attrs in html_elements(_dump_dom(f"{live_server}/pages/saline-spray?locale=ar"))
    }
    for text in IN_ENGLISH:
        assert (elements[id_of[text]].get("lang"), elements[id_of[text]].get("dir")) == (
            "en",
            "ltr",
        ), text
    for text in ARABIC:
        assert elements[id_of[text]].get("lang") is None, text
