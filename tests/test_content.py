"""Source pages → segments (content stage)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.content.pages import load_page, parse_page
from service.core.errors import ContentError
from service.core.models import SegmentType

from .conftest import DATA, REPO

PAGE = """---
slug: sample
title: Sample page
description: A short description.
---

## Dosing

Take it with *water*,
as your doctor says.

- first item
- second [link](https://example.org)

> quoted text

| Dose | When |
| ---- | ---- |
| 56 mg | week 1 |

::: critical
Never use it alone.
:::

```
code is not translated
```
"""


def _segments(text: str = PAGE) -> list[tuple[SegmentType, str, bool]]:
    page = parse_page(text, Path("sample.md"))
    return [(s.type, s.source, s.critical) for s in page.segments]


def test_each_block_is_one_segment_with_its_type() -> None:
    assert _segments() == [
        (SegmentType.TITLE, "Sample page", False),
        (SegmentType.DESCRIPTION, "A short description.", False),
        (SegmentType.HEADING, "Dosing", False),
        (SegmentType.PARAGRAPH, "Take it with *water*, as your doctor says.", False),
        (SegmentType.LIST_ITEM, "first item", False),
        (SegmentType.LIST_ITEM, "second [link](https://example.org)", False),
        (SegmentType.BLOCKQUOTE, "quoted text", False),
        (SegmentType.TABLE_CELL, "Dose", False),
        (SegmentType.TABLE_CELL, "When", False),
        (SegmentType.TABLE_CELL, "56 mg", False),
        (SegmentType.TABLE_CELL, "week 1", False),
        (SegmentType.PARAGRAPH, "Never use it alone.", True),
    ]


def test_segment_lines_point_into_the_source_file() -> None:
    page = parse_page(PAGE, Path("sample.md"))
    lines = PAGE.split("\n")
    for seg in page.segments[2:]:
        first_words = seg.source.split()[0].strip("*[")
        assert first_words in lines[seg.line - 1], (seg, lines[seg.line - 1])


def test_ids_are_stable_across_rebuilds_and_reordering() -> None:
    first = {s.source: s.id for s in parse_page(PAGE, Path("sample.md")).segments}
    again = {s.source: s.id for s in parse_page(PAGE, Path("sample.md")).segments}
    moved = PAGE.replace("> quoted text\n", "").replace(
        "## Dosing\n", "## Dosing\n\n> quoted text\n"
    )
    reordered = {s.source: s.id for s in parse_page(moved, Path("sample.md")).segments}
    assert first == again == reordered


def test_repeated_text_gets_distinct_ids() -> None:
    text = PAGE.replace("- first item\n- second", "- first item\n- first item\n- second")
    ids = [s.id for s in parse_page(text, Path("sample.md")).segments if s.source == "first item"]
    assert len(ids) == 2 and len(set(ids)) == 2


def test_shipped_page_marks_every_safety_statement_critical() -> None:
    page = load_page(REPO / "source_content/pages/esketamine-overview.md")
    critical = " ".join(s.source for s in page.segments if s.critical)
    for phrase in (
        "supervision",
        "never be used recreationally",
        "side effects",
        "controlled setting",
    ):
        assert phrase in critical


def test_shipped_page_keeps_every_sentence_of_the_seed() -> None:
    """No dropped warnings: each sentence of the seed document is in the page, word for word."""
    seed = REPO / "tests/data/seed/esketamine-overview.txt"
    page = load_page(REPO / "source_content/pages/esketamine-overview.md")
    body = " ".join(s.source.replace("**", "") for s in page.segments)
    sentences = [
        s.strip()
        for s in seed.read_text(encoding="utf-8").replace("\n", " ").split(". ")
        if s.strip()
    ]
    for sentence in sentences[1:]:  # the first line is the seed's title
        for part in RESTRUCTURED.get(sentence.rstrip("."), [sentence.rstrip(".")]):
            assert part in body, sentence


# Seed sentences the page deliberately turns into a list; each part must still be there word for word.
RESTRUCTURED = {
    "S-isomer ketamine is primarily used in the treatment of major depressive disorder (MDD) and "
    "treatment-resistant depression (TRD)": [
        "S-isomer ketamine is primarily used in the treatment of:",
        "major depressive disorder (MDD)",
        "treatment-resistant depression (TRD)",
    ],
}


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("no-front-matter.md", 1, "must start with YAML front matter"),
        ("unclosed-front-matter.md", 1, "not closed"),
        ("slug-mismatch.md", 2, "does not match the file name"),
        ("unknown-key.md", 4, "unknown front matter key 'fallbak'"),
        ("invalid-yaml.md", 3, "invalid YAML"),
        ("bad-fallback.md", 4, "fallback must be 'segment' or 'page'"),
    ],
)
def test_bad_pages_name_file_and_line(name: str, line: int, message: str) -> None:
    with pytest.raises(ContentError, match=re.escape(message)) as caught:
        load_page(DATA / "pages" / name)
    assert caught.value.path and caught.value.path.endswith(name)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{caught.value.path}:{line}: ")
