"""The HTTP API: every endpoint of the SPEC table, negotiation, caching headers, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.schemas import CoverageOut, HealthOut, LocalesOut, PageOut, PagesOut

from .conftest import Run, html_elements

PAGE = "/v1/pages/esketamine-overview"


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
    shipped_client: TestClient, path: str, model: type
) -> None:
    response = shipped_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    model.model_validate_json(response.content)


@pytest.mark.parametrize(
    ("params", "headers", "status", "served"),
    [
        ({}, {"Accept-Language": "es-MX,es;q=0.9"}, 200, "es"),
        ({"locale": "pt-br"}, {}, 200, "pt-BR"),
        ({"locale": "zh_Hans"}, {}, 200, "zh-Hans"),
        ({"locale": "es"}, {"Accept-Language": "ar"}, 200, "es"),  # ?locale= wins
        ({}, {"Accept-Language": "ar;q=0.5, vi;q=0.9"}, 200, "vi"),
        ({}, {}, 200, "en"),
        ({"locale": "fr"}, {}, 200, "en"),  # well-formed but not enabled: English
        ({"locale": "fr-CA"}, {}, 200, "en"),
        ({"locale": "es-419"}, {}, 200, "es"),  # ?locale= is matched like Accept-Language
        ({"locale": "zh-TW"}, {}, 200, "en"),  # never the wrong script
        ({"locale": "ZH-hans-cn"}, {}, 200, "zh-Hans"),
        ({}, {"Accept-Language": "!!, garbage;;"}, 200, "en"),
    ],
)
def test_locale_negotiation(
    shipped_client: TestClient,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    served: str,
) -> None:
    response = shipped_client.get(PAGE, params=params, headers=headers)
    assert response.status_code == status
    assert response.json()["target_locale"] == served
    assert response.headers["content-language"] == served
    assert response.headers["vary"] == "Accept-Language"


@pytest.mark.parametrize("bad", ["e$", "english", "es--MX", "../../etc/passwd", "es%00", "x" * 40])
def test_malformed_locale_is_400_with_a_clear_message(shipped_client: TestClient, bad: str) -> None:
    for path in (PAGE, "/pages/esketamine-overview", "/v1/pages"):
        response = shipped_client.get(path, params={"locale": bad})
        assert response.status_code == 400
        assert "malformed language tag" in response.json()["detail"]


@pytest.mark.parametrize(
    "slug",
    [
        "nope",
        "..%2F..%2Fl10n.yaml",
        "%2e%2e",
        "esketamine-overview.md",
        "ui",
        "ESKETAMINE-OVERVIEW",
    ],
)
def test_unknown_slug_is_404_and_never_a_file(shipped_client: TestClient, slug: str) -> None:
    for prefix in ("/v1/pages/", "/pages/"):
        response = shipped_client.get(prefix + slug)
        assert response.status_code == 404
        assert "slug:" not in response.text and "msgid" not in response.text


def test_page_json_carries_provenance_and_segment_fields(shipped_client: TestClient) -> None:
    page = shipped_client.get(PAGE, params={"locale": "es"}).json()
    assert page["requested_locale"] == "es" and page["locale"] == "es" and page["complete"]
    assert (
        page["withheld"] == 0 and page["english_url"] == "/v1/pages/esketamine-overview?locale=en"
    )
    assert page["reviewers"] == ["Dr. Carmen Clínica (fictional)", "Dr. Rosa Revisora (fictional)"]
    assert page["translators"] and page["last_reviewed_at"].endswith("Z")
    segment = next(s for s in page["segments"] if s["text"].startswith("Ha sido aprobada"))
    assert segment["html"].endswith("<strong>Spravato</strong>.")
    assert segment["text"].endswith("**Spravato**.")
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
    } <= segment.keys()
    critical = next(s for s in page["segments"] if s["critical"])
    assert sorted(r["role"] for r in critical["reviews"]) == ["clinical", "linguistic"]


def test_requested_locale_is_what_the_client_asked_for(shipped_client: TestClient) -> None:
    body = shipped_client.get(PAGE, headers={"Accept-Language": "es-MX,es;q=0.9"}).json()
    assert (body["requested_locale"], body["target_locale"]) == ("es-MX", "es")
    assert shipped_client.get(PAGE).json()["requested_locale"] is None


def test_etag_and_304(shipped_client: TestClient) -> None:
    first = shipped_client.get(PAGE, params={"locale": "ar"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = shipped_client.get(PAGE, params={"locale": "ar"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = shipped_client.get(PAGE, params={"locale": "es"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    html = shipped_client.get("/pages/esketamine-overview", params={"locale": "ar"})
    assert (
        shipped_client.get(
            "/pages/esketamine-overview",
            params={"locale": "ar"},
            headers={"If-None-Match": html.headers["etag"]},
        ).status_code
        == 304
    )


def test_pages_list_titles_in_the_negotiated_locale(shipped_client: TestClient) -> None:
    pages = shipped_client.get("/v1/pages", headers={"Accept-Language": "zh-CN"}).json()
    assert pages["target_locale"] == "zh-Hans"
    assert pages["pages"][0]["title"] == "S-异构体氯胺酮（艾司氯胺酮）概述"
    assert pages["pages"][0]["title_locale"] == "zh-Hans"


def test_locales_list_directions_and_reviewed_share(shipped_client: TestClient) -> None:
    locales = {loc["tag"]: loc for loc in shipped_client.get("/v1/locales").json()["locales"]}
    assert set(locales) == {"en", "es", "pt", "pt-BR", "zh-Hans", "ar", "vi"}
    assert locales["ar"]["direction"] == "rtl" and locales["es"]["direction"] == "ltr"
    assert locales["es"]["reviewed_share"] == 1.0 and locales["vi"]["reviewed_share"] == 0.0
    assert 0 < locales["zh-Hans"]["reviewed_share"] < 1
    assert locales["pt-BR"]["chain"] == ["pt-BR", "pt", "en"]
    assert locales["zh-Hans"]["gettext"] == "zh_Hans"


def test_health_is_ok_for_the_shipped_tree(shipped_client: TestClient) -> None:
    assert shipped_client.get("/healthz").json() == {
        "status": "ok",
        "errors": [],
        "blocked": [],
        "withheld": 0,
    }


def test_openapi_docs_are_served(shipped_client: TestClient) -> None:
    assert shipped_client.get("/docs").status_code == 200
    spec = shipped_client.get("/openapi.json").json()
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


def test_html_page_has_lang_dir_and_marks_each_fallback(shipped_client: TestClient) -> None:
    page = shipped_client.get(PAGE, params={"locale": "ar"}).json()
    response = shipped_client.get("/pages/esketamine-overview", params={"locale": "ar"})
    assert response.headers["content-type"].startswith("text/html")
    elements = html_elements(response.text)
    assert elements[0] == ("html", {"lang": "ar", "dir": "rtl"})
    by_id = {attrs.get("id"): attrs for _, attrs in elements if attrs.get("id")}
    for segment in page["segments"]:
        if segment["type"] in ("title", "description"):
            continue
        attrs = by_id[segment["id"]]
        assert attrs.get("lang") == ("en" if segment["fallback"] else None), segment["id"]


def test_html_fragment_is_the_article_alone(shipped_client: TestClient) -> None:
    fragment = shipped_client.get(
        "/pages/esketamine-overview", params={"locale": "es", "fragment": "1"}
    ).text
    assert fragment.lstrip().startswith("<article") and fragment.rstrip().endswith("</article>")
    assert "<html" not in fragment and 'lang="es"' in fragment


def test_export_writes_the_reviewed_pages_as_static_files(
    run: Run, tree: Path, shipped_client: TestClient
) -> None:
    out = tree / "exported"
    run("export", "--out", str(out))
    exported = json.loads((out / "ar/esketamine-overview.json").read_text(encoding="utf-8"))
    served = shipped_client.get(PAGE, params={"locale": "ar"}).json()
    assert exported == {**served, "requested_locale": None}
    assert (
        (out / "ar/esketamine-overview.html")
        .read_text(encoding="utf-8")
        .startswith("<!DOCTYPE html>")
    )
    assert (
        json.loads((out / "coverage.json").read_text()) == shipped_client.get("/v1/coverage").json()
    )


@pytest.mark.parametrize("locale", ["pt-BR", "ar", "zh-Hans", "vi"])
def test_html_notice_counts_only_what_is_shown_in_english(
    shipped_client: TestClient, locale: str
) -> None:
    page = shipped_client.get(PAGE, params={"locale": locale}).json()
    english = [s for s in page["segments"] if s["locale"] == "en" and s["type"] != "description"]
    html = shipped_client.get("/pages/esketamine-overview", params={"locale": locale}).text
    assert f"{len(english)} part" in html or f"{len(english)} 个部分" in html
    titled = {
        attrs["id"] for _, attrs in html_elements(html) if attrs.get("title") and attrs.get("id")
    }
    assert titled == {s["id"] for s in english if s["type"] != "title"}
