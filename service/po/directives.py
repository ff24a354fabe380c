"""Where a PO string may not be broken: inside a format directive (gettext's writer keeps
`%-5s` or `%(name)s` on one line, breaking at most before the `%`).

gettext finds directives with the parser of the entry's first format language (`#, c-format`…) and
marks each from its first to its last character; a directive the parser rejects may be broken, as
may everything after the first error, where the parser stops. This module reproduces those extents
for the languages below (gettext-tools/src/format-*.c, 0.21); other languages get no protection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from . import formats
from .format_scan import Span, digits_end
from .placeholders import PLACEHOLDER_PARSERS

__all__ = ["protected"]

_Parser = Callable[[str, bool], list[Span]]


def _position(s: str, i: int, zero_is_error: bool = True) -> tuple[int, int]:
    """An `N$` at i: (N, index after it); (0, i) when there is none; (-1, i) when rejected."""
    j = digits_end(s, i)
    if j == i or j >= len(s) or s[j] != "$":
        return 0, i
    number = int(s[i:j])
    if number == 0:
        return (-1, i) if zero_is_error else (0, i)
    return number, j + 1


def _conversion(s: str, j: int, conversions: str) -> int:
    """j when s[j] is one of `conversions`, else -1 (the parser stops there)."""
    return j if j < len(s) and s[j] in conversions else -1


def _each_percent(s: str, directive: Callable[[int], int]) -> list[Span]:
    """The extents of `%%` and of each directive that `directive` reads from just after its `%`
    (returning the index of its last character, or -1 where the parser rejects it and stops)."""
    spans: list[Span] = []
    i = s.find("%")
    while i >= 0:
        j = i + 1
        if not s.startswith("%", j):
            j = directive(j)
            if j < 0:
                return spans
        spans.append((i, j))
        i = s.find("%", j + 1)
    return spans


@dataclass(frozen=True)
class _Printf:
    """A printf dialect as its format-*.c parser reads it (C's own is `format_c`, the checker's)."""

    flags: str
    conversions: str
    star_position: bool = True  # `*N$`
    zero_position_is_error: bool = True  # `%0$…` rejected (else `0` is read as a flag)
    exclusive: bool = True  # numbered and unnumbered arguments may not mix
    star: bool = True  # `*` widths and precisions


def _printf(dialect: _Printf, s: str, translated: bool) -> list[Span]:
    """%[N$][flags][width][.precision]conversion."""
    numbering: set[bool] = set()  # True for a numbered argument, False for an unnumbered one

    def argument(number: int) -> bool:
        numbering.add(number > 0)
        return not (dialect.exclusive and len(numbering) > 1)

    def directive(j: int) -> int:
        number, j = _position(s, j, dialect.zero_position_is_error)
        if number < 0:
            return -1
        while j < len(s) and s[j] in dialect.flags:
            j += 1
        for precision in (False, True):
            if precision:
                if not s.startswith(".", j):
                    break
                j += 1
            if dialect.star and s.startswith("*", j):
                arg, j = _position(s, j + 1) if dialect.star_position else (0, j + 1)
                if arg < 0 or not argument(arg):
                    return -1
            else:
                j = digits_end(s, j)
        j = _conversion(s, j, dialect.conversions)
        return -1 if j >= 0 and s[j] != "%" and not argument(number) else j

    return _each_percent(s, directive)


_DIALECTS = {
    "awk": _Printf(" +-#0", "%csiduoxXeEfgG"),
    "elisp": _Printf(
        " +-#0",
        "%cdixXoeEfgGsS",
        star_position=False,
        zero_position_is_error=False,
        exclusive=False,
    ),
    "librep": _Printf(
        "-^0+ ", "%cdxXosS", zero_position_is_error=False, exclusive=False, star=False
    ),
}


def _javascript(s: str, translated: bool) -> list[Span]:
    """format-javascript.c: %[N$][-+ 0I][W][.P](%|c|s|b|d|o|x|X|f|j)."""
    return _printf(_Printf("-+ 0I", "%csbdoxXfj", star=False), s, translated)


def _php(s: str, translated: bool) -> list[Span]:
    """format-php.c: %% or %[N$][0- ]['X][W][.P][l](b|d|u|o|x|X|e|f|c|s)."""

    def directive(j: int) -> int:
        number, j = _position(s, j)
        if number < 0:
            return -1
        while j < len(s) and s[j] in "0- '":
            if s[j] == "'":
                if j + 1 >= len(s):
                    return -1
                j += 1  # the padding character, whatever it is
            j += 1
        j = digits_end(s, j)
        if s.startswith(".", j):
            if digits_end(s, j + 1) == j + 1:
                return -1
            j = digits_end(s, j + 1)
        if s.startswith("l", j):
            j += 1
        return _conversion(s, j, "bduoxXefcs")

    return _each_percent(s, directive)


def _tcl(s: str, translated: bool) -> list[Span]:
    """format-tcl.c: %% or %[N$][ +-#0][W|*][.P|.*][h|l](c|s|i|d|u|o|x|X|e|E|f|g|G)."""
    numbering: set[bool] = set()  # numbered and unnumbered arguments may not mix

    def directive(j: int) -> int:
        number, j = _position(s, j)
        numbering.add(number > 0)
        if number < 0 or len(numbering) > 1:
            return -1
        while j < len(s) and s[j] in " +-#0":
            j += 1
        j = j + 1 if s.startswith("*", j) else digits_end(s, j)
        if s.startswith(".", j):
            j = j + 2 if s.startswith("*", j + 1) else digits_end(s, j + 1)
        if j < len(s) and s[j] in "hl":
            j += 1
        return _conversion(s, j, "csiduoxXeEfgG")

    return _each_percent(s, directive)


def _lua(s: str, translated: bool) -> list[Span]:
    """format-lua.c: %% or %[W][.P](c|d|i|o|u|X|x|a|A|E|e|f|g|G|s|q)."""

    def directive(j: int) -> int:
        j = digits_end(s, j)
        if s.startswith(".", j):
            j = digits_end(s, j + 1)
        return _conversion(s, j, "cdiouXxaAEefgGsq")

    return _each_percent(s, directive)


def _object_pascal(s: str, translated: bool) -> list[Span]:
    """format-pascal.c: %% or %[N:|*:][-][W|*][.P|.*]conversion, conversions in either case."""

    def directive(j: int) -> int:
        k = digits_end(s, j)
        if s.startswith(":", k):
            j = k + 1
        elif s.startswith("*:", j):
            j += 2
        if s.startswith("-", j):
            j += 1
        j = j + 1 if s.startswith("*", j) else digits_end(s, j)
        if s.startswith(".", j):
            if s.startswith("*", j + 1):
                j += 2
            elif digits_end(s, j + 1) > j + 1:
                j = digits_end(s, j + 1)
            else:
                return -1
        if j >= len(s) or s[j].lower() not in "duxefgnmsp" or not s[j].isascii():
            return -1
        return j

    return _each_percent(s, directive)


_PARSERS: dict[str, _Parser] = {
    # c, objc and python: msgfmt -c's own parsers. python-brace is not among them although
    # gettext's writer and msgfmt -c call one parser for it too: 0.21's writer misplaces that
    # parser's marks (see `placeholders._python_brace`), so the writer keeps its own port.
    **{name: partial(formats.directive_spans, name) for name in formats.SPANNED},
    **{name: partial(_printf, dialect) for name, dialect in _DIALECTS.items()},
    "javascript": _javascript,
    "php": _php,
    "tcl": _tcl,
    "lua": _lua,
    "object-pascal": _object_pascal,
    **PLACEHOLDER_PARSERS,
}


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
