"""Where the comments before an entry say it comes from: `#:` (or Solaris `# File:`) positions.

gettext 0.21's read-catalog-abstract.c, shared by both readers of `service.po.parse`: the general
one (`service.po.grammar`) and the fast path (`service.po.fastparse`); `#,` lines are `flags`'.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .model import Reference

__all__ = ["filepos", "solaris_filepos"]

_FILEPOS_SPLIT = re.compile(r"[ \t\n]+")
_FILEPOS_GLUED = re.compile(r"(.+):([0-9]+)\Z", re.S)
_DIGITS = re.compile(r"[0-9]+")
_SOLARIS = re.compile(
    r" [Ff]ile:[ \t]*(.*?)[ \t]*,[ \t]*line[ \t]*(?:number[ \t]*)?:([0-9]+)[ \t\n]*\Z", re.S
)


def solaris_filepos(text: str) -> Reference | None:
    """The position a Solaris-style `# File: x.c, line: 12` comment names, if it is one."""
    m = _SOLARIS.match(text)
    return (m.group(1), int(m.group(2))) if m else None


@lru_cache(maxsize=65536)
def filepos(text: str) -> tuple[Reference, ...]:
    """The positions of a `#:` line as po_parse_comment_filepos reads them."""
    words = [w for w in _FILEPOS_SPLIT.split(text) if w]
    if not any(w[0] == ":" or w[-1] == ":" for w in words):
        out: list[Reference] = []
        for w in words:
            m = _FILEPOS_GLUED.match(w)
            out.append((m.group(1), int(m.group(2))) if m else (w, None))
        return tuple(out)
    return tuple(_filepos_spaced(text))


def _filepos_spaced(s: str) -> list[Reference]:
    """The general case, with `file : 12` and `file: 12` forms."""
    out: list[Reference] = []
    space = " \t\n"
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in space:
            i += 1
        if i >= n:
            break
        start = i
        while i < n and s[i] not in space:
            i += 1
        word = s[start:i]
        p = i
        while p < n and s[p] in space:
            p += 1
        if p < n and s[p] == ":":
            p += 1
            while p < n and s[p] in space:
                p += 1
            m = _DIGITS.match(s, p)
            if m and (m.end() == n or s[m.end()] in space):
                out.append((word, int(m.group())))
                i = m.end()
                continue
        if word.endswith(":"):
            m = _DIGITS.match(s, p)
            if m and (m.end() == n or s[m.end()] in space):
                out.append((word[:-1], int(m.group())))
                i = m.end()
                continue
        m = _FILEPOS_GLUED.match(word)
        out.append((m.group(1), int(m.group(2))) if m else (word, None))
    return out
