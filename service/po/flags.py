"""A `#,` line as GNU gettext 0.21 reads it (po_parse_comment_special) and writes it back
(write-po.c): what survives a round trip through msgmerge or msgcat, in gettext's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .model import FORMAT_FLAGS

__all__ = ["Flags", "read_flags", "write_flags"]

_LANGUAGES = frozenset(FORMAT_FLAGS)


@dataclass(frozen=True, slots=True)
class Flags:
    """A `#,` line as gettext holds it: unknown flags are dropped on reading, as gettext does."""

    fuzzy: bool = False
    # (language, "yes" | "no" | "possible" | "impossible"), in gettext's order
    formats: tuple[tuple[str, str], ...] = ()
    range: tuple[int, int] | None = None
    wrap: bool | None = None

    def format(self, language: str) -> str | None:
        return next((v for k, v in self.formats if k == language), None)


_FLAG_SEP = re.compile(r"[\n \t\r\f\v,]+")
_RANGE = re.compile(r"(\d+)\.\.(\d+)")


@lru_cache(maxsize=1024)  # a catalog holds few distinct `#,` lines
def read_flags(flags: tuple[str, ...]) -> Flags:
    """The flags as po_parse_comment_special reads them.

    >>> read_flags(("fuzzy", "python-format", "range: 1..5", "frobnicate"))
    Flags(fuzzy=True, formats=(('python', 'yes'),), range=(1, 5), wrap=None)
    """
    tokens = [t for t in _FLAG_SEP.split(",".join(flags)) if t]
    fuzzy, formats, span, wrap = False, {}, None, None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "fuzzy":
            fuzzy = True
        elif token.endswith("-format"):
            name, value = token[: -len("-format")], "yes"
            for prefix in ("no-", "possible-", "impossible-"):
                if name.startswith(prefix):
                    name, value = name[len(prefix) :], prefix[:-1]
                    break
            if name in _LANGUAGES:
                formats[name] = value
        elif token == "range:":
            m = _RANGE.match(tokens[i]) if i < len(tokens) else None
            i += 1
            if m and int(m.group(1)) <= int(m.group(2)):
                span = (int(m.group(1)), int(m.group(2)))
        elif token in ("wrap", "no-wrap"):
            wrap = token == "wrap"
    ordered = tuple((k, formats[k]) for k in FORMAT_FLAGS if k in formats)
    return Flags(fuzzy, ordered, span, wrap)


@lru_cache(maxsize=1024)
def write_flags(flags: Flags, translated: bool, obsolete: bool = False) -> tuple[str, ...]:
    """The flags as gettext's writer prints them: fuzzy only on a translated entry, impossible
    formats and "wrap" never, a range never on an obsolete entry.

    >>> write_flags(Flags(True, (("c", "impossible"), ("python", "possible"))), translated=True)
    ('fuzzy', 'python-format')
    """
    out = ["fuzzy"] if flags.fuzzy and translated else []
    for language, value in flags.formats:
        if value in ("yes", "possible"):
            out.append(f"{language}-format")
        elif value == "no":
            out.append(f"no-{language}-format")
    if flags.range is not None and not obsolete:
        out.append(f"range: {flags.range[0]}..{flags.range[1]}")
    if flags.wrap is False:
        out.append("no-wrap")
    return tuple(out)
