"""The one home of `#,` lines: how GNU gettext 0.21 splits and reads them (po_parse_comment_special)
and writes them back (write-po.c). The parsers, the writer, the checker and merge all go through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .model import FORMAT_FLAGS

__all__ = ["Flags", "read_flags", "split_flags", "write_flags"]

_LANGUAGES = frozenset(FORMAT_FLAGS)
_INT_MAX = 2**31 - 1
_SEPARATORS = "\n \t\r\f\v,"
_WORDS = re.compile(f"[^{_SEPARATORS}]+")
_RANGE = re.compile(r"([0-9]+)\.\.([0-9]+)")
# Syntax checks: gettext 0.21 reads them but msgcat and msgmerge never write them.
_SYNTAX_CHECKS = frozenset(
    f"{no}{name}-check"
    for no in ("", "no-")
    for name in ("ellipsis-unicode", "space-ellipsis", "quote-unicode", "bullet-unicode")
)


@lru_cache(maxsize=4096)
def split_flags(text: str) -> tuple[str, ...]:
    """A `#,` line's flags in the order written, as po_parse_comment_special splits them: the
    model's `Entry.flags`. "range:" takes the next word with it.

    >>> split_flags(" fuzzy,c-format, range:  1..5")
    ('fuzzy', 'c-format', 'range: 1..5')
    """
    words = _WORDS.findall(text)
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


@dataclass(frozen=True, slots=True)
class Flags:
    """An entry's flags as gettext holds them, and those gettext does not know (Weblate's
    `read-only`, `max-length:80`…), which gettext drops and this project keeps."""

    fuzzy: bool = False
    # (language, "yes" | "no" | "possible" | "impossible"), in gettext's order
    formats: tuple[tuple[str, str], ...] = ()
    range: tuple[int, int] | None = None
    wrap: bool | None = None
    unknown: tuple[str, ...] = ()  # as written, in order
    # The first format language that may apply: the one whose directives gettext's writer keeps
    # on one line. Derived from `formats` once, as the writer asks for it string by string.
    language: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        language = next((k for k, v in self.formats if v in ("yes", "possible")), None)
        object.__setattr__(self, "language", language)

    def format(self, language: str) -> str | None:
        return next((v for k, v in self.formats if k == language), None)


@lru_cache(maxsize=4096)  # catalogs repeat a handful of flag combinations thousands of times
def read_flags(flags: tuple[str, ...]) -> Flags:
    """The flags of `Entry.flags` as po_parse_comment_special reads them: later ones win, a range
    MIN > MAX is dropped, numbers stop at INT_MAX.

    >>> read_flags(("fuzzy", "python-format", "range: 1..5", "read-only", "no-wrap"))
    Flags(fuzzy=True, formats=(('python', 'yes'),), range=(1, 5), wrap=False, unknown=('read-only',))
    """
    fuzzy, span, wrap = False, None, None
    formats: dict[str, str] = {}
    unknown: list[str] = []
    for flag in flags:
        if flag == "fuzzy":
            fuzzy = True
        elif flag in ("wrap", "no-wrap"):
            wrap = flag == "wrap"
        elif flag.endswith("-format") and _format(flag[: -len("-format")], formats):
            pass
        elif flag.startswith("range:") and flag[6:7] in ("", *_SEPARATORS):
            m = _RANGE.match(flag[6:].lstrip(_SEPARATORS))
            if m is not None:
                low, high = (min(int(g), _INT_MAX) for g in m.groups())
                span = (low, high) if low <= high else span
        elif flag not in _SYNTAX_CHECKS:
            unknown.append(flag)
    ordered = tuple((k, formats[k]) for k in FORMAT_FLAGS if k in formats)
    return Flags(fuzzy, ordered, span, wrap, tuple(unknown))


def _format(name: str, formats: dict[str, str]) -> bool:
    """Take in `[no-|possible-|impossible-]LANGUAGE`; False when gettext knows no such language."""
    value = "yes"
    for prefix in ("no-", "possible-", "impossible-"):
        if name.startswith(prefix):
            name, value = name[len(prefix) :], prefix[:-1]
            break
    if name not in _LANGUAGES:
        return False
    formats[name] = value
    return True


@lru_cache(maxsize=4096)
def write_flags(flags: Flags, translated: bool, obsolete: bool = False) -> tuple[str, ...]:
    """The flags as gettext's writer prints them: fuzzy only on a translated entry, impossible
    formats and "wrap" never, a range never on an obsolete entry; then the unknown ones.

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
    return (*out, *flags.unknown)
