"""An embedded page in a real browser (Debian's headless chromium under chromium-driver, driven by
Selenium) against a real server: a clinic's page whose own CSS resets paragraphs, borders and the
variables our stylesheet once used. The fragment, fetched server-side and pasted in, shows its
safety block, notices and fallback marks as our own page shows them, and restyles nothing of the
host's; the `<iframe>` variant shows the page as it is. And every document of the server, the
workspace under its Content-Security-Policy among them, applies the linked, hashed stylesheet."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from .browsers import chromium
from .test_csp_browser import Sites, framing_sites

PAGE = "/pages/saline-spray?locale=pt"  # tests/data/tree: a safety block, notices, fallbacks
HOSTILE = """
:root { --safe: lime; --warn: lime; --ink: red; --clinic-l10n-safe: lime; }
body { font: 12px/1 serif; }
p, div, h2, li { color: red; border: 0; margin: 0; }
div { background: none; padding: 0; }
.notice, .critical, .fallback { font-style: italic; }
"""
# The host's own elements that share our class names, and one that shares nothing.
HOST = """<header>
<p class="notice" id="host-notice">Open Monday to Friday.</p>
<div class="critical" id="host-critical">In an emergency, call 911.</div>
<p class="fallback" id="host-fallback">Se habla español.</p>
<p id="host-p">Parking is free.</p>
</header>
<main id="slot">{slot}</main>
<footer><p id="host-footer">© The clinic</p></footer>"""
# What makes each block stand out on our page; the fallback mark sets no background.
HIGHLIGHT = {
    ".critical": (
        "border-inline-start-width",
        "border-inline-start-style",
        "border-inline-start-color",
        "background-color",
        "padding-inline-start",
    ),
    ".notice": (
        "border-inline-start-width",
        "border-inline-start-style",
        "border-inline-start-color",
        "background-color",
        "padding-inline-start",
    ),
    ".fallback": (
        "border-inline-start-width",
        "border-inline-start-style",
        "border-inline-start-color",
        "padding-inline-start",
    ),
}
# Computed values that follow the window's layout (a taller page gets a scroll bar), not CSS.
GEOMETRY = {
    "width",
    "height",
    "inline-size",
    "block-size",
    "perspective-origin",
    "transform-origin",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """Our server, and a site its config lets frame its pages."""
    with framing_sites(tmp_path_factory.mktemp("framing")) as found:
        yield found


def host_page(folder: Path, name: str, slot: str) -> str:
    path = folder / name
    path.write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Clinic</title>'
        f"<style>{HOSTILE}</style></head>\n<body>\n{HOST.format(slot=slot)}\n</body></html>\n",
        encoding="utf-8",
    )
    return path.as_uri()


def styles(browser: Any, element: Any, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """The element's computed style: the named properties, or every one."""
    found: dict[str, str] = browser.execute_script(
        "const s = getComputedStyle(arguments[0]), o = {};"
        "for (const k of (arguments[1] || s)) o[k] = s.getPropertyValue(k);"
        "return o;",
        element,
        list(names) if names else None,
    )
    return found


def highlights(browser: Any, scope: str) -> dict[str, dict[str, str]]:
    return {
        css: styles(browser, browser.find_element(By.CSS_SELECTOR, f"{scope} {css}"), names)
        for css, names in HIGHLIGHT.items()
    }


@pytest.fixture(scope="module")
def ours(browser: Any, live_server: str) -> dict[str, dict[str, str]]:
    """How our own page shows the blocks: what an embed must look like."""
    browser.get(live_server + PAGE)
    found = highlights(browser, "article")
    critical = found[".critical"]
    assert critical["border-inline-start-width"] != "0px"
    assert critical["background-color"] not in ("rgba(0, 0, 0, 0)", "transparent")
    return found


def test_an_embedded_fragment_keeps_its_safety_highlight_under_hostile_host_css(
    browser: Any, live_server: str, ours: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    with urllib.request.urlopen(f"{live_server}{PAGE}&fragment=1", timeout=10) as r:
        fragment = r.read().decode("utf-8")  # as a clinic's server fetches it
    browser.get(host_page(tmp_path, "host.html", fragment))
    article = browser.find_element(By.CSS_SELECTOR, "#slot > article.clinic-l10n-page")
    paragraph = article.find_element(By.CSS_SELECTOR, ".critical p")
    assert styles(browser, paragraph, ("color",)) == {
        "color": "rgb(255, 0, 0)"
    }  # host CSS reaches it
    assert highlights(browser, "#slot") == ours


def test_an_embedded_fragment_restyles_nothing_of_the_host(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    with urllib.request.urlopen(f"{live_server}{PAGE}&fragment=1", timeout=10) as r:
        fragment = r.read().decode("utf-8")
    hosts = ["host-notice", "host-critical", "host-fallback", "host-p", "host-footer"]

    def host_styles(url: str) -> dict[str, dict[str, str]]:
        browser.get(url)
        elements = {h: browser.find_element(By.ID, h) for h in hosts}
        elements["body"] = browser.find_element(By.TAG_NAME, "body")
        return {
            name: {k: v for k, v in styles(browser, e).items() if k not in GEOMETRY}
            for name, e in elements.items()
        }

    alone = host_styles(host_page(tmp_path, "alone.html", ""))
    embedding = host_styles(host_page(tmp_path, "embedding.html", fragment))
    assert alone["host-critical"]["border-inline-start-width"] == "0px"  # the host's own look
    for name, expected in alone.items():
        differ = {
            k: (v, embedding[name][k]) for k, v in expected.items() if embedding[name][k] != v
        }
        assert differ == {}, name


def test_the_iframe_variant_shows_the_page_as_our_server_does(
    browser: Any, sites: Sites, ours: dict[str, dict[str, str]]
) -> None:
    """From a site the config's `embed_origins` lists (a page may be framed by no other)."""
    origin, folder = sites.listed
    frame = f'<iframe src="{sites.clinic}{PAGE}" title="Saline nasal spray" width="800" height="900"></iframe>'
    host_page(folder, "iframe.html", frame)
    browser.get(f"{origin}/iframe.html")
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        assert highlights(browser, "article") == ours
    finally:
        browser.switch_to.default_content()


@pytest.mark.parametrize("path", ["/", "/coverage", PAGE, "/review/"])
def test_every_document_of_the_server_applies_the_hashed_stylesheet(
    browser: Any, live_server: str, path: str
) -> None:
    """The workspace's Content-Security-Policy too lets the linked stylesheet in."""
    browser.get(live_server + path)
    applied = browser.execute_script(
        "return [...document.styleSheets].filter(s => s.href && s.href.includes('/assets/'))"
        ".map(s => [new URL(s.href).pathname, s.cssRules.length]);"
    )
    assert len(applied) == 1 and applied[0][1] > 0, applied
    assert applied[0][0].startswith("/assets/clinic-l10n.")
