"""Safety-critical content fails closed: sections served whole, two approvals by two people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.models import (
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
from service.resolve import resolve

from .conftest import Run, html_elements

PAGE = "esketamine-overview"
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
        (s.key, Role.CLINICAL): _record(s, s.source, Role.CLINICAL, "Dr. C")
        for s in DEMO.segments
    }
    return Ledger("en.yaml", "en", "demo", records)


def _spanish(approvals: dict[Segment, list[tuple[Role, str]]]) -> tuple[LoadedCatalog, Ledger]:
    entries = {s.key: CatalogEntry(s.source, (t,), False, 1) for s, t in SPANISH.items()}
    records = {
        (s.key, role): _record(s, SPANISH[s], role, who)
        for s, pairs in approvals.items()
        for role, who in pairs
    }
    return LoadedCatalog("es.po", "es", "demo", entries), Ledger("es.yaml", "es", "demo", records)


BOTH = [(Role.LINGUISTIC, "Dr. L"), (Role.CLINICAL, "Dr. C")]
ONE = [(Role.LINGUISTIC, "Dr. L")]


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
                WARN: [(Role.LINGUISTIC, "Dr. L"), (Role.CLINICAL, "dr.  l")],
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
    resolved = resolve(DEMO, ("es", "en"), {"es": catalog}, {"en": _english(), "es": ledger})
    assert [s.locale for s in resolved.served] == expected
    assert resolved.held_sections == held


def test_critical_english_needs_the_clinical_review() -> None:
    linguistic_only = Ledger(
        "en.yaml",
        "en",
        "demo",
        {
            (s.key, Role.LINGUISTIC): _record(s, s.source, Role.LINGUISTIC, "Dr. L")
            for s in DEMO.segments
        },
    )
    resolved = resolve(DEMO, ("en",), {}, {"en": linguistic_only})
    assert [s.id for s in resolved.withheld] == ["p-1"]
    assert [s.segment.id for s in resolved.served] == ["h-1", "p-2", "p-3"]


def _page(client: TestClient, locale: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    return body


def test_shipped_arabic_shows_every_safety_section_whole_in_english_with_a_notice(
    shipped_client: TestClient,
) -> None:
    page = _page(shipped_client, "ar")
    assert page["held_sections"]
    for seg in page["segments"]:
        if seg["section"] in page["held_sections"]:
            assert seg["locale"] == "en", seg
    html = shipped_client.get(f"/pages/{PAGE}", params={"locale": "ar"}).text
    notices = [a for tag, a in html_elements(html) if "critical-notice" in (a.get("class") or "")]
    assert len(notices) == len(page["held_sections"])
    assert (
        "يُعرض هذا الجزء بالإنجليزية ريثما تتم مراجعة ترجمته." in html
    )  # in the patient's language


def test_a_reviewed_heading_is_not_served_alone_when_its_safety_text_is_not(
    shipped_client: TestClient,
) -> None:
    """zh-Hans has "用途" reviewed, but not the supervision sentence in that section."""
    english = {s["text"]: s["id"] for s in _page(shipped_client, "en")["segments"]}
    page = _page(shipped_client, "zh-Hans")
    heading = next(s for s in page["segments"] if s["id"] == english["What it is used for"])
    assert (heading["text"], heading["locale"]) == ("What it is used for", "en")


def test_second_approval_must_come_from_another_person(
    tree: Path, run: Run, client_for: Client
) -> None:
    critical = (
        "Ketamine is a powerful medication that should only be used under the supervision and "
        "guidance of a qualified healthcare professional."
    )
    (tree / f"locales/es/reviews/{PAGE}.yaml").unlink()
    run("review", "approve", "es", "--page", PAGE, "--all", "--reviewer", "Dr. Test Reviewer")
    same = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--msgid",
        critical,
        "--role",
        "clinical",
        "--reviewer",
        "dr.  test reviewer",
        code=1,
    )
    assert "needs two people" in same.output

    def served() -> dict[str, Any]:
        english_id = next(
            s["id"] for s in _page(client_for(tree), "en")["segments"] if s["text"] == critical
        )
        return next(s for s in _page(client_for(tree), "es")["segments"] if s["id"] == english_id)

    assert served()["locale"] == "en"  # one review is not enough for safety text
    run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--msgid",
        critical,
        "--role",
        "clinical",
        "--reviewer",
        "Dr. Other Reviewer",
    )
    assert served()["locale"] == "es"
    assert sorted(r["reviewer"] for r in served()["reviews"]) == [
        "Dr. Other Reviewer",
        "Dr. Test Reviewer",
    ]


def test_roles_come_from_the_config(run: Run) -> None:
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
        "Dr. Rosa Revisora (fictional)",
        code=1,
    )
    assert "is not declared as a clinical reviewer" in refused.output
    unknown = run(
        "review", "approve", "es", "--page", PAGE, "--all", "--reviewer", "Dr. Nobody", code=1
    )
    assert "not declared" in unknown.output


def test_pending_says_which_review_is_missing(run: Run, tree: Path) -> None:
    assert "0 awaiting review" in run("review", "pending", "pt-BR", "--page", PAGE).output
    run(
        "review",
        "revoke",
        "pt-BR",
        "--page",
        PAGE,
        "--role",
        "clinical",
        "--msgid",
        "It’s important to note that S-isomer ketamine should only be used under the guidance of a healthcare professional and in a controlled setting.",
    )
    result = run("review", "pending", "pt-BR", "--page", PAGE)
    assert "[SAFETY-CRITICAL] · needs clinical review" in result.output
    assert "1 awaiting review" in result.output
