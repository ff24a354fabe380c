"""Where a PO string may not be broken: inside a format directive (gettext's writer keeps
`%-5s` or `%(name)s` on one line, breaking at most before the `%`).

gettext finds directives with the parser of the entry's first format language (`#, c-format`…) and
marks each from its first to its last character; a directive the parser rejects may be broken, as
may everything after the first error, where the parser stops. This module reproduces those extents
for the languages below (gettext-tools/src/format-*.c, 0.21); other languages get no protection.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LANGUAGES", "protected"]

Span = tuple[int, int]  # a valid directive: first and last index (inclusive)
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


def _identifier(s: str, i: int) -> int:
    """End of a [A-Za-z_][A-Za-z0-9_]* at i, or i when there is none."""
    if i < len(s) and (s[i].isascii() and (s[i].isalpha() or s[i] == "_")):
        i += 1
        while i < len(s) and s[i].isascii() and (s[i].isalnum() or s[i] == "_"):
            i += 1
    return i


def _number(s: str, i: int) -> int:
    while i < len(s) and s[i] in _DIGITS:
        i += 1
    return i


class _BraceError(Exception):
    """A rejected directive; `at` is where format-python-brace.c marks the error."""

    def __init__(self, at: int) -> None:
        self.at = at


def _brace_directive(s: str, i: int, toplevel: bool) -> int:
    """format-python-brace.c's parse_directive at the `{` at i: the index of its `}` (or of the
    second `{` of a literal `{{`). Raises _BraceError where gettext rejects it."""
    n = len(s)
    brace = i
    i += 1
    if i < n and s[i] == "{":
        return i
    j = _identifier(s, i)
    if j == i:
        j = _number(s, i)
        if j == i:
            raise _BraceError(i - brace)
    i = j
    while i < n and s[i] in ".[":
        bracket = s[i] == "["
        i += 1
        j = _identifier(s, i)
        if bracket and j == i:
            j = _number(s, i)
        if j == i:
            raise _BraceError(i - brace)
        i = j
        if bracket:
            if i >= n or s[i] != "]":
                raise _BraceError(i + 1 - brace)
            i += 1
    if i < n and s[i] == ":":
        if not toplevel:
            raise _BraceError(i - brace)
        i += 1
        if i < n and s[i] == "{":
            i = _brace_directive(s, i, False) + 1
            if i >= n or s[i] != "}":
                raise _BraceError(i - brace)
        else:
            if i + 1 < n and s[i + 1] in "<>=^":
                i += 2
            elif i < n and s[i] in "<>=^":
                i += 1
            for optional in ("+- ", "#", "0"):
                if i < n and s[i] in optional:
                    i += 1
            i = _number(s, i)
            if i < n and s[i] == ".":
                i = _number(s, i + 1)
            if i < n and s[i] in "bcdoxXneEfFgG%":
                i += 1
            if i >= n or s[i] != "}":
                raise _BraceError(i - brace)
    if i >= n or s[i] != "}":
        raise _BraceError(i - brace)
    return i


def _python_brace(s: str, translated: bool) -> list[Span]:
    """format-python-brace.c, including a quirk of 0.21: its marks are offsets from each
    directive's `{`, not from the string's start. So every directive marks a start at index 0
    and an end at its own length - 1; the writer then protects the string's first characters,
    up to the nearest such mark, and nothing where the directives really are."""
    ends: list[int] = []
    error = None
    i = 0
    while i < len(s):
        if s[i] != "{":
            i += 1
            continue
        try:
            end = _brace_directive(s, i, True)
        except _BraceError as e:
            error = e.at
            break
        if s[end] == "}":
            ends.append(end - i)
        i = end + 1
    if not ends:
        return []  # no directive parsed: no start mark at all
    first = min(ends)
    if error is not None and error <= first:
        return []  # the nearest mark is an error: gettext leaves that extent unprotected
    return [(0, first)]


_PARSERS: dict[str, _Parser] = {
    "c": _c,
    "objc": _objc,
    "python": _python,
    "python-brace": _python_brace,
}
LANGUAGES = frozenset(_PARSERS)


def protected(language: str, value: str, translated: bool) -> bytearray | None:
    """One byte per character of `value`: 1 where a line may not break before it (inside a valid
    directive, after its first character), else 0; None when nothing is protected.

    >>> list(protected("c", "a %-5s", False) or [])
    [0, 0, 0, 1, 1, 1]
    """
    parser = _PARSERS.get(language)
    if parser is None or ("%" not in value and "{" not in value):
        return None
    marks = bytearray(len(value))
    any_mark = False
    for first, last in parser(value, translated):
        if last > first:
            marks[first + 1 : last + 1] = b"\x01" * (last - first)
            any_mark = True
    return marks if any_mark else None
