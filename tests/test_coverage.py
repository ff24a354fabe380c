"""Coverage: the counts equal GNU msgfmt's, and "reviewed" means "would be served"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import gnu
from .conftest import REPO, Run, msgfmt_statistics, replace_in


def _rows(run: Run) -> list[dict[str, object]]:
    result = run("coverage", "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)["rows"]
    return rows


def test_counts_equal_msgfmt_statistics_for_every_catalog(run: Run, tree: Path) -> None:
    rows = [r for r in _rows(run) if r["locale"] != "en"]
    assert len(rows) == 12
    for row in rows:
        stats = msgfmt_statistics(tree / str(row["path"]))
        assert {k: row[k] for k in stats} == stats, row["path"]
        assert row["total"] == sum(stats.values())


def test_counts_follow_msgfmt_after_translators_edit(run: Run, tree: Path) -> None:
    """A fuzzy entry, an emptied one and a new translation, all in one file; msgfmt judges."""
    po = tree / "locales/pt/LC_MESSAGES/esketamine-overview.po"
    replace_in(po, 'msgstr "Segurança"', 'msgstr ""')
    replace_in(
        po, 'msgid "How it works"\nmsgstr ""', 'msgid "How it works"\nmsgstr "Como funciona"'
    )
    replace_in(
        po,
        '#. heading (level 2)\n#: source_content/pages/esketamine-overview.md\nmsgid "What it is used for"',
        '#. heading (level 2)\n#: source_content/pages/esketamine-overview.md\n#, fuzzy\nmsgid "What it is used for"',
    )
    row = next(r for r in _rows(run) if r["locale"] == "pt" and r["page"] == "esketamine-overview")
    stats = msgfmt_statistics(po)
    assert stats["fuzzy"] == 1
    assert {k: row[k] for k in stats} == stats


def test_a_plural_with_an_empty_later_form_counts_as_msgfmt_counts_and_is_not_served(
    run: Run, tree: Path
) -> None:
    """msgfmt counts a plural entry translated when msgstr[0] is; the empty form is then an
    error finding that keeps the entry off the page, not a different count."""
    po = tree / "locales/es/LC_MESSAGES/ui.po"
    replace_in(po, 'msgstr[2] "{count} partes de esta página se muestran en inglés."', 'msgstr[2] ""')
    row = next(r for r in _rows(run) if r["locale"] == "es" and r["page"] == "ui")
    counts = gnu.msgfmt_statistics(po)  # msgfmt -c also rejects it: {count} is missing
    assert (row["translated"], row["fuzzy"], row["untranslated"]) == counts
    assert counts[2] == 0
    assert row["reviewed"] == 6  # of 7: the edit voided its approval, and it may not be re-approved
    check = run("check")
    assert "locales/es/LC_MESSAGES/ui.po:" in check.output and "empty" in check.output
    approve = run(
        "review", "approve", "es", "--page", "ui", "--reviewer", "Dr. Test Reviewer", "--all"
    )
    assert "msgfmt -c rejects it" in approve.output and "nothing approved" in approve.output


def test_reviewed_counts_what_is_served(run: Run) -> None:
    rows = {(r["locale"], r["page"]): r for r in _rows(run)}
    assert rows[("es", "esketamine-overview")]["reviewed"] == 24
    assert rows[("zh-Hans", "esketamine-overview")]["reviewed"] == 5  # 8 translated, 5 approved
    assert rows[("ar", "esketamine-overview")]["reviewed"] == 7  # the fuzzy one is not
    assert rows[("vi", "esketamine-overview")]["reviewed"] == 0
    assert rows[("en", "esketamine-overview")]["reviewed"] == 24


def test_json_rows_use_bcp47_tags_and_match_the_api(run: Run, shipped_client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(shipped_client, TestClient)
    cli_rows = json.loads(run("coverage", "--format", "json", root=REPO).output)
    assert shipped_client.get("/v1/coverage").json() == cli_rows
    assert {r["locale"] for r in cli_rows["rows"]} == {
        "en",
        "es",
        "pt",
        "pt-BR",
        "zh-Hans",
        "ar",
        "vi",
    }


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_human_formats_list_every_locale_and_page(run: Run, fmt: str) -> None:
    out = run("coverage", "--format", fmt).output
    for tag in ("es", "pt-BR", "zh-Hans", "ar", "vi"):
        assert tag in out.replace("|", " ").split()
    assert out.count("esketamine-overview") == 7


def test_coverage_dashboard_shows_the_same_rows(shipped_client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(shipped_client, TestClient)
    html = shipped_client.get("/coverage").text
    for row in shipped_client.get("/v1/coverage").json()["rows"]:
        assert f'data-locale="{row["locale"]}" data-page="{row["page"]}"' in html
