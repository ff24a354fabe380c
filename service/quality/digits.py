"""Numbers written in digits, as values, read the way each locale writes them.

`0.5` in English and `0,5` in Spanish are the same dose; `١٠` is ten in Arabic and `１０` in full-width
Chinese. Separators come from CLDR (Babel) for every numbering system the locale has, so the checks
compare values, never spellings. Used by `service.quality.numbers`, on the text a patient sees.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from babel.numbers import UnsupportedNumberingSystemError, get_decimal_symbol, get_group_symbol

from service.core.locales import babel_locale

__all__ = ["DIGIT", "Figure", "figures_in"]

_SPACES = (
    "\u00a0\u202f\u2009"  # group separators that are spaces (never a plain space: "take 2 3 times")
)
DIGIT = re.compile(r"\d")  # a decimal digit of any script (Arabic-Indic, full-width…)
_TOKEN = re.compile(rf"\d+(?:[.,'{_SPACES}\u066b\u066c]\d+)*")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}|%\([A-Za-z_]\w*\)[sdifr]")


def _ascii_digits(text: str) -> str:
    """Every decimal digit (Arabic-Indic, full-width, …) as ASCII; full-width `，．` as `,.`.

    >>> _ascii_digits("٥٦ و١٠")
    '56 و10'
    """
    if text.isascii():
        return text
    return _OTHER_DIGIT.sub(_as_ascii, text)


# A decimal digit of another script, or `，．`: the pattern starts with a set, which `re` skips to
_OTHER_DIGIT = re.compile(r"[\d，．](?<![0-9])")


def _as_ascii(found: re.Match[str]) -> str:
    return _ASCII[ord(found.group())]


class _AsciiTable(dict[int, str]):
    """A table filled as characters are met: a decimal digit of any script as its
    ASCII digit, `，．` as `,.`, anything else as itself."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        digit = unicodedata.decimal(ch, None)
        self[code] = found = str(digit) if digit is not None else {"，": ",", "．": "."}.get(ch, ch)
        return found


_ASCII = _AsciiTable()


@lru_cache(maxsize=64)
def _symbols(locale: str) -> tuple[frozenset[str], frozenset[str]]:
    """Decimal and group separators of the locale's own numbering systems (Latin digits and native)."""
    cldr = babel_locale(locale)
    systems = {
        "latn",
        cldr.default_numbering_system,
        cldr.other_numbering_systems.get("native", "latn"),
    }
    decimals, groups = set(), set()
    for system in systems:
        try:
            decimals.add(get_decimal_symbol(locale.replace("-", "_"), numbering_system=system))
            groups.add(get_group_symbol(locale.replace("-", "_"), numbering_system=system))
        except UnsupportedNumberingSystemError:  # listed by CLDR, but without symbols here
            continue
    return frozenset(decimals), frozenset(groups | set(_SPACES))


_SEPARATOR = re.compile(rf"([.,'{_SPACES}\u066b\u066c])")


def _value(token: str, decimals: frozenset[str], groups: frozenset[str]) -> Decimal:
    parts = _SEPARATOR.split(token)
    digits, seps = parts[0::2], parts[1::2]
    if not seps:
        return Decimal(token)
    last = seps[-1]
    grouped = all(len(d) == 3 for d in digits[1:])
    if last in decimals and last not in groups:
        return Decimal("".join(digits[:-1]) + "." + digits[-1])
    if last in groups and grouped:
        return Decimal("".join(digits))
    if last in ".,\u066b":  # the other convention (a translator kept `0.5` in Spanish)
        return Decimal("".join(digits[:-1]) + "." + digits[-1])
    return Decimal("".join(digits))


def _canon(value: Decimal) -> Decimal:
    """One spelling per value: 1000 (not 1E+3), 0.5 (not 0.50)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _number(token: str, decimals: frozenset[str], groups: frozenset[str]) -> Decimal:
    """A token's value in its one spelling; a run of ASCII digits alone (most numbers) is read
    without Decimal's arithmetic.

    >>> [_number(t, frozenset("."), frozenset(",")) for t in ("0030", "1,000", "0.50", "0")]
    [Decimal('30'), Decimal('1000'), Decimal('0.5'), Decimal('0')]
    """
    if token.isdigit() and token.isascii():  # int() refuses more than 4,300 digits
        return Decimal(int(token)) if len(token) < 20 else _canon(Decimal(token))
    return _canon(_value(token, decimals, groups))


def _plain(text: str) -> str:
    """The text with its placeholders blanked and its digits ASCII, every character where it was.

    >>> _plain("{n5} ٥٦ %(n6)s")
    '     56       '
    """
    if "{" in text or "%(" in text:
        text = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)
    return _ascii_digits(text)


class Figure(NamedTuple):  # a tuple: made for every number of every text on every load
    """A number written in digits, where it is in the text."""

    start: int
    end: int
    value: Decimal


def figures_in(text: str, locale: str) -> tuple[Figure, ...]:
    """The numbers written in digits, as values, in order; placeholders are not text.

    >>> [f.value for f in figures_in("Take 0,5 mL, then 1.000 mg", "es")]
    [Decimal('0.5'), Decimal('1000')]
    >>> [f.value for f in figures_in("2–4 times, 1,000 people, {n5}", "en")]
    [Decimal('2'), Decimal('4'), Decimal('1000')]
    """
    if not DIGIT.search(text):  # most list items and headings: nothing to read
        return ()
    decimals, groups = _symbols(locale)
    found = []
    for m in _TOKEN.finditer(_plain(text)):
        try:
            found.append(Figure(m.start(), m.end(), _number(m.group(), decimals, groups)))
        except InvalidOperation:
            continue
    return tuple(found)
