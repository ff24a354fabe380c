"""The one PO model: a catalog is a tuple of entries, each holding every field GNU gettext keeps.

Fields mean what they mean to gettext (`message_ty` in gettext-tools/src/message.h): comments are
stored without their marker and without the one space after it, references are (file, line) pairs,
flags are the flags of the entry's `#,` line. Entries are keyed by (msgctxt, msgid) everywhere.
Nothing here reads or writes a file; `parse`, `write`, `check` and `merge` do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

__all__ = [
    "FORMAT_FLAGS",
    "Entry",
    "Key",
    "PoFile",
    "Reference",
    "Statistics",
    "header_fields",
    "without_creation_date",
]

Key = tuple[str | None, str]  # (msgctxt, msgid): None and "" are different contexts, as in gettext
Reference = tuple[str, int | None]  # "#: file:line" → (file, line); "#: file" → (file, None)

# The format languages gettext 0.21 knows, in the order its writer prints them (`format_language`
# in gettext-tools/src/message.c; `msgcat` rewrites `#, lua-format, c-format` as
# `#, c-format, lua-format`).
FORMAT_FLAGS: tuple[str, ...] = (
    "c",
    "objc",
    "python",
    "python-brace",
    "java",
    "java-printf",
    "csharp",
    "javascript",
    "scheme",
    "lisp",
    "elisp",
    "librep",
    "ruby",
    "sh",
    "awk",
    "lua",
    "object-pascal",
    "smalltalk",
    "qt",
    "qt-plural",
    "kde",
    "kde-kuit",
    "boost",
    "tcl",
    "perl",
    "perl-brace",
    "php",
    "gcc-internal",
    "gfc-internal",
    "ycp",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of a catalog: the header (msgid "") is an entry like any other.

    `msgstr` holds one string, or one per plural form (msgstr[0], msgstr[1], …) when
    `msgid_plural` is set. `line` is the 1-based line of the `msgid` keyword, `msgstr_line` that of
    the first `msgstr`, as gettext reports them.
    """

    msgid: str
    msgstr: tuple[str, ...] = ("",)
    msgctxt: str | None = None
    msgid_plural: str | None = None
    comments: tuple[str, ...] = ()  # "# " translator comments
    extracted: tuple[str, ...] = ()  # "#." comments from the source (the extractor's notes)
    references: tuple[Reference, ...] = ()  # "#:"
    flags: tuple[str, ...] = ()  # "#,": fuzzy, c-format, no-python-format, "range: 1..5", no-wrap…
    previous_msgctxt: str | None = None  # "#| msgctxt"
    previous_msgid: str | None = None  # "#| msgid"
    previous_msgid_plural: str | None = None  # "#| msgid_plural"
    obsolete: bool = False  # "#~"
    line: int = 0
    msgstr_line: int = 0

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def plural(self) -> bool:
        return self.msgid_plural is not None

    @property
    def source_forms(self) -> tuple[str, ...]:
        """The English forms: (msgid,), or (msgid, msgid_plural) for a plural entry."""
        return (self.msgid,) if self.msgid_plural is None else (self.msgid, self.msgid_plural)

    @property
    def translated(self) -> bool:
        """As msgfmt counts it: msgstr[0] is not empty and the entry is not fuzzy."""
        return self.msgstr[0] != "" and not self.fuzzy

    @property
    def has_previous(self) -> bool:
        return (
            self.previous_msgid is not None
            or self.previous_msgctxt is not None
            or self.previous_msgid_plural is not None
        )

    def with_flag(self, flag: str, present: bool = True) -> Entry:
        """This entry with `flag` added (at the front, where gettext writes fuzzy) or removed."""
        if present == (flag in self.flags):
            return self
        flags = (flag, *self.flags) if present else tuple(f for f in self.flags if f != flag)
        return replace(self, flags=flags)


@dataclass(frozen=True, slots=True)
class Statistics:
    """What `msgfmt --statistics` prints: live entries, the header left out."""

    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated


_FIELD = re.compile(r"^([^:\n]+):[ \t]*(.*)$")
_CREATION_DATE = re.compile(r"^POT-Creation-Date:.*(?:\n|$)", re.M)


def without_creation_date(header: str) -> str:
    """The header text without its POT-Creation-Date line: what msgfmt leaves out of a .mo and
    what msgmerge --update ignores when it compares.

    >>> without_creation_date("A: 1\\nPOT-Creation-Date: 2026-01-01 10:00+0000\\nB: 2\\n")
    'A: 1\\nB: 2\\n'
    """
    return _CREATION_DATE.sub("", header, count=1)


def header_fields(msgstr: str) -> list[tuple[str, str]]:
    """The header's `Name: value` lines, in order, as written (lines without a colon skipped).

    >>> header_fields("Language: es\\nPlural-Forms: nplurals=2; plural=(n != 1);\\n")
    [('Language', 'es'), ('Plural-Forms', 'nplurals=2; plural=(n != 1);')]
    """
    out = []
    for line in msgstr.split("\n"):
        m = _FIELD.match(line)
        if m:
            out.append((m.group(1).strip(), m.group(2).strip()))
    return out


@dataclass(frozen=True)
class PoFile:
    """A whole catalog, entries in file order (obsolete ones included, the header first if any).

    `path` is only for messages. `charset` is the charset the file was read in (from the header's
    Content-Type); the writer writes the same one.
    """

    entries: tuple[Entry, ...]
    path: str = ""
    charset: str = "UTF-8"

    @cached_property
    def by_key(self) -> dict[Key, Entry]:
        """Live entries by (msgctxt, msgid)."""
        return {e.key: e for e in self.entries if not e.obsolete}

    @cached_property
    def obsolete_by_key(self) -> dict[Key, Entry]:
        return {e.key: e for e in self.entries if e.obsolete}

    @property
    def header(self) -> Entry | None:
        first = self.entries[0] if self.entries else None
        if first is not None and first.is_header and not first.obsolete:
            return first  # where every tool writes it: no need to index the catalog
        return self.by_key.get((None, ""))

    def header_field(self, name: str) -> str | None:
        """One header field's value (names compared as gettext does: exactly)."""
        if self.header is None:
            return None
        return next((v for k, v in header_fields(self.header.msgstr[0]) if k == name), None)

    def messages(self) -> Iterator[Entry]:
        """Live entries other than the header: what a translator translates."""
        return (e for e in self.entries if not e.obsolete and not e.is_header)

    def get(self, msgid: str, msgctxt: str | None = None) -> Entry | None:
        return self.by_key.get((msgctxt, msgid))

    def same_as(self, other: PoFile) -> bool:
        """Whether writing `other` in place of this catalog would change nothing but the header's
        POT-Creation-Date: msgmerge --update's test for leaving a catalog alone (msgl-equal.c).
        Entries compare field by field, positions included."""
        if other is self:
            return True
        if len(self.entries) != len(other.entries) or self.charset != other.charset:
            return False
        for mine, theirs in zip(self.entries, other.entries, strict=True):
            if mine == theirs:
                continue
            if not (mine.is_header and theirs.is_header and not mine.obsolete):
                return False
            undated = replace(mine, msgstr=(without_creation_date(mine.msgstr[0]),))
            if undated != replace(theirs, msgstr=(without_creation_date(theirs.msgstr[0]),)):
                return False
        return True

    def statistics(self) -> Statistics:
        """Counts as `msgfmt --statistics` gives them (msgfmt.c, msgfmt_frob_new_message): an
        entry whose msgstr[0] is empty is untranslated, else a fuzzy one is fuzzy; the header
        counts only when its msgstr is empty."""
        translated = fuzzy = untranslated = 0
        for e in self.entries:
            if e.obsolete:
                continue
            if e.msgstr[0] == "":
                untranslated += 1
            elif e.is_header:
                continue
            elif e.fuzzy:
                fuzzy += 1
            else:
                translated += 1
        return Statistics(translated, fuzzy, untranslated)
