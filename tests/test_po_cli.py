"""`clinic-l10n po check|stats|merge|format`: a translator's pre-flight on any gettext file, judged
file by file by the GNU tool it stands in for (the corpus-wide conformance is in test_po_*.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import cli

from . import gnu
from .conftest import DATA, REPO

ES_PAGE = REPO / "locales/es/LC_MESSAGES/esketamine-overview.po"
SAMPLES = [
    ES_PAGE,
    REPO / "locales/ar/LC_MESSAGES/ui.po",
    DATA / "po" / "same-msgid-two-contexts.po",
    gnu.corpus("po", "sphinx", "ar.po"),
    gnu.corpus("po", "sphinx", "el.po"),
    gnu.corpus("po", "sphinx", "ja.po"),
    gnu.corpus("po", "babel", "fi_BUGGY_messages.po"),
    DATA / "po" / "unterminated-string.po",
    DATA / "po" / "duplicate-msgid.po",
]


def po(*args: str) -> tuple[int, str, bytes]:
    result = CliRunner().invoke(cli, ["po", *args], catch_exceptions=False)
    return result.exit_code, result.output, result.stdout_bytes


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_po_check_accepts_and_rejects_as_msgfmt_does(path: Path) -> None:
    judged = gnu.msgfmt_check(path)
    code, output, _ = po("check", str(path))
    assert (code == 0) == judged.accepted, (output, judged.output)
    if not judged.accepted and judged.line:
        assert f"{path}:{judged.line}: error: " in output


@pytest.mark.parametrize(
    "path", [p for p in SAMPLES if gnu.msgfmt_check(p).accepted], ids=lambda p: p.name
)
def test_po_stats_counts_as_msgfmt_statistics(path: Path) -> None:
    code, output, _ = po("stats", "--format", "json", str(path))
    assert code == 0, output
    (row,) = json.loads(output)["files"]
    assert (row["translated"], row["fuzzy"], row["untranslated"]) == gnu.msgfmt_statistics(path)
    assert row["total"] == sum(gnu.msgfmt_statistics(path))


@pytest.mark.parametrize(
    "path", [p for p in SAMPLES if gnu.msgfmt_check(p).accepted], ids=lambda p: p.name
)
def test_po_format_writes_what_msgcat_writes(path: Path) -> None:
    code, output, data = po("format", str(path))
    assert code == 0, output
    assert data == gnu.msgcat(path)


def test_po_format_in_place_leaves_a_gnu_written_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "ar.po"
    target.write_bytes(gnu.msgcat(gnu.corpus("po", "sphinx", "ar.po")))
    before = target.stat().st_mtime_ns
    code, output, _ = po("format", "--in-place", str(target))
    assert code == 0 and "unchanged" in output
    assert target.stat().st_mtime_ns == before


def test_po_merge_writes_what_msgmerge_previous_writes(tmp_path: Path) -> None:
    """A page whose paragraph changed by one word: one fuzzy entry with the old English."""
    template = REPO / "locales/templates/esketamine-overview.pot"
    changed = tmp_path / "changed.pot"
    text = template.read_text(encoding="utf-8")
    assert '"Safety"' in text
    changed.write_text(text.replace('msgid "Safety"', 'msgid "Safety notes"'), encoding="utf-8")
    old = tmp_path / "old.po"
    shutil.copy(ES_PAGE, old)
    out = tmp_path / "out.po"
    code, output, _ = po("merge", str(old), str(changed), "-o", str(out))
    assert code == 0, output
    assert out.read_bytes() == gnu.msgmerge(old, changed)
    assert '#| msgid "Safety"\nmsgid "Safety notes"' in out.read_text(encoding="utf-8")


def test_po_commands_name_an_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.po"
    code, output, _ = po("stats", str(missing))
    assert code != 0 and str(missing) in output
