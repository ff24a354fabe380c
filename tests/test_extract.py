"""Extraction: deterministic templates, the Babel extractor entry point, translator comments."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from .conftest import REPO, Run, msgfmt, replace_in


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "locales").rglob("*"))
        if p.is_file()
    }


SHIPPED_CATALOGS = [
    f"locales/{folder}/LC_MESSAGES/{domain}.po"
    for domain in ("esketamine-overview", "ui")
    for folder in ("es", "pt", "pt_BR", "zh_Hans", "ar", "vi")
]


def test_shipped_templates_and_catalogs_are_up_to_date(run: Run, tree: Path) -> None:
    before = _snapshot(tree)
    extracted, updated = run("extract").output, run("update").output
    assert extracted.splitlines() == [
        "unchanged locales/templates/esketamine-overview.pot",
        "unchanged locales/templates/ui.pot",
    ]
    assert updated.splitlines() == [f"unchanged {po}" for po in SHIPPED_CATALOGS]
    assert _snapshot(tree) == before


def test_extract_and_update_twice_give_identical_bytes(run: Run, tree: Path) -> None:
    replace_in(tree / "source_content/pages/esketamine-overview.md", "## Safety", "## Safety first")
    first = run("extract").output + run("update").output
    assert "wrote locales/templates/esketamine-overview.pot" in first
    changed = [po for po in SHIPPED_CATALOGS if "esketamine-overview" in po]
    for po in changed:
        assert f"updated {po}" in first
        assert 'msgid "Safety first"' in (tree / po).read_text(encoding="utf-8")
    once = _snapshot(tree)
    again = run("extract").output + run("update").output
    assert _snapshot(tree) == once
    assert "wrote" not in again and "updated" not in again and "created" not in again


def test_templates_carry_line_numbers_and_no_churning_dates(tree: Path, run: Run) -> None:
    """`#: file:line` (issue 25; the lines themselves: tests/test_context.py); extracting again from
    unchanged sources writes nothing, so POT-Creation-Date does not move."""
    pot = tree / "locales/templates/esketamine-overview.pot"
    text = pot.read_text(encoding="utf-8")
    assert "#: source_content/pages/esketamine-overview.md:3\n" in text  # the title: line 3
    assert "#: source_content/pages/esketamine-overview.md\n" not in text
    assert "wrote" not in run("extract").output


def test_translator_comments_say_what_each_segment_is(tree: Path) -> None:
    with (tree / "locales/templates/esketamine-overview.pot").open("rb") as fh:
        catalog = read_po(fh)
    comments = {m.id: m.auto_comments for m in catalog if m.id}
    assert comments["Safety"] == ["heading (level 2)"]
    assert comments["major depressive disorder (MDD)"] == ["list item", "Keep as written: MDD"]
    critical = comments[
        "It’s important to note that ketamine should never be used recreationally or without medical "
        "supervision. Misuse of ketamine can have serious health risks and can lead to harmful effects."
    ]
    assert any("SAFETY-CRITICAL" in c for c in critical)


LINKED_PAGE = """---
slug: linked
title: Linked page
---

<!-- internal note: check the dose table with pharmacy -->

See the [leaflet][1] and the [FAQ].

![A nasal spray, held upright](img/spray.png)

| Week | Dose |
| ---- | ---- |
| 1    | 56   |

[1]: https://example.org/leaflet.pdf
[faq]: https://example.org/faq
"""


def test_a_page_with_references_images_comments_and_numbers(tree: Path, run: Run) -> None:
    """Only what a translator can translate becomes a message, with what to keep said above it;
    `msgfmt -c` accepts the template and the catalogs made from it."""
    (tree / "source_content/pages/linked.md").write_text(LINKED_PAGE, encoding="utf-8")
    run("extract")
    run("update")
    pot = tree / "locales/templates/linked.pot"
    with pot.open("rb") as fh:
        comments = {m.id: m.auto_comments for m in read_po(fh) if m.id}
    assert comments == {
        "Linked page": ["page title"],
        "See the [leaflet][1] and the [FAQ][FAQ].": [
            "paragraph",
            "Links: translate the text in [text][label]; keep each [label] as written",
        ],
        "A nasal spray, held upright": [
            "image description (alt text) — spray.png; the image itself stays as in the English"
        ],
        "Week": ["table cell — column header"],
        "Dose": ["table cell — column header"],
    }
    for path in (pot, tree / "locales/es/LC_MESSAGES/linked.po"):
        code, out = msgfmt(path)
        assert code == 0, out


def test_pybabel_extract_with_mapping_gives_the_same_messages(tree: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "babel.cfg"
    mapping.write_text("[clinic_markdown: source_content/pages/**.md]\n")
    out = tmp_path / "pybabel.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(mapping),
            "-o",
            str(out),
            "--no-wrap",
            ".",
        ],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as a, (tree / "locales/templates/esketamine-overview.pot").open("rb") as b:
        ours, theirs = read_po(b), read_po(a)
    assert [m.id for m in theirs if m.id] == [m.id for m in ours if m.id]
    assert msgfmt(out)[0] == 0


def test_repo_mapping_file_is_the_one_documented() -> None:
    assert "[clinic_markdown: source_content/pages/**.md]" in (REPO / "babel.cfg").read_text()
