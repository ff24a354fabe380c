"""Directive extents of the placeholder-style formats: `{name}`, `{0,-5}`, `%1`, `%n`, `$var`.

Part of `directives` (see there): each parser returns the (first, last) index of every directive
gettext 0.21 accepts before the first one it rejects, where it stops. Ported from
gettext-tools/src/format-{python-brace,perl-brace,csharp,qt,qt-plural,kde,smalltalk,sh}.c.
"""

from __future__ import annotations

from .format_scan import Span, digits_end, identifier_end, isdigit

__all__ = ["PLACEHOLDER_PARSERS"]


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
    j = identifier_end(s, i)
    if j == i:
        j = digits_end(s, i)
        if j == i:
            raise _BraceError(i - brace)
    i = j
    while i < n and s[i] in ".[":
        bracket = s[i] == "["
        i += 1
        j = identifier_end(s, i)
        if bracket and j == i:
            j = digits_end(s, i)
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
            i = digits_end(s, i)
            if i < n and s[i] == ".":
                i = digits_end(s, i + 1)
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


def _perl_brace(s: str, translated: bool) -> list[Span]:
    """{name}; anything else is text, never an error."""
    spans: list[Span] = []
    i = s.find("{")
    while i >= 0:
        end = identifier_end(s, i + 1)
        if end > i + 1 and end < len(s) and s[end] == "}":
            spans.append((i, end))
            i = s.find("{", end + 1)
        else:
            i = s.find("{", i + 1)
    return spans


def _csharp(s: str, translated: bool) -> list[Span]:
    """{N[,[-]W][:spec]} and the doubled braces `{{` `}}`; a lone `}` is an error."""
    spans: list[Span] = []
    n = len(s)
    i = 0
    while i < n:
        c = s[i]
        start = i
        i += 1
        if c == "{":
            if i < n and s[i] == "{":
                i += 1
            else:
                j = digits_end(s, i)
                if j == i:
                    return spans
                i = j
                if i < n and s[i] == ",":
                    i += 1
                    if i < n and s[i] == "-":
                        i += 1
                    j = digits_end(s, i)
                    if j == i:
                        return spans
                    i = j
                if i < n and s[i] == ":":
                    end = s.find("}", i)
                    i = n if end < 0 else end
                if i >= n or s[i] != "}":
                    return spans
                i += 1
            spans.append((start, i - 1))
        elif c == "}":
            if i < n and s[i] == "}":
                i += 1
            else:
                return spans
            spans.append((start, i - 1))
    return spans


def _percent_number(s: str, locale: bool, first: str, more: bool) -> list[Span]:
    """Qt's %[L]N[N], KDE's %N…: a `%` not followed by a directive is text."""
    spans: list[Span] = []
    i = s.find("%")
    while i >= 0:
        j = i + 1
        if locale and s.startswith("L", j):
            j += 1
        if j < len(s) and s[j] in first:
            if more:
                j = digits_end(s, j + 1) - 1
            elif j + 1 < len(s) and isdigit(s[j + 1]) and first == "0123456789":
                j += 1  # Qt reads at most two digits
            spans.append((i, j))
            i = s.find("%", j + 1)
        else:
            i = s.find("%", i + 1)
    return spans


def _qt(s: str, translated: bool) -> list[Span]:
    return _percent_number(s, locale=True, first="0123456789", more=False)


def _qt_plural(s: str, translated: bool) -> list[Span]:
    return _percent_number(s, locale=True, first="n", more=False)


def _kde(s: str, translated: bool) -> list[Span]:
    return _percent_number(s, locale=False, first="123456789", more=True)


def _smalltalk(s: str, translated: bool) -> list[Span]:
    """%1 … %9 and %%; any other `%` is an error."""
    spans: list[Span] = []
    i = s.find("%")
    while i >= 0:
        if i + 1 < len(s) and (s[i + 1] == "%" or s[i + 1] in "123456789"):
            spans.append((i, i + 1))
            i = s.find("%", i + 2)
        else:
            return spans
    return spans


def _sh(s: str, translated: bool) -> list[Span]:
    """$name and ${name}; `$` before anything else, or an odd ${…}, is an error."""
    spans: list[Span] = []
    n = len(s)
    i = s.find("$")
    while i >= 0:
        j = i + 1
        if j < n and s[j] == "{":
            j += 1
            name_start = j
            while j < n and s[j] != "}":
                c = s[j]
                if not c.isascii():
                    return spans
                if j > name_start and c in "-=+?:":
                    return spans
                if not (c.isalnum() or c == "_") or (j == name_start and isdigit(c)):
                    return spans
                j += 1
            if j >= n or j == name_start:
                return spans
            spans.append((i, j))
        elif j < n and s[j].isascii() and (s[j].isalpha() or s[j] == "_"):
            j = identifier_end(s, j)
            spans.append((i, j - 1))
            j -= 1
        else:
            return spans
        i = s.find("$", j + 1)
    return spans


PLACEHOLDER_PARSERS = {
    "python-brace": _python_brace,
    "perl-brace": _perl_brace,
    "csharp": _csharp,
    "qt": _qt,
    "qt-plural": _qt_plural,
    "kde": _kde,
    "smalltalk": _smalltalk,
    "ycp": _smalltalk,  # format-smalltalk.c serves both
    "sh": _sh,
}
