"""The PO parser, rule by rule: what each construct reads as, and where each error is reported.

Every expectation here follows GNU gettext 0.21 (po-lex.c, po-gram-gen.y, read-catalog*.c);
tests/test_po_check.py asks msgfmt itself about whole files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from service.po.errors import PoError
from service.po.model import Entry
from service.po.parse import canonical_charset, parse, read
from tests import gnu
from tests.test_po_check import CORPUS_FILES, MUTATED_FILES, mutated

# The two readers of parse.py, private on purpose; the tests hold them to each other.
_module = sys.modules["service.po.parse"]

HEADER = b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def only(body: bytes, header: bytes = HEADER) -> Entry:
    """The one message of a file made of the header and `body`."""
    (entry,) = parse(header + body).messages()
    return entry


# (what, PO text of one message, field, value)
VALUES = [
    (
        "simple escapes",
        b'msgid "a"\nmsgstr "\\n\\t\\b\\r\\f\\v\\a\\\\\\""\n',
        "msgstr",
        ('\n\t\b\r\f\v\a\\"',),
    ),
    ("octal takes three digits", b'msgid "a"\nmsgstr "\\1010"\n', "msgstr", ("A0",)),
    ("hex takes every digit, keeps a byte", b'msgid "a"\nmsgstr "\\x4142"\n', "msgstr", ("B",)),
    ("escaped bytes decode together", b'msgid "a"\nmsgstr "\\xc3\\xa9"\n', "msgstr", ("\u00e9",)),
    ("a NUL ends the string", b'msgid "a"\nmsgstr "ab\\0cd" "ef"\n', "msgstr", ("abef",)),
    ("backslash-newline joins lines", b'msgid "a"\nmsgstr "ab\\\ncd"\n', "msgstr", ("abcd",)),
    ("splice inside a keyword", b'msgid "a"\nmsg\\\nstr "b"\n', "msgstr", ("b",)),
    (
        "line separators are characters",
        'msgid "a"\nmsgstr "x\u2028y\u0085z\x1c\x1d\x1e"\n'.encode(),
        "msgstr",
        ("x\u2028y\u0085z\x1c\x1d\x1e",),
    ),
    ("carriage return between tokens", b'msgid "a"\r\nmsgstr "b"\r\n', "msgstr", ("b",)),
    ("tokens on one line", b'msgid "a" msgstr "b" "c"\n', "msgstr", ("bc",)),
    ("strings continue past blank lines", b'msgid "a"\nmsgstr "b"\n\n"c"\n', "msgstr", ("bc",)),
    ("msgid line", b'\n\nmsgid "a"\n\nmsgstr "b"\n', "line", 6),
    ("msgstr line", b'\n\nmsgid "a"\n\nmsgstr "b"\n', "msgstr_line", 8),
    ("empty context is a context", b'msgctxt ""\nmsgid "a"\nmsgstr "b"\n', "msgctxt", ""),
    (
        "plural forms",
        b'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\nmsgstr[1] "bs"\n',
        "msgstr",
        ("b", "bs"),
    ),
    (
        "one space removed",
        b'#  two\n#\tthree\nmsgid "a"\nmsgstr "b"\n',
        "comments",
        (" two", "\tthree"),
    ),
    ("extracted comments", b'#. one\n#.two\nmsgid "a"\nmsgstr "b"\n', "extracted", ("one", "two")),
    (
        "references deduplicated",
        b'#: a.py:1 b.py:2\n#: a.py:1 c.py\nmsgid "a"\nmsgstr "b"\n',
        "references",
        (("a.py", 1), ("b.py", 2), ("c.py", None)),
    ),
    (
        "references with spaces and colons",
        b'#: a.py : 3 b.py: 4 C:\\x.py:5 d.py:6x\nmsgid "a"\nmsgstr "b"\n',
        "references",
        (("a.py", 3), ("b.py", 4), ("C:\\x.py", 5), ("d.py:6x", None)),
    ),
    (
        "Solaris reference",
        b'# File: a.c, line: 3\n# File: b.c, line:4\nmsgid "a"\nmsgstr "b"\n',
        "references",
        (("b.c", 4),),
    ),
    (
        "flags in order, unknown kept",
        b'#, c-format, fuzzy, x-y\nmsgid "a"\nmsgstr "b"\n',
        "flags",
        ("c-format", "fuzzy", "x-y"),
    ),
    (
        "the last flags line wins",
        b'#, fuzzy\n#, python-format\nmsgid "a"\nmsgstr "b"\n',
        "flags",
        ("python-format",),
    ),
    (
        "range is one flag",
        b'#, c-format, range: 1..5\nmsgid "a"\nmsgstr "b"\n',
        "flags",
        ("c-format", "range: 1..5"),
    ),
    ("#! is a flags line", b'#! fuzzy\nmsgid "a"\nmsgstr "b"\n', "flags", ("fuzzy",)),
    (
        "previous context and msgid",
        b'#| msgctxt "c"\n#| msgid "x"\n#| "y"\nmsgid "a"\nmsgstr "b"\n',
        "previous_msgid",
        "xy",
    ),
    (
        "previous plural",
        b'#| msgid "x"\n#| msgid_plural "xs"\nmsgid "a"\nmsgstr "b"\n',
        "previous_msgid_plural",
        "xs",
    ),
    ("obsolete entry", b'#~ msgid "a"\n#~ msgstr "b"\n', "obsolete", True),
    ("obsolete keeps comments", b'# note\n#~ msgid "a"\n#~ msgstr "b"\n', "comments", ("note",)),
    ("undecodable comment byte", b'# x\xff\nmsgid "a"\nmsgstr "b"\n', "comments", ("x\ufffd",)),
]


@pytest.mark.parametrize(("what", "body", "field", "value"), VALUES, ids=[v[0] for v in VALUES])
def test_construct_reads_as_gettext_reads_it(
    what: str, body: bytes, field: str, value: object
) -> None:
    entry = parse(HEADER + body).entries[-1]
    assert getattr(entry, field) == value


# (what, whole file, line of the first error, words of the message)
ERRORS = [
    ("end of line in a string", b'msgid "a\nmsgstr "b"\n', 2, "end of line within a string"),
    ("end of file in a string", b'msgid "a"\nmsgstr "b', 2, "end of file within a string"),
    ("invalid escape", b'msgid "a"\nmsgstr "\\q"\n', 2, "invalid control sequence"),
    ("hex escape without digits", b'msgid "a"\nmsgstr "\\xg"\n', 2, "invalid control sequence"),
    ("unknown keyword", b'msgid "a"\nmsgtr "b"\n', 2, 'keyword "msgtr" unknown'),
    ("stray text", b'msgid "a"\nmsgstr "b"\n<<<\n', 3, "syntax error"),
    ("missing msgstr", b'msgid "a"\n\nmsgid "b"\nmsgstr "c"\n', 1, "missing 'msgstr' section"),
    (
        "missing msgstr[]",
        b'msgid "a"\nmsgid_plural "b"\n\nmsgid "c"\nmsgstr "d"\n',
        1,
        "missing 'msgstr[]'",
    ),
    ("missing msgid_plural", b'msgid "a"\nmsgstr[0] "b"\n', 1, "missing 'msgid_plural'"),
    (
        "plain msgstr on a plural entry",
        b'msgid "a"\nmsgid_plural "b"\nmsgstr "c"\n',
        3,
        "syntax error",
    ),
    ("first index nonzero", b'msgid "a"\nmsgid_plural "b"\nmsgstr[1] "c"\n', 3, "nonzero index"),
    (
        "wrong index",
        b'msgid "a"\nmsgid_plural "b"\nmsgstr[0] "c"\nmsgstr[2] "d"\n',
        4,
        "wrong index",
    ),
    (
        "duplicate",
        b'msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n',
        4,
        "duplicate message definition",
    ),
    (
        "duplicate of obsolete",
        b'msgid "a"\nmsgstr "b"\n#~ msgid "a"\n#~ msgstr "c"\n',
        3,
        "duplicate",
    ),
    ("#~ mixed into an entry", b'msgid "a"\n#~ msgstr "b"\n', 2, "inconsistent use of #~"),
    ("context separator", b'msgid "a"\nmsgstr "b\\004"\n', 2, "context separator"),
    ("raw context separator", b'msgid "a"\nmsgstr "b\x04"\n', 2, "context separator"),
    (
        "keyword in #|",
        b'#| msgid "a"\n#| msgstr "b"\nmsgid "a"\nmsgstr "b"\n',
        2,
        'keyword "msgstr" unknown',
    ),
    ("comment after #|", b'#| msgid "a"\n# x\nmsgid "a"\nmsgstr "b"\n', 3, "syntax error"),
    ("domain directive", b'domain "d"\nmsgid "a"\nmsgstr "b"\n', 1, "'domain d' directive"),
    ("byte order mark", b'\xef\xbb\xbfmsgid "a"\nmsgstr "b"\n', 1, "syntax error"),
    (
        "invalid UTF-8 after the header",
        HEADER + b'msgid "a"\nmsgstr "\xff"\n',
        5,
        "invalid multibyte",
    ),
    (
        "invalid UTF-8 right after '#'",
        HEADER + b'msgid "a"\nmsgstr "b"\n#\xff\nmsgid "c"\nmsgstr "d"\n',
        6,
        "invalid multibyte",
    ),
]


@pytest.mark.parametrize(("what", "data", "line", "words"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_names_file_and_gettexts_line(what: str, data: bytes, line: int, words: str) -> None:
    with pytest.raises(PoError) as caught:
        parse(data, "x.po")
    assert (caught.value.path, caught.value.line) == ("x.po", line)
    assert words in caught.value.message


# (what, whole file): accepted by gettext although they look wrong
ACCEPTED = [
    ("invalid UTF-8 inside a flags line", HEADER + b'#, \xff fuzzy\nmsgid "a"\nmsgstr "b"\n'),
    (
        "invalid UTF-8 before the header",
        b'# \xff\nmsgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n',
    ),
    # gettext reads the token after the header's last string before it switches charsets.
    ("invalid UTF-8 in the comment after the header", HEADER + b'#\xff\nmsgid "a"\nmsgstr "b"\n'),
    ("non-ASCII under charset=CHARSET", 'msgid "a"\nmsgstr "é"\n'.encode()),
    (
        "a duplicate on the line of its first definition",
        b'msgid "a" msgstr "b" msgid "a" msgstr "c"\n',
    ),
    (
        "same msgid in another context",
        b'msgid "a"\nmsgstr "b"\nmsgctxt "c"\nmsgid "a"\nmsgstr "d"\n',
    ),
]


@pytest.mark.parametrize(("what", "data"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_gettext_accepts_it_and_so_do_we(what: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    path.write_bytes(data)
    assert gnu.msgfmt_reads(path)  # GNU msgfmt compiles it (without -c's header checks)
    assert parse(data).entries


def test_big5_trailing_backslash_byte_is_part_of_its_character() -> None:
    # 許 is 0xB3 0x5C in Big5: gettext decodes with iconv, so 0x5C is no escape there.
    header = b'msgid ""\nmsgstr "Content-Type: text/plain; charset=BIG5\\n"\n\n'
    po = parse(header + 'msgid "a"\nmsgstr "許功"\n'.encode("big5"))
    assert (po.charset, po.get("a").msgstr) == ("BIG5", ("許功",))  # type: ignore[union-attr]


def test_read_names_the_label_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    path.write_bytes(b'msgid "a"\n')
    with pytest.raises(PoError, match=r"^locales/es\.po:1: missing 'msgstr' section$"):
        read(path, "locales/es.po")


@pytest.mark.parametrize(
    ("name", "canonical"), [("utf-8", "UTF-8"), ("iso_8859-15", "ISO-8859-15"), ("latin1", None)]
)
def test_canonical_charset(name: str, canonical: str | None) -> None:
    assert canonical_charset(name) == canonical


# The corpus files the fast path leaves to the general reader, by design, and why.
FAST_PATH_DECLINES = {
    "fi_BUGGY_messages.po": "no header",
    "vim-new.pot": "charset=CHARSET: no charset gettext decodes in, read byte by byte",
    "zh_TW.po": "Big5 with a line join before the header, which gettext reads byte by byte",
    "ja.sjis.po": "an error (gettext reads a second byte 0x5C as an escape), which it reports",
    "ko.po": "comments between an entry's lines, where msgcat writes them first",
    "searxng": "a duplicate message definition (msgfmt -c rejects every SearXNG catalog for it), "
    "which the general reader reports",
}


@pytest.mark.slow
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_path_reads_each_corpus_file_as_the_general_parser_does(path: Path) -> None:
    data = path.read_bytes()
    fast = _module._parse_fast(data, str(path))
    if path.name not in FAST_PATH_DECLINES and path.parent.name not in FAST_PATH_DECLINES:
        assert fast is not None, "the fast path gave up on a canonical file"
    assert fast is None or fast == _module._parse_general(data, str(path))


MUTATIONS = [
    pytest.param(source, name, id=f"{source.name}:{name}")
    for source in MUTATED_FILES[:2]
    for name in mutated(source)
]


@pytest.mark.slow
@pytest.mark.parametrize(("source", "name"), MUTATIONS)
def test_fast_path_reads_each_mutation_as_the_general_parser_does(source: Path, name: str) -> None:
    data = mutated(source)[name]
    fast = _module._parse_fast(data, "x.po")
    if fast is not None:
        assert fast == _module._parse_general(data, "x.po")


def test_statistics_of_a_catalog_with_fuzzy_and_plural_entries() -> None:
    path = gnu.corpus("po", "babel", "de_messages.po")
    stats = read(path).statistics()
    assert (stats.translated, stats.fuzzy, stats.untranslated) == gnu.msgfmt_statistics(path)
