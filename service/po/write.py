"""The one PO writer: a `PoFile` as GNU gettext 0.21 writes it (`msgcat --width=79`, and so
Poedit), byte for byte, so that a translator's diff shows only what the translator changed.

It follows gettext-tools/src/write-po.c: live entries, then obsolete ones; comments in the order
`# `, `#.`, `#:`, `#,`, `#|`; strings escaped as C does and split after each `\\n`; long lines
broken where UAX #14 allows (`linebreak`), never inside a format directive (`directives`).
One deliberate difference: flags gettext does not know (Weblate's `read-only`…) are kept, after
the known ones, where msgcat drops them (`flags`).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from .directives import protected
from .errors import PoError
from .flags import Flags, read_flags, write_flags
from .lexer import SIMPLE_ESCAPES
from .linebreak import PROHIBITED, fits, line_breaks
from .model import Entry, PoFile
from .parse import canonical_charset, declared_charset

__all__ = ["write"]

_INT_MAX = 2**31 - 1

# gettext writes the C escapes it reads; every other character, control characters included, goes
# out as is.
_ESCAPES = {char: "\\" + letter for letter, char in SIMPLE_ESCAPES.items()}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_NEEDS_ESCAPE = frozenset(_ESCAPES)
_ESCAPE_RE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def _wrap_charset(po: PoFile) -> str:
    """The charset gettext breaks lines in: the live header's `charset=`, canonicalized; "ASCII"
    when there is none, when it is a template's "CHARSET" or unknown. libunistring compares the
    canonical name exactly (ambiguous-width characters take two columns in CJK encodings).

    >>> _wrap_charset(PoFile((Entry("", ("Content-Type: text/plain; charset=euc-jp\\n",)),)))
    'EUC-JP'
    """
    header = po.header
    name = None if header is None else declared_charset(header.msgstr[0])
    return "ASCII" if name is None else canonical_charset(name) or "ASCII"


@lru_cache(maxsize=4096)
def _flag_line(flags: tuple[str, ...], translated: bool, obsolete: bool) -> str:
    """The `#,` line (empty when there is no flag to write)."""
    names = write_flags(read_flags(flags), translated, obsolete)
    return f"#, {', '.join(names)}\n" if names else ""


def _string(
    out: list[str], prefix: str, name: str, value: str, flags: Flags, width: int, charset: str
) -> None:
    """One keyword and its string, split after each `\\n` and broken to fit `width` columns."""
    # Columns for the text: the width less the prefix, the quotes and the keyword's own room.
    room = (width if flags.wrap is not False else _INT_MAX) - 1 - (len(prefix) + 1)
    if "\n" not in value:  # the common case: one portion, and most often one line
        text = value if _NEEDS_ESCAPE.isdisjoint(value) else value.translate(_ESCAPE_TABLE)
        if not text or (len(name) + 1 <= room and fits(text, room, len(name) + 1, charset)):
            out.append(f'{prefix}{name} "{text}"\n')
            return
    out.append(_broken(prefix, name, value, flags.language, room, charset))


@lru_cache(maxsize=16384)
def _broken(
    prefix: str, name: str, value: str, language: str | None, room: int, charset: str
) -> str:
    """The lines of a string that does not fit on one, as `_string` writes them. Remembered: a
    page's msgids and their comments are written again for every locale."""
    out: list[str] = []
    # Directives matter only to a line that must break, and most strings fit: find them late.
    marks: list[bytearray | None] = []

    def breaks(portion: str, text: str, offset: int, start_column: int) -> list[int]:
        if fits(text, room, start_column, charset):
            return []
        if not marks:
            marks.append(
                protected(language, value, name.startswith("msgstr")) if language else None
            )
        overrides = _overrides(portion, text, marks[0], offset)
        return line_breaks(text, overrides, room, start_column, charset)

    first_line = True
    start = 0
    total = len(value)
    while True:
        end = value.find("\n", start) + 1 or total
        portion = value[start:end]
        text = portion if _NEEDS_ESCAPE.isdisjoint(portion) else portion.translate(_ESCAPE_TABLE)
        if first_line:
            at = breaks(portion, text, start, len(name) + 1)
            if text and (end < total or len(name) + 1 > room or at):
                out.append(f'{prefix}{name} ""\n')
                first_line = False
        if not first_line:
            at = breaks(portion, text, start, 0)
        out.append(f'{prefix}{name} "' if first_line else f'{prefix}"')
        last = 0
        for i in at:
            out.append(f'{text[last:i]}"\n{prefix}"')
            last = i
        out.append(f'{text[last:]}"\n')
        first_line = False
        start = end
        if start >= total:
            return "".join(out)


def _overrides(portion: str, text: str, marks: bytearray | None, offset: int) -> bytes:
    """One override per character of the escaped `text`: no break inside an escape sequence,
    inside a directive, or before the `\\n` that ends the portion."""
    base = marks[offset : offset + len(portion)] if marks is not None else bytearray(len(portion))
    if len(text) == len(portion):
        overrides = base
    else:
        overrides = bytearray()
        last = 0
        for m in _ESCAPE_RE.finditer(portion):
            overrides += base[last : m.end()]
            overrides.append(PROHIBITED)  # the second character of the escape
            last = m.end()
        overrides += base[last:]
    if portion.endswith("\n"):
        overrides[-2] = PROHIBITED
    return bytes(overrides)


def _references(out: list[str], entry: Entry, width: int, codec: str) -> None:
    seen: set[tuple[str, int | None]] = set()
    line = "#:"
    column = 2
    for ref in entry.references:
        if ref in seen:  # gettext keeps one of each (file, line) as it reads them
            continue
        seen.add(ref)
        name, number = ref
        while name.startswith("./"):
            name = name[2:]
        item = name if number is None else f"{name}:{number}"
        size = (len(item) if item.isascii() else len(item.encode(codec, "replace"))) + 1
        if column > 2 and column + size > width:
            out.append(line + "\n")
            line, column = "#:", 2
        line += " " + item
        column += size
    out.append(line + "\n")


def _entry(out: list[str], entry: Entry, width: int, charset: str, codec: str) -> None:
    flags = read_flags(entry.flags)
    for comment in entry.comments:
        rest = comment
        while True:
            head, newline, tail = rest.partition("\n")
            out.append(f"# {head}\n" if rest else "#\n")
            if not newline:
                break
            rest = tail
    for comment in entry.extracted:
        out.append(f"#. {comment}\n" if comment else "#.\n")
    if entry.references:
        _references(out, entry, width, codec)
    out.append(_flag_line(entry.flags, entry.msgstr[0] != "", entry.obsolete))
    previous = "#~| " if entry.obsolete else "#| "
    for name, value in (
        ("msgctxt", entry.previous_msgctxt),
        ("msgid", entry.previous_msgid),
        ("msgid_plural", entry.previous_msgid_plural),
    ):
        if value is not None:
            _string(out, previous, name, value, flags, width, charset)
    prefix = "#~ " if entry.obsolete else ""
    if entry.msgctxt is not None:
        _string(out, prefix, "msgctxt", entry.msgctxt, flags, width, charset)
    _string(out, prefix, "msgid", entry.msgid, flags, width, charset)
    if entry.msgid_plural is None:
        _string(out, prefix, "msgstr", entry.msgstr[0], flags, width, charset)
    else:
        _string(out, prefix, "msgid_plural", entry.msgid_plural, flags, width, charset)
        for i, form in enumerate(entry.msgstr):
            _string(out, prefix, f"msgstr[{i}]", form, flags, width, charset)


def _codec(po: PoFile) -> str:
    name = po.charset.upper()
    if name in ("", "CHARSET"):
        # A template's placeholder: gettext passes the bytes through, so keep them as read.
        return "utf-8"
    try:
        return codecs.lookup(po.charset).name
    except LookupError:
        raise PoError(f"cannot write charset {po.charset!r}", po.path) from None


def write(po: PoFile, width: int = 79) -> bytes:
    """The catalog as `msgcat --width=WIDTH` writes it, in `po.charset`.

    >>> print(write(PoFile((Entry("Hello", ("Hola",), references=(("./a.py", 3),)),))).decode())
    #: a.py:3
    msgid "Hello"
    msgstr "Hola"
    <BLANKLINE>
    """
    charset = _wrap_charset(po)
    codec = _codec(po)
    chunks: list[bytes] = []
    blank_line = False
    live = [e for e in po.entries if not e.obsolete]
    obsolete = [e for e in po.entries if e.obsolete]
    for entry in live + obsolete:
        # gettext leaves out an obsolete entry without a translation, but still counts it
        # as written for the blank line that separates entries.
        if entry.obsolete and entry.msgstr[0] == "":
            blank_line = True
            continue
        out = ["\n"] if blank_line else []
        _entry(out, entry, width, charset, codec)
        blank_line = True
        text = "".join(out)
        try:
            # Bytes the parser could not decode come back as they were (surrogateescape).
            chunks.append(text.encode(codec, "surrogateescape"))
        except UnicodeEncodeError as e:
            raise PoError(
                f"{text[e.start : e.end]!r} cannot be written in {po.charset}", po.path, entry.line
            ) from None
    return b"".join(chunks)
