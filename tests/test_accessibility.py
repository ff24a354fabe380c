"""Pages as machines judge them for patients who use assistive technology or a phone: axe-core
(tests/axe/, installed by `make test` with `npm ci`) run in Debian's headless Chromium against a
real `clinic-l10n serve`, and a 390 CSS px wide phone screen on which no text may leave the page.

Each entry of PAGES is one page to judge; add one there to have both tests judge it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from click.testing import CliRunner

from service.cli.main import cli

from .browsers import chromium, full_page_png, phone_viewport
from .conftest import FIXTURE_TREE, REPO, SHIPPED, serving

AXE = REPO / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = 390  # CSS px: an iPhone 12–15's width


@dataclass(frozen=True)
class Shown:
    """A page to judge: `path` on the server of `site` ("shipped": the shipped content; "fixture":
    tests/data/tree made to show everything a page can carry, see `fixture_site`). `embedded`:
    the `?fragment=1` article placed in a clinic's page (`host_page`), as a clinic site shows it.
    `phone_gap`: why the page is known to overflow a phone screen (the phone test is then expected
    to fail, strictly: it tells when the gap is closed)."""

    name: str
    site: str
    path: str
    embedded: bool = False
    phone_gap: str = ""


SHIPPED_PAGE = "/pages/esketamine-overview"
PAGES = [
    Shown("en", "shipped", f"{SHIPPED_PAGE}?locale=en"),
    Shown("es", "shipped", f"{SHIPPED_PAGE}?locale=es"),
    Shown("ar", "shipped", f"{SHIPPED_PAGE}?locale=ar"),
    Shown("zh-Hans", "shipped", f"{SHIPPED_PAGE}?locale=zh-Hans"),
    Shown("fragment-es", "shipped", f"{SHIPPED_PAGE}?locale=es&fragment=1", embedded=True),
    Shown("fragment-ar", "shipped", f"{SHIPPED_PAGE}?locale=ar&fragment=1", embedded=True),
    Shown("coverage", "shipped", "/coverage"),
    Shown("index", "shipped", "/"),
    # English fallbacks (paragraphs, list items, table cells), the safety section held in English,
    # a withheld list item, a wide table, a long URL and a long word, in Arabic (RTL)
    Shown("ar-fallbacks", "fixture", "/pages/saline-spray?locale=ar"),
    Shown(
        "fragment-ar-fallbacks",
        "fixture",
        "/pages/saline-spray?locale=ar&fragment=1",
        embedded=True,
    ),
    Shown("es-fallbacks", "fixture", "/pages/saline-spray?locale=es"),
]

# Appended to the fixture page: what overflows a phone screen if nothing stops it.
WIDE = """
## When to use it

| Day | Morning | Afternoon | Evening | Night | Sprays in total |
| --- | --- | --- | --- | --- | --- |
| Monday to Wednesday | 2 sprays | 2 sprays | 2 sprays | none | 6 sprays in each nostril |
| Thursday to Sunday | 1 spray | none | 1 spray | none | 2 sprays in each nostril |

Read the leaflet at https://leaflets.example.org/nasolin/saline_nasal_spray_0.9_percent_sodium_chloride_instructions.pdf before first use.

Do not confuse saline with pneumonoultramicroscopicsilicovolcanoconiosis, a lung disease.
"""
WITHHELD = ("Blow your nose gently.", "Blow your nose gently, one nostril at a time.")
ENGLISH_REVIEWER = "Dr. Hana Mercer (fictional)"


def _cli(root: Path, *args: str) -> None:
    done = CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    assert done.exit_code == 0, f"clinic-l10n {' '.join(args)}: {done.output}"


def _serve(root: Path, cache: Path) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:  # the server's own build cache
        mp.setenv("CLINIC_L10N_CACHE", str(cache))
        with serving(root) as base:
            yield base


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("shipped")
    for name in SHIPPED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy2(src, root / name)
    yield from _serve(root, tmp_path_factory.mktemp("shipped-cache"))


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/data/tree with a wide table, a long URL and a long word added to saline-spray (the
    English approved, so Arabic and Spanish show them in English) and one list item's English
    approval revoked since (withheld everywhere): in Arabic, besides, the safety section is
    held in English (see tests/data/tree/README.md)."""
    root = tmp_path_factory.mktemp("fixture") / "tree"
    shutil.copytree(
        FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md", ".build-cache")
    )
    source = root / "source_content" / "pages" / "saline-spray.md"
    with source.open("a", encoding="utf-8") as fh:
        fh.write(WIDE)
    _cli(root, "extract")
    _cli(root, "update")
    _cli(
        root,
        "review",
        "approve",
        "en",
        "--page",
        "saline-spray",
        "--all",
        "--reviewer",
        ENGLISH_REVIEWER,
    )
    # withheld everywhere: its English approval revoked (a decision, which a release follows at
    # once; a changed English wording would rather keep the published one until approved)
    _cli(
        root,
        "review",
        "revoke",
        "en",
        "--page",
        "saline-spray",
        "--msgid",
        WITHHELD[0],
        "--reviewer",
        ENGLISH_REVIEWER,
        "--reason",
        "withheld for the accessibility test",
    )
    yield from _serve(root, tmp_path_factory.mktemp("fixture-cache"))


@pytest.fixture(scope="module")
def sites(shipped_site: str, fixture_site: str) -> dict[str, str]:
    return {"shipped": shipped_site, "fixture": fixture_site}


def test_the_fixture_page_shows_what_it_is_meant_to(sites: dict[str, str]) -> None:
    """What the "fixture" pages are in PAGES for: English fallbacks, a withheld segment, and in
    Arabic a safety section held in English."""
    for locale, held in (("ar", True), ("es", False)):
        url = f"{sites['fixture']}/v1/pages/saline-spray?locale={locale}"
        with urlopen(url, timeout=10) as answer:
            page = json.load(answer)
        assert page["withheld"] == 1, locale
        assert [s["withheld"] for s in page["segments"]].count(True) == 1, locale
        assert bool(page["held_sections"]) is held, locale
        served = [s for s in page["segments"] if not s["withheld"]]
        fallbacks = {s["text"] for s in served if s["fallback"] and s["locale"] == "en"}
        assert {"Day", "Sprays in total"} <= fallbacks, locale


def host_page(base: str, fragment: str) -> str:
    """A clinic's page with the article in it, the way the embed is meant to be used: the host
    gives the document its language (English here, unlike the article), title and main landmark;
    the article must carry everything else itself."""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<base href="{base}/">
<title>Patient information · A clinic</title>
</head>
<body>
<main>
{fragment}
</main>
</body>
</html>
"""


def load(browser: Any, sites: dict[str, str], shown: Shown, folder: Path) -> None:
    base = sites[shown.site]
    if not shown.embedded:
        browser.get(base + shown.path)
        return
    with urlopen(base + shown.path, timeout=10) as answer:  # a clinic's server fetching it
        fragment = answer.read().decode("utf-8")
    assert fragment.lstrip().startswith("<"), fragment[:200]
    host = folder / f"host-{shown.name}.html"
    host.write_text(host_page(base, fragment), encoding="utf-8")
    browser.get(host.as_uri())


@pytest.fixture(scope="module")
def desktop() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def phone() -> Iterator[Any]:
    driver = chromium(PHONE, 844)
    phone_viewport(driver, PHONE)
    try:
        yield driver
    finally:
        driver.quit()


def axe_violations(browser: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the loaded page, with its default rules (WCAG 2.x A and AA, and
    its best practices)."""
    assert AXE.exists(), f"{AXE} is missing: run `npm ci --prefix tests/axe` (make test does)"
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    browser.set_script_timeout(60)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r), e => done({error: String(e)}));"
    )
    assert "error" not in result, result["error"]
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def explain(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {' > '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:160]}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"      {line}" for line in summary.splitlines()[:4])
    return "\n".join(lines)


def listed(found: list[str], most: int = 25) -> str:
    more = f"\n  … and {len(found) - most} more" if len(found) > most else ""
    return "\n".join(found[:most]) + more


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_axe_finds_no_violations(
    request: pytest.FixtureRequest,
    viewport: str,
    sites: dict[str, str],
    shown: Shown,
    tmp_path: Path,
) -> None:
    """On a phone too: a table that scrolls sideways there must be reachable from the keyboard."""
    browser = request.getfixturevalue(viewport)
    load(browser, sites, shown, tmp_path)
    violations = axe_violations(browser)
    version = json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["version"]
    assert not violations, (
        f"axe-core {version} on {shown.name} ({shown.path}, {viewport}): "
        f"{len(violations)} rule(s) violated\n{explain(violations)}"
    )


# Where text lies on the screen: each text node's line boxes and its element's box, or, in a table
# inside a box that scrolls sideways (.table-scroll), that box, which the reader scrolls instead
# (a table may need more than a phone's width; other text must wrap).
OFF_EDGE = """
const width = arguments[0], out = [];
const where = el => {
  const parts = [];
  for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
    parts.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.classList.length ? '.' + [...e.classList].join('.') : ''));
  }
  return parts.join(' > ');
};
const scroller = el => {
  let found = null;
  for (let e = el; e && e !== document.body; e = e.parentElement) {
    const x = getComputedStyle(e).overflowX;
    if (x === 'auto' || x === 'scroll') found = e;
  }
  return found;
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node; (node = walker.nextNode());) {
  if (!node.data.trim()) continue;
  const el = node.parentElement;
  const box = el.closest('table') ? scroller(el) : null;
  const range = document.createRange();
  range.selectNodeContents(node);
  const rects = box ? [box.getBoundingClientRect()]
                    : [...range.getClientRects(), el.getBoundingClientRect()];
  for (const r of rects) {
    if (r.width > 0 && (r.left < -0.5 || r.right > width + 0.5)) {
      out.push({text: node.data.trim().slice(0, 50), where: where(box || el),
                left: Math.round(r.left), right: Math.round(r.right)});
      break;
    }
  }
}
return {
  inner: window.innerWidth,
  scroll: document.documentElement.scrollWidth,
  off: out,
};
"""


@pytest.mark.parametrize(
    "shown",
    [
        pytest.param(p, id=p.name, marks=[pytest.mark.xfail(strict=True, reason=p.phone_gap)])
        if p.phone_gap
        else pytest.param(p, id=p.name)
        for p in PAGES
    ],
)
def test_no_text_leaves_a_390px_phone_screen(
    phone: Any, sites: dict[str, str], shown: Shown, tmp_path: Path
) -> None:
    load(phone, sites, shown, tmp_path)
    seen = phone.execute_script(OFF_EDGE, PHONE)
    full_page_png(phone, tmp_path / f"{shown.name}.png")
    off = listed(
        [f"- {o['text']!r} at {o['left']}…{o['right']} px, in {o['where']}" for o in seen["off"]]
    )
    # Wider content makes a phone lay the page out wider and zoom out (innerWidth grows), or scroll
    # sideways (scrollWidth grows): either way the text is not readable at the screen's width.
    assert (seen["inner"], seen["scroll"]) == (PHONE, PHONE) and not seen["off"], (
        f"{shown.name} ({shown.path}) on a {PHONE} px phone: laid out {seen['inner']} px wide, "
        f"{seen['scroll']} px of it scrolled; text outside 0…{PHONE} px:\n{off or '- none'}\n"
        f"screenshot: {tmp_path / (shown.name + '.png')}"
    )
