"""The review history is tamper-evident: `audit verify` names the line of any event edited,
removed, reordered or inserted, and the chain head; `audit log` reads it; `audit import` starts
the history of an earlier ledger. The files under tests/data/ledgers/ are one valid history of
page `x` in `es` (events on lines 4–8) and copies of it broken as their names say."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from service.review.history import encode, read_history

from .conftest import DATA, Run

LEDGERS = DATA / "ledgers"
X_ES = "locales/es/reviews/x.yaml"


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("event-edited.yaml", 5, "event 2 was edited: it no longer matches the hash event 3"),
        ("event-removed.yaml", 6, "event 4 where event 3 should be: event(s) 3 removed or moved"),
        ("first-event-removed.yaml", 4, "event 2 where event 1 should be"),
        ("events-reordered.yaml", 5, "event 3 where event 2 should be"),
        ("event-inserted.yaml", 8, "this event and the one at line 7 both follow event 3"),
        ("event-not-canonical.yaml", 8, "event 5 is not as clinic-l10n writes it"),
        ("last-event-torn.yaml", 8, "not a review event: Expecting property name"),
        ("duplicate-field.yaml", 4, "field 'event' appears twice"),
        ("records-without-history.yaml", 1, "run `clinic-l10n audit import`"),
    ],
)
def test_audit_verify_names_the_line_of_a_broken_history(
    run: Run, tree: Path, name: str, line: int, message: str
) -> None:
    shutil.copy(LEDGERS / name, tree / X_ES)
    result = run("audit", "verify", code=1)
    first = next(x for x in result.output.splitlines() if x.startswith(X_ES))
    assert first.startswith(f"{X_ES}:{line}: error: ")
    assert message in first


def _keys_moved(event: dict[str, object]) -> dict[str, object]:
    return {"prev": event["prev"], **{k: v for k, v in event.items() if k != "prev"}}


def _raw_separator(event: dict[str, object]) -> dict[str, object]:
    return {**event, "msgid": f"{event['msgid']}\u2028"}  # written raw, where encode escapes it


@pytest.mark.parametrize("rewrite", [_keys_moved, _raw_separator], ids=["order", "escape"])
def test_an_event_as_clinic_l10n_would_not_write_it_is_named(
    run: Run, tree: Path, rewrite: Callable[[dict[str, object]], dict[str, object]]
) -> None:
    """The last event of a valid history (no event after it to break its chain) written with
    its fields in another order, or with a line separator not escaped: the same fields, but not
    the text clinic-l10n writes and hashes."""
    lines = (LEDGERS / "valid-history.yaml").read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[-1][2:])
    lines[-1] = "- " + json.dumps(rewrite(event), ensure_ascii=False, separators=(", ", ": "))
    (tree / X_ES).write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("audit", "verify", code=1)
    first = next(x for x in result.output.splitlines() if x.startswith(X_ES))
    assert first.startswith(f"{X_ES}:{len(lines)}: error: ")
    assert f"event {event['seq']} is not as clinic-l10n writes it" in first


def _first_event() -> dict[str, object]:
    line = (LEDGERS / "valid-history.yaml").read_text(encoding="utf-8").splitlines()[3]
    event: dict[str, object] = json.loads(line[2:])
    return event


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event": ["approve"]}, "'event' must be one of approve, import, return, revoke"),
        ({"event": "sign"}, "'event' must be one of approve, import, return, revoke"),
        ({"meaning": None}, "approve event without 'meaning'"),
        ({"colour": "red"}, "approve event with unknown field 'colour'"),
        ({"seq": True}, "'seq' must be a whole number from 1"),
        ({"source_sha256": "ABC"}, "'source_sha256' must be a SHA-256 in hex"),
        ({"at": "2026-11-01 09:00"}, "'at' must be a UTC time like 2026-01-31T09:00:00Z"),
        ({"reviewer": ""}, "'reviewer' must be non-empty text"),
        ({"msgstr": [1]}, "'msgstr' must be text or a list of texts"),
        ({"role": "Chief Officer"}, "'role' must be a role's name"),
    ],
)
def test_an_event_of_the_wrong_shape_is_named_at_its_line(
    change: dict[str, object], message: str
) -> None:
    """Written canonically, chained right, and still not an event: the reader says which field."""
    event = {**_first_event(), **change}
    event = {k: v for k, v in event.items() if v is not None}
    text = "".join(f"- {json.dumps(event, ensure_ascii=False, separators=(', ', ': '))}\n")
    problems = read_history(text, "x.yaml", "es", "x").problems
    assert [(p.line, p.message[: len(message)]) for p in problems] == [(1, message)]


def test_audit_verify_prints_the_head_of_every_history(run: Run, tree: Path) -> None:
    shutil.copy(LEDGERS / "valid-history.yaml", tree / X_ES)
    last = (LEDGERS / "valid-history.yaml").read_text(encoding="utf-8").splitlines()[-1]
    head = hashlib.sha256(last[2:].encode("utf-8")).hexdigest()
    result = run("audit", "verify")
    assert f"{X_ES}: 5 event(s), head {head}" in result.output
    assert "locales/es/reviews/esketamine-overview.yaml: 49 event(s), head " in result.output


def test_the_history_is_a_yaml_list_of_json_lines(tmp_path: Path) -> None:
    """What YAML tools read is what the chain hashes, even for characters YAML treats specially."""
    text = "".join(
        "- " + encode({"seq": n, "msgid": odd}) + "\n"
        for n, odd in enumerate(["a\u2028b", "c\x85d", "e\x7ff", "g\ufeffh", 'q"\\', "\t"], 1)
    )
    from_yaml = yaml.safe_load(text)
    from_json = [json.loads(line[2:]) for line in text.splitlines()]
    assert from_yaml == from_json
    assert [e["msgid"] for e in from_json][:2] == ["a\u2028b", "c\x85d"]


def test_a_history_moved_to_another_locale_does_not_verify() -> None:
    text = (LEDGERS / "valid-history.yaml").read_text(encoding="utf-8")
    problems = read_history(text, "pt.yaml", "pt", "x").problems
    assert [(p.line, p.message) for p in problems][:1] == [
        (4, "event 1 belongs to x in es, not to this history (x in pt)")
    ]


def test_events_cut_off_at_the_end_are_found_against_git(run: Run, tree: Path) -> None:
    """A hash chain cannot tell a shorter history from an older one; git can."""
    shutil.copy(LEDGERS / "valid-history.yaml", tree / X_ES)
    git = ["git", "-C", str(tree), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "histories"], check=True)
    lines = (tree / X_ES).read_text(encoding="utf-8").splitlines(keepends=True)
    (tree / X_ES).write_text("".join(lines[:-1]), encoding="utf-8")
    assert f"{X_ES}: 4 event(s)" in run("audit", "verify").output  # alone, it verifies
    result = run("audit", "verify", "--since", "HEAD", code=1)
    assert f"{X_ES}:7: error: event(s) from 5 on were removed since HEAD" in result.output
    edited = "".join(lines).replace("dose wording under clinical review", "no reason")
    (tree / X_ES).write_text(edited, encoding="utf-8")
    result = run("audit", "verify", "--since", "HEAD", code=1)
    assert f"{X_ES}:" in result.output and "edited" in result.output


def test_audit_log_prints_who_did_what_when_and_why(run: Run, tree: Path) -> None:
    shutil.copy(
        LEDGERS / "valid-history.yaml", tree / "locales/es/reviews/esketamine-overview.yaml"
    )
    shutil.copy(LEDGERS / "valid-history.yaml", tree / X_ES)
    result = run("audit", "log", "es", "--page", "x")
    lines = result.output.splitlines()
    assert len(lines) == 5
    assert lines[2].startswith("2026-11-02T10:00:00Z  #3  revoke")
    assert "Dr. Carmen Clínica (fictional)" in lines[2]
    assert "reason: dose wording under clinical review" in lines[2]
    assert "linguistic review: the translation is accurate and complete" in lines[0]


def test_audit_import_carries_every_earlier_approval_over(run: Run, tree: Path) -> None:
    earlier = (
        "locale: es\npage: x\nrecords:\n"
        "- msgid: Safety\n  msgstr: Seguridad\n"
        f"  source_sha256: {hashlib.sha256(b'Safety').hexdigest()}\n"
        f"  translation_sha256: {hashlib.sha256(b'Seguridad').hexdigest()}\n"
        "  translator: T\n  reviewer: Dr. Rosa Revisora (fictional)\n  role: linguistic\n"
        "  reviewed_at: '2026-01-02T03:04:05Z'\n"
    )
    (tree / X_ES).write_text(earlier, encoding="utf-8")
    assert "audit import" in run("audit", "verify", code=1).output
    assert f"imported 1 approval(s) into {X_ES}" in run("audit", "import").output
    events = yaml.safe_load((tree / X_ES).read_text(encoding="utf-8"))
    assert [e["event"] for e in events] == ["import", "approve"]
    assert events[0]["count"] == 1
    assert (events[1]["msgstr"], events[1]["at"], events[1]["reviewer"]) == (
        "Seguridad",
        "2026-01-02T03:04:05Z",
        "Dr. Rosa Revisora (fictional)",
    )
    run("audit", "verify")
    assert run("audit", "import").output == ""  # a history is left alone


def test_every_shipped_history_starts_with_an_import_event(run: Run, tree: Path) -> None:
    histories = sorted((tree / "locales").glob("*/reviews/*.yaml"))
    assert histories
    for path in histories:
        first = yaml.safe_load(path.read_text(encoding="utf-8"))[0]
        assert (first["event"], first["seq"]) == ("import", 1), path
