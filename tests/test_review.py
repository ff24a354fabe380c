"""The review ledger and the `review` commands: hash-bound records, four eyes, atomic writes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from service.errors import LedgerError
from service.models import fingerprint
from service.review import load_ledger, parse_ledger, render_ledger

from .conftest import DATA, Run, declare, replace_in

PAGE = "esketamine-overview"
LEDGER_ES = f"locales/es/reviews/{PAGE}.yaml"


def _records(tree: Path, rel: str, role: str = "linguistic") -> dict[str, dict[str, object]]:
    data = yaml.safe_load((tree / rel).read_text(encoding="utf-8"))
    return {r["msgid"]: r for r in data["records"] if r["role"] == role}


def test_ledger_records_hashes_texts_people_role_and_utc_time(tree: Path) -> None:
    record = _records(tree, LEDGER_ES)["Safety"]
    assert record["msgstr"] == "Seguridad"
    assert record["source_sha256"] == fingerprint("Safety")
    assert record["translation_sha256"] == fingerprint("Seguridad")
    assert str(record["translator"]).startswith("Lucía Ficticia")
    assert str(record["reviewer"]).startswith("Dr. Rosa Revisora")
    assert str(record["reviewed_at"]).endswith("Z")
    clinical = _records(tree, LEDGER_ES, "clinical")["Safety"]
    assert str(clinical["reviewer"]).startswith("Dr. Carmen Clínica")


def test_approve_all_records_only_what_is_ready(run: Run, tree: Path) -> None:
    (tree / "locales/ar/reviews" / f"{PAGE}.yaml").unlink()
    result = run(
        "review", "approve", "ar", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"
    )
    assert result.exit_code == 0, result.output
    approved = _records(tree, f"locales/ar/reviews/{PAGE}.yaml")
    assert len(approved) == 7
    assert "How it works" not in approved  # fuzzy: refused
    assert "refused  h-9c870aa6: fuzzy" in result.output
    assert "not translated" in result.output


def test_four_eyes_refuses_the_catalogs_translator(run: Run, tree: Path) -> None:
    """SPEC invariant 5."""
    declare(tree, "Lucía Ficticia (fictional)", "linguistic")
    (tree / LEDGER_ES).unlink()
    result = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--reviewer",
        "lucía  FICTICIA (fictional)",
        "--all",
    )
    assert "four eyes" in result.output
    assert "nothing approved" in result.output
    assert not (tree / LEDGER_ES).exists()


def test_four_eyes_applies_to_a_single_message_and_exits_non_zero(run: Run, tree: Path) -> None:
    declare(tree, "Lucía Ficticia (fictional)", "linguistic")
    (tree / LEDGER_ES).unlink()
    result = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--msgid",
        "Safety",
        "--reviewer",
        "Lucía Ficticia (fictional) <lucia@translators.example>",
    )
    assert result.exit_code == 1
    assert "four eyes" in result.output


def test_catalog_without_last_translator_cannot_be_approved(run: Run, tree: Path) -> None:
    replace_in(
        tree / f"locales/es/LC_MESSAGES/{PAGE}.po",
        "Last-Translator: Lucía Ficticia (fictional) <lucia@translators.example>",
        "Last-Translator: FULL NAME <EMAIL@ADDRESS>",
    )
    (tree / LEDGER_ES).unlink()
    result = run(
        "review", "approve", "es", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"
    )
    assert "no Last-Translator" in result.output
    assert not (tree / LEDGER_ES).exists()


def test_english_is_approved_with_locale_en_and_author_is_refused(run: Run, tree: Path) -> None:
    declare(tree, "Dana Placeholder (fictional content author)", "clinical")
    (tree / f"locales/en/reviews/{PAGE}.yaml").unlink()
    refused = run(
        "review",
        "approve",
        "en",
        "--page",
        PAGE,
        "--all",
        "--reviewer",
        "Dana Placeholder (fictional content author)",
    )
    assert "four eyes" in refused.output
    result = run(
        "review", "approve", "en", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"
    )
    assert result.exit_code == 0
    assert len(_records(tree, f"locales/en/reviews/{PAGE}.yaml", "clinical")) == 24


def test_revoke_removes_one_record(run: Run, tree: Path) -> None:
    result = run("review", "revoke", "es", "--page", PAGE, "--msgid", "Safety")
    assert result.exit_code == 0, result.output
    records = _records(tree, LEDGER_ES)
    assert "Safety" not in records and len(records) == 23


def test_revoke_of_unknown_approval_is_a_one_line_error(run: Run) -> None:
    result = run("review", "revoke", "es", "--page", PAGE, "--msgid", "No such text")
    assert result.exit_code == 1
    assert "no approval recorded" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["approve", "es", "--page", "nope", "--reviewer", "Dr. Test Reviewer", "--all"],
            "no page 'nope'",
        ),
        (
            ["approve", "es", "--page", PAGE, "--reviewer", "Dr. Test Reviewer"],
            "exactly one of --all or --msgid",
        ),
        (
            ["approve", "fr", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"],
            "'fr' is not enabled",
        ),
        (
            ["approve", "e$", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"],
            "malformed language tag",
        ),
        (
            [
                "approve",
                "es",
                "--page",
                PAGE,
                "--reviewer",
                "Dr. Test Reviewer",
                "--msgid",
                "Not on the page",
            ],
            "has no English text",
        ),
    ],
)
def test_review_refuses_bad_requests_with_one_line(run: Run, args: list[str], message: str) -> None:
    result = run("review", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert result.output.count("\n") == 1


def test_pending_shows_english_and_translation_side_by_side(run: Run) -> None:
    result = run("review", "pending", "zh-Hans", "--page", PAGE)
    assert result.exit_code == 0
    assert "en: Safety" in result.output and "zh-Hans: 安全性" in result.output
    assert "3 awaiting review" in result.output


def test_review_refuses_to_work_on_a_broken_ledger(run: Run, tree: Path) -> None:
    (tree / LEDGER_ES).write_text((DATA / "ledgers/invalid-yaml.yaml").read_text())
    result = run(
        "review", "approve", "es", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"
    )
    assert result.exit_code == 1
    assert f"{LEDGER_ES}:" in result.output


def test_ledger_write_is_atomic(run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure mid-write leaves the old ledger whole and no temp file behind."""
    before = (tree / LEDGER_ES).read_bytes()

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        run("review", "revoke", "es", "--page", PAGE, "--msgid", "Safety")
    assert (tree / LEDGER_ES).read_bytes() == before
    assert sorted(p.name for p in (tree / "locales/es/reviews").iterdir()) == [
        f"{PAGE}.yaml",
        "ui.yaml",
    ]


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("bad-hash.yaml", 6, "valid 'source_sha256'"),
        ("missing-reviewer.yaml", 4, "valid 'reviewer'"),
        ("invalid-yaml.yaml", 5, "invalid YAML"),
        ("not-a-list.yaml", 1, "'records' list"),
        ("missing-role.yaml", 4, "record needs 'role': 'linguistic' or 'clinical'"),
        ("msgctxt-not-text.yaml", 4, "'msgctxt' must be text"),
    ],
)
def test_bad_ledgers_name_file_and_line(name: str, line: int, message: str) -> None:
    path = DATA / "ledgers" / name
    with pytest.raises(LedgerError, match=re.escape(message)) as caught:
        load_ledger(path, "es", "x")
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_a_record_keeps_its_msgctxt_through_a_write_and_a_read() -> None:
    """Ledger records are keyed like catalog entries, by (msgctxt, msgid); the same English
    under two contexts is two records."""
    text = (DATA / "ledgers" / "msgctxt-not-text.yaml").read_text(encoding="utf-8")
    records = text.split("records:\n", 1)[1]
    two = records.replace("- msgctxt: [noun]", "- msgctxt: noun") + records.replace(
        "- msgctxt: [noun]", "- msgctxt: verb"
    )
    ledger = parse_ledger("locale: es\npage: x\nrecords:\n" + two, "x.yaml", "es", "x")
    assert sorted(ledger.records) == [
        (("noun", "Take one dose"), "linguistic"),
        (("verb", "Take one dose"), "linguistic"),
    ]
    written = render_ledger(ledger)
    assert "- msgctxt: noun\n  msgid: Take one dose\n" in written
    again = parse_ledger(written, "x.yaml", "es", "x")
    assert {k: r.msgstr for k, r in again.records.items()} == {
        k: r.msgstr for k, r in ledger.records.items()
    }
