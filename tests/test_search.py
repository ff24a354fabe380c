"""The queue's search (`/review/?q=…`): texts found by words of their English or translation, by a
glossary term written in any of its languages, by their page's title or slug; and a page filter
that names no slug searched for instead of ignored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import quote_plus, urlencode

import pytest
from fastapi.testclient import TestClient

from service.core.terminology import Term, Terminology
from service.workspace.search import Search, folded

from .reviewing import PAGE, PASSWORD, ROBIN, SPRAYS, pending_tree, post_signin, with_passwords
from .reviewing import workspace_client as client_on

WAIT = "Wait 10 minutes before any other nasal medicine."
BOTH = [SPRAYS, WAIT]  # what waits in es on saline-spray, in page order
# A glossary entry (as `terminology:` in l10n.yaml declares one) whose English is in SPRAYS only:
# its Portuguese form finds the Spanish text by the English it translates.
GLOSSARY = """terminology:
  nostril: {es: fosa nasal, pt: narina, pt-BR: narina, ar: فتحة الأنف}
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = pending_tree(tmp_path_factory.mktemp("search"))
    with (root / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write(GLOSSARY)
    with_passwords(root, ROBIN)
    with client_on(root) as c:
        answer = post_signin(c, {"name": ROBIN, "password": PASSWORD})
        assert answer.status_code == 200
        yield c


def found(client: TestClient, **params: str) -> tuple[list[str], str]:
    """The English of each text the queue lists (es), and the page."""
    answer = client.get("/review/?" + urlencode({"locale": "es", **params}))
    assert answer.status_code == 200
    english = re.findall(
        r'<p class="patient [^"]*"[^>]*data-part="english-html">(.*?)</p>', answer.text
    )
    return [unescape(re.sub("<[^>]+>", "", e)) for e in english], answer.text


QUERIES = [
    ("pulverizaciones", [SPRAYS]),  # words of the translation
    ("EACH NOSTRIL", [SPRAYS]),  # of the English, case ignored
    ("minutes before", [WAIT]),
    ("Using a saline nasal", BOTH),  # the page's title
    ("saline-spray", BOTH),  # its slug
    ("narina", [SPRAYS]),  # a term in Portuguese finds the Spanish text of its English
    ("fosa nasal", [SPRAYS]),  # in Spanish: the English term is in the text
    ("ｎａｓａｌ ｍｅｄｉｃｉｎｅ", [WAIT]),  # fullwidth letters, NFKC
    ("nothing of the kind", []),
    ("", BOTH),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_the_search_finds(client: TestClient, query: str, expected: list[str]) -> None:
    english, _ = found(client, q=query)
    assert english == expected


def test_a_page_filter_that_names_no_slug_is_searched_for(client: TestClient) -> None:
    english, html = found(client, page="saline")
    assert english == BOTH
    assert "No page has the slug “saline”: searching for it" in html
    assert found(client, page=PAGE)[0] == BOTH


def test_the_result_pages_keep_the_search(client: TestClient) -> None:
    _, html = found(client, q="nasal")
    assert 'name="q" type="search" value="nasal"' in html


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("narina", ["nostril"]),
        ("Nostril", ["nostril"]),
        ("nostrils", []),  # a term is named whole, not by a part of a word
    ],
)
def test_a_query_names_a_term_in_any_of_its_languages(query: str, terms: list[str]) -> None:
    glossary = Terminology((Term("nostril", (("es", ("fosa nasal",)), ("pt", ("narina",)))),))
    assert [english for english, _ in Search.of(query, glossary).terms] == terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ＭＬ", "ml"), ("Straße", "strasse"), ("ﬁve", "five")],  # NFKC, then Unicode case folding
)
def test_folded(text: str, expected: str) -> None:
    assert folded(text) == expected


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_the_review_api_searches_alike(client: TestClient, query: str, expected: list[str]) -> None:
    """`GET /v1/reviews/pending?q=`: the same texts as the queue page, and its next page keeps
    the search."""
    answer = client.get("/v1/reviews/pending", params={"locale": "es", "q": query})
    assert answer.status_code == 200, answer.text
    assert [i["english"][0] for i in answer.json()["items"]] == expected
    if expected:
        paged = client.get("/v1/reviews/pending", params={"locale": "es", "q": query, "limit": 1})
        following = paged.json()["next"]
        assert (following is not None) == (len(expected) > 1)
        if following:
            assert (f"q={quote_plus(query)}" in following) == bool(query)
            assert [i["english"][0] for i in client.get(following).json()["items"]] == expected[1:2]
