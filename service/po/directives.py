"""Where a PO string may not be broken: inside a format directive (gettext's writer keeps
`%-5s` or `%(name)s` on one line, breaking at most before the `%`).

gettext finds directives with the parser of the entry's first format language (`#, c-format`…) and
marks each from its first to its last character; a directive the parser rejects may be broken, as
may everything after the first error, where the parser stops. This module reproduces those extents
for the languages below (gettext-tools/src/format-*.c, 0.21); other languages get no protection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from .placeholders import PLACEHOLDER_PARSERS, Span

__all__ = ["LANGUAGES", "protected"]

_Parser = Callable[[str, bool], list[Span]]

_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class _Printf:
    """One printf dialect as its format-*.c parser reads it."""

    flags: str
    conversions: str
    no_argument: str = "%"  # conversions that take no argument
    sizes: str = ""
    star: bool = True  # `*` widths and precisions
    star_position: bool = True  # `*N$`
    zero_position_is_error: bool = True  # `%0$…` rejected (else `0` is read as a flag)
    exclusive: bool = True  # numbered and unnumbered arguments may not mix
    macros: bool = False  # C99 <PRIdNN>
    translated_flags: str = ""  # flags allowed in a msgstr only


_MACRO_SIZES = ("MAX", "PTR", "LEAST8", "LEAST16", "LEAST32", "LEAST64", "FAST8", "FAST16",
                "FAST32", "FAST64", "8", "16", "32", "64")


def _position(s: str, i: int, zero_is_error: bool) -> tuple[int, int]:
    """An `N$` at i: (N, index after it); (0, i) when there is none; (-1, i) when rejected."""
    j = i
    while j < len(s) and s[j] in _DIGITS:
        j += 1
    if j == i or j >= len(s) or s[j] != "$":
        return 0, i
    number = int(s[i:j])
    if number == 0:
        return (-1, i) if zero_is_error else (0, i)
    return number, j + 1


def _printf(dialect: _Printf, s: str, translated: bool) -> list[Span]:
    """Extents of printf-style directives: %[N$][flags][width][.precision][size]conversion."""
    spans: list[Span] = []
    n = len(s)
    flags = dialect.flags + (dialect.translated_flags if translated else "")
    numbered = unnumbered = False

    def argument(number: int) -> bool:
        nonlocal numbered, unnumbered
        if dialect.exclusive and ((number and unnumbered) or (not number and numbered)):
            return False
        numbered, unnumbered = numbered or bool(number), unnumbered or not number
        return True

    i = s.find("%")
    while i >= 0:
        number, j = _position(s, i + 1, dialect.zero_position_is_error)
        if number < 0:
            return spans
        while j < n and s[j] in flags:
            j += 1
        for precision in (False, True):
            if precision:
                if j >= n or s[j] != ".":
                    break
                j += 1
            if dialect.star and j < n and s[j] == "*":
                j += 1
                arg = 0
                if dialect.star_position:
                    arg, j = _position(s, j, True)
                    if arg < 0:
                        return spans
                if not argument(arg):
                    return spans
            else:
                while j < n and s[j] in _DIGITS:
                    j += 1
        if dialect.macros and j < n and s[j] == "<":
            j = _macro(s, j)
            if j < 0:
                return spans
            takes_argument = True
        else:
            while j < n and s[j] in dialect.sizes:
                j += 1
            if j >= n or s[j] not in dialect.conversions:
                return spans
            takes_argument = s[j] not in dialect.no_argument
        if takes_argument and not argument(number):
            return spans
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


def _macro(s: str, i: int) -> int:
    """A `<PRIdNN>` at i (format-c-parse.h): the index of its `>`, or -1."""
    if not s.startswith("<PRI", i) or i + 4 >= len(s) or s[i + 4] not in "idouxX":
        return -1
    i += 5
    size = next((word for word in _MACRO_SIZES if s.startswith(word, i)), None)
    if size is None or not s.startswith(">", i + len(size)):
        return -1
    return i + len(size)


_C = _Printf(" +-#0'", "%mcCsSiduoxXeEfFgGaApn", "%m", "hlLqjzZt", macros=True,
             translated_flags="I")
_DIALECTS = {
    "c": _C,
    "objc": replace(_C, conversions=_C.conversions + "@"),
    "awk": _Printf(" +-#0", "%csiduoxXeEfgG"),
    "elisp": _Printf(" +-#0", "%cdixXoeEfgGsS", star_position=False,
                     zero_position_is_error=False, exclusive=False),
    "librep": _Printf("-^0+ ", "%cdxXosS", star=False, zero_position_is_error=False,
                      exclusive=False),
}


def _python(s: str, translated: bool) -> list[Span]:
    """format-python.c: %(name)s with nested parentheses in the name, flags, `*`, size letters."""
    spans: list[Span] = []
    n = len(s)
    named = unnamed = False
    i = 0

    def at(k: int) -> str:
        return s[k] if k < n else ""

    while i < n:
        if s[i] != "%":
            i += 1
            continue
        start = i
        i += 1
        name = False
        if at(i) == "(":
            i += 1
            depth = 0
            while at(i):
                if at(i) == "(":
                    depth += 1
                elif at(i) == ")":
                    if depth == 0:
                        break
                    depth -= 1
                i += 1
            if not at(i):
                return spans
            i += 1
            name = True
        while at(i) and at(i) in "-+ #0":
            i += 1
        for precision in (False, True):
            if precision:
                if at(i) != ".":
                    break
                i += 1
            if at(i) == "*":
                i += 1
                if named:
                    return spans
                unnamed = True
            else:
                while at(i) and at(i) in _DIGITS:
                    i += 1
        if at(i) and at(i) in "hlL":
            i += 1
        c = at(i)
        if not c or c not in "%csridouxXeEfgG":
            return spans
        if name:
            if unnamed:
                return spans
            named = True
        elif c != "%":
            if named:
                return spans
            unnamed = True
        spans.append((start, i))
        i += 1
    return spans


def _digits_dollar(s: str, i: int) -> tuple[int, int]:
    """An `N$` argument number at i: (N, index after the `$`), or (0, i) when there is none;
    N is -1 for the `0$` every parser rejects."""
    j = i
    while j < len(s) and s[j] in _DIGITS:
        j += 1
    if j == i or j >= len(s) or s[j] != "$":
        return 0, i
    number = int(s[i:j])
    return (number, j + 1) if number else (-1, i)


def _skip(s: str, i: int, chars: str) -> int:
    while i < len(s) and s[i] in chars:
        i += 1
    return i


def _javascript(s: str, translated: bool) -> list[Span]:
    """format-javascript.c: %[N$][-+ 0I][W][.P](%|c|s|b|d|o|x|X|f|j)."""
    spans: list[Span] = []
    numbered = unnumbered = False
    i = s.find("%")
    while i >= 0:
        number, j = _digits_dollar(s, i + 1)
        if number < 0:
            return spans
        j = _skip(s, j, "-+ 0I")
        j = _skip(s, j, "0123456789")
        if j < len(s) and s[j] == ".":
            j = _skip(s, j + 1, "0123456789")
        if j >= len(s) or s[j] not in "%csbdoxXfj":
            return spans
        if s[j] != "%":
            if (number and unnumbered) or (not number and numbered):
                return spans
            numbered, unnumbered = numbered or bool(number), unnumbered or not number
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


def _php(s: str, translated: bool) -> list[Span]:
    """format-php.c: %% or %[N$][0- ]['X][W][.P][l](b|d|u|o|x|X|e|f|c|s)."""
    spans: list[Span] = []
    i = s.find("%")
    while i >= 0:
        j = i + 1
        if not s.startswith("%", j):
            number, j = _digits_dollar(s, j)
            if number < 0:
                return spans
            while j < len(s) and s[j] in "0- '":
                if s[j] == "'":
                    if j + 1 >= len(s):
                        return spans
                    j += 1  # the padding character, whatever it is
                j += 1
            j = _skip(s, j, "0123456789")
            if j < len(s) and s[j] == ".":
                if not (j + 1 < len(s) and s[j + 1] in _DIGITS):
                    return spans
                j = _skip(s, j + 1, "0123456789")
            if s.startswith("l", j):
                j += 1
            if j >= len(s) or s[j] not in "bduoxXefcs":
                return spans
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


def _tcl(s: str, translated: bool) -> list[Span]:
    """format-tcl.c: %% or %[N$][ +-#0][W|*][.P|.*][h|l](c|s|i|d|u|o|x|X|e|E|f|g|G)."""
    spans: list[Span] = []
    numbered = unnumbered = False
    i = s.find("%")
    while i >= 0:
        j = i + 1
        if not s.startswith("%", j):
            number, j = _digits_dollar(s, j)
            if number < 0 or (number and unnumbered) or (not number and numbered):
                return spans
            numbered, unnumbered = numbered or bool(number), unnumbered or not number
            j = _skip(s, j, " +-#0")
            j = j + 1 if s.startswith("*", j) else _skip(s, j, "0123456789")
            if s.startswith(".", j):
                j = j + 2 if s.startswith("*", j + 1) else _skip(s, j + 1, "0123456789")
            if j < len(s) and s[j] in "hl":
                j += 1
            if j >= len(s) or s[j] not in "csiduoxXeEfgG":
                return spans
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


def _lua(s: str, translated: bool) -> list[Span]:
    """format-lua.c: %% or %[W][.P](c|d|i|o|u|X|x|a|A|E|e|f|g|G|s|q)."""
    spans: list[Span] = []
    i = s.find("%")
    while i >= 0:
        j = i + 1
        if not s.startswith("%", j):
            j = _skip(s, j, "0123456789")
            if s.startswith(".", j):
                j = _skip(s, j + 1, "0123456789")
            if j >= len(s) or s[j] not in "cdiouXxaAEefgGsq":
                return spans
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


def _object_pascal(s: str, translated: bool) -> list[Span]:
    """format-pascal.c: %% or %[N:|*:][-][W|*][.P|.*]conversion, conversions in either case."""
    spans: list[Span] = []
    i = s.find("%")
    while i >= 0:
        j = i + 1
        if not s.startswith("%", j):
            k = _skip(s, j, "0123456789")
            if s.startswith(":", k):
                j = k + 1
            elif s.startswith("*:", j):
                j += 2
            if s.startswith("-", j):
                j += 1
            j = j + 1 if s.startswith("*", j) else _skip(s, j, "0123456789")
            if s.startswith(".", j):
                if s.startswith("*", j + 1):
                    j += 2
                elif j + 1 < len(s) and s[j + 1] in _DIGITS:
                    j = _skip(s, j + 1, "0123456789")
                else:
                    return spans
            if j >= len(s) or s[j].lower() not in "duxefgnmsp" or not s[j].isascii():
                return spans
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


_PARSERS: dict[str, _Parser] = {
    **{name: partial(_printf, dialect) for name, dialect in _DIALECTS.items()},
    "python": _python,
    "javascript": _javascript,
    "php": _php,
    "tcl": _tcl,
    "lua": _lua,
    "object-pascal": _object_pascal,
    **PLACEHOLDER_PARSERS,
}
LANGUAGES = frozenset(_PARSERS)


def protected(language: str, value: str, translated: bool) -> bytearray | None:
    """One byte per character of `value`: 1 where a line may not break before it (inside a valid
    directive, after its first character), else 0; None when nothing is protected.

    >>> list(protected("c", "a %-5s", False) or [])
    [0, 0, 0, 1, 1, 1]
    """
    parser = _PARSERS.get(language)
    if parser is None:
        return None
    marks = bytearray(len(value))
    any_mark = False
    for first, last in parser(value, translated):
        if last > first:
            marks[first + 1 : last + 1] = b"\x01" * (last - first)
            any_mark = True
    return marks if any_mark else None
