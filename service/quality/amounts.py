"""The `numbers` and `units` checks: a translation says the numbers of its English, with their units.

Both read the texts as the patient sees them (`service.quality.numbers.reading_of`); they are
registered into the check registry when `service.quality` is imported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from service.core.models import Target
from service.quality.checks import Severity, Unit, register
from service.quality.numbers import Reading, read_numbers, reading_of
from service.quality.seen import seen_text
from service.quality.units import TIMES
from service.quality.words import allowed_in_english, nouns_in

__all__ = ["numbers", "units"]


class _Pair(NamedTuple):
    english_text: str
    english: Reading
    text: str  # the translation as shown
    reading: Reading


def _readings(unit: Unit) -> tuple[_Pair, ...]:
    return _read_pairs(unit.pairs(), unit.references, unit.locale)


# `numbers` and `units` read the same texts, one after the other.
@lru_cache(maxsize=4096)
def _read_pairs(
    pairs: tuple[tuple[str, str], ...], references: tuple[Target, ...], locale: str
) -> tuple[_Pair, ...]:
    read = []
    for source, target in pairs:
        translated = seen_text(target, references)
        read.append(
            _Pair(*_english(source, references), translated, read_numbers(translated, locale))
        )
    return tuple(read)


# Every English text is checked once for each locale, a whole tree apart: its reading is kept for
# all of them (the smaller caches of what it is read from would have let it go by the next locale).
@lru_cache(maxsize=65536)
def _english(source: str, references: tuple[Target, ...]) -> tuple[str, Reading]:
    text = seen_text(source, references)
    return text, reading_of(text, "en")


@register("numbers", Severity.ERROR)
def numbers(unit: Unit) -> Iterator[str]:
    """Every number of the English, by value, and no other: digits of any script, number words
    and fractions ("two" → "dos", "twice" → 两次, "one" ↛ "½"). A word that may not be a number
    (un/una, 一 in 一起, an Arabic dual ending) may stand for a number of the English but is never
    one of its own."""
    for english_text, english, text, translated in _readings(unit):
        if _same(english.firm, translated.firm):
            continue
        for value in sorted(english.firm - translated.firm):
            if value not in translated.soft and (value, None) not in _nouns(text, unit.locale):
                yield f"{value} in the English is missing or changed"
        extra = translated.firm - english.firm
        if extra:
            allowed = english.soft | allowed_in_english(english_text)
            for value in sorted(extra):
                if value not in allowed:
                    yield f"{value} is not in the English"


def _same(a: Counter[Any], b: Counter[Any]) -> bool:
    """Whether two counts are equal, compared as dicts (in C): a reading counts only what it
    found, so neither holds a zero."""
    return dict.__eq__(a, b) is True


def _nouns(text: str, locale: str) -> frozenset[tuple[Decimal, str | None]]:
    """What Arabic nouns say (see `nouns_in`), each also without its unit."""
    said = nouns_in(text, locale)
    return said | {(value, None) for value, _ in said}


def _shown(value: object, symbol: str) -> str:
    """A time as a message says it: "2 minutes", "1 hour"."""
    return f"{value} {symbol}" + ("s" if symbol in TIMES and value != 1 else "")


@register("units", Severity.ERROR)
def units(unit: Unit) -> Iterator[str]:
    """A number keeps its unit: the whole dose unit (`56 mg` may not become `56 g`, `56 mg/kg` or a
    bare `56`; "800 micrograms" may not become "800 miligramos"), a time its unit ("2 hours" ↛
    "2 minutos"), and a count of times its period ("twice a week" ↛ "dos veces al día")."""
    for pair in _readings(unit):
        yield from _doses(pair)
        yield from _times(pair, unit.locale)
        yield from _periods(pair)


def _doses(pair: _Pair) -> Iterator[str]:
    """A dose of the English whose unit is lost or changed, and a dose unit the translation puts
    after a number the English gives none ("5 tablets" ↛ "5 g")."""
    if _same(pair.english.doses, pair.reading.doses):
        return
    present = pair.reading.firm.keys() | pair.reading.soft
    lost = pair.english.doses - pair.reading.doses
    for (value, symbol), _ in sorted(lost.items()):
        if value in present:  # a number missing altogether is the `numbers` check's to report
            yield f"{value} {symbol}: the unit is lost or changed"
    changed = {value for value, _ in lost}
    bare = pair.english.firm.keys() | pair.english.soft  # a number not there is `numbers`' to say
    for (value, symbol), _ in sorted((pair.reading.doses - pair.english.doses).items()):
        if value not in changed and value in bare:
            yield f"{value} {symbol}: the English gives this number no such unit"


def _times(pair: _Pair, locale: str) -> Iterator[str]:
    """A time the translation names where the English has its number with another time or not
    at all; a number the English writes with no time after it ("Week 4") may take one (第4周)."""
    english, translated = pair.english, pair.reading
    if (not translated.times and not translated.soft_times) and (
        not locale.startswith("ar") or not (english.times or english.soft_times)
    ):
        return  # no time in the translation, and none that Arabic nouns could say
    timed = english.times.keys() | english.soft_times
    timed_values = {value for value, _ in timed}
    bare = english.firm.keys() - timed_values
    for value, symbol in sorted(translated.times.keys() - timed):
        if value not in bare:
            yield f"{_shown(value, symbol)} is not in the English"
    soft_times = translated.soft_times  # "una semana" for "a week" says no number: compared only
    if timed_values and locale.startswith("ar"):  # where the English has the number with a time
        soft_times |= {(v, u) for v, u in nouns_in(pair.text, locale) if u in TIMES}
    for value, symbol in sorted(soft_times - timed):
        if value in timed_values:  # "one hour" → 一分钟, دقيقة
            yield f"{_shown(value, symbol)} is not in the English"


def _periods(pair: _Pair) -> Iterator[str]:
    english, translated = pair.english, pair.reading
    if english.counted and translated.counted and english.periods:
        for period in sorted(translated.periods - english.periods):
            said = ", ".join(sorted(english.periods))
            yield f"a count of times per {period}; the English counts per {said}"
