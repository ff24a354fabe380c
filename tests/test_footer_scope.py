""" "About this page" names a reviewer only for the text that person reviewed (issue 22, item 7): a
role whose reviewers signed only some of the translations shown (a clinician signs the warnings
and doses) says so, "Clinical review: Dr. … (the parts marked †)", and exactly those parts carry
the mark; the JSON gives the same as `segments_by_role`. A role that signed none of the text
shown is not named.

Expected values come from the ledgers as files (which segment has an approve event in which
role) and the pages read back by lxml's HTML parser, not from the code under test."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient

from service.core.models import (
    Page,
    ResolvedPage,
    ReviewRecord,
    Segment,
    SegmentType,
    ServedSegment,
)
from service.review.provenance import provenance

from .conftest import REPO, Run, replace_in
from .test_attribution import said

Client = Callable[[Path], TestClient]
Element = Any  # lxml.html.HtmlElement


def _record(role: str, who: str) -> ReviewRecord:
    return ReviewRecord("m", "0" * 64, ("t",), "0" * 64, "T", who, "2026-01-01T00:00:00Z", role)


LING, CLIN = _record("linguistic", "Dr. L"), _record("clinical", "Dr. C")
TITLE = Segment("t", SegmentType.TITLE, "Title", 1)
DESC = Segment("d", SegmentType.DESCRIPTION, "About", 1)
WARN = Segment("w", SegmentType.PARAGRAPH, "Never drive.", 2, critical=True)
DOSE = Segment("x", SegmentType.PARAGRAPH, "Take 56 mg.", 3, doses=True)
NOTE = Segment("n", SegmentType.PARAGRAPH, "Ask.", 4)


def _resolved(*served: tuple[Segment, str, tuple[ReviewRecord, ...]]) -> ResolvedPage:
    page = Page("p", "p.md", tuple(s for s, _, _ in served))
    return ResolvedPage(
        page,
        "es",
        "es",
        tuple(ServedSegment(s, ("t",), loc, loc != "es", r) for s, loc, r in served),
        (),
    )


@pytest.mark.parametrize(
    ("served", "named", "signed"),
    [
        # the clinician signed every translation shown: named for the whole page
        (
            [(TITLE, "es", (LING, CLIN)), (WARN, "es", (LING, CLIN))],
            {"linguistic", "clinical"},
            {"linguistic": ["t", "w"], "clinical": ["t", "w"]},
        ),
        # the warning and the dose only: named for those two
        (
            [(TITLE, "es", (LING,)), (WARN, "es", (LING, CLIN)), (DOSE, "es", (LING, CLIN))],
            {"linguistic", "clinical"},
            {"linguistic": ["t", "w", "x"], "clinical": ["w", "x"]},
        ),
        # the clinician's text is shown in English (held): not named
        ([(TITLE, "es", (LING,)), (WARN, "en", (CLIN,))], {"linguistic"}, {"linguistic": ["t"]}),
        # the clinician signed only the description, which the page does not show: not named
        ([(DESC, "es", (CLIN,)), (NOTE, "es", (LING,))], {"linguistic"}, {"linguistic": ["n"]}),
    ],
)
def test_a_role_is_named_for_the_translations_it_signed(
    served: list[tuple[Segment, str, tuple[ReviewRecord, ...]]],
    named: set[str],
    signed: dict[str, list[str]],
) -> None:
    facts = provenance(_resolved(*served), _resolved(), ["linguistic", "clinical"])
    assert {role for role, _ in facts.by_role} == named
    assert {role: list(facts.signed_in(role)) for role, _ in facts.by_role} == signed
    whole = [s.id for s, loc, _ in served if loc == "es" and s.type is not SegmentType.DESCRIPTION]
    assert set(facts.partial()) == {r for r, ids in signed.items() if ids != whole}


# --- end to end, on the files -------------------------------------------------------------------


def _signed_in_ledger(
    client: TestClient, root: Path, folder: str, slug: str, role: str
) -> set[str]:
    """The segments with an approve event in `role` in a ledger, read as the file is written
    (an event names its English; the English page gives that text's segment id)."""
    english = client.get(f"/v1/pages/{slug}", params={"locale": "en"}).json()["segments"]
    ids = {s["text"]: s["id"] for s in english if not s["withheld"]}
    path = root / "locales" / folder / "reviews" / f"{slug}.yaml"
    lines = path.read_text("utf-8").splitlines()
    events = [json.loads(line[2:]) for line in lines if line[:2] == "- "]
    return {ids[e["msgid"]] for e in events if e["event"] == "approve" and e["role"] == role}


def _page(client: TestClient, slug: str, tag: str) -> tuple[dict[str, Any], Element]:
    body: dict[str, Any] = client.get(f"/v1/pages/{slug}", params={"locale": tag}).json()
    html = client.get(f"/pages/{slug}", params={"locale": tag}).text
    found = lxml.html.document_fromstring(html).find(".//article")
    assert found is not None
    return body, found


def _marked(article: Element) -> dict[str, str]:
    """The elements carrying a review mark: their id, and the mark."""
    return {
        el.getparent().get("id")
        if el.getparent().get("id")
        else el.getparent().getparent().get("id"): el.text_content()
        for el in article.find_class("review-mark")
    }


def _row(article: Element, role: str) -> str | None:
    rows = article.find_class(f"about-{role}-review")
    return rows[0].text_content() if rows else None


def _shown_translated(body: dict[str, Any], tag: str) -> set[str]:
    return {
        s["id"]
        for s in body["segments"]
        if not s["withheld"] and s["locale"] == tag and s["type"] != "description"
    }


@pytest.mark.parametrize(
    ("tag", "folder", "credited"),
    [("es", "es", True), ("pt", "pt", True), ("zh-Hans", "zh_Hans", False), ("ar", "ar", False)],
)
def test_the_shipped_page_credits_its_clinician_with_the_warnings_only(
    shipped_client: TestClient, tag: str, folder: str, credited: bool, tmp_path: Path
) -> None:
    """As shipped, es and pt have every text signed clinically in their ledgers, but the policy
    asks a clinician for the `::: critical` paragraphs only (the page holds no dose), and one
    review in any role counts for the rest: those paragraphs are what the page credits. zh-Hans
    and ar show no clinically signed warning: no clinician is credited."""
    slug = "esketamine-overview"
    body, article = _page(shipped_client, slug, tag)
    shown = _shown_translated(body, tag)
    signed = _signed_in_ledger(shipped_client, REPO, folder, slug, "clinical")
    english = shipped_client.get(f"/v1/pages/{slug}", params={"locale": "en"}).json()
    critical = {s["id"] for s in english["segments"] if s["critical"]} & shown & signed
    assert bool(critical) is credited
    if not critical:
        assert _row(article, "clinical") is None and not _marked(article)
        return
    assert critical < shown
    assert _marked(article) == dict.fromkeys(critical, "†")
    assert set(body["provenance"]["segments_by_role"]["clinical"]) == critical
    scope = said(REPO, tag, "review-scope", tmp_path).replace("{mark}", "†")
    assert scope != "the parts marked †"  # the shipped catalogs have it translated
    assert f"({scope})" in (_row(article, "clinical") or "")


def test_the_footer_follows_the_clinical_approvals_of_the_text_shown(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    """In the test tree, ar's clinician signed one paragraph (its dose); es's, everything."""
    slug = "saline-spray"
    client = client_for(fixture_tree)
    body, article = _page(client, slug, "ar")
    ar_clinical = _signed_in_ledger(client, fixture_tree, "ar", slug, "clinical")
    clinical = ar_clinical & _shown_translated(body, "ar")
    assert len(clinical) == 1
    assert _marked(article) == dict.fromkeys(clinical, "†")
    assert body["provenance"]["segments_by_role"]["clinical"] == sorted(clinical)
    row = _row(article, "clinical") or ""
    assert re.search(r"Dr\. Hana Mercer \(fictional\)\s*\(the parts marked †\)", row)
    assert "marked" not in (_row(article, "linguistic") or "marked")  # it signed every part

    # es: the clinician signed every text, but on text that needs one review in any role the
    # linguistic one is what counts: the page credits the clinician with the safety paragraph
    # and the 0.9% dose, the two the policy asks a clinician for
    body, article = _page(client, slug, "es")
    english = client.get(f"/v1/pages/{slug}", params={"locale": "en"}).json()["segments"]
    critical = {s["id"] for s in english if s["critical"] or "0.9%" in s["text"]}
    assert _signed_in_ledger(client, fixture_tree, "es", slug, "clinical") > critical
    assert _marked(article) == dict.fromkeys(critical, "†")

    # ar's translation of that paragraph edited: its clinical approval no longer covers any text
    # shown, so no one is named for a clinical review
    po = fixture_tree / "locales/ar/LC_MESSAGES" / f"{slug}.po"
    replace_in(po, "يغسل داخل الأنف", "يغسل الأنف")
    body, article = _page(client_for(fixture_tree), slug, "ar")
    assert _signed_in_ledger(client, fixture_tree, "ar", slug, "clinical") == ar_clinical
    assert _row(article, "clinical") is None and not _marked(article)
    assert "clinical" not in body["provenance"]["reviewers_by_role"]
    assert body["provenance"]["clinical_reviewers"] == []
