"""What the format-string parsers of `service.po.format_c` and `service.po.format_python` share:
their error, and reading a character or a number at an index the way gettext's C code does.
"""

from __future__ import annotations

__all__ = ["InvalidFormat", "at", "digits", "isdigit"]


class InvalidFormat(ValueError):
    """The string is not a valid format string of the language; the message says why."""


def isdigit(c: str) -> bool:
    return "0" <= c <= "9" and c != ""


def digits(s: str, i: int) -> tuple[int, int]:
    """The number written at s[i:] (wrapping like C's unsigned int) and the index after it."""
    value = 0
    while i < len(s) and isdigit(s[i]):
        value = (value * 10 + ord(s[i]) - 48) & 0xFFFFFFFF
        i += 1
    return value, i


def at(s: str, i: int) -> str:
    """s[i], or "" past the end (where C reads the terminating NUL)."""
    return s[i] if i < len(s) else ""
