"""The PO writer against GNU msgcat: every expected byte comes from `msgcat --width=N FILE`.

Each case reads a file with our parser, writes it with our writer and compares with msgcat; then
msgcat's own output must come back unchanged (a catalog Poedit saved is never churned).
The small files under tests/data/po/format/ each exercise one rule of gettext's writer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.po.errors import PoError
from service.po.model import Entry, PoFile
from service.po.parse import parse
from service.po.write import write
from tests import gnu

DATA = Path(__file__).parent / "data" / "po" / "format"


def _corpus() -> list[Path]:
    po, merge = gnu.corpus("po"), gnu.corpus("merge")
    return [
        *sorted(po.glob("sphinx/*.po")),
        po / "sphinx" / "sphinx.pot",
        *sorted(po.glob("babel/*")),
        *(
            path
            for name in ("searxng", "django-localflavor", "poedit")
            for path in sorted(po.glob(f"{name}/*.po"))
        ),
        *sorted(merge.glob("*/*.po")),
        *sorted(merge.glob("*/*.pot")),
    ]


def _shipped() -> list[Path]:
    return [
        *sorted(gnu.REPO.glob("locales/**/*.po")),
        *sorted(gnu.REPO.glob("locales/templates/*.pot")),
    ]


def _id(path: Path) -> str:
    for root in (gnu.CORPUS, gnu.REPO):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def assert_written_as_msgcat(path: Path, width: int = 79, force_po: bool = False) -> None:
    expected = gnu.msgcat(path, width, force_po)
    written = write(parse(path.read_bytes(), str(path)), width)
    if written != expected:  # a line diff first: it says where, the bytes then say exactly
        assert written.decode("latin-1").split("\n") == expected.decode("latin-1").split("\n")
    assert written == expected
    assert write(parse(expected, str(path)), width) == expected, "msgcat's output is not kept"


# msgfmt -c rejects these (the corpus README says so: three, and SearXNG's, each with a message
# defined twice); what is no catalog is not written.
REJECTED = {"sphinx/el.po", "sphinx/fa.po", "babel/fi_BUGGY_messages.po"} | {
    f"searxng/{name}.po" for name in ("ar", "he", "ja", "ru", "zh_Hans_CN")
}
# ...and Vim's template, for its placeholder `nplurals=INTEGER`; msgcat writes it all the same,
# and so it stays in the round trip.
TEMPLATE_REJECTED = {"merge/vim-e978b453/vim-new.pot"}


def test_msgfmt_rejects_only_the_corpus_files_left_out_of_the_round_trip() -> None:
    rejected = {_id(p) for p in _corpus() if not gnu.msgfmt_check(p).accepted}
    assert rejected == {f"po/{name}" for name in REJECTED} | TEMPLATE_REJECTED


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", [p for p in _corpus() if _id(p).removeprefix("po/") not in REJECTED], ids=_id
)
def test_corpus_file_is_written_as_msgcat_writes_it(path: Path) -> None:
    assert_written_as_msgcat(path)


# Vim's catalogs in legacy charsets (tests/corpus/po/vim/): the file and the charset= its header
# declares, read here from the file's own bytes (the judge of what the test is about).
LEGACY = [
    ("zh_TW.po", "BIG5"),  # 34 characters with a second byte 0x5C, a comment line ending in one
    ("zh_CN.cp936.po", "GBK"),
    ("ja.euc-jp.po", "EUC-JP"),
    ("ko.po", "EUC-KR"),
    ("cs.cp1250.po", "CP1250"),
    ("ru.cp1251.po", "CP1251"),
]


@pytest.mark.parametrize(("name", "charset"), LEGACY, ids=[name for name, _ in LEGACY])
def test_legacy_charset_catalog_is_written_as_msgcat_writes_it(name: str, charset: str) -> None:
    path = gnu.corpus("po", "vim", name)
    declared = re.search(rb"charset=([-\w]+)", path.read_bytes())
    assert declared is not None and declared.group(1).decode() == charset
    assert_written_as_msgcat(path)


def test_shift_jis_catalog_gettext_cannot_read_is_refused_at_its_line() -> None:
    """Vim's ja.sjis.po declares CP932: gettext 0.21 takes a second byte 0x5C in a string for
    the start of an escape ("invalid control sequence") and msgcat writes nothing; we refuse
    the file at the same line."""
    path = gnu.corpus("po", "vim", "ja.sjis.po")
    with pytest.raises(RuntimeError) as theirs:
        gnu.msgcat(path)
    with pytest.raises(PoError) as ours:
        parse(path.read_bytes(), str(path))
    first = re.search(rf"{re.escape(str(path))}:(\d+):", str(theirs.value))
    assert first is not None and ours.value.line == int(first.group(1))


@pytest.mark.parametrize("path", _shipped(), ids=_id)
def test_shipped_catalog_is_written_as_msgcat_writes_it(path: Path) -> None:
    assert_written_as_msgcat(path)


# One rule of write-po.c each; the file's name says which, its content shows how.
RULES = [
    ("long-cjk-line", "wide characters count two columns; CJK breaks between ideographs"),
    ("ambiguous-width-utf8", "Greek and symbols of ambiguous width count one column in UTF-8"),
    ("euc-jp-charset", "…but two in a CJK encoding, and the file is written in EUC-JP"),
    ("latin1-charset", "a non-UTF-8 file is written in its own charset"),
    (
        "big5-backslash-second-byte",
        "Big5 characters whose second byte is '\\' wrap as characters; before the header (and "
        "in the comment read ahead of its end) that byte before a newline joins two lines",
    ),
    ("word-longer-than-width", "an unbreakable word overflows; 79 columns fit, 80 wrap"),
    ("embedded-newlines", 'split after every \\n, in the middle and at the end; msgid "" first'),
    ("escapes-and-controls", 'C escapes for \\a\\b\\f\\n\\r\\t\\v \\\\ \\", raw control bytes'),
    ("no-wrap", "no-wrap strings are split only after \\n, previous msgid included"),
    ("previous-msgid-multiline", "#| msgctxt/msgid/msgid_plural wrap three columns narrower"),
    ("obsolete", "#~ entries last, #~| previous, untranslated ones dropped, no range"),
    ("long-references", "#: lines fill up to 79 bytes, ./ dropped, duplicates once"),
    ("flags", "fuzzy, formats in gettext's order, range, no-wrap; last contrary flag wins"),
    ("format-directives", "no break inside c/python directives; python-brace's 0.21 quirk"),
    ("format-languages", "the same for every ported language, where it changes a break"),
    ("plurals", "msgid_plural and msgstr[N]; msgctxt, the empty one included"),
    ("comments", "# and #. comments, empty ones without a trailing space"),
    ("header-only", "a catalog that is only its (fuzzy) header: written, as with --force-po"),
    ("no-header", "no header: ASCII, wrapped like any other"),
    ("empty", "an empty file writes nothing"),
]


@pytest.mark.parametrize(("name", "rule"), RULES, ids=[name for name, _ in RULES])
def test_rule_is_written_as_msgcat_writes_it(name: str, rule: str) -> None:
    # Plain msgcat writes no file for a catalog without messages; we write what --force-po
    # writes, the header, which is what a caller of write() wants on disk.
    assert_written_as_msgcat(DATA / f"{name}.po", force_po=name == "header-only")


@pytest.mark.parametrize("width", [40, 60, 100, 200])
@pytest.mark.parametrize("name", ["long-cjk-line", "long-references", "previous-msgid-multiline"])
def test_other_widths_are_written_as_msgcat_writes_them(name: str, width: int) -> None:
    assert_written_as_msgcat(DATA / f"{name}.po", width)


# Our one deliberate difference from msgcat, which drops flags it does not know.
UNKNOWN_FLAGS = [
    ("#, read-only", "#, read-only"),
    ("#, max-length:80, fuzzy, python-format", "#, fuzzy, python-format, max-length:80"),
    ("#, c-format, read-only, wrap, max-length:80", "#, c-format, read-only, max-length:80"),
    ("#, fuzzy, ignore-end, c-format", "#, fuzzy, c-format, ignore-end"),
]


@pytest.mark.parametrize(("flags", "expected"), UNKNOWN_FLAGS)
def test_unknown_flags_are_kept_after_the_known_ones(flags: str, expected: str) -> None:
    catalog = f'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n{flags}\nmsgid "x"\nmsgstr "y"\n'
    written = write(parse(catalog.encode())).decode()
    assert written.split("\n")[3] == expected


def test_a_character_the_charset_lacks_names_the_file_and_entry() -> None:
    header = Entry("", ("Content-Type: text/plain; charset=ISO-8859-1\n",))
    entry = Entry("Take with food", ("饭后服用",), line=7)
    with pytest.raises(PoError) as raised:
        write(PoFile((header, entry), path="zh.po", charset="ISO-8859-1"))
    assert str(raised.value).startswith("zh.po:7: ")
