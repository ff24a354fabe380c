"""Format strings of c, objc, python and python-brace (gettext's format-*.c), the one entry point
to their parsers in `format_c` and `format_python`: msgfmt -c's check of an entry (`problems`, which
merge asks too) and the directive extents gettext's writer keeps whole (`directive_spans`).
"""

from __future__ import annotations

from .format_c import compare_c, parse_c
from .format_python import (
    PythonSpec,
    compare_brace,
    compare_python,
    parse_python,
    parse_python_brace,
)
from .format_scan import InvalidFormat, Span
from .plural import Distribution

__all__ = [
    "CHECKED",
    "PRETTY",
    "SPANNED",
    "InvalidFormat",
    "compare",
    "directive_spans",
    "parse_format",
    "problems",
]

PRETTY = {"c": "C", "objc": "Objective C", "python": "Python", "python-brace": "Python brace"}
CHECKED = frozenset(PRETTY)


def parse_format(language: str, s: str, translated: bool) -> object:
    """The specification of `s` as a format string of `language` (one of CHECKED)."""
    if language in ("c", "objc"):
        return parse_c(s, translated, objc=language == "objc")
    if language == "python":
        return parse_python(s)
    return parse_python_brace(s)


# The languages whose directives gettext's writer finds with msgfmt -c's own parser, as here.
# (python-brace too in gettext, but 0.21's writer misplaces those marks: see `placeholders`.)
SPANNED = ("c", "objc", "python")


def directive_spans(language: str, s: str, translated: bool) -> list[Span]:
    """The extents of the directives of `s` (a SPANNED language) read before the first error:
    where gettext's writer never breaks a line.

    >>> directive_spans("c", "%d of %s, %q and %d", False)
    [(0, 1), (6, 7)]
    """
    found: list[Span] = []
    try:
        if language == "python":
            parse_python(s, found)
        else:
            parse_c(s, translated, language == "objc", found)
    except InvalidFormat:
        pass  # what the parser read before the error stays marked, as in gettext
    return found


def compare(
    language: str, a: object, b: object, strict: bool, msgid: str, msgstr: str
) -> list[str]:
    """What msgfmt reports when msgstr's specification `b` does not fit msgid's `a`."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return compare_c(a, b, strict, msgid, msgstr)
    if isinstance(a, PythonSpec) and isinstance(b, PythonSpec):
        return compare_python(a, b, strict, msgid, msgstr)
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        return compare_brace(a, b, strict, msgid, msgstr)
    raise TypeError(f"specifications of different languages: {language}")


def problems(
    language: str,
    msgid: str,
    msgid_plural: str | None,
    msgstr: tuple[str, ...],
    span: tuple[int, int] | None,
    dist: Distribution | None,
) -> list[str]:
    """What `msgfmt -c` reports for an entry declared a `language` format string (one of
    CHECKED): msgl-check.c's check_msgid_msgstr_format_i, which msgmerge also asks to decide
    whether an entry becomes fuzzy. `span` is the entry's range, `dist` the plural forms'
    distribution (None when there is none to trust: every form is then checked relaxed)."""
    source = msgid_plural if msgid_plural is not None else msgid
    try:
        spec = parse_format(language, source, translated=False)
    except InvalidFormat:
        return []  # an invalid msgid is not checked at all
    pretty_msgid = "msgid" if msgid_plural is None else "msgid_plural"
    found: list[str] = []
    for j, text in enumerate(msgstr):
        pretty_msgstr = "msgstr" if msgid_plural is None else f"msgstr[{j}]"
        try:
            other = parse_format(language, text, translated=True)
        except InvalidFormat as e:
            found.append(
                f"'{pretty_msgstr}' is not a valid {PRETTY[language]} format string, unlike "
                f"'{pretty_msgid}'. Reason: {e}"
            )
            continue
        # Relaxed for a plural form that serves finitely many n (or one n in the range).
        strict = (
            msgid_plural is None
            or len(msgstr) == 1
            or (
                dist is not None
                and dist.often is not None
                and j < len(dist.often)
                and dist.often[j]
                and not (span is not None and dist.histogram(*span, j) <= 1)
            )
        )
        found += compare(language, spec, other, strict, pretty_msgid, pretty_msgstr)
    return found
