"""Context for translators (issue 25, item 4): `#:` references with the line of each use, table cells
with their row and column headers, images with their file, and `review pending` naming each text
not served and why. Expected lines are counted in the fixture text here; expected headers are read
off the table as a person reads it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from .conftest import Run, msgfmt, replace_in

PAGE = """---
slug: inhaler
title: Using your inhaler
description: How to use an inhaler with a spacer.
---

## Doses

| Patient | Maximum dose | Notes |
| --- | --- | --- |
| **Adults** | 800 micrograms (8 puffs) | Shake first |
| Children | 400 micrograms (4 puffs) | Shake first |
|  | Ask your doctor | |

Breathe out fully, then
breathe in slowly.

![Inhaler with a spacer](img/inhaler-spacer.png)

- Shake first
"""

POT = "locales/templates/inhaler.pot"
LOCATION = "source_content/pages/inhaler.md"


def _lines_holding(text: str) -> list[int]:
    """The 1-based lines of PAGE where a segment with `text` starts (counted, not parsed)."""
    return [n for n, line in enumerate(PAGE.splitlines(), 1) if text in line]


@pytest.fixture
def extracted(fixture_tree: Path, run: Run) -> Path:
    (fixture_tree / "source_content/pages/inhaler.md").write_text(PAGE, encoding="utf-8")
    run("extract")
    run("update")
    return fixture_tree


def _messages(path: Path) -> dict[str, tuple[list[tuple[str, int | None]], list[str]]]:
    """Each msgid with its locations and extracted comments, as Babel reads the file."""
    with path.open("rb") as fh:
        return {m.id: (m.locations, m.auto_comments) for m in read_po(fh) if m.id}


@pytest.mark.parametrize(
    ("msgid", "first_line_text"),
    [
        ("Using your inhaler", "title: Using your inhaler"),
        ("How to use an inhaler with a spacer.", "description: How to use"),
        ("Doses", "## Doses"),
        ("Maximum dose", "| Patient | Maximum dose |"),
        ("800 micrograms (8 puffs)", "800 micrograms"),
        ("Ask your doctor", "Ask your doctor"),
        ("Breathe out fully, then breathe in slowly.", "Breathe out fully"),
        ("Inhaler with a spacer", "![Inhaler with a spacer]"),
        ("Shake first", "Shake first"),  # two table cells and a list item: every use named
    ],
)
def test_references_name_the_line_of_each_use(
    extracted: Path, msgid: str, first_line_text: str
) -> None:
    locations, _ = _messages(extracted / POT)[msgid]
    assert locations == [(LOCATION, n) for n in _lines_holding(first_line_text)]


def test_gnu_gettext_keeps_and_accepts_the_references(extracted: Path) -> None:
    """msgcat (what Poedit's writer follows) writes the references back byte for byte, and
    `msgfmt -c` accepts the catalog made from the template."""
    for path in (extracted / POT, extracted / "locales/es/LC_MESSAGES/inhaler.po"):
        done = subprocess.run(["msgcat", str(path)], capture_output=True, check=True)
        assert done.stdout == path.read_bytes()
    code, out = msgfmt(extracted / "locales/es/LC_MESSAGES/inhaler.po")
    assert code == 0, out


@pytest.mark.parametrize(
    ("msgid", "place"),
    [
        ("Patient", "table cell — column header"),
        ("Maximum dose", "table cell — column header"),
        ("**Adults**", "table cell — row header; column: Patient"),  # markup left out of the name
        ("Children", "table cell — row header; column: Patient"),
        ("800 micrograms (8 puffs)", "table cell — row: Adults; column: Maximum dose"),
        ("400 micrograms (4 puffs)", "table cell — row: Children; column: Maximum dose"),
        ("Ask your doctor", "table cell — column: Maximum dose"),  # the row has no header
    ],
)
def test_table_cells_name_their_row_and_column(extracted: Path, msgid: str, place: str) -> None:
    _, comments = _messages(extracted / POT)[msgid]
    assert comments[0].startswith(place), comments


def test_a_cell_used_twice_names_both_places_and_the_list_item(extracted: Path) -> None:
    _, comments = _messages(extracted / POT)["Shake first"]
    assert [c.split(";")[0] for c in comments[:3]] == [
        "table cell — row: Adults",
        "table cell — row: Children",
        "list item",
    ]


def test_an_image_names_its_file(extracted: Path) -> None:
    _, comments = _messages(extracted / POT)["Inhaler with a spacer"]
    assert comments[0].startswith("image description (alt text) — inhaler-spacer.png;")


def _coverage(run: Run) -> dict[tuple[str, str], int]:
    rows = json.loads(run("coverage", "--format", "json").output)["rows"]
    return {(r["locale"], r["page"]): r["approved"] for r in rows}


SALINE = "source_content/pages/saline-spray.md"


def test_moving_paragraphs_down_keeps_every_approval(fixture_tree: Path, run: Run) -> None:
    """Three lines above "## Safety" move it and everything after it down 3 lines: the references
    say so, and every approval stands (they bind the texts, not where they are)."""
    run("extract")  # the fixture's templates, with line numbers
    run("update")
    before = _coverage(run)
    pot = fixture_tree / "locales/templates/saline-spray.pot"
    (storage,) = _messages(pot)["Storage"][0]
    replace_in(fixture_tree / SALINE, "## Safety", "\n\n\n## Safety")
    assert "wrote" in run("extract").output
    run("update")
    assert _messages(pot)["Storage"][0] == [(storage[0], (storage[1] or 0) + 3)]
    assert _messages(fixture_tree / "locales/es/LC_MESSAGES/saline-spray.po")["Storage"][0] == [
        (storage[0], (storage[1] or 0) + 3)
    ]
    assert _coverage(run) == before
    assert "stale-approval" not in run("check", code=None).output


def test_a_changed_header_voids_only_its_own_approval(extracted: Path, run: Run) -> None:
    """The cells below a header carry it in their comment; renaming it changes their comments
    and keeps their approvals: only the header's own text, changed, waits for review again."""
    reviewers = {"en": ("Dr. Robin Spare (fictional)", "Dr. Quinn Spare (fictional)")}
    reviewers["es"] = ("Dr. Lola Revisora (fictional)", "Dr. Pablo Clínico (fictional)")
    po = extracted / "locales/es/LC_MESSAGES/inhaler.po"
    text = po.read_text(encoding="utf-8").replace("FULL NAME <EMAIL@ADDRESS>", "Marta Traductora")
    # each text its own translation (numbers, markup and links kept, so the checks pass)
    text = re.sub(r'msgid "(.+)"\nmsgstr ""', r'msgid "\1"\nmsgstr "ES \1"', text)
    po.write_text(text, encoding="utf-8")
    for locale, (linguistic, clinical) in reviewers.items():
        run(
            "review",
            "approve",
            locale,
            "--page",
            "inhaler",
            "--all",
            "--reviewer",
            clinical,
            "--role",
            "clinical",
            code=None,
        )
        run(
            "review",
            "approve",
            locale,
            "--page",
            "inhaler",
            "--all",
            "--reviewer",
            linguistic,
            "--role",
            "linguistic",
            code=None,
        )
    before = _coverage(run)
    assert before[("es", "inhaler")] > 1
    replace_in(
        extracted / "source_content/pages/inhaler.md", "| Maximum dose |", "| Highest dose |"
    )
    run("extract")
    run("update")
    assert _messages(extracted / POT)["800 micrograms (8 puffs)"][1][0].endswith("Highest dose")
    after = _coverage(run)
    assert after[("es", "inhaler")] == before[("es", "inhaler")] - 1
    assert after[("en", "inhaler")] == before[("en", "inhaler")] - 1


ES_PO = "locales/es/LC_MESSAGES/saline-spray.po"
WAIT_ES = "Espere 10 minutos antes de usar cualquier otro medicamento nasal."


@pytest.fixture
def states(fixture_tree: Path, run: Run) -> Path:
    """The fixture tree with a text in each state: es has a translation a check refuses and one
    whose English is new (not approved); ar has a fuzzy one and one lacking its clinical review;
    pt has untranslated ones."""
    replace_in(
        fixture_tree / ES_PO, f'msgstr "{WAIT_ES}"', f'msgstr "{WAIT_ES.replace("10", "100")}"'
    )
    with (fixture_tree / SALINE).open("a", encoding="utf-8") as fh:
        fh.write("\nShake the bottle before use.\n")
    run("extract")
    run("update")
    replace_in(
        fixture_tree / ES_PO,
        'msgid "Shake the bottle before use."\nmsgstr ""',
        'msgid "Shake the bottle before use."\nmsgstr "Agite el frasco antes de usarlo."',
    )
    return fixture_tree


@pytest.mark.parametrize(
    ("locale", "english", "why"),
    [
        ("es", "'Wait 10 minutes before any other nasal medicine.'", "check error: numbers"),
        ("es", "'Shake the bottle before use.'", "its English is not approved"),
        ("ar", "'Storage'", "not ready: fuzzy"),
        (
            "ar",
            "'Do not use **Nasolin** more than 6 times in 24 ho…'",
            "waiting for clinical review",
        ),
        ("ar", "'How to use it'", "not ready: not translated"),
    ],
)
def test_review_pending_names_what_is_not_served_and_why(
    states: Path, run: Run, locale: str, english: str, why: str
) -> None:
    out = run("review", "pending", locale, "--page", "saline-spray").output
    summary = out.split(f"Not served in {locale} yet, and why (")[1]
    (line,) = [line for line in summary.splitlines() if f" · {english} · " in line]
    assert line.startswith("  saline-spray · ") and why in line, line


def test_review_pending_lists_nothing_when_everything_is_served(
    fixture_tree: Path, run: Run
) -> None:
    out = run("review", "pending", "es", "--page", "saline-spray").output
    assert "Not served in es" not in out and "0 awaiting review; 0 not ready" in out
