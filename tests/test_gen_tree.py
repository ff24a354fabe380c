"""The scale tree generator (benchmarks/gen_tree.py) builds a tree our own tools accept whole: every
catalog as msgcat lays it out and msgfmt -c accepts it, `check` without an error, every coverage row
translated and reviewed, ledgers as `review approve` writes them. Small N, so it cannot rot unseen."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.gen_tree import (
    LOCALES,
    TRANSLATORS,
    TreeStats,
    build_tree,
    pseudo_translate,
    tree_digest,
)
from service.cli.main import cli
from service.content.pages import load_pages, load_ui
from service.core.identity import same_person
from service.core.models import FallbackPolicy, Ledger, Page, SegmentType
from service.review.history import read_history
from service.review.ledgers import load_ledger

from .gnu import REPO, msgcat, msgfmt_check

PAGES = 20


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TreeStats]:
    root = tmp_path_factory.mktemp("generated") / "tree"
    return root, build_tree(root, PAGES)


def _cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def _domains(root: Path) -> list[Page]:
    pages, errors = load_pages(root / "source_content" / "pages", FallbackPolicy.SEGMENT)
    assert errors == []
    return [*pages, load_ui(root / "source_content" / "ui.yaml")]


def test_counts_add_up(generated: tuple[Path, TreeStats]) -> None:
    root, stats = generated
    assert stats.layout in ("clinic-l10n po format", "msgcat")
    assert stats.pages == PAGES and stats.domains == PAGES + 1
    assert stats.catalogs == len(LOCALES) * (PAGES + 1)
    assert len(list(root.glob("locales/*/LC_MESSAGES/*.po"))) == stats.catalogs
    assert len(list(root.glob("locales/*/reviews/*.yaml"))) == stats.ledgers


def test_pages_have_17_segments_one_critical_paragraph_of_40_to_60_words(
    generated: tuple[Path, TreeStats],
) -> None:
    root, _ = generated
    pages, _ = load_pages(root / "source_content" / "pages", FallbackPolicy.SEGMENT)
    assert len(pages) == PAGES
    for page in pages:
        assert len({s.source for s in page.segments}) == 17
        assert [s.type for s in page.segments if s.critical] == [SegmentType.PARAGRAPH]
        for seg in page.segments:
            if seg.type is SegmentType.PARAGRAPH:
                assert 40 <= len(seg.source.split()) <= 60, seg.source


def test_check_finds_no_error(generated: tuple[Path, TreeStats]) -> None:
    code, output = _cli(generated[0], "check")
    assert code == 0, output
    assert "0 error(s)" in output


def test_msgfmt_accepts_every_catalog(generated: tuple[Path, TreeStats]) -> None:
    for po in sorted(generated[0].glob("locales/*/LC_MESSAGES/*.po")):
        verdict = msgfmt_check(po)
        assert verdict.accepted, verdict.output


def test_every_catalog_is_laid_out_as_msgcat_writes_it(generated: tuple[Path, TreeStats]) -> None:
    for po in sorted(generated[0].glob("locales/*/LC_MESSAGES/*.po")):
        assert msgcat(po) == po.read_bytes(), po


def test_coverage_is_complete_in_every_locale(generated: tuple[Path, TreeStats]) -> None:
    code, output = _cli(generated[0], "coverage", "--format", "json")
    assert code == 0, output
    rows = json.loads(output)["rows"]
    assert len(rows) == (1 + len(LOCALES)) * (PAGES + 1)
    for row in rows:
        total = row["total"]
        assert (row["translated"], row["fuzzy"], row["untranslated"]) == (total, 0, 0), row
        served = [row[k] for k in ("reviewed", "approved", "served") if k in row]
        assert served and all(n == total for n in served), row
        assert all(row.get(k, 0) == 0 for k in ("blocked", "held")), row
        assert not row.get("error"), row


@pytest.fixture(scope="module")
def ledgers(generated: tuple[Path, TreeStats]) -> list[tuple[Page, Ledger, str]]:
    """Every ledger of the tree, read by the project's own loader: (page, ledger, file text)."""
    root, _ = generated
    found = []
    for page in _domains(root):
        for locale in ("en", *LOCALES):
            path = root / "locales" / locale.replace("-", "_") / "reviews" / f"{page.slug}.yaml"
            text = path.read_text(encoding="utf-8")
            found.append((page, load_ledger(path, locale, page.slug), text))
    return found


def test_ledgers_are_histories_that_verify(ledgers: list[tuple[Page, Ledger, str]]) -> None:
    assert len(ledgers) == (1 + len(LOCALES)) * (PAGES + 1)
    for page, ledger, text in ledgers:
        history = read_history(text, ledger.path, ledger.locale, page.slug)
        assert history.problems == () and len(history.events) == len(ledger.records) > 0


def test_four_eyes_and_two_people_on_safety_text(
    ledgers: list[tuple[Page, Ledger, str]],
) -> None:
    for page, ledger, _ in ledgers:
        records = list(ledger.records.values())
        translator = page.author if ledger.locale == "en" else TRANSLATORS[ledger.locale]
        assert all(not same_person(r.reviewer, translator) for r in records)
        assert all(r.translator == translator for r in records)
        for msgid in {s.source for s in page.segments if s.critical}:
            roles = {r.role: r.reviewer for r in records if r.msgid == msgid}
            if ledger.locale == "en":
                assert "clinical" in roles
            else:
                assert set(roles) == {"linguistic", "clinical"}
                assert not same_person(roles["linguistic"], roles["clinical"])


def _preview_in_a_process(seed: int, hash_seed: str) -> str:
    code = f"from benchmarks.gen_tree import preview; print(preview(3, {seed}), end='')"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_same_seed_gives_the_same_text_in_any_process() -> None:
    first = _preview_in_a_process(5, "1")
    assert first == _preview_in_a_process(5, "2")
    assert first != _preview_in_a_process(6, "1")
    assert first.count("\nzh-Hans: ") == 3 * 17


def test_the_digest_ignores_only_the_templates_dates(generated: tuple[Path, TreeStats]) -> None:
    root, _ = generated
    pot = next((root / "locales" / "templates").glob("*.pot"))
    text = pot.read_text(encoding="utf-8")
    before = tree_digest(root)
    try:
        pot.write_text(
            re.sub(
                r"POT-Creation-Date: [0-9: +-]*", "POT-Creation-Date: 2000-01-01 00:00+0000", text
            ),
            encoding="utf-8",
        )
        assert tree_digest(root) == before
        pot.write_text(text.replace("msgid", "msgid ", 1), encoding="utf-8")
        assert tree_digest(root) != before
    finally:
        pot.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("english", "locale", "expected"),
    [
        ("Take 0.5 mL of Placebrin.", "es", "0,5 mL"),
        ("Take 0.5 mL of Placebrin.", "ar", "٠٫٥ مل "),
        ("About 50% may take 56 mg.", "ar", "٥٠٪"),
        ("Take 56 mg, then rest.", "zh-Hans", "56 毫克，"),
        ("Ask about [the card](https://example.org/x) now.", "vi", "](https://example.org/x)"),
        ("Keep **the dose** dry.", "pt-BR", "**"),
        ("{count} part of this page", "pt", "{count} "),
    ],
)
def test_pseudo_translation_keeps_what_checks_protect(
    english: str, locale: str, expected: str
) -> None:
    translated = pseudo_translate(english, locale)
    assert expected in translated
    assert translated != english


def test_refuses_to_write_into_a_tree(tmp_path: Path) -> None:
    (tmp_path / "l10n.yaml").write_text("locales: [es]\n")
    with pytest.raises(FileExistsError):
        build_tree(tmp_path, 1)
