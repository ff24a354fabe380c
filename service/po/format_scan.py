"""What the format-string parsers share (`format_c`, `format_python`, `directives`, `placeholders`):
their error, the directive extents they report, and reading characters, numbers and names at an
index the way gettext's C code does.
"""

from __future__ import annotations

__all__ = ["InvalidFormat", "Span", "at", "digits", "digits_end", "identifier_end", "isdigit"]

Span = tuple[int, int]  # a directive: the index of its first and of its last character


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


def digits_end(s: str, i: int) -> int:
    """The index after the ASCII digits at s[i:] (i when there are none)."""
    while i < len(s) and "0" <= s[i] <= "9":
        i += 1
    return i


def identifier_end(s: str, i: int) -> int:
    """The index after an ASCII identifier ([A-Za-z_][A-Za-z0-9_]*) at s[i:], or i.

    >>> identifier_end("{name_2}", 1), identifier_end("{2}", 1)
    (7, 1)
    """
    if i < len(s) and s[i].isascii() and (s[i].isalpha() or s[i] == "_"):
        i += 1
        while i < len(s) and s[i].isascii() and (s[i].isalnum() or s[i] == "_"):
            i += 1
    return i


def at(s: str, i: int) -> str:
    """s[i], or "" past the end (where C reads the terminating NUL)."""
    return s[i] if i < len(s) else ""
