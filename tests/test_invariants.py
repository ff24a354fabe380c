"""SPEC safety invariants 1–5 and 7, each proven end to end on a copy of tests/data/tree.

(Invariant 6, error-level checks, is in test_failing_translations.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.core.config import load_config

from .conftest import DATA, Run, declare, replace_in

PAGE = "saline-spray"
SOURCE = f"source_content/pages/{PAGE}.md"
PO_ES = f"locales/es/LC_MESSAGES/{PAGE}.po"
PO_PT = f"locales/pt/LC_MESSAGES/{PAGE}.po"
Client = Callable[[Path], TestClient]
ENGLISH_REVIEWER = "Dr. Robin Spare (fictional)"


def _page(client: TestClient, locale: str, slug: str = PAGE) -> dict[str, Any]:
    response = client.get(f"/v1/pages/{slug}", params={"locale": locale})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _served(client: TestClient, english: str, locale: str) -> dict[str, Any]:
    """The segment served in `locale` where the English page has `english`."""
    seg_id = next(s["id"] for s in _page(client, "en")["segments"] if s["text"] == english)
    found: dict[str, Any] = next(s for s in _page(client, locale)["segments"] if s["id"] == seg_id)
    return found


def _where(segment: dict[str, Any]) -> tuple[str, str, bool]:
    return segment["text"], segment["locale"], segment["fallback"]


def test_editing_a_reviewed_msgstr_voids_its_approval(
    fixture_tree: Path, client_for: Client
) -> None:
    """Invariant 1."""
    assert _where(_served(client_for(fixture_tree), "Safety", "es")) == ("Seguridad", "es", False)

    replace_in(fixture_tree / PO_ES, 'msgstr "Seguridad"', 'msgstr "Seguridad (editado)"')

    assert _where(_served(client_for(fixture_tree), "Safety", "es")) == ("Safety", "en", True)


def test_changed_english_is_withheld_until_approved(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    """Invariants 1, 2 and 10: new English is served nowhere, not even in English, until a
    clinical reviewer approves it; the published version stays in service meanwhile (a page never
    published is not served at all); then translations fall back to it."""
    client = client_for(fixture_tree)
    published = {loc: _page(client, loc)["segments"] for loc in ("en", "es", "pt-BR")}
    assert "Storage" in {s.get("text") for s in published["en"]}
    replace_in(fixture_tree / SOURCE, "## Storage", "## Storage and disposal")
    run("extract"), run("update")

    for locale in ("en", "es", "pt-BR"):
        page = _page(client_for(fixture_tree), locale)
        assert page["withheld"] == 0, locale
        assert page["segments"] == published[locale], locale  # the published version, whole
    assert "Storage and disposal" in run("check", code=1).output

    run(
        "review",
        "approve",
        "en",
        "--page",
        PAGE,
        "--msgid",
        "Storage and disposal",
        "--reviewer",
        ENGLISH_REVIEWER,
    )

    page = _page(client_for(fixture_tree), "es")
    assert page["withheld"] == 0
    served = _served(client_for(fixture_tree), "Storage and disposal", "es")
    assert _where(served) == ("Storage and disposal", "en", True)


def test_translation_needs_review_against_the_english_it_replaces(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    """Invariant 3: the translator confirms the old Spanish for new English; the old approval must
    not carry over."""
    old = "Keep the bottle below 25 °C and throw it away 30 days after opening."
    new = "Keep the closed bottle below 25 °C and throw it away 30 days after opening."
    spanish = "Guarde el frasco por debajo de 25 °C y deséchelo 30 días después de abrirlo."
    replace_in(fixture_tree / SOURCE, old, new)
    run("extract"), run("update")
    run("review", "approve", "en", "--page", PAGE, "--all", "--reviewer", ENGLISH_REVIEWER)
    po = fixture_tree / PO_ES
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" in text, "update should have made the edited paragraph fuzzy"
    po.write_text(
        "\n".join(line for line in text.split("\n") if not line.startswith(("#, fuzzy", "#|"))),
        encoding="utf-8",
    )

    assert _where(_served(client_for(fixture_tree), new, "es")) == (new, "en", True)

    # the translation is the one approved for the old English: a reviewer must confirm it
    reviewer = ("--reviewer", "Dr. Lola Revisora (fictional)")
    approve = run("review", "approve", "es", "--page", PAGE, "--all", *reviewer)
    assert "0 approved" in approve.output and "unchanged-translation" in approve.output
    assert _where(_served(client_for(fixture_tree), new, "es")) == (new, "en", True)
    approve = run(
        "review", "approve", "es", "--page", PAGE, f"--msgid={new}", "--confirm-meaning", *reviewer
    )
    assert "1 approved" in approve.output
    assert _where(_served(client_for(fixture_tree), new, "es")) == (spanish, "es", False)


def test_fallback_follows_the_chain_segment_by_segment(
    fixture_tree: Path, client_for: Client
) -> None:
    """Invariant 4: pt-BR → pt → en, one segment at a time."""
    page = _page(client_for(fixture_tree), "pt-BR")
    by_text = {s["text"]: s for s in page["segments"]}
    assert by_text["Como usar um spray nasal de soro fisiológico"]["locale"] == "pt-BR"
    assert by_text["Segurança"]["locale"] == "pt"  # only pt has it
    assert by_text["Storage"]["locale"] == "en"  # neither has it
    assert [s["fallback"] for s in page["segments"]] == [
        s["locale"] != "pt-BR" for s in page["segments"]
    ]
    assert page["locale"] == "pt-BR" and not page["complete"]


def test_chain_order_comes_from_config(fixture_tree: Path, client_for: Client) -> None:
    replace_in(fixture_tree / "l10n.yaml", "  pt-BR: [pt, en]", "  pt-BR: [es, en]")
    page = _page(client_for(fixture_tree), "pt-BR")
    # the title is pt-BR's own; Spanish is complete, so the rest is Spanish and nothing English
    assert [s["locale"] for s in page["segments"]] == ["pt-BR"] + ["es"] * 11


def test_a_page_that_says_fallback_page_is_served_all_or_nothing(
    fixture_tree: Path, client_for: Client
) -> None:
    """Invariant 4: after-your-visit says `fallback: page`; pt lacks one of its three segments."""
    partial = _page(client_for(fixture_tree), "pt", "after-your-visit")
    assert partial["fallback_policy"] == "page"
    assert [_where(s) for s in partial["segments"]] == [
        ("After your visit", "en", True),
        ("Questions", "en", True),
        ("Call the clinic if you have questions about your care.", "en", True),
    ]
    complete = _page(client_for(fixture_tree), "es", "after-your-visit")
    assert [s["locale"] for s in complete["segments"]] == ["es", "es", "es"]


def test_four_eyes_refuses_the_catalogs_translator(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    """Invariant 5: whoever translated a catalog may not approve it, even when declared a reviewer."""
    declare(fixture_tree, "Rui Tradutor (fictional)", "linguistic")
    replace_in(
        fixture_tree / PO_PT,
        'msgid "Storage"\nmsgstr ""',
        'msgid "Storage"\nmsgstr "Armazenamento"',
    )
    result = run(
        "review",
        "approve",
        "pt",
        "--page",
        PAGE,
        "--all",
        "--reviewer",
        "Rui Tradutor (fictional)",
    )
    assert "four eyes" in result.output and "\n0 approved;" in result.output
    assert _where(_served(client_for(fixture_tree), "Storage", "pt")) == ("Storage", "en", True)


def test_a_broken_catalog_falls_back_and_every_other_locale_serves(
    fixture_tree: Path, client_for: Client
) -> None:
    """Invariant 7."""
    (fixture_tree / PO_ES).write_text((DATA / "po/unterminated-string.po").read_text())
    client = client_for(fixture_tree)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert any(e.startswith(f"{PO_ES}:8: ") for e in health["errors"]), health  # msgfmt's line
    assert {s["locale"] for s in _page(client, "es")["segments"]} == {"en"}
    assert _where(_served(client, "Safety", "pt")) == ("Segurança", "pt", False)
    coverage = client.get("/v1/coverage").json()["rows"]
    assert any(r["locale"] == "es" and r["page"] == PAGE and r["error"] for r in coverage)


def test_a_broken_ledger_falls_back_and_is_reported(fixture_tree: Path, client_for: Client) -> None:
    """Invariant 7: whatever the ledger's format, bytes that are not UTF-8 cannot be read."""
    config = load_config(fixture_tree)
    ledger = config.ledger_path("pt", PAGE)
    ledger.write_bytes(b"\xff\xfe\x00 not a ledger")
    client = client_for(fixture_tree)
    errors = client.get("/healthz").json()["errors"]
    assert any(e.startswith(f"{config.rel(ledger)}:") for e in errors), errors
    assert {s["locale"] for s in _page(client, "pt")["segments"]} == {"en"}
    assert {s["locale"] for s in _page(client, "es")["segments"]} == {"es"}


def test_a_broken_page_is_reported_and_the_others_serve(
    fixture_tree: Path, client_for: Client
) -> None:
    """Invariant 7."""
    (fixture_tree / "source_content/pages/broken.md").write_text(
        (DATA / "pages/no-front-matter.md").read_text()
    )
    client = client_for(fixture_tree)
    errors = client.get("/healthz").json()["errors"]
    assert any(e.startswith("source_content/pages/broken.md:1: ") for e in errors)
    assert client.get("/v1/pages/broken").status_code == 404
    assert _page(client, "es")["complete"]
