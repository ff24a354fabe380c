"""Safety-critical content fails closed: sections served whole, two approvals by two people.

The end-to-end tests run on a copy of tests/data/tree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.models import (
    CatalogEntry,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Role,
    Segment,
    SegmentType,
    fingerprint,
)
from service.core.policy import Policy, Reviewer
from service.site.resolve import resolve

from .conftest import Run, html_elements

PAGE = "saline-spray"
Client = Callable[[Path], TestClient]

HEAD = Segment("h-1", SegmentType.HEADING, "Safety", 1, section=1)
WARN = Segment("p-1", SegmentType.PARAGRAPH, "Never use it alone.", 2, critical=True, section=1)
NOTE = Segment("p-2", SegmentType.PARAGRAPH, "Ask your doctor.", 3, section=1)
OTHER = Segment("p-3", SegmentType.PARAGRAPH, "It is a nasal spray.", 4, section=2)
DEMO = Page("demo", "demo.md", (HEAD, WARN, NOTE, OTHER))
SPANISH = {
    HEAD: "Seguridad",
    WARN: "Nunca lo use solo.",
    NOTE: "Consulte a su médico.",
    OTHER: "Es un aerosol nasal.",
}

POLICY = Policy.of(
    [
        Reviewer("Dr. L", frozenset({"linguistic", "clinical"})),
        Reviewer("Dr. C", frozenset({"linguistic", "clinical"})),
    ]
)  # who may approve here


WHO_REVOKES = ("--reviewer", "Dr. Quinn Spare (fictional)", "--reason", "to be reviewed again")


def _record(seg: Segment, text: str, role: Role, reviewer: str) -> ReviewRecord:
    return ReviewRecord(
        seg.source,
        fingerprint(seg.source),
        (text,),
        fingerprint(text),
        "T",
        reviewer,
        "2026-01-01T00:00:00Z",
        role,
    )


def _english() -> Ledger:
    records = {
        (s.key, "clinical"): _record(s, s.source, "clinical", "Dr. C") for s in DEMO.segments
    }
    return Ledger("en.yaml", "en", "demo", records)


def _spanish(approvals: dict[Segment, list[tuple[Role, str]]]) -> tuple[LoadedCatalog, Ledger]:
    entries = {s.key: CatalogEntry(s.source, (t,), False, 1) for s, t in SPANISH.items()}
    records = {
        (s.key, role): _record(s, SPANISH[s], role, who)
        for s, pairs in approvals.items()
        for role, who in pairs
    }
    return LoadedCatalog("es.po", "es", "demo", entries, "T"), Ledger(
        "es.yaml", "es", "demo", records
    )


BOTH = [("linguistic", "Dr. L"), ("clinical", "Dr. C")]
ONE = [("linguistic", "Dr. L")]


@pytest.mark.parametrize(
    ("case", "approvals", "expected", "held"),
    [
        (
            "everything reviewed, the warning twice",
            {HEAD: ONE, WARN: BOTH, NOTE: ONE, OTHER: ONE},
            ["es", "es", "es", "es"],
            (),
        ),
        (
            "the warning reviewed only linguistically: its whole section in English",
            {HEAD: ONE, WARN: ONE, NOTE: ONE, OTHER: ONE},
            ["en", "en", "en", "es"],
            (1,),
        ),
        (
            "one plain paragraph of the section unreviewed: still the whole section",
            {HEAD: ONE, WARN: BOTH, OTHER: ONE},
            ["en", "en", "en", "es"],
            (1,),
        ),
        (
            "both roles from the same person do not count",
            {
                HEAD: ONE,
                WARN: [("linguistic", "Dr. L"), ("clinical", "dr.  l")],
                NOTE: ONE,
                OTHER: ONE,
            },
            ["en", "en", "en", "es"],
            (1,),
        ),
        (
            "a section without critical text falls back segment by segment",
            {HEAD: ONE, WARN: BOTH, NOTE: ONE},
            ["es", "es", "es", "en"],
            (),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_critical_sections_are_served_whole(
    case: str,
    approvals: dict[Segment, list[tuple[Role, str]]],
    expected: list[str],
    held: tuple[int, ...],
) -> None:
    catalog, ledger = _spanish(approvals)
    resolved = resolve(
        DEMO, ("es", "en"), {"es": catalog}, {"en": _english(), "es": ledger}, POLICY
    )
    assert [s.locale for s in resolved.served] == expected
    assert resolved.held_sections == held


def test_critical_english_needs_the_clinical_review() -> None:
    linguistic_only = Ledger(
        "en.yaml",
        "en",
        "demo",
        {(s.key, "linguistic"): _record(s, s.source, "linguistic", "Dr. L") for s in DEMO.segments},
    )
    resolved = resolve(DEMO, ("en",), {}, {"en": linguistic_only}, POLICY)
    assert [s.id for s in resolved.withheld] == ["p-1"]
    assert [s.segment.id for s in resolved.served] == ["h-1", "p-2", "p-3"]


CRITICAL = (
    "Do not use **Nasolin** more than 6 times in 24 hours. Stop and call your doctor if your nose "
    "bleeds."
)


def _page(client: TestClient, locale: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    return body


def _served(client: TestClient, english: str, locale: str) -> dict[str, Any]:
    seg_id = next(s["id"] for s in _page(client, "en")["segments"] if s["text"] == english)
    found: dict[str, Any] = next(s for s in _page(client, locale)["segments"] if s["id"] == seg_id)
    return found


def test_arabic_shows_its_safety_section_whole_in_english_with_a_notice(
    fixture_tree: Path, client_for: Client
) -> None:
    """Arabic's safety paragraph has only its linguistic review, so section 3 ("Safety") is
    English, heading included, under a notice in Arabic."""
    client = client_for(fixture_tree)
    page = _page(client, "ar")
    assert page["held_sections"] == [3]
    assert [(s["text"], s["locale"]) for s in page["segments"] if s["section"] == 3] == [
        ("Safety", "en"),
        (CRITICAL, "en"),
    ]
    html = client.get(f"/pages/{PAGE}", params={"locale": "ar"}).text
    notices = [a for tag, a in html_elements(html) if "critical-notice" in (a.get("class") or "")]
    assert len(notices) == 1
    assert "يُعرض هذا الجزء بالإنجليزية ريثما تتم مراجعة ترجمته." in html  # the patient's language


def test_a_reviewed_heading_is_not_served_alone_when_its_safety_text_is_not(
    fixture_tree: Path, client_for: Client
) -> None:
    """Arabic has "Safety" reviewed (السلامة), but not its safety paragraph in both roles."""
    heading = _served(client_for(fixture_tree), "Safety", "ar")
    assert (heading["text"], heading["locale"]) == ("Safety", "en")


def test_second_approval_must_come_from_another_person(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    run("review", "revoke", "es", "--page", PAGE, "--msgid", CRITICAL, *WHO_REVOKES)
    first = ("review", "approve", "es", "--page", PAGE, "--msgid", CRITICAL)
    run(*first, "--reviewer", "Dr. Robin Spare (fictional)")
    same = run(*first, "--role", "clinical", "--reviewer", "dr.  robin spare (fictional)", code=1)
    assert "needs two people" in same.output
    assert _served(client_for(fixture_tree), CRITICAL, "es")["locale"] == "en"  # one is not enough

    run(*first, "--role", "clinical", "--reviewer", "Dr. Quinn Spare (fictional)")

    served = _served(client_for(fixture_tree), CRITICAL, "es")
    assert served["locale"] == "es"
    assert sorted((r["reviewer"], r["role"]) for r in served["reviews"]) == [
        ("Dr. Quinn Spare (fictional)", "clinical"),
        ("Dr. Robin Spare (fictional)", "linguistic"),
    ]


def test_roles_come_from_the_config(fixture_tree: Path, run: Run) -> None:
    refused = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--all",
        "--role",
        "clinical",
        "--reviewer",
        "Dr. Lola Revisora (fictional)",
        code=1,
    )
    assert "is not declared as a clinical reviewer" in refused.output
    unknown = run(
        "review", "approve", "es", "--page", PAGE, "--all", "--reviewer", "Dr. Nobody", code=1
    )
    assert "not declared" in unknown.output


def test_pending_says_which_review_is_missing(fixture_tree: Path, run: Run) -> None:
    assert "0 awaiting review" in run("review", "pending", "pt", "--page", PAGE).output
    run(
        "review",
        "revoke",
        "pt",
        "--page",
        PAGE,
        "--role",
        "clinical",
        "--msgid",
        CRITICAL,
        *WHO_REVOKES,
    )
    result = run("review", "pending", "pt", "--page", PAGE)
    assert "[SAFETY-CRITICAL] · needs clinical review" in result.output
    assert "1 awaiting review" in result.output
