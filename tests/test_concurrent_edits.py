"""Two writers of one catalog at once: a command that edits a `.po` (update, send-back, an XLIFF
import) and a translator's save (or another command) landing between the command's read and its
write. Nothing either of them wrote may be lost: the command notices the file changed, makes its
edit again from what is there now, and writes only then."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import service.catalogs.catalog
import service.review.sendback
import service.site.xliff
from service.catalogs.catalog import read_po
from service.core.errors import ChangedMeanwhile
from service.core.yamlfile import edit_file

from .conftest import Run

PAGE = "esketamine-overview"
CATALOG = f"locales/es/LC_MESSAGES/{PAGE}.po"
ROSA = ("--reviewer", "Dr. Rosa Revisora (fictional)")
TRANSLATOR = "Ana Agencia <ana@agency.example>"
# the translator's save: a msgstr of the shipped Spanish catalog, reworded
THEIRS = ("Para qué se usa", "Para qué se utiliza")


def _translator_saves(po: Path) -> None:
    data = po.read_bytes()
    assert THEIRS[0].encode() in data
    po.write_bytes(data.replace(THEIRS[0].encode(), THEIRS[1].encode(), 1))


def _once(function: Callable[..., Any], po: Path) -> Callable[..., Any]:
    """`function`, which lets the translator save `po` right after its first call: after the
    command read the catalog and worked out its edit, before it writes it."""
    calls = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if not calls:
            calls.append(1)
            _translator_saves(po)
        return result

    return wrapped


def _update(run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`update` after the English gained a paragraph; its merge is where the save lands."""
    page = tree / "source_content" / "pages" / f"{PAGE}.md"
    page.write_text(page.read_text() + "\nA paragraph the English just gained.\n")
    run("extract")
    module = service.catalogs.catalog
    monkeypatch.setattr(module, "merged_catalog", _once(module.merged_catalog, tree / CATALOG))
    run("update")
    entry = read_po(tree / CATALOG).get("A paragraph the English just gained.")
    assert entry is not None, "update's merge is lost"
    return "new entry"


def _send_back(run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    po = tree / CATALOG  # a description waiting for its review, which the reviewer sends back
    po.write_bytes(
        po.read_bytes().replace(
            "Qué es la ketamina".encode(), "Qué es (draft) la ketamina".encode(), 1
        )
    )
    out = run("review", "pending", "es", "--page", PAGE).output
    ident = next(line.split(" · ")[1] for line in out.splitlines() if "· description" in line)
    module = service.review.sendback
    wrapped = _once(module.with_translator_comment, tree / CATALOG)
    monkeypatch.setattr(module, "with_translator_comment", wrapped)
    comment = "Please check the brand name."
    run("review", "send-back", "es", "--page", PAGE, "--id", ident, *ROSA, "--comment", comment)
    assert comment in (tree / CATALOG).read_text(), "the reviewer's note is lost"
    return "note"


def _xliff_import(run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    out = tree / "es.xlf"
    run("xliff", "export", "es", "--page", PAGE, "-o", str(out))
    text = out.read_text()
    old = '<target state="signed-off">Qué es la ketamina isómero S</target>'
    assert old in text
    out.write_text(text.replace(old, old.replace("la ketamina", "la ketamina de"), 1))
    module = service.site.xliff
    monkeypatch.setattr(module, "apply_units", _once(module.apply_units, tree / CATALOG))
    run("xliff", "import", str(out), "--translator", TRANSLATOR)
    entry = read_po(tree / CATALOG).get("What S-isomer ketamine is")
    assert entry is not None and entry.msgstr == ("Qué es la ketamina de isómero S",)
    return "imported unit"


def _po_format(run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    po = tree / CATALOG
    po.write_bytes(po.read_bytes().replace(b"\n\n", b"\n\n\n", 1))  # something to lay out
    module = service.catalogs.catalog
    monkeypatch.setattr(module, "format_data", _once(module.format_data, po))
    run("po", "format", "-i", str(po))
    assert b"\n\n\n" not in po.read_bytes(), "the layout is lost"
    return "layout"


def _po_merge(run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    po, pot = tree / CATALOG, tree / "locales" / "templates" / f"{PAGE}.pot"
    pot.write_bytes(pot.read_bytes() + b'\nmsgid "A text the template just gained."\nmsgstr ""\n')
    module = service.catalogs.catalog
    monkeypatch.setattr(module, "merge_files", _once(module.merge_files, po))
    run("po", "merge", str(po), str(pot), "-o", str(po))
    assert read_po(po).get("A text the template just gained.") is not None, "the merge is lost"
    return "merged entry"


WRITERS = {
    "update": _update,
    "send-back": _send_back,
    "xliff import": _xliff_import,
    "po format -i": _po_format,
    "po merge -o": _po_merge,
}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_save_between_read_and_write_is_kept_and_so_is_the_commands_edit(
    writer: str, run: Run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    WRITERS[writer](run, tree, monkeypatch)
    entry = read_po(tree / CATALOG).get("What it is used for")
    assert entry is not None and entry.msgstr == (THEIRS[1],), "the translator's save is lost"


def test_many_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    """Threads adding a line each to one file, many times, all at once: every edit that returned
    is in the file; the others said so (`ChangedMeanwhile`), none vanished silently."""
    path = tmp_path / "shared.txt"
    path.write_bytes(b"")
    landed: list[bytes] = []
    refused: list[bytes] = []
    lock = threading.Lock()

    def writer(name: int) -> None:
        for i in range(40):
            line = f"{name}-{i}\n".encode()

            def edit(line: bytes = line) -> tuple[bytes, bytes, None]:
                read = path.read_bytes()
                return read, read + line, None

            try:
                edit_file(path, edit)
                with lock:
                    landed.append(line)
            except ChangedMeanwhile:
                with lock:
                    refused.append(line)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_bytes().splitlines(keepends=True)
    assert sorted(lines) == sorted(landed)
    assert len(landed) + len(refused) == 160
    assert landed  # how many land depends on the machine's load; the retry rule is tested below


@pytest.mark.parametrize(
    ("interruptions", "lands"),
    [(0, True), (1, True), (2, True), (3, False), (5, False)],
)
def test_an_edit_is_made_again_from_what_is_there_up_to_three_times(
    tmp_path: Path, interruptions: int, lands: bool
) -> None:
    """Another writer saves between the read and the write of the first `interruptions` tries:
    the edit is made again from what that writer left, three tries in all, then
    `ChangedMeanwhile`; their save is never lost."""
    path = tmp_path / "shared.txt"
    path.write_bytes(b"")
    tries = 0

    def edit() -> tuple[bytes, bytes, int]:
        nonlocal tries
        tries += 1
        read = path.read_bytes()
        if tries <= interruptions:  # their save lands after our read
            path.write_bytes(read + f"theirs-{tries}\n".encode())
        return read, read + b"ours\n", tries

    theirs = [f"theirs-{n}".encode() for n in range(1, min(interruptions, 3) + 1)]
    if lands:
        assert edit_file(path, edit) == (True, interruptions + 1)
        assert path.read_bytes().splitlines() == [*theirs, b"ours"]
    else:
        with pytest.raises(ChangedMeanwhile):
            edit_file(path, edit)
        assert tries == 3
        assert path.read_bytes().splitlines() == theirs


# (Poedit changes the catalog after the export, the CAT tool changes the unit, the unit keeps the
# export's record of the text) → the catalog's msgstr afterwards, and the import's verdict. A unit
# without the record is judged two-way, as documented (README, `xliff import --help`): the tool's
# text is taken over the catalog's, and the report says how many units came without it.
HEADING = "What it is used for"
CAT = "Para qué sirve"
THREE_WAY = {
    "only the catalog changed": (True, False, True, THEIRS[1], "unchanged"),
    "both changed": (True, True, True, THEIRS[1], "refused"),
    "only the CAT tool changed": (False, True, True, CAT, "took"),
    "both changed, no record: the documented two-way fallback takes the tool's text": (
        True,
        True,
        False,
        CAT,
        "took",
    ),
}


@pytest.mark.parametrize("case", THREE_WAY)
def test_an_import_keeps_what_the_catalog_changed_since_the_export(
    case: str, run: Run, tree: Path
) -> None:
    poedit, cat, record, expected, verdict = THREE_WAY[case]
    out = tree / "es.xlf"
    run("xliff", "export", "es", "--page", PAGE, "-o", str(out))
    text = out.read_text()
    target = f'<target state="signed-off">{THEIRS[0]}</target>'
    assert text.count(target) == 1 and text.count("x-exported-sha256") > 20
    if cat:
        text = text.replace(target, target.replace(THEIRS[0], CAT))
    if not record:  # a tool that keeps no context-group it does not know
        text = re.sub(r'\s*<context context-type="x-exported-sha256">[0-9a-f]+</context>', "", text)
    out.write_text(text)
    if poedit:
        _translator_saves(tree / CATALOG)
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR, code=None)
    ident = re.search(rf'<trans-unit id="([^"]+)"[^>]*>\s*<source>{HEADING}</source>', text)
    assert ident is not None
    said = [x for x in result.output.splitlines() if f"{ident.group(1)} (line" in x]
    entry = read_po(tree / CATALOG).get(HEADING)
    assert entry is not None and entry.msgstr == (expected,)
    if verdict == "refused":
        assert result.exit_code == 1 and len(said) == 1
        assert "refused" in said[0] and "since the export" in said[0]
    elif verdict == "took":
        assert result.exit_code == 0 and len(said) == 1 and "took" in said[0]
    else:  # not one of the lines the import prints: it counts it among the unchanged
        assert result.exit_code == 0 and not said and "0 taken" in result.output
    unrecorded = re.findall(
        r"^locales/es/LC_MESSAGES/[\w-]+\.po: (\d+) unit\(s\) carried no export record "
        r"\(x-exported-sha256\): for those the tool's text replaced whatever the catalog had",
        result.output,
        re.M,
    )
    with_text = len(re.findall(r"<target[^>]*>[^<]", text))  # units the tool gave a text
    assert unrecorded == ([] if record else [str(with_text)])
