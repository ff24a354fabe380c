"""Numbers and dose units as values, read the way each locale writes them.

`0.5` in English and `0,5` in Spanish are the same dose; `١٠` is ten in Arabic and `１０` in full-width
Chinese. Separators come from CLDR (Babel) for every numbering system the locale has, so the checks
compare values, never spellings. Used by the `numbers` and `units` checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import UnsupportedNumberingSystemError, get_decimal_symbol, get_group_symbol

from service.core.locales import babel_locale

__all__ = ["UNITS", "doses_in", "number_words_in", "numbers_in"]

_SPACES = (
    "\u00a0\u202f\u2009"  # group separators that are spaces (never a plain space: "take 2 3 times")
)
_DIGIT = re.compile(r"\d")  # a decimal digit of any script (Arabic-Indic, full-width…)
_TOKEN = re.compile(rf"\d+(?:[.,'{_SPACES}\u066b\u066c]\d+)*")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[a-z][a-z0-9+.-]*:[^>]*>|https?://\S+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}|%\([A-Za-z_]\w*\)[sdifr]")
_WORDS: dict[str, int | Decimal] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "once": 1, "twice": 2, "single": 1,
    "half": Decimal("0.5"), "first": 1, "second": 2, "third": 3,
}  # fmt: skip

# Dose units and how locales write them; each maps to one canonical symbol.
UNITS: dict[str, tuple[str, ...]] = {
    "mg": ("mg", "毫克", "ملغ", "مغ"),
    "mL": ("ml", "毫升", "مل"),
    "µg": ("µg", "μg", "mcg", "微克", "ميكروغرام"),
    "%": ("%", "٪", "％"),
}
_ALIAS = {alias.casefold(): unit for unit, aliases in UNITS.items() for alias in aliases}
_DOSE = re.compile(
    rf"({_TOKEN.pattern})[ {_SPACES}]?("
    + "|".join(sorted((re.escape(a) for a in _ALIAS), key=len, reverse=True))
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)


def _ascii_digits(text: str) -> str:
    """Every decimal digit (Arabic-Indic, full-width, …) as ASCII; full-width `，．` as `,.`.

    >>> _ascii_digits("٥٦ و١٠")
    '56 و10'
    """
    if text.isascii() or not _OTHER_DIGIT.search(text):
        return text
    return text.translate(_ASCII)


_OTHER_DIGIT = re.compile(r"[^\D0-9]|[，．]")  # a decimal digit of another script, or `，．`


class _AsciiTable(dict[int, str]):
    """`str.translate` table filled as characters are met: a decimal digit of any script as its
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
    if token.isdigit() and token.isascii():
        return Decimal(int(token))
    return _canon(_value(token, decimals, groups))


def _plain(text: str) -> str:
    """The text without link targets and placeholders, its digits ASCII (each pattern is run only
    on a text with a character it needs).

    >>> texts = ["[2 leaflets](https://x.example/3)", "[see](leaflet-8.pdf)", "<mailto:help4@x.example>",
    ...          "HTTP://z.example/7", "{n5}", "%(n6)s"]
    >>> [sorted(numbers_in(text, "en")) for text in texts]
    [[Decimal('2')], [], [], [], [], []]
    """
    if "](" in text or "<" in text or "://" in text:
        text = _LINK_TARGET.sub("]", text)
    if "{" in text or "%(" in text:
        text = _PLACEHOLDER.sub(" ", text)
    return _ascii_digits(text)


@lru_cache(maxsize=32768)  # an English text is read once for every locale it is checked in
def numbers_in(text: str, locale: str) -> Counter[Decimal]:
    """The numbers written in digits, as values; link targets and placeholders are not text.

    >>> sorted(numbers_in("Take 0,5 mL, then 1.000 mg", "es"))
    [Decimal('0.5'), Decimal('1000')]
    >>> sorted(numbers_in("2–4 times, 1,000 people", "en"))
    [Decimal('2'), Decimal('4'), Decimal('1000')]
    """
    found: Counter[Decimal] = Counter()
    if not _DIGIT.search(text):  # most list items and headings: nothing to read
        return found
    decimals, groups = _symbols(locale)
    for token in _TOKEN.findall(_plain(text)):
        try:
            found[_number(token, decimals, groups)] += 1
        except InvalidOperation:
            continue
    return found


@lru_cache(maxsize=4096)
def number_words_in(text: str) -> frozenset[Decimal]:
    """English number words, which a translation may write as digits.

    >>> sorted(number_words_in("Take one dose twice a day"))
    [Decimal('1'), Decimal('2')]
    """
    return frozenset(
        {_canon(Decimal(_WORDS[w])) for w in re.findall(r"[a-z]+", text.lower()) if w in _WORDS}
    )


@lru_cache(maxsize=32768)
def doses_in(text: str, locale: str) -> Counter[tuple[Decimal, str]]:
    """(value, unit) for every number written next to a dose unit.

    >>> sorted(doses_in("56 mg or 84mg; ٠٫٥ مل", "ar"))
    [(Decimal('0.5'), 'mL'), (Decimal('56'), 'mg'), (Decimal('84'), 'mg')]
    """
    found: Counter[tuple[Decimal, str]] = Counter()
    if not _DIGIT.search(text):
        return found
    decimals, groups = _symbols(locale)
    for token, unit in _DOSE.findall(_plain(text)):
        found[(_number(token, decimals, groups), _ALIAS[unit.casefold()])] += 1
    return found
