"""Read a PO or POT file into the one model, as strictly as GNU msgfmt reads it.

This is the first stage of the catalog layer: bytes in, `PoFile` out, or a `PoError` naming the
file and the line msgfmt would name for the first error. Here the charset is found, as gettext
finds it; two readers do the rest: the fast path (`fastparse`) for files laid out canonically, and
the general reader (`grammar`, over `lexer`), a port of gettext 0.21's po-lex.c and po-gram-gen.y,
for any other file and for every error.
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

from . import fastparse, grammar
from .lexer import BACKSLASH_SECOND, Lexer
from .model import PoFile

__all__ = ["canonical_charset", "charset_span", "declared_charset", "parse", "read"]

# gettext's portable charset names (po-charset.c) and the Python codec for each; the three
# without a Python codec are read byte by byte, as gettext does without iconv.
_CHARSETS = {
    name.upper(): (canonical, codec)
    for canonical, codec, aliases in [
        ("ASCII", "ascii", ("ANSI_X3.4-1968", "US-ASCII")),
        *[(f"ISO-8859-{n}", f"iso8859-{n}", (f"ISO_8859-{n}",)) for n in (1, 2, 3, 4, 5, 6, 7)],
        *[(f"ISO-8859-{n}", f"iso8859-{n}", (f"ISO_8859-{n}",)) for n in (8, 9, 13, 14, 15)],
        ("KOI8-R", "koi8-r", ()),
        ("KOI8-U", "koi8-u", ()),
        ("KOI8-T", "koi8-t", ()),
        *[(f"CP{n}", f"cp{n}", ()) for n in (850, 866, 874, 932, 949, 950)],
        *[(f"CP{n}", f"cp{n}", ()) for n in range(1250, 1258)],
        ("GB2312", "gb2312", ()),
        ("EUC-JP", "euc-jp", ()),
        ("EUC-KR", "euc-kr", ()),
        ("EUC-TW", "", ()),
        ("BIG5", "big5", ()),
        ("BIG5-HKSCS", "big5hkscs", ()),
        ("GBK", "gbk", ()),
        ("GB18030", "gb18030", ()),
        ("SHIFT_JIS", "shift_jis", ()),
        ("JOHAB", "johab", ()),
        ("TIS-620", "tis-620", ()),
        ("VISCII", "", ()),
        ("GEORGIAN-PS", "", ()),
        ("UTF-8", "utf-8", ()),
    ]
    for name in (canonical, *aliases)
}


def canonical_charset(name: str) -> str | None:
    """gettext's name for a charset it knows by a portable name (po_charset_canonicalize).

    >>> canonical_charset("utf-8"), canonical_charset("ISO_8859-1"), canonical_charset("latin1")
    ('UTF-8', 'ISO-8859-1', None)
    """
    found = _CHARSETS.get(name.upper())
    return found[0] if found else None


def charset_span(header: str) -> tuple[int, int] | None:
    """Where the value of the header's first `charset=` is: (start, end), as gettext finds it
    (po_lex_charset_set): up to a space, tab or newline."""
    at = header.find("charset=")
    if at < 0:
        return None
    start = end = at + len("charset=")
    while end < len(header) and header[end] not in " \t\n":
        end += 1
    return start, end


def declared_charset(header: str) -> str | None:
    """The charset a header's msgstr declares, as written; None without a `charset=`.

    >>> declared_charset("Content-Type: text/plain; charset=utf-8\\n"), declared_charset("")
    ('utf-8', None)
    """
    span = charset_span(header)
    return None if span is None else header[span[0] : span[1]]


def read(path: Path, label: str = "") -> PoFile:
    """Parse the file at `path`; errors name `label` (default: the path itself)."""
    return parse(path.read_bytes(), label or str(path))


def parse(data: bytes, path: str = "") -> PoFile:
    """Parse a whole PO/POT file, or raise `PoError` at msgfmt's first error.

    >>> po = parse(b'msgid "a"\\nmsgstr "b\\\\tc"\\n')
    >>> po.entries[0].msgstr, po.entries[0].line, po.charset
    (('b\\tc',), 1, 'UTF-8')
    >>> parse(b'msgid "a"\\nmsgstr "b\\\\q"\\n', "x.po")
    Traceback (most recent call last):
    service.po.errors.PoError: x.po:2: invalid control sequence '\\q' in a string
    """
    return _parse_fast(data, path) or _parse_general(data, path)


def _parse_general(data: bytes, path: str) -> PoFile:
    # gettext reads bytes one by one until the header names the charset, then decodes the rest
    # in it. A first pass in that byte mode (Latin-1 is exactly it) stops at the header; the real
    # pass decodes the whole file in the header's charset and reports undecodable bytes only
    # after the header, where gettext starts decoding.
    latin1 = data.decode("latin-1")
    header = grammar.find_header(latin1, path)
    canonical, codec = _charset(header[0] if header else "")
    if codec and header is not None:
        text = data.decode(codec, "surrogateescape")
        if codec in BACKSLASH_SECOND and b"\\\n" in data:
            text = _spliced_before(data, codec, _offset(data, latin1, header[1])) or text
        return PoFile(grammar.entries(text, path, header[1], codec), path, canonical)
    # No charset gettext decodes: byte mode throughout, so no byte is an error; hold the text
    # as UTF-8 when it is (POT files with charset=CHARSET), else byte for byte.
    try:
        text, charset = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text, charset = data.decode("latin-1"), "ISO-8859-1"
    return PoFile(grammar.entries(text, path, codec=charset), path, charset)


def _offset(data: bytes, latin1: str, where: tuple[int, int]) -> int:
    """The byte offset of a (logical line, column) of the Latin-1 reading of `data`."""
    _, first, splices = Lexer(latin1, "").lines[where[0]]
    offset = 0
    for _ in range(first - 1):
        offset = data.index(b"\n", offset) + 1
    # each splice before the column stands for a backslash and a newline
    return offset + where[1] + 2 * bisect_left(splices or [], where[1])


def _spliced_before(data: bytes, codec: str, cut: int) -> str | None:
    """`data` decoded, where each line before the byte offset `cut` that ends in the byte 0x5C
    ends in a backslash, the bytes before it decoded alone (a lone first byte of a character is
    held as a surrogate): gettext's byte mode, in which the lexer then joins the two lines. None
    when no line before `cut` ends so."""
    if b"\\\n" not in data[:cut]:
        return None
    *whole, rest = data[:cut].split(b"\n")
    lines = [
        raw[:-1].decode(codec, "surrogateescape") + "\\"
        if raw.endswith(b"\\")
        else raw.decode(codec, "surrogateescape")
        for raw in whole
    ]
    return "\n".join([*lines, ""]) + (rest + data[cut:]).decode(codec, "surrogateescape")


def _charset(header: str) -> tuple[str, str]:
    """(gettext's name, Python's codec) for the header's charset=, as po_lex_charset_set finds
    it (anywhere in msgstr[0]); ("", "") when there is none gettext can decode."""
    declared = declared_charset(header)
    return ("", "") if declared is None else _CHARSETS.get(declared.upper(), ("", ""))


def _parse_fast(data: bytes, path: str) -> PoFile | None:
    """The file read by the fast path, or None when it needs the general reader: the header must
    come first (entries before it would be read byte by byte) and the whole file decode."""
    header = fastparse.fast_header(data[:65536].decode("latin-1"))  # a header is never longer
    if header is None:
        return None
    charset, codec = _charset(header)
    if not codec or (codec in BACKSLASH_SECOND and b"\\\n" in data):
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    entries = fastparse.fast_entries(text)
    return None if entries is None else PoFile(entries, path, charset)
