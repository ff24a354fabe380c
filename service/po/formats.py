"""Format-string checks of `msgfmt -c` for c, objc, python and python-brace (format-*.c).

Each language has a parser (a string → its argument specification, or InvalidFormat) and a
comparison (msgid's specification, msgstr's, strict or relaxed → the problems found): C and
Objective C in `format_c`, Python and Python brace in `format_python`; this module is the one
entry point. The other format languages gettext knows (`model.FORMAT_FLAGS`) are not checked here.
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
from .format_scan import InvalidFormat

__all__ = ["CHECKED", "PRETTY", "InvalidFormat", "compare", "parse"]

PRETTY = {"c": "C", "objc": "Objective C", "python": "Python", "python-brace": "Python brace"}
CHECKED = frozenset(PRETTY)


def parse(language: str, s: str, translated: bool) -> object:
    """The specification of `s` as a format string of `language` (one of CHECKED)."""
    if language in ("c", "objc"):
        return parse_c(s, translated, objc=language == "objc")
    if language == "python":
        return parse_python(s)
    return parse_python_brace(s)


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
