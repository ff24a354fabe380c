"""The `review` commands: signed approve and revoke events, four eyes, declared reviewers, what a
reviewer sees in `pending`, and writes that keep the old history whole when they fail."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from fastapi.testclient import TestClient

from service.core.models import fingerprint

from .conftest import Run, declare, forge, replace_in
from .reviewing import PAGE as SALINE
from .reviewing import ROBIN, SPRAYS, SPRAYS_ES_NEW, TRANSLATOR, pending_tree

PAGE = "esketamine-overview"
LEDGER_ES = f"locales/es/reviews/{PAGE}.yaml"
SAFETY_ID = "h-726d11bd"  # the id the API gives the heading "Safety"
CRITICAL_ID = "p-925d9c12"  # a safety-critical paragraph ("It’s important to note that S-isomer…")


def approve(run: Run, locale: str, *args: str, code: int | None = 0) -> Result:
    """`clinic-l10n review approve LOCALE --page PAGE ARGS…`"""
    return run("review", "approve", locale, "--page", PAGE, *args, code=code)


def revoke(run: Run, locale: str, *args: str, code: int | None = 0) -> Result:
    """`clinic-l10n review revoke LOCALE --page PAGE ARGS…`"""
    return run("review", "revoke", locale, "--page", PAGE, *args, code=code)


def events(tree: Path, rel: str) -> list[dict[str, Any]]:
    """A ledger's events as any YAML reader sees them (the file is a YAML list)."""
    data = yaml.safe_load((tree / rel).read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def in_force(tree: Path, rel: str, role: str = "linguistic") -> dict[str, dict[str, Any]]:
    """Approvals left in force by the events, replayed here independently of the code."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events(tree, rel):
        key = (e["msgid"], e["role"]) if "msgid" in e else None
        if e["event"] == "approve" and key:
            state[key] = e
        elif e["event"] == "revoke" and key:
            del state[key]
    return {msgid: e for (msgid, r), e in state.items() if r == role}


def test_the_id_constant_is_the_segments_id(shipped_client: TestClient) -> None:
    page = shipped_client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()
    assert {s["id"] for s in page["segments"] if s["text"] == "Safety"} == {SAFETY_ID}
    critical = next(s for s in page["segments"] if s["id"] == CRITICAL_ID)
    assert critical["critical"] and critical["text"].startswith("It’s important to note that S-")


def test_an_approval_records_hashes_texts_people_role_meaning_and_utc_time(
    run: Run, tree: Path
) -> None:
    revoke(
        run,
        "es",
        "--msgid",
        "Safety",
        "--role",
        "linguistic",
        "--reviewer",
        "Dr. Test Reviewer",
        "--reason",
        "re-review",
    )
    approve(run, "es", "--id", SAFETY_ID, "--reviewer", "dr.  test REVIEWER")
    last = events(tree, LEDGER_ES)[-1]
    assert last["event"] == "approve" and last["id"] == SAFETY_ID
    assert last["msgid"] == "Safety" and last["msgstr"] == "Seguridad"
    assert last["source_sha256"] == fingerprint("Safety")
    assert last["translation_sha256"] == fingerprint("Seguridad")
    assert last["translator"].startswith("Lucía Ficticia")
    assert last["reviewer"] == "Dr. Test Reviewer"  # recorded as declared, not as typed
    assert last["role"] == "linguistic"
    assert last["meaning"] == "linguistic review: the translation is accurate and complete"
    assert last["at"].endswith("Z") and len(last["at"]) == 20


def test_revoke_is_an_event_with_who_when_and_why(run: Run, tree: Path) -> None:
    before = len(events(tree, LEDGER_ES))
    result = revoke(
        run,
        "es",
        "--msgid",
        "Safety",
        "--reviewer",
        "Dr. Test Reviewer",
        "--reason",
        "wrong   term",
    )
    assert "revoked 2 approval(s)" in result.output  # linguistic and clinical
    added = events(tree, LEDGER_ES)[before:]
    assert [(e["event"], e["role"], e["reason"]) for e in added] == [
        ("revoke", "linguistic", "wrong term"),
        ("revoke", "clinical", "wrong term"),
    ]
    assert all(e["reviewer"] == "Dr. Test Reviewer" for e in added)
    assert "Safety" not in in_force(tree, LEDGER_ES)
    assert len(in_force(tree, LEDGER_ES)) == 23


def test_revoke_needs_a_reason_and_a_declared_reviewer(run: Run) -> None:
    missing = revoke(run, "es", "--msgid", "Safety", "--reviewer", "Dr. Test Reviewer", code=2)
    assert "--reason" in missing.output
    blank = revoke(
        run, "es", "--msgid", "Safety", "--reviewer", "Dr. Test Reviewer", "--reason", "  ", code=1
    )
    assert "needs a --reason" in blank.output
    stranger = revoke(
        run, "es", "--msgid", "Safety", "--reviewer", "Somebody Else", "--reason", "x", code=1
    )
    assert "not declared" in stranger.output


def test_revoke_of_text_not_approved_is_a_one_line_error(run: Run) -> None:
    result = revoke(
        run,
        "es",
        "--msgid",
        "No such text",
        "--reviewer",
        "Dr. Test Reviewer",
        "--reason",
        "x",
        code=1,
    )
    assert "no approval in force for English text 'No such text'" in result.output


def test_approve_all_approves_what_is_ready_and_counts_the_rest(run: Run, tree: Path) -> None:
    (tree / f"locales/ar/reviews/{PAGE}.yaml").unlink()
    result = run(
        "review", "approve", "ar", "--page", PAGE, "--reviewer", "Dr. Test Reviewer", "--all"
    )
    approved = in_force(tree, f"locales/ar/reviews/{PAGE}.yaml")
    assert len(approved) == 7
    assert "How it works" not in approved
    assert "refused  h-9c870aa6: fuzzy: the translator must confirm it first" in result.output
    assert "refused" not in [
        line.split()[0] for line in result.output.splitlines() if "not translated" in line
    ]
    untranslated = 24 - 7 - 1  # the page has 24 texts; 7 are translated, 1 is fuzzy
    assert result.output.rstrip().endswith(f"{untranslated} not translated yet")
    assert "; 1 refused;" in result.output


def test_four_eyes_refuses_the_catalogs_translator(run: Run, tree: Path) -> None:
    """SPEC invariant 5: the translator (Last-Translator) may not approve their own text."""
    declare(tree, "Lucía Ficticia (fictional)", "linguistic")
    (tree / LEDGER_ES).unlink()
    result = approve(run, "es", "--reviewer", "lucía  FICTICIA (fictional)", "--all")
    assert "four eyes" in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("0 approved;")
    assert not (tree / LEDGER_ES).exists()


def test_four_eyes_on_one_message_exits_non_zero(run: Run, tree: Path) -> None:
    declare(tree, "Lucía Ficticia (fictional)", "linguistic")
    (tree / LEDGER_ES).unlink()
    result = approve(
        run,
        "es",
        "--msgid",
        "Safety",
        "--reviewer",
        "Lucía Ficticia (fictional) <lucia@translators.example>",
        code=1,
    )
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


def test_english_is_approved_with_locale_en_and_its_author_is_refused(run: Run, tree: Path) -> None:
    declare(tree, "Dana Placeholder (fictional content author)", "clinical")
    (tree / f"locales/en/reviews/{PAGE}.yaml").unlink()
    refused = approve(
        run, "en", "--all", "--reviewer", "Dana Placeholder (fictional content author)"
    )
    assert "four eyes" in refused.output
    approve(run, "en", "--reviewer", "Dr. Test Reviewer", "--all")
    approvals = in_force(tree, f"locales/en/reviews/{PAGE}.yaml", "clinical")
    assert len(approvals) == 24
    assert {e["meaning"] for e in approvals.values()} == {
        "clinical review: the English text is medically accurate and complete"
    }


def test_a_reviewer_approves_only_in_the_locales_declared_for_them(run: Run, tree: Path) -> None:
    with (tree / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  Dr. Only Portuguese: {roles: [linguistic], locales: [pt]}\n")
    (tree / LEDGER_ES).unlink()
    refused = approve(run, "es", "--reviewer", "Dr. Only Portuguese", "--all", code=1)
    assert "'Dr. Only Portuguese' may approve only in pt, not in es" in refused.output
    (tree / f"locales/pt/reviews/{PAGE}.yaml").unlink()
    allowed = run(
        "review", "approve", "pt", "--page", PAGE, "--reviewer", "Dr. Only Portuguese", "--all"
    )
    assert allowed.exit_code == 0, allowed.output
    approvals = in_force(tree, f"locales/pt/reviews/{PAGE}.yaml")
    assert approvals and {e["reviewer"] for e in approvals.values()} == {"Dr. Only Portuguese"}


def test_an_undeclared_role_is_refused_before_anything_is_read(run: Run, tree: Path) -> None:
    declare(tree, "Dr. Words Only", "linguistic")
    result = approve(
        run, "es", "--reviewer", "Dr. Words Only", "--role", "clinical", "--all", code=1
    )
    assert "'Dr. Words Only' is not declared as a clinical reviewer" in result.output


def test_one_person_cannot_give_both_approvals_of_safety_text(run: Run, tree: Path) -> None:
    revoke(
        run, "es", "--id", CRITICAL_ID, "--reviewer", "Dr. Test Reviewer", "--reason", "re-review"
    )
    approve(run, "es", "--id", CRITICAL_ID, "--reviewer", "Dr. Test Reviewer", "--role", "clinical")
    second = approve(
        run,
        "es",
        "--id",
        CRITICAL_ID,
        "--reviewer",
        "DR. TEST reviewer",
        "--role",
        "linguistic",
        code=1,
    )
    assert "safety-critical text needs two people" in second.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["approve", "es", "--page", "nope", "--reviewer", "Dr. Test Reviewer", "--all"],
            "no page 'nope'",
        ),
        (
            ["approve", "es", "--page", PAGE, "--reviewer", "Dr. Test Reviewer"],
            "exactly one of --all, --msgid TEXT or --id SEGMENT-ID",
        ),
        (
            [
                "approve",
                "es",
                "--page",
                PAGE,
                "--reviewer",
                "Dr. Test Reviewer",
                "--all",
                "--id",
                SAFETY_ID,
            ],
            "exactly one of --all, --msgid TEXT or --id SEGMENT-ID",
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
            "has no English text 'Not on the page'",
        ),
        (
            [
                "approve",
                "es",
                "--page",
                PAGE,
                "--reviewer",
                "Dr. Test Reviewer",
                "--id",
                "p-00000000",
            ],
            "has no segment id 'p-00000000'",
        ),
        (
            ["approve", "es", "--page", PAGE, "--reviewer", "Nobody Declared", "--all"],
            "'Nobody Declared' is not declared under 'reviewers:'",
        ),
    ],
)
def test_review_refuses_bad_requests_with_one_line(run: Run, args: list[str], message: str) -> None:
    result = run("review", *args, code=None)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert result.output.count("\n") == 1


def test_pending_shows_text_side_by_side_with_findings_and_a_word_diff(
    run: Run, tree: Path
) -> None:
    po = tree / f"locales/es/LC_MESSAGES/{PAGE}.po"
    replace_in(po, 'msgstr "Seguridad"', 'msgstr "Seguridad del paciente "')
    result = run("review", "pending", "es", "--page", PAGE)
    assert "en: Safety" in result.output and "es: Seguridad del paciente" in result.output
    assert "warning: whitespace: leading or trailing white space differs" in result.output
    assert "approved before by Dr. " in result.output
    assert "es: Seguridad {+del paciente+}" in result.output
    # and the "off-label" paragraph, approved before the negation check, awaits a confirmation
    assert "confirm: negation: negators differ: English none; translation 'no'" in result.output
    assert "2 awaiting review" in result.output


def test_pending_diffs_the_english_against_the_english_approved_before(
    run: Run, tree: Path
) -> None:
    replace_in(
        tree / f"source_content/pages/{PAGE}.md",
        "- treatment-resistant depression (TRD)",
        "- treatment-resistant major depression (TRD)",
    )
    result = run("review", "pending", "en", "--page", PAGE)
    assert "en: treatment-resistant {+major+} depression (TRD)" in result.output


def test_review_refuses_to_work_on_a_history_that_does_not_verify(run: Run, tree: Path) -> None:
    path = tree / LEDGER_ES
    path.write_text(path.read_text(encoding="utf-8").replace("Seguridad", "Seguridad!", 1))
    result = approve(run, "es", "--reviewer", "Dr. Test Reviewer", "--all", code=1)
    assert f"{LEDGER_ES}:" in result.output and "was edited" in result.output


def test_a_failed_write_keeps_the_old_history_and_no_temp_file(
    run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (tree / LEDGER_ES).read_bytes()

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        revoke(run, "es", "--msgid", "Safety", "--reviewer", "Dr. Test Reviewer", "--reason", "x")
    assert (tree / LEDGER_ES).read_bytes() == before
    assert sorted(p.name for p in (tree / "locales/es/reviews").iterdir()) == [
        f"{PAGE}.yaml",
        "ui.yaml",
    ]


def test_a_ledger_keeps_its_file_mode(run: Run, tree: Path) -> None:
    path = tree / LEDGER_ES
    path.chmod(0o640)
    revoke(run, "es", "--msgid", "Safety", "--reviewer", "Dr. Test Reviewer", "--reason", "x")
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_new_ledger_is_readable_by_the_server_user(run: Run, tree: Path) -> None:
    (tree / LEDGER_ES).unlink()
    old = os.umask(0o022)
    try:
        approve(run, "es", "--reviewer", "Dr. Test Reviewer", "--msgid", "Safety")
    finally:
        os.umask(old)
    assert (tree / LEDGER_ES).stat().st_mode & 0o777 == 0o644


def test_a_ledger_is_a_yaml_list_any_reader_agrees_with(run: Run, tree: Path) -> None:
    """Each line is JSON and the file is YAML: both readers see the same events."""
    text = (tree / LEDGER_ES).read_text(encoding="utf-8")
    lines = [json.loads(line[2:]) for line in text.splitlines() if line.startswith("- ")]
    assert yaml.safe_load(text) == lines


def test_an_approval_can_be_bound_to_the_texts_shown(run: Run, tree: Path) -> None:
    """`--shown`: the binding the web workspace uses, on the command line."""
    revoke(run, "es", "--id", SAFETY_ID, "--reviewer", "Dr. Test Reviewer", "--reason", "again")
    before = len(events(tree, LEDGER_ES))
    shown = f"{fingerprint('Safety')}:{fingerprint('Seguridad (antes)')}"
    args = ["--id", SAFETY_ID, "--reviewer", "Dr. Test Reviewer", "--shown", shown]
    stale = approve(run, "es", *args, code=1)
    assert stale.output == (
        f"clinic-l10n: the text changed since it was shown ({SAFETY_ID}: the translation changed)\n"
    )
    assert len(events(tree, LEDGER_ES)) == before
    shown = f"{fingerprint('Safety')}:{fingerprint('Seguridad')}"
    approve(run, "es", "--id", SAFETY_ID, "--reviewer", "Dr. Test Reviewer", "--shown", shown)
    assert events(tree, LEDGER_ES)[-1]["translation_sha256"] == fingerprint("Seguridad")
    bad = approve(run, "es", "--msgid", "Safety", "--reviewer", "x", "--shown", "a:b", code=1)
    assert "--shown takes SOURCE_SHA256:TRANSLATION_SHA256, with --id" in bad.output


def test_an_approval_that_does_not_count_does_not_block_one_that_does(
    run: Run, tmp_path: Path, client_for: Any
) -> None:
    """An approval written into the ledger by hand in the translator's name (refused by four
    eyes) does not make `review approve` answer "already approved" for a declared reviewer."""
    root = pending_tree(tmp_path)
    forge(
        root,
        "es",
        SALINE,
        msgid=SPRAYS,
        msgstr=SPRAYS_ES_NEW,
        reviewer=TRANSLATOR,
        role="linguistic",
    )
    args = ("review", "approve", "es", "--page", SALINE, "--msgid", SPRAYS, "--role", "linguistic")
    shown = run(*args, "--reviewer", ROBIN, root=root).output
    assert "approved 1" in shown or "1 approved" in shown, shown
    page = client_for(root).get(f"/v1/pages/{SALINE}", params={"locale": "es"}).json()
    assert any(s.get("text") == SPRAYS_ES_NEW for s in page["segments"])
