"""What the special comments before an entry say: `#,` flags and `#:` (or Solaris) positions.

gettext 0.21's read-catalog-abstract.c, shared by both readers of `service.po.parse`: the general
one (`service.po.grammar`) and the fast path (`service.po.fastparse`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .model import Reference

__all__ = ["filepos", "solaris_filepos", "special"]

_FLAG_SEPARATORS = re.compile(r"[\n \t\r\f\v,]+")
_FILEPOS_SPLIT = re.compile(r"[ \t\n]+")
_FILEPOS_GLUED = re.compile(r"(.+):([0-9]+)\Z", re.S)
_DIGITS = re.compile(r"[0-9]+")
_SOLARIS = re.compile(
    r" [Ff]ile:[ \t]*(.*?)[ \t]*,[ \t]*line[ \t]*(?:number[ \t]*)?:([0-9]+)[ \t\n]*\Z", re.S
)


@lru_cache(maxsize=4096)
def special(text: str) -> tuple[str, ...]:
    """A `#,` line's flags in the order written, as po_parse_comment_special reads them;
    "range:" takes the next word with it."""
    words = [w for w in _FLAG_SEPARATORS.split(text) if w]
    if "range:" not in words:
        return tuple(words)
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "range:" and i + 1 < len(words):
            out.append(f"range: {words[i + 1]}")
            i += 2
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


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
