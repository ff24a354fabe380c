"""A note for the translator, written into the catalog they work on: a translator comment (`# …`)
at the top of one entry's comments, where Poedit, Lokalize and Weblate show it. Only that line is
added: every other byte of the file stays as it was (the file is not rewritten as msgcat would).
"""

from __future__ import annotations

import codecs

from service.core.errors import CatalogError
from service.po.model import Key
from service.po.parse import parse

__all__ = ["with_translator_comment"]


def with_translator_comment(data: bytes, path: str, key: Key, comment: str) -> bytes:
    """`data` (a catalog) with `# comment` added above the entry `key` (its first comment line),
    the comment on one line in the catalog's charset. Raises `CatalogError` when the catalog has
    no such entry (not obsolete)."""
    po = parse(data, path)
    entry = next((e for e in po.entries if e.key == key and not e.obsolete), None)
    if entry is None or entry.line < 1:
        raise CatalogError(f"no entry {key[1]!r} to write a note to", path)
    try:
        codec = codecs.lookup(po.charset).name
    except LookupError:
        codec = "utf-8"  # a template's placeholder charset: bytes pass as they are
    lines = data.split(b"\n")
    at = entry.line - 1  # 0-based: the msgid line
    above = at
    while above > 0 and lines[above - 1].lstrip().startswith(b'"'):
        above -= 1  # strings continued: the msgctxt's, if one comes before them
    if above > 0 and lines[above - 1].lstrip().startswith(b"msgctxt"):
        at = above - 1
    while at > 0 and lines[at - 1].startswith(b"#") and not lines[at - 1].startswith(b"#~"):
        at -= 1  # the comments above it
    ending = b"\r" if lines[at].endswith(b"\r") else b""
    note = " ".join(comment.split()).encode(codec, errors="replace")
    lines.insert(at, b"# " + note + ending)
    out = b"\n".join(lines)
    found = next(e for e in parse(out, path).entries if e.key == key and not e.obsolete)
    first = found.comments[0].rstrip("\r") if found.comments else None  # a CRLF file's
    if first != " ".join(comment.split()) and codec == "utf-8":
        raise CatalogError(f"a note for {key[1]!r} could not be placed", path)
    return out
