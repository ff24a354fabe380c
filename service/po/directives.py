"""Where a PO string may not be broken: inside a format directive (gettext's writer keeps
`%-5s` or `%(name)s` on one line, breaking at most before the `%`).

gettext finds directives with the parser of the entry's first format language (`#, c-format`…) and
marks each from its first to its last character; a directive the parser rejects may be broken, as
may everything after the first error, where the parser stops. This module reproduces those extents
for the languages below (gettext-tools/src/format-*.c, 0.21); other languages get no protection.
"""

from __future__ import annotations

from collections.abc import Callable

from .placeholders import PLACEHOLDER_PARSERS, Span

__all__ = ["LANGUAGES", "protected"]

_Parser = Callable[[str, bool], list[Span]]

_DIGITS = frozenset("0123456789")


def _c_like(s: str, translated: bool, objc: bool) -> list[Span]:
    """format-c-parse.h: printf with %N$ positions, flags, `*`/`*N$` widths and precisions,
    size letters, <PRIxNN> macros, and the objc `%@`."""
    spans: list[Span] = []
    n = len(s)
    numbered = unnumbered = 0
    i = 0

    def at(k: int) -> str:
        return s[k] if k < n else ""

    while i < n:
        if s[i] != "%":
            i += 1
            continue
        start = i
        i += 1
        number = 0
        if at(i) in _DIGITS and at(i):
            j = i
            while at(j) and at(j) in _DIGITS:
                j += 1
            if at(j) == "$":
                if int(s[i:j]) == 0:
                    return spans
                number = int(s[i:j])
                i = j + 1
        while at(i) and (at(i) in " +-#0'" or (translated and at(i) == "I")):
            i += 1
        for precision in (False, True):
            if precision:
                if at(i) != ".":
                    break
                i += 1
            if at(i) == "*":
                i += 1
                arg = 0
                if at(i) and at(i) in _DIGITS:
                    j = i
                    while at(j) and at(j) in _DIGITS:
                        j += 1
                    if at(j) == "$":
                        if int(s[i:j]) == 0:
                            return spans
                        arg = int(s[i:j])
                        i = j + 1
                if (arg and unnumbered) or (not arg and numbered):
                    return spans
                numbered, unnumbered = numbered + bool(arg), unnumbered + (not arg)
            else:
                while at(i) and at(i) in _DIGITS:
                    i += 1
        if at(i) == "<":
            i += 1
            for expected in "PRI":
                if at(i) != expected:
                    return spans
                i += 1
            if not (at(i) and at(i) in "idouxX"):
                return spans
            i += 1
            for word in ("MAX", "PTR", "LEAST8", "LEAST16", "LEAST32", "LEAST64", "FAST8",
                         "FAST16", "FAST32", "FAST64", "8", "16", "32", "64"):
                if s.startswith(word, i):
                    i += len(word)
                    break
            else:
                return spans
            if at(i) != ">":
                return spans
            takes_arg = True
        else:
            while at(i) and at(i) in "hlLqjzZt":
                i += 1
            c = at(i)
            if c and (c in "%mcCsSiduoxXeEfFgGaApn" or (objc and c == "@")):
                takes_arg = c not in "%m"
            else:
                return spans
        if takes_arg:
            if (number and unnumbered) or (not number and numbered):
                return spans
            numbered, unnumbered = numbered + bool(number), unnumbered + (not number)
        spans.append((start, i))
        i += 1
    return spans


def _c(s: str, translated: bool) -> list[Span]:
    return _c_like(s, translated, objc=False)


def _objc(s: str, translated: bool) -> list[Span]:
    return _c_like(s, translated, objc=True)


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


_PARSERS: dict[str, _Parser] = {
    "c": _c,
    "objc": _objc,
    "python": _python,
    "javascript": _javascript,
    "php": _php,
    "tcl": _tcl,
    "lua": _lua,
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
