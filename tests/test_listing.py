"""What is advertised (issue 23): a page is listed in a locale (the language switcher, hreflang
alternates, the root index, the sitemap, the locale's list of pages) only where a patient reads
enough of it in their language: at least one part, and at least `min_share` of its parts. Asked for
in a locale it is not listed in, a page is still served, in English, and says so (`lang="en"`, a
canonical link to the English page).

Pages are read with lxml's HTML parser, the sitemap with xml.etree. Which locales have anything
reviewed is read off the files (the shipped vi has no ledger at all; a generated tree's vi ledgers
are removed here), never off the code under test.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import lxml.html
import pytest
from fastapi.testclient import TestClient

from benchmarks.gen_tree import build_tree
from service.site.listing import reaches

from .conftest import Run, replace_in, set_base_url

Client = Any  # TestClient, or the fast path in front of it
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BASE = "https://clinic.example/learn/"


def document(client: TestClient, slug: str, locale: str) -> Any:
    response = client.get(f"/pages/{slug}", params={"locale": locale})
    assert response.status_code == 200
    return lxml.html.document_fromstring(response.text)


def alternates(doc: Any) -> dict[str, str]:
    return {
        link.get("hreflang"): link.get("href")
        for link in doc.iter("link")
        if link.get("rel") == "alternate"
    }


def switcher(doc: Any) -> list[str]:
    return [a.get("hreflang") for a in doc.find_class("languages")[0].iter("a")]


def canonical(doc: Any) -> list[str]:
    return [link.get("href") for link in doc.iter("link") if link.get("rel") == "canonical"]


def pages_of(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "source_content" / "pages").glob("*.md"))


def locales_of(client: TestClient) -> list[str]:
    return [loc["tag"] for loc in client.get("/v1/locales").json()["locales"]]


@pytest.fixture(params=["shipped", "generated"])
def vi_unreviewed(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The shipped tree (vi has catalogs but no ledger), or a generated one whose vi ledgers are
    removed: in both, nothing is reviewed in vi."""
    if request.param == "shipped":
        root: Path = request.getfixturevalue("tree")
        assert not (root / "locales" / "vi" / "reviews").exists()
        return root
    root = tmp_path / "generated"
    build_tree(root, pages=3)
    shutil.rmtree(root / "locales" / "vi" / "reviews")
    return root


def test_a_locale_with_nothing_reviewed_is_advertised_nowhere_on_the_server(
    vi_unreviewed: Path, client_for: Any
) -> None:
    client = client_for(vi_unreviewed)
    locales = locales_of(client)
    assert "vi" in locales and "es" in locales  # enabled, and served when asked for
    for slug in pages_of(vi_unreviewed):
        for loc in locales:
            doc = document(client, slug, loc)
            assert "vi" not in alternates(doc), (slug, loc)
            assert "vi" not in switcher(doc), (slug, loc)
            if loc != "vi":  # listed, with the other reviewed languages
                assert {"en", "es"} <= set(alternates(doc)) and "es" in switcher(doc), (slug, loc)
                assert canonical(doc) == [], (slug, loc)
        page = document(client, slug, "vi")
        html = page.getroottree().getroot()
        assert (html.get("lang"), html.get("dir")) == ("en", "ltr")
        assert page.find(".//article").get("lang") == "en"
        assert canonical(page) == [f"/pages/{slug}?locale=en"]
        assert alternates(page) == {}  # a page that is not listed names no versions
    index = lxml.html.document_fromstring(client.get("/").text)
    linked = [a.get("href") for a in index.iter("a") if "locale=" in (a.get("href") or "")]
    assert linked and not [href for href in linked if href.endswith("locale=vi")]
    assert client.get("/v1/pages", params={"locale": "vi"}).json()["pages"] == []
    assert len(client.get("/v1/pages", params={"locale": "es"}).json()["pages"]) == len(
        pages_of(vi_unreviewed)
    )


def test_a_locale_with_nothing_reviewed_is_advertised_nowhere_in_an_export(
    vi_unreviewed: Path, run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    set_base_url(vi_unreviewed, BASE)
    run("export", "--out", str(out), "--base-url", BASE, root=vi_unreviewed)
    urls = ElementTree.parse(out / "sitemap.xml").getroot().findall(f"{SITEMAP}url")
    named = [e.text for u in urls for e in u.findall(f"{SITEMAP}loc")]
    named += [str(link.get("href")) for u in urls for link in u.findall(f"{XHTML}link")]
    named += [str(link.get("hreflang")) for u in urls for link in u.findall(f"{XHTML}link")]
    assert f"{BASE}es/" in named and not [n for n in named if n == "vi" or "/vi/" in n]
    root = lxml.html.parse(str(out / "index.html")).getroot()
    assert [a.get("hreflang") for a in root.iter("a") if a.get("hreflang") == "vi"] == []
    assert [link for link in root.iter("link") if link.get("hreflang") == "vi"] == []
    for slug in pages_of(vi_unreviewed):
        es = lxml.html.parse(str(out / "es" / slug / "index.html")).getroot()
        assert "vi" not in alternates(es) and "vi" not in switcher(es)
        vi = lxml.html.parse(str(out / "vi" / slug / "index.html")).getroot()
        assert (vi.get("lang"), vi.get("dir")) == ("en", "ltr")
        assert canonical(vi) == [f"{BASE}en/{slug}/"]  # absolute under the base URL
    assert (out / "vi" / "index.json").read_text("utf-8").count('"slug"') == 0


def served_share(client: TestClient, slug: str, locale: str) -> tuple[int, int]:
    """The parts of the page (segments but the description, which lives in <meta>) and how many
    of them the JSON page serves in a language other than English."""
    body = client.get(f"/v1/pages/{slug}", params={"locale": locale}).json()
    parts = [s for s in body["segments"] if s["type"] != "description"]
    return sum(not s.get("withheld") and s["locale"] != "en" for s in parts), len(parts)


@pytest.mark.parametrize(
    ("slug", "locale", "min_share", "listed"),
    [
        ("after-your-visit", "es", "1", True),  # every part reviewed: exactly 1
        ("saline-spray", "es", "1", True),
        ("saline-spray", "pt", "1", False),
        ("saline-spray", "pt", "0.5454", True),  # 6 of 11 parts (0.54545…): just above
        ("saline-spray", "pt", "0.5455", False),  # just below
        ("saline-spray", "pt-BR", "0.5454", True),  # its title, and the rest from pt
        ("saline-spray", "pt-BR", "0.5455", False),
        ("saline-spray", "ar", "0.2727", True),  # 3 of 11 (0.2727…)
        ("saline-spray", "ar", "0.2728", False),
        ("saline-spray", "ar", "0", True),
        ("after-your-visit", "pt", "0", False),  # fallback: page, pt lacks one: none translated
    ],
)
def test_a_page_is_listed_from_min_share_of_its_parts_translated(
    fixture_tree: Path, client_for: Any, slug: str, locale: str, min_share: str, listed: bool
) -> None:
    replace_in(
        fixture_tree / "l10n.yaml",
        "fallback: segment\n",
        f"fallback: segment\nmin_share: {min_share}\n",
    )
    client = client_for(fixture_tree)
    translated, parts = served_share(client, slug, locale)
    assert (translated > 0 and Fraction(translated, parts) >= Fraction(min_share)) is listed
    in_list = [
        p["slug"] for p in client.get("/v1/pages", params={"locale": locale}).json()["pages"]
    ]
    assert (slug in in_list) is listed
    english = document(client, slug, "en")
    assert (locale in alternates(english)) is listed
    assert (locale in switcher(english)) is listed
    assert (canonical(document(client, slug, locale)) == []) is listed


@pytest.mark.parametrize(
    ("translated", "parts", "min_share", "listed"),
    [
        (0, 10, 0.0, False),  # the default: at least one part
        (1, 10, 0.0, True),
        (3, 10, 0.3, True),
        (2, 10, 0.3, False),
        (7, 100, 0.07, True),  # exactly: 0.07 * 100 is 7.000000000000001 in floating point
        (55, 100, 0.55, True),  # and 0.55 * 100 is 55.00000000000001
        (54, 100, 0.55, False),
        (7, 10, 0.7, True),
        (69, 100, 0.7, False),
        (1, 3, 1 / 3, True),
        (10, 10, 1.0, True),
        (9, 10, 1.0, False),
        (0, 0, 0.0, False),  # nothing to show
    ],
)
def test_reaches_compares_shares_exactly(
    translated: int, parts: int, min_share: float, listed: bool
) -> None:
    assert reaches(translated, parts, min_share) is listed


@pytest.mark.parametrize(
    ("locale", "language"),
    [("vi", "en"), ("es", "es"), ("en", "en")],  # vi: nothing of it reviewed, shown all in English
)
def test_content_language_is_the_language_the_page_is_shown_in(
    shipped_client: TestClient, locale: str, language: str
) -> None:
    for path in ("/pages/esketamine-overview", "/v1/pages/esketamine-overview"):
        response = shipped_client.get(path, params={"locale": locale})
        assert response.headers["content-language"] == language, path
    html = shipped_client.get("/pages/esketamine-overview", params={"locale": locale}).text
    assert lxml.html.fromstring(html).get("lang") == language
