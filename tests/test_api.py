"""The HTTP API: every endpoint of the SPEC table, negotiation, caching headers, errors.

On tests/data/tree; the expected values are read off its catalogs and ledgers."""

from __future__ import annotations

import re

import lxml.html
import pytest
from fastapi.testclient import TestClient

from service.site.schemas import CoverageOut, HealthOut, LocalesOut, PageOut, PagesOut

from .conftest import html_elements, reviewed_shares, served_shares

PAGE = "/v1/pages/saline-spray"
HTML = "/pages/saline-spray"
CRITICAL = (
    "Do not use **Nasolin** more than 6 times in 24 hours. Stop and call your doctor if your nose "
    "bleeds."
)
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
    CRITICAL,
    "Storage",
    "Keep the bottle below 25 °C and throw it away 30 days after opening.",
]


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1/pages", PagesOut),
        (PAGE, PageOut),
        ("/v1/locales", LocalesOut),
        ("/v1/coverage", CoverageOut),
        ("/healthz", HealthOut),
    ],
)
def test_json_endpoints_answer_with_their_documented_shape(
    fixture_client: TestClient, path: str, model: type
) -> None:
    response = fixture_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    model.model_validate_json(response.content)


@pytest.mark.parametrize(
    ("params", "headers", "status", "served"),
    [
        ({}, {"Accept-Language": "es-MX,es;q=0.9"}, 200, "es"),
        ({"locale": "pt-br"}, {}, 200, "pt-BR"),
        ({"locale": "pt_BR"}, {}, 200, "pt-BR"),
        ({"locale": "es"}, {"Accept-Language": "ar"}, 200, "es"),  # ?locale= wins
        ({}, {"Accept-Language": "ar;q=0.5, pt;q=0.9"}, 200, "pt"),
        ({}, {}, 200, "en"),
        ({"locale": "fr"}, {}, 200, "en"),  # well-formed but not enabled: English
        ({"locale": "fr-CA"}, {}, 200, "en"),
        ({"locale": "es-419"}, {}, 200, "es"),  # ?locale= is matched like Accept-Language
        ({"locale": "pt-PT"}, {}, 200, "pt"),
        ({"locale": "PT-br"}, {}, 200, "pt-BR"),
        ({}, {"Accept-Language": "!!, garbage;;"}, 200, "en"),
    ],
)
def test_locale_negotiation(
    fixture_client: TestClient,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    served: str,
) -> None:
    response = fixture_client.get(PAGE, params=params, headers=headers)
    assert response.status_code == status
    assert response.json()["target_locale"] == served
    assert response.headers["content-language"] == served
    assert response.headers["vary"] == "Accept-Language"


@pytest.mark.parametrize("bad", ["e$", "english", "es--MX", "../../etc/passwd", "es%00", "x" * 40])
def test_malformed_locale_is_400_with_a_clear_message(fixture_client: TestClient, bad: str) -> None:
    for path in (PAGE, HTML, "/v1/pages"):
        response = fixture_client.get(path, params={"locale": bad})
        assert response.status_code == 400
        assert "malformed language tag" in response.json()["detail"]


@pytest.mark.parametrize(
    "slug",
    [
        "nope",
        "..%2F..%2Fl10n.yaml",
        "%2e%2e",
        "saline-spray.md",
        "ui",
        "SALINE-SPRAY",
    ],
)
def test_unknown_slug_is_404_and_never_a_file(fixture_client: TestClient, slug: str) -> None:
    for prefix in ("/v1/pages/", "/pages/"):
        response = fixture_client.get(prefix + slug)
        assert response.status_code == 404
        assert "slug:" not in response.text and "msgid" not in response.text


def test_page_json_carries_provenance_and_segment_fields(fixture_client: TestClient) -> None:
    page = fixture_client.get(PAGE, params={"locale": "es"}).json()
    assert page["requested_locale"] == "es" and page["locale"] == "es" and page["complete"]
    assert page["withheld"] == 0 and page["english_url"] == "/v1/pages/saline-spray?locale=en"
    assert page["reviewers"] == ["Dr. Lola Revisora (fictional)", "Dr. Pablo Clínico (fictional)"]
    assert page["translators"] == ["Marta Traductora (fictional) <marta@translators.example>"]
    assert page["last_reviewed_at"].endswith("Z")
    critical = next(s for s in page["segments"] if s["text"].startswith("No use"))
    assert critical["text"] == (
        "No use **Nasolin** más de 6 veces en 24 horas. Deje de usarlo y llame a su médico si le "
        "sangra la nariz."
    )
    assert critical["html"].startswith("No use <strong>Nasolin</strong> más de 6 veces")
    assert (critical["critical"], critical["section"], critical["fallback"]) == (True, 3, False)
    assert sorted((r["reviewer"], r["role"]) for r in critical["reviews"]) == [
        ("Dr. Lola Revisora (fictional)", "linguistic"),
        ("Dr. Pablo Clínico (fictional)", "clinical"),
    ]
    assert {
        "id",
        "type",
        "text",
        "html",
        "locale",
        "fallback",
        "reviews",
        "critical",
        "section",
    } <= critical.keys()


def test_requested_locale_is_what_the_client_asked_for(fixture_client: TestClient) -> None:
    body = fixture_client.get(PAGE, headers={"Accept-Language": "es-MX,es;q=0.9"}).json()
    assert (body["requested_locale"], body["target_locale"]) == ("es-MX", "es")
    assert fixture_client.get(PAGE).json()["requested_locale"] is None


def test_etag_and_304(fixture_client: TestClient) -> None:
    first = fixture_client.get(PAGE, params={"locale": "ar"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = fixture_client.get(PAGE, params={"locale": "ar"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = fixture_client.get(PAGE, params={"locale": "es"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    html = fixture_client.get(HTML, params={"locale": "ar"})
    assert (
        fixture_client.get(
            HTML,
            params={"locale": "ar"},
            headers={"If-None-Match": html.headers["etag"]},
        ).status_code
        == 304
    )


def test_pages_list_titles_in_the_negotiated_locale(fixture_client: TestClient) -> None:
    pages = fixture_client.get("/v1/pages", headers={"Accept-Language": "pt-PT"}).json()
    assert pages["target_locale"] == "pt"
    # after-your-visit (fallback: page) lacks one text in pt: all English there, so not listed
    assert [(p["slug"], p["title"], p["title_locale"], p["complete"]) for p in pages["pages"]] == [
        ("saline-spray", "Como usar um spray nasal salino", "pt", False),
    ]


def test_locales_list_directions_and_reviewed_share(fixture_client: TestClient) -> None:
    locales = {loc["tag"]: loc for loc in fixture_client.get("/v1/locales").json()["locales"]}
    assert set(locales) == {"en", "es", "pt", "pt-BR", "ar"}
    assert locales["ar"]["direction"] == "rtl" and locales["es"]["direction"] == "ltr"
    # of the 15 segments of the two pages: es all, pt 6, ar 3, pt-BR its title
    assert {tag: loc["reviewed_share"] for tag, loc in locales.items()} == {
        "en": 1.0,
        "es": 1.0,
        "pt": 0.4,
        "pt-BR": 0.0667,
        "ar": 0.2,
    }
    assert locales["pt-BR"]["chain"] == ["pt-BR", "pt", "en"]
    assert locales["pt-BR"]["gettext"] == "pt_BR"


def test_reviewed_share_is_the_share_of_messages_served_in_that_locale(
    shipped_client: TestClient,
) -> None:
    """Counted from the pages as served (`conftest.served_shares`), not from the coverage code."""
    assert reviewed_shares(shipped_client) == served_shares(shipped_client)


def test_a_chinese_request_never_gets_the_wrong_script(shipped_client: TestClient) -> None:
    """The shipped tree has zh-Hans: Traditional Chinese must get English, not Simplified."""
    for asked, served in (("zh-TW", "en"), ("ZH-hans-cn", "zh-Hans"), ("zh_Hans", "zh-Hans")):
        got = shipped_client.get("/v1/pages/esketamine-overview", params={"locale": asked})
        assert got.json()["target_locale"] == served, asked


@pytest.mark.parametrize("client", ["shipped_client", "fixture_client"])
def test_health_is_ok_for_a_tree_with_nothing_broken(
    request: pytest.FixtureRequest, client: str
) -> None:
    health = request.getfixturevalue(client).get("/healthz").json()
    state = health.pop("state")
    assert health == {"status": "ok", "errors": [], "blocked": [], "refused": [], "withheld": 0}
    assert len(state["sha256"]) == 64
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", state["built_at"])


def test_openapi_docs_are_served(fixture_client: TestClient) -> None:
    assert fixture_client.get("/docs").status_code == 200
    spec = fixture_client.get("/openapi.json").json()
    assert {
        "/v1/pages",
        "/v1/pages/{slug}",
        "/pages/{slug}",
        "/v1/locales",
        "/v1/coverage",
        "/coverage",
        "/healthz",
    } <= set(spec["paths"])
    assert "PageOut" in spec["components"]["schemas"]


def test_html_page_has_lang_dir_and_marks_each_fallback(fixture_client: TestClient) -> None:
    english = fixture_client.get(PAGE, params={"locale": "en"}).json()
    id_of = {s["text"]: s["id"] for s in english["segments"]}
    response = fixture_client.get(HTML, params={"locale": "ar"})
    assert response.headers["content-type"].startswith("text/html")
    elements = html_elements(response.text)
    assert elements[0] == ("html", {"lang": "ar", "dir": "rtl"})
    by_id = {attrs.get("id"): attrs for _, attrs in elements if attrs.get("id")}
    assert [by_id[id_of[text]].get("lang") for text in IN_ENGLISH] == ["en"] * len(IN_ENGLISH)
    assert [by_id[id_of[text]].get("lang") for text in ARABIC] == [None] * len(ARABIC)


def test_html_fragment_is_the_article_alone(fixture_client: TestClient) -> None:
    fragment = fixture_client.get(HTML, params={"locale": "es", "fragment": "1"}).text
    assert fragment.lstrip().startswith("<article") and fragment.rstrip().endswith("</article>")
    assert "<html" not in fragment and 'lang="es"' in fragment


@pytest.mark.parametrize(
    ("locale", "count_notice", "labelled"),
    [
        ("es", None, []),
        (
            "pt",
            "5 partes desta página são apresentadas em inglês porque a sua tradução ainda não foi "
            "revista.",
            IN_ENGLISH[1:4] + IN_ENGLISH[6:],
        ),
        (
            "pt-BR",
            "5 partes desta página são apresentadas em inglês porque a sua tradução ainda não foi "
            "revista.",
            IN_ENGLISH[1:4] + IN_ENGLISH[6:],
        ),
        (
            "ar",  # not translated in ar; the safety section has its own notice, not labels
            "8 parts of this page are shown in English because their translation has not been "
            "reviewed yet.",
            IN_ENGLISH[:4] + IN_ENGLISH[6:],
        ),
    ],
)
def test_html_notice_counts_only_what_is_shown_in_english(
    fixture_client: TestClient, locale: str, count_notice: str | None, labelled: list[str]
) -> None:
    """pt-BR falling back to pt is still Portuguese; the description is in <meta>, not counted."""
    english = fixture_client.get(PAGE, params={"locale": "en"}).json()
    id_of = {s["text"]: s["id"] for s in english["segments"]}
    html = fixture_client.get(HTML, params={"locale": locale}).text
    notices = [p.text_content() for p in lxml.html.fromstring(html).find_class("notice-english")]
    assert notices == ([count_notice] if count_notice else [])
    marked = {
        element.get("id")
        for element in lxml.html.fromstring(html).xpath("//*[@id][span[@class='fallback-label']]")
    }
    assert marked == {id_of[text] for text in labelled}
