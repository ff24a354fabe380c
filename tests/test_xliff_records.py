"""What an XLIFF import learns from the export's records and the tool's notes: the record of the
entry's state (msgstr and fuzzy flag) keeps a translator's change of the fuzzy flag since the
export; the record of the English catches a plural's English that changed where the unit shows
only one form (zh, vi); a translator note written in the tool becomes a `#` comment and voids no
approval; a DOCTYPE is reported at its own line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from service.catalogs.catalog import read_po
from service.catalogs.xliff import read_xliff
from service.core.errors import CatalogError
from service.po import Entry

from .conftest import Run, replace_in

PAGE = "esketamine-overview"
CATALOG = f"locales/es/LC_MESSAGES/{PAGE}.po"
TRANSLATOR = "Ana Agencia <ana@agency.example>"
HEADING = "What it is used for"
MSGSTR = "Para qué se usa"  # the shipped, approved Spanish of HEADING
NS = "{urn:oasis:names:tc:xliff:document:1.2}"


def _unit(doc: etree._ElementTree, source: str) -> etree._Element:
    for unit in doc.getroot().iter(f"{NS}trans-unit"):
        if unit.findtext(f"{NS}source") == source:
            return unit
    raise AssertionError(source)


def _fuzzy_in_catalog(po: Path, fuzzy: bool) -> None:
    plain, flagged = f'msgid "{HEADING}"', f'#, fuzzy\nmsgid "{HEADING}"'
    replace_in(po, *((plain, flagged) if fuzzy else (flagged, plain)))


def _said(output: str, uid: str) -> list[str]:
    return [line for line in output.splitlines() if f": {uid} (line" in line]


# (fuzzy at the export, fuzzy in the catalog at the import, the tool's target or "" to leave the
# text as exported, the tool's state) → (the verdict printed or "" for unchanged, fuzzy after).
# The catalog's text never changes here: only its fuzzy flag (a translator in Poedit).
FUZZY = {
    "fuzzy removed in the catalog, unit untouched": (
        True, False, "", "needs-review-translation", "", False,
    ),
    "fuzzy removed in the catalog, the tool confirmed it too": (
        True, False, "", "translated", "", False,
    ),
    "fuzzy added in the catalog, unit untouched": (False, True, "", "signed-off", "", True),
    "fuzzy added in the catalog, the tool marks it for review too": (
        False, True, "", "needs-review-translation", "", True,
    ),
    "fuzzy removed in the catalog, the tool changed the text": (
        True, False, "Para qué sirve", "translated", "refused", False,
    ),
    "nothing changed in the catalog, the tool confirmed it": (
        True, True, "", "translated", "took", False,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", FUZZY)
def test_the_record_covers_the_fuzzy_flag(case: str, run: Run, tree: Path) -> None:
    at_export, at_import, target, state, verdict, fuzzy_after = FUZZY[case]
    po = tree / CATALOG
    if at_export:
        _fuzzy_in_catalog(po, True)
    out = tree.parent / "es.xlf"
    run("xliff", "export", "es", "--page", PAGE, "-o", str(out))
    doc = etree.parse(str(out))
    unit = _unit(doc, HEADING)
    element = unit.find(f"{NS}target")
    element.set("state", state)
    element.text = target or element.text
    doc.write(str(out), xml_declaration=True, encoding="UTF-8")
    if at_export != at_import:
        _fuzzy_in_catalog(po, at_import)
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR, code=None)
    said = _said(result.output, str(unit.get("id")))
    entry = read_po(po).get(HEADING)
    assert entry is not None and entry.msgstr == (MSGSTR,) and entry.fuzzy == fuzzy_after
    if verdict:
        assert len(said) == 1 and f": {verdict}: " in said[0]
        assert result.exit_code == (1 if verdict == "refused" else 0)
    else:
        assert not said and result.exit_code == 0 and " 0 taken" in result.output


PLURAL_ID = "fallback-some"
PLURAL_NEW = "because their translations are not reviewed yet."
# (locale, the targets the tool writes, or () to leave the unit as exported): the locale's
# Plural-Forms gives zh-Hans and vi one form (the unit shows msgid alone), es two.
PLURALS = {
    "zh-Hans": (),
    "vi": ("{count} phần của trang này hiển thị bằng tiếng Anh vì bản dịch chưa được duyệt.",),
    "es": (
        "{count} parte de esta página se muestra en inglés porque su traducción no se ha revisado.",
        "{count} partes de esta página se muestran en inglés porque su traducción no se ha revisado.",
    ),
}


def _change_plural_english(run: Run, tree: Path) -> None:
    """The plural's English changed (msgid_plural only: msgid, and so the unit's id, stays), and
    the catalogs updated."""
    old = "because their translation has not been reviewed yet."
    replace_in(tree / "source_content" / "ui.yaml", old, PLURAL_NEW)
    run("extract")
    run("update")


@pytest.mark.parametrize("english_changed", [True, False])
@pytest.mark.parametrize("locale", PLURALS)
def test_a_plurals_english_changed_since_the_export_is_refused(
    run: Run, tree: Path, locale: str, english_changed: bool
) -> None:
    out = tree.parent / f"{locale}.xlf"
    run("xliff", "export", locale, "--page", "ui", "-o", str(out))
    doc = etree.parse(str(out))
    group = next(g for g in doc.getroot().iter(f"{NS}group") if g.get("id") == PLURAL_ID)
    for form, text in zip(group.iter(f"{NS}target"), PLURALS[locale], strict=False):
        form.text, form.attrib["state"] = text, "translated"
    doc.write(str(out), xml_declaration=True, encoding="UTF-8")
    if english_changed:
        _change_plural_english(run, tree)
    catalog = tree / "locales" / locale.replace("-", "_") / "LC_MESSAGES" / "ui.po"
    before = catalog.read_bytes()
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR, code=None)
    said = _said(result.output, PLURAL_ID)
    if english_changed:
        assert result.exit_code == 1 and len(said) == 1
        assert "refused: source changed since export" in said[0] and PLURAL_NEW in said[0]
        assert catalog.read_bytes() == before
    else:
        assert result.exit_code == 0
        if PLURALS[locale]:  # the tool's translation is taken
            assert len(said) == 1 and "took: translated" in said[0]
        else:  # left as exported: counted as unchanged, not printed
            assert said == [] and catalog.read_bytes() == before


# (note written in the tool, the comments the entry then has, the import's verdict on the unit)
NOTES = {
    "a new note": ("Checked with the client's glossary.", ("Checked with the client's glossary.",)),
    "a note over lines": ("Term agreed\n   with  the\tclient.", ("Term agreed with the client.",)),
    "a blank note": ("  \n ", ()),
}


@pytest.mark.parametrize("case", NOTES)
@pytest.mark.parametrize("text_changed", [False, True])
def test_a_translator_note_becomes_a_comment_and_voids_no_approval(
    case: str, text_changed: bool, run: Run, tree: Path
) -> None:
    note, comments = NOTES[case]
    po = tree / CATALOG
    replace_in(po, f'msgid "{HEADING}"', f'# Already said.\nmsgid "{HEADING}"')
    out = tree.parent / "es.xlf"
    run("xliff", "export", "es", "--page", PAGE, "-o", str(out))
    doc = etree.parse(str(out))
    unit = _unit(doc, HEADING)
    uid = str(unit.get("id"))
    etree.SubElement(unit, f"{NS}note", {"from": "translator"}).text = note
    # the comment the export carried, as a tool may give it back (white space changed)
    etree.SubElement(unit, f"{NS}note", {"from": "translator"}).text = " Already\nsaid. "
    if text_changed:
        unit.find(f"{NS}target").text = "Para qué sirve"
    doc.write(str(out), xml_declaration=True, encoding="UTF-8")
    before = po.read_bytes()
    coverage = json.loads(run("coverage", "--format", "json").output)
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR)
    entry = read_po(po).get(HEADING)
    assert entry is not None and entry.comments == ("Already said.", *comments)
    assert entry.msgstr == ("Para qué sirve" if text_changed else MSGSTR,)
    added = [x for x in _said(result.output, uid) if "note added as a translator comment" in x]
    assert [x.split("comment: ", 1)[1] for x in added] == list(comments)
    if not comments and not text_changed:
        assert po.read_bytes() == before
    if not text_changed:  # approvals bind the text: a comment voids none
        assert json.loads(run("coverage", "--format", "json").output) == coverage


def test_a_note_on_a_refused_unit_is_not_added(run: Run, tree: Path) -> None:
    po = tree / CATALOG
    out = tree.parent / "es.xlf"
    run("xliff", "export", "es", "--page", PAGE, "-o", str(out))
    doc = etree.parse(str(out))
    unit = _unit(doc, HEADING)
    unit.find(f"{NS}target").text = "Para qué sirve {dose}"  # a placeholder the English lacks
    etree.SubElement(unit, f"{NS}note", {"from": "translator"}).text = "A note."
    doc.write(str(out), xml_declaration=True, encoding="UTF-8")
    before = po.read_bytes()
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR, code=1)
    assert "refused" in "".join(_said(result.output, str(unit.get("id"))))
    assert "note added" not in result.output and po.read_bytes() == before


XLIFF = (
    b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">'
    b'<file original="x.po" source-language="en" target-language="es" datatype="po">'
    b"<body/></file></xliff>"
)
DOCTYPE = b'<!DOCTYPE xliff [<!ENTITY a "x">]>'
# (the document, the line its DOCTYPE is on)
DOCTYPES = [
    (DOCTYPE + XLIFF, 1),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n' + DOCTYPE + b"\n" + XLIFF, 2),
    (b'<?xml version="1.0"?>\n<!-- a <!DOCTYPE in a comment\n-->\n\n' + DOCTYPE + XLIFF, 5),
]


@pytest.mark.parametrize(("data", "line"), DOCTYPES)
def test_a_doctype_is_reported_at_its_line(data: bytes, line: int) -> None:
    with pytest.raises(CatalogError, match="a DOCTYPE is not accepted") as caught:
        read_xliff(data, "tool.xlf")
    assert caught.value.line == line
    assert re.fullmatch(rf"tool\.xlf:{line}: .*", str(caught.value))


@pytest.mark.parametrize(
    ("entry", "forms"),
    [
        (Entry("One pill"), ("One pill",)),
        (Entry("One pill", msgid_plural="{n} pills"), ("One pill", "{n} pills")),
        (Entry("One pill", msgctxt="dose", msgid_plural=""), ("One pill", "")),
    ],
)
def test_an_entrys_source_forms_are_its_english(entry: Entry, forms: tuple[str, ...]) -> None:
    assert entry.source_forms == forms


@pytest.mark.parametrize("english_changed", [False, True])
def test_a_note_on_an_untranslated_unit_whose_english_changed_is_not_added(
    run: Run, tree: Path, english_changed: bool
) -> None:
    """A unit left without a translation is skipped; its note is added as a comment, unless its
    English changed since the export (the unit's id stays: a plural's msgid_plural changed), when
    the note may be about the old English: nothing is written."""
    out = tree.parent / "es.xlf"
    run("xliff", "export", "es", "--page", "ui", "-o", str(out))
    doc = etree.parse(str(out))
    group = next(g for g in doc.getroot().iter(f"{NS}group") if g.get("id") == PLURAL_ID)
    for form in group.iter(f"{NS}target"):
        form.text = ""
    etree.SubElement(group, f"{NS}note", {"from": "translator"}).text = "About the plural."
    doc.write(str(out), xml_declaration=True, encoding="UTF-8")
    if english_changed:
        _change_plural_english(run, tree)
    catalog = tree / "locales" / "es" / "LC_MESSAGES" / "ui.po"
    before = catalog.read_bytes()
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR, code=None)
    added = "About the plural." in catalog.read_text(encoding="utf-8")
    assert added is not english_changed, result.output
    if english_changed:
        assert catalog.read_bytes() == before
