"""Doses need a clinician (issue 22, item 7): a segment whose English holds a number with a dose
unit, and every cell of a table that holds one, is safety-critical text as a `::: critical` block
is, as l10n.yaml's `critical text:` says; readiness, `review pending`, the workspace, coverage and
the pages agree because each asks `Policy.needed`.

The end-to-end tests add a dose table, outside any `::: critical` block, to a copy of
tests/data/tree and review it through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.content.pages import parse_page
from service.core.config import load_config
from service.core.errors import ConfigError
from service.core.models import Segment, SegmentType
from service.quality.clinical import holds_dose, with_doses

from .conftest import Run, replace_in
from .reviewing import accounts, workspace_client

Client = Callable[[Path], TestClient]
PAGE = "saline-spray"
LINGUIST_EN = "Dr. Lola Revisora (fictional)"
LINGUIST_ES = "Dr. Sofia Revisora (fictional)"
CLINICIAN_EN = "Dr. Hana Mercer (fictional)"
CLINICIAN_ES = "Dr. Pablo Clínico (fictional)"
# The table the tests add, each cell with its Spanish; "2 mL" is the dose, the rest say whose.
TABLE = {"Who": "Quién", "Dose": "Dosis", "Adults": "Adultos", "2 mL each time": "2 mL cada vez"}
TABLE_MD = "\n## Dosing\n\n| Who | Dose |\n| --- | --- |\n| Adults | 2 mL each time |\n"


@pytest.mark.parametrize(
    ("english", "dose"),
    [
        ("Take 56 mg once a week.", True),
        ("The spray holds 0.5 mL.", True),
        ("Use 2 sprays in each nostril.", False),  # a count of sprays, not a dose unit
        ("Wait 10 minutes.", False),
        ("Take it twice a week.", False),
        ("Ask your doctor.", False),
        ("Up to **84 mg** if tolerated.", True),  # Markdown around the number
    ],
)
def test_a_number_with_a_dose_unit_is_a_dose(english: str, dose: bool) -> None:
    assert holds_dose(english) is dose


PAGE_MD = """---
slug: demo
title: Demo
---

## Dosing

Take 56 mg once.

Ask your doctor.

| Week | Amount |
| --- | --- |
| First | 56 mg |
| Later | as told |

| Place | Time |
| --- | --- |
| Clinic | two hours |

::: critical
Never drive that day.
:::
"""


def test_dose_text_and_every_cell_of_its_table_are_marked() -> None:
    page = with_doses(parse_page(PAGE_MD, Path("demo.md")))
    marked = {s.source for s in page.segments if s.doses}
    # The whole first table, its header cells too; the second table holds no dose.
    assert marked == {"Take 56 mg once.", "Week", "Amount", "First", "56 mg", "Later", "as told"}
    tables = {s.source: s.table for s in page.segments}
    assert (tables["Week"], tables["Place"], tables["Ask your doctor."]) == (1, 2, 0)


def _config(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "l10n.yaml").write_text(
        f"source_locale: en\nlocales: [es]\n{extra}reviewers:\n  Dr. C: [clinical]\n",
        encoding="utf-8",
    )
    return tmp_path


DOSE = Segment("p-1", SegmentType.PARAGRAPH, "Take 56 mg.", 1, doses=True)
BLOCK = Segment("p-2", SegmentType.PARAGRAPH, "Never drive.", 2, critical=True)
PLAIN = Segment("p-3", SegmentType.PARAGRAPH, "Ask.", 3)


@pytest.mark.parametrize(
    ("extra", "dose", "block"),
    [
        ("", True, True),  # the default: both
        ("critical text: [critical blocks, doses]\n", True, True),
        ("critical text: [critical blocks]\n", False, True),
        ("critical text: [doses]\n", True, False),
        ("critical text: []\n", False, False),
    ],
)
def test_what_counts_as_critical_text_is_configured(
    tmp_path: Path, extra: str, dose: bool, block: bool
) -> None:
    policy = load_config(_config(tmp_path, extra)).policy
    clinical = ("linguistic", "clinical")
    assert policy.needed(DOSE, "es") == (clinical if dose else ())
    assert policy.needed(BLOCK, "es") == (clinical if block else ())
    assert policy.needed(DOSE, "en") == (("clinical",) if dose else ())
    assert policy.needed(BLOCK, "en") == (("clinical",) if block else ())
    assert policy.needed(PLAIN, "es") == policy.needed(PLAIN, "en") == ()


@pytest.mark.parametrize("extra", ["critical text: doses\n", "critical text: [dosage]\n"])
def test_a_wrong_critical_text_is_a_config_error(tmp_path: Path, extra: str) -> None:
    with pytest.raises(ConfigError, match="'critical text' must be a list of"):
        load_config(_config(tmp_path, extra))


# --- end to end: a dose table outside any critical block ---------------------------------------


def _with_dose_table(root: Path, run: Run) -> None:
    with (root / "source_content/pages" / f"{PAGE}.md").open("a", encoding="utf-8") as fh:
        fh.write(TABLE_MD)
    run("extract", root=root)
    run("update", root=root)
    po = root / "locales/es/LC_MESSAGES" / f"{PAGE}.po"
    for english, spanish in TABLE.items():
        replace_in(po, f'msgid "{english}"\nmsgstr ""', f'msgid "{english}"\nmsgstr "{spanish}"')
    for locale, who in (("en", LINGUIST_EN), ("es", LINGUIST_ES)):
        run("review", "approve", locale, "--page", PAGE, "--all", "--role", "linguistic",
            "--reviewer", who, root=root)  # fmt: skip


def _ids() -> dict[str, str]:
    """The table's cells' ids by their English (ids come from the text, not the page)."""
    page = parse_page(f"---\nslug: x\ntitle: x\n---\n{TABLE_MD}", Path("x.md"))
    return {s.source: s.id for s in page.segments if s.type is SegmentType.TABLE_CELL}


def _cells(client: TestClient, locale: str) -> dict[str, tuple[str, str] | None]:
    """Each cell of the table by its English: (text, locale) as served, None when withheld."""
    english = {i: e for e, i in _ids().items()}
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    return {
        english[s["id"]]: None if s["withheld"] else (s["text"], s["locale"])
        for s in page["segments"]
        if s["id"] in english
    }


def _coverage(client: TestClient, locale: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = client.get("/v1/coverage").json()["rows"]
    return next(r for r in rows if r["locale"] == locale and r["page"] == PAGE)


def test_a_dose_table_needs_the_clinical_role_in_english_and_spanish(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    run("publish")  # the page as it was, published
    _with_dose_table(fixture_tree, run)
    ids = _ids()
    client = client_for(fixture_tree)
    # linguistic alone: the English is a draft, so the page stays as published, without the table
    assert _cells(client, "en") == {}
    assert _cells(client, "es") == {}
    pending = run("review", "pending", "en", "--page", PAGE, root=fixture_tree).output
    assert pending.count("table-cell [SAFETY-CRITICAL] · needs clinical review") == len(TABLE)

    run("review", "approve", "en", "--page", PAGE, "--all", "--role", "clinical",
        "--reviewer", CLINICIAN_EN, root=fixture_tree)  # fmt: skip
    client = client_for(fixture_tree)
    assert _cells(client, "en") == {e: (e, "en") for e in TABLE}
    assert _cells(client, "es") == {e: (e, "en") for e in TABLE}  # English until a clinician signs
    before = _coverage(client, "es")
    with workspace_client(fixture_tree) as app:
        token = accounts(fixture_tree).new_token(CLINICIAN_ES)
        items = app.get(
            "/v1/reviews/pending",
            params={"locale": "es", "page": PAGE, "limit": "100"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["items"]
    waiting = {
        i["id"]: (i["critical"], i["roles_needed"]) for i in items if i["id"] in ids.values()
    }
    assert waiting == {i: (True, ["clinical"]) for i in ids.values()}

    run("review", "approve", "es", "--page", PAGE, "--all", "--role", "clinical",
        "--reviewer", CLINICIAN_ES, root=fixture_tree)  # fmt: skip
    client = client_for(fixture_tree)
    assert _cells(client, "es") == {e: (s, "es") for e, s in TABLE.items()}
    after = _coverage(client, "es")
    assert (after["approved"] - before["approved"], after["served"] - before["served"]) == (4, 4)


def test_with_doses_off_a_dose_table_needs_one_review(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    with (fixture_tree / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write("critical text: [critical blocks]\n")
    _with_dose_table(fixture_tree, run)
    client = client_for(fixture_tree)
    assert _cells(client, "es") == {e: (s, "es") for e, s in TABLE.items()}


def test_a_second_role_by_the_same_person_is_refused_for_a_dose(
    fixture_tree: Path, run: Run
) -> None:
    """Dr. Robin Spare holds both roles: the dose needs two people, as critical text does."""
    _with_dose_table(fixture_tree, run)
    robin = "Dr. Robin Spare (fictional)"
    first = ("review", "approve", "es", "--page", PAGE, "--msgid", "2 mL each time")
    run("review", "revoke", "es", "--page", PAGE, "--msgid", "2 mL each time",
        "--reviewer", robin, "--reason", "to be reviewed again", root=fixture_tree)  # fmt: skip
    run(*first, "--reviewer", robin, root=fixture_tree)
    same = run(*first, "--role", "clinical", "--reviewer", robin, root=fixture_tree, code=1)
    assert "safety-critical text needs two people" in same.output
