"""The Content-Security-Policy as Chromium enforces it, against a real server: a patient's page
shows in a frame on a site the config's `embed_origins` lists and not on another; the coverage
dashboard and the workspace show in no frame; /docs (Swagger UI, from local files) renders its
operations with no violation of its policy reported, offline."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from .browsers import chromium
from .conftest import serving
from .reviewing import PAGE
from .test_csp import embedding_tree

# Collects every violation the document reports, from before its first script runs.
WATCH = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation', e =>"
    " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@contextmanager
def host_site(folder: Path) -> Iterator[str]:
    """A plain web server for `folder` on a free loopback port (another site); yields its origin."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Sites:
    clinic: str  # our server
    listed: tuple[str, Path]  # an origin in embed_origins, and its folder
    other: tuple[str, Path]  # an origin not listed


@contextmanager
def framing_sites(work: Path) -> Iterator[Sites]:
    """Our server on a copy of the test tree whose `embed_origins` lists one of two sites."""
    with host_site(work / "listed") as listed, host_site(work / "other") as other:
        root = embedding_tree(work, [listed])
        with serving(root, "--releases", str(work / "releases")) as clinic:
            yield Sites(clinic, (listed, work / "listed"), (other, work / "other"))


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    with framing_sites(tmp_path_factory.mktemp("framing")) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


BLOCKED = "chrome-error://"  # where Chromium puts a frame its CSP (frame-ancestors) refuses


def framed(browser: Any, site: tuple[str, Path], url: str, name: str) -> list[str] | None:
    """Load a page of `site` that frames `url`; the text of the frame's <h1>s, or None when the
    browser refused to show it there (its error page in the frame's place)."""
    origin, folder = site
    (folder / name).write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head>'
        f'<body><iframe src="{url}" title="Framed" width="800" height="600"></iframe></body></html>',
        encoding="utf-8",
    )
    browser.get(f"{origin}/{name}")
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        deadline = time.monotonic() + 10  # the frame loads (or is refused) after the host's load
        while True:
            where = browser.execute_script("return document.URL")
            headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h1")]
            if where.startswith(BLOCKED):
                return None
            if headings or time.monotonic() > deadline:
                return headings
            time.sleep(0.05)
    finally:
        browser.switch_to.default_content()


FRAMES = [
    # (path on our server, framed by the listed site?, framed by another?)
    (f"/pages/{PAGE}?locale=es", True, False),
    (f"/pages/{PAGE}?locale=es&fragment=1", True, False),
    ("/coverage", False, False),
    ("/review/signin", False, False),
]


@pytest.mark.parametrize(("path", "listed", "other"), FRAMES)
def test_who_may_frame_a_document(
    browser: Any, sites: Sites, path: str, listed: bool, other: bool
) -> None:
    name = f"frame-{abs(hash(path))}.html"
    browser.get(sites.clinic + path)
    alone = [h.text for h in browser.find_elements(By.TAG_NAME, "h1")]
    assert alone, "the document has a heading when not framed"
    assert framed(browser, sites.listed, sites.clinic + path, name) == (alone if listed else None)
    assert framed(browser, sites.other, sites.clinic + path, name) == (alone if other else None)


def test_docs_render_under_their_policy(browser: Any, sites: Sites) -> None:
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    browser.get(sites.clinic + "/docs")
    deadline = time.monotonic() + 15
    while not browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"):
        assert time.monotonic() < deadline, "Swagger UI did not render its operations"
        time.sleep(0.2)
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert "/v1/pages/{slug}" in {p.replace("\u200b", "") for p in paths}
    assert browser.execute_script("return window.__violations") == []
