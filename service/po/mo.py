"""A catalog compiled to the binary .mo format that gettext runtimes read (GNU's layout, revision 0).

What goes in is what msgfmt puts in: live entries whose msgstr[0] is not empty and that are not
fuzzy, plus the header even when it is fuzzy, without its POT-Creation-Date line (as msgfmt
leaves it out, so that a rebuild from the same translations gives the same bytes). Keys are `msgctxt\\x04msgid` and `msgid\\0plural`,
translations of plural entries are joined with NUL, and entries are sorted by key bytes so a
runtime can binary-search them. The optional hash table is left out (size 0), which every
runtime accepts.
"""

from __future__ import annotations

import struct

from .model import Entry, PoFile, without_creation_date

__all__ = ["write_mo"]

_MAGIC = 0x950412DE


def _compiled(entry: Entry) -> bool:
    if entry.obsolete or entry.msgstr[0] == "":
        return False
    return entry.is_header or not entry.fuzzy


def write_mo(po: PoFile) -> bytes:
    """The .mo bytes of `po`, strings encoded in the catalog's own charset.

    >>> from .model import Entry, PoFile
    >>> mo = write_mo(PoFile((Entry("Hi", ("Hola",)),)))
    >>> mo[:4] == (0x950412DE).to_bytes(4, "little") and mo.endswith(b"Hola\\x00")
    True
    """
    charset = po.charset if po.charset.upper() != "CHARSET" else "UTF-8"
    pairs = []
    for entry in po.entries:
        if not _compiled(entry):
            continue
        key = entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\0{entry.msgid_plural}"
        if entry.msgctxt is not None:
            key = f"{entry.msgctxt}\x04{key}"
        value = "\0".join(entry.msgstr)
        if entry.is_header:
            value = without_creation_date(value)
        pairs.append((key.encode(charset), value.encode(charset)))
    pairs.sort()
    count = len(pairs)
    originals_at = 7 * 4
    translations_at = originals_at + 8 * count
    data_at = translations_at + 8 * count
    table_o, table_t, blob = [], [], bytearray()
    for original, _ in pairs:
        table_o.append((len(original), data_at + len(blob)))
        blob += original + b"\0"
    for _, translation in pairs:
        table_t.append((len(translation), data_at + len(blob)))
        blob += translation + b"\0"
    head = struct.pack("<7I", _MAGIC, 0, count, originals_at, translations_at, 0, data_at)
    tables = b"".join(struct.pack("<2I", n, at) for n, at in table_o + table_t)
    return head + tables + bytes(blob)
