"""Coverage: the counts equal GNU msgfmt's; `served` is what the pages serve, `approved` what the
ledger and the checks allow, and `held` the approved text that is shown from another locale."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.models import Page, ResolvedPage, Segment, SegmentType, ServedSegment
from service.site.coverage import served_keys
from service.site.store import load_tree

from . import gnu
from .conftest import REPO, Run, msgfmt_statistics, replace_in

PAGE = "esketamine-overview"
Change = Callable[[Path], None]


def _shipped(tree: Path) -> None:
    """The shipped tree as it is: safety sections held in English in pt, pt-BR, zh-Hans and ar."""


def _protect_misuse(tree: Path) -> None:
    """A new protected term, "Misuse": it occurs once in the English, in the critical paragraph
    of "Never without medical supervision"; no approved translation keeps it, so the
    do-not-translate check blocks that paragraph, and its section is held in English."""
    replace_in(tree / "l10n.yaml", "  - REMS\n", "  - REMS\n  - Misuse\n")


def _fallback_page(tree: Path) -> None:
    """The page goes all or nothing: a locale that lacks a single segment gets all of it in English."""
    replace_in(tree / f"source_content/pages/{PAGE}.md", "fallback: segment", "fallback: page")


CHANGES: dict[str, tuple[Change, str]] = {
    # name: (change to the copied tree, a column that must be non-zero somewhere after it)
    "shipped": (_shipped, "held"),
    "protected-term": (_protect_misuse, "blocked"),
    "fallback-page": (_fallback_page, "held"),
}


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
        '#. heading (level 2)\n#: source_content/pages/esketamine-overview.md:16\nmsgid "What it is used for"',
        '#. heading (level 2)\n#: source_content/pages/esketamine-overview.md:16\n#, fuzzy\nmsgid "What it is used for"',
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
    replace_in(
        po,
        'msgstr[2] ""\n"{count} partes de esta página se muestran en inglés porque su traducción aún "\n'
        '"no ha sido revisada."',
        'msgstr[2] ""',
    )
    row = next(r for r in _rows(run) if r["locale"] == "es" and r["page"] == "ui")
    counts = gnu.msgfmt_statistics(po)  # msgfmt -c also rejects it: {count} is missing
    assert (row["translated"], row["fuzzy"], row["untranslated"]) == counts
    assert counts[2] == 0
    # all but the edited one: the edit voided its approval (so it is not blocked either), and it
    # may not be re-approved
    assert (row["approved"], row["served"], row["blocked"]) == (counts[0] - 1, counts[0] - 1, 0)
    check = run("check", code=1)
    assert "locales/es/LC_MESSAGES/ui.po:" in check.output and "empty" in check.output
    approve = run(
        "review", "approve", "es", "--page", "ui", "--reviewer", "Dr. Test Reviewer", "--all"
    )
    assert "msgfmt -c rejects it" in approve.output and "\n0 approved;" in approve.output


@pytest.mark.parametrize("name", list(CHANGES))
def test_served_is_what_the_page_serves_in_that_locale(
    name: str, tree: Path, client_for: Callable[[Path], TestClient], run: Run
) -> None:
    """For every locale and page, `served` is the number of segments `GET /v1/pages/{slug}` returns
    in that locale, and approved = served + held. The ui domain has no page route: its rows are
    compared with the serving rule called directly (`Tree.resolve`)."""
    change, nonzero = CHANGES[name]
    change(tree)
    client = client_for(tree)
    rows = client.get("/v1/coverage").json()["rows"]
    assert rows == _rows(run)
    assert any(row[nonzero] for row in rows), f"{name} does not exercise {nonzero}"
    slugs = {p["slug"] for p in client.get("/v1/pages").json()["pages"]}
    loaded = load_tree(tree)
    pages_seen = 0
    for row in rows:
        locale, slug = row["locale"], row["page"]
        assert row["approved"] == row["served"] + row["held"], row
        if slug in slugs:
            page = client.get(f"/v1/pages/{slug}", params={"locale": locale}).json()
            assert page["target_locale"] == locale
            segments = page["segments"]
            pages_seen += 1
        else:
            assert slug == "ui" and loaded.ui is not None
            segments = [{"locale": s.locale} for s in loaded.resolve(loaded.ui, locale).served]
        assert row["served"] == sum(s["locale"] == locale for s in segments), row
    assert pages_seen == 7


_TWICE = (
    Segment("a1", SegmentType.PARAGRAPH, "Ask your doctor.", 3, section=1),
    Segment("a2", SegmentType.PARAGRAPH, "Ask your doctor.", 9, critical=True, section=2),
    Segment("b", SegmentType.PARAGRAPH, "Rest.", 10, section=2),
)


@pytest.mark.parametrize(
    ("locales", "expected"),
    [
        (("pt", "pt", "pt"), {"Ask your doctor.", "Rest."}),
        # used twice, once held in English with a safety section: not served in pt
        (("pt", "en", "en"), set()),
        (("pt", "en", "pt"), {"Rest."}),
        (("en", "en", "en"), set()),
    ],
)
def test_a_message_is_served_when_every_use_of_it_is(
    locales: tuple[str, ...], expected: set[str]
) -> None:
    page = Page("p", "p.md", _TWICE)
    served = tuple(
        ServedSegment(seg, (seg.source,), loc, loc != "pt", ())
        for seg, loc in zip(_TWICE, locales, strict=True)
    )
    resolved = ResolvedPage(page, "pt", "pt", served, ())
    assert {msgid for _, msgid in served_keys(resolved)} == expected


# (approved, served, held, blocked), worked out by hand from the shipped catalogs and ledgers and
# the page's sections (1 "What S-isomer ketamine is", 2 "What it is used for" (critical paragraph),
# 3 "How it works", 4 "Safety" (two critical paragraphs), 5 "Ketamine as a medication" (critical),
# 6 "How it is given", 7 "Never without medical supervision" (critical)); a section with a critical
# paragraph is served in a locale only when all of it is approved there.
HAND_COUNTED = [
    # every English segment has a source approval in locales/en/reviews
    ("shipped", "en", (24, 24, 0, 0)),
    # every segment translated and approved, safety text by a linguist and a clinician; the
    # "off-label" paragraph of section 5 (critical) was approved before the negation check and
    # waits for a confirmation ("no aprobados"), so it and the section's heading are in English
    ("shipped", "es", (23, 21, 2, 0)),
    # 12 translated, each approved by Dr. Inês (linguistic) and Dr. Tiago (clinical). Section 2's
    # FDA paragraph is untranslated, so its heading, lead-in, two list items and critical
    # paragraph (5) are held in English; served: title, heading 1, section 4 (3), section 7 (2).
    ("shipped", "pt", (12, 7, 5, 0)),
    # 5 of 8 translations approved: title, headings 1 and 2, the lead-in and the MDD item; the
    # last three are in section 2, whose critical paragraph has no approval: held.
    ("shipped", "zh-Hans", (5, 2, 3, 0)),
    # 7 approved (the fuzzy one is not): title, headings 1, 2, 4 and 7, the MDD and TRD items;
    # no critical paragraph is approved, so the five in sections 2, 4 and 7 are held.
    ("shipped", "ar", (7, 2, 5, 0)),
    ("shipped", "vi", (0, 0, 0, 0)),
    # the Spanish critical paragraph of section 7 says "El mal uso", not "Misuse": blocked, and the
    # section's heading is held in English with it; section 5 as in "shipped".
    ("protected-term", "es", (22, 19, 3, 1)),
    # pt lacks segments, so under `fallback: page` the whole page is English: all 12 held.
    ("fallback-page", "pt", (12, 0, 12, 0)),
    # es lacks the "off-label" paragraph's confirmation (see "shipped"): the whole page is English.
    ("fallback-page", "es", (23, 0, 23, 0)),
]


@pytest.mark.parametrize(("name", "locale", "expected"), HAND_COUNTED)
def test_approved_served_held_blocked_as_counted_by_hand(
    name: str, locale: str, expected: tuple[int, int, int, int], tree: Path, run: Run
) -> None:
    CHANGES[name][0](tree)
    row = next(r for r in _rows(run) if r["locale"] == locale and r["page"] == PAGE)
    assert (row["approved"], row["served"], row["held"], row["blocked"]) == expected


def test_json_rows_use_bcp47_tags_and_match_the_api(run: Run, shipped_client: TestClient) -> None:
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
    spec_order = "locale page total translated fuzzy untranslated approved served held blocked"
    assert all(list(r)[:10] == spec_order.split() for r in cli_rows["rows"])


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_human_formats_list_every_locale_and_page(run: Run, fmt: str) -> None:
    out = run("coverage", "--format", fmt).output
    for tag in ("es", "pt-BR", "zh-Hans", "ar", "vi"):
        assert tag in out.replace("|", " ").split()
    assert out.count("esketamine-overview") == 7
    header = out.splitlines()[0].replace("|", " ").split()
    assert {"approved", "served", "held", "blocked"} <= set(header)
    assert "reviewed" not in header


def _text(cell: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_coverage_dashboard_shows_the_same_rows(shipped_client: TestClient) -> None:
    html = shipped_client.get("/coverage").text
    head = [_text(c) for c in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)]
    for column in ("Approved", "Served", "Held", "Blocked"):
        assert column in head
    assert not [c for c in head if "Reviewed" in c]
    for row in shipped_client.get("/v1/coverage").json()["rows"]:
        opening = f'<tr data-locale="{row["locale"]}" data-page="{row["page"]}">'
        assert opening in html
        body = html.split(opening, 1)[1].split("</tr>", 1)[0]
        cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body)]
        shown = dict(zip(head, cells, strict=True))
        for column in ("Approved", "Served", "Held", "Blocked"):
            assert shown[column] == str(row[column.lower()]), (row["locale"], row["page"], column)
