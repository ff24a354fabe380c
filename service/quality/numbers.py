"""Numbers, doses and times as a patient reads them, in every enabled locale.

A text is read as it is shown (`seen`: entities decoded, link targets cut), its numbers in digits
of any script (`digits`), in words and as fractions (`words`), each with the unit named after it
(`units`): a whole dose unit (mg, mg/kg, mg/day), a time (2 hours), and whether the text counts
times ("twice", "3 veces") and over which periods. The `numbers` and `units` checks compare these.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from service.core.models import Target
from service.quality.digits import figures_in
from service.quality.seen import seen_text
from service.quality.units import (
    DOSE_UNITS,
    PERIOD_WORDS,
    TIMES,
    WORD,
    fold,
    unit_at,
    unit_names,
)
from service.quality.words import allowed_in_english, said_in

__all__ = [
    "UNITS",
    "Reading",
    "doses_in",
    "number_words_in",
    "numbers_in",
    "read_numbers",
    "reading_of",
]

# Dose units and the spellings the pre-fill veto looks for (service.catalogs.veto).
UNITS: dict[str, tuple[str, ...]] = {
    "mg": ("mg", "毫克", "ملغ", "مغ"),
    "mL": ("ml", "毫升", "مل"),
    "µg": ("µg", "μg", "mcg", "微克", "ميكروغرام"),
    "%": ("%", "٪", "％"),
}
_DOSES = frozenset(DOSE_UNITS.values())
_PER_WHAT = TIMES | {"kg", "mL", "L"}  # mg/kg, mg/day, mg/mL
# Words that make "56 mg a day" a rate (mg/day), besides CLDR's "per" pattern words ("por", "لكل",
# "每") and "/": the articles and "each/every" of each language (by hand; no CLDR data).
_RATE_WORDS = frozenset(
    map(fold, ("a", "an", "each", "every", "al", "cada", "ao", "à", "في", "كل", "mỗi", "một"))
)
# Words that count times after a number, and the multiplicatives ("twice"), by hand: CLDR has none.
_COUNTS = frozenset(
    map(fold, ("times", "once", "twice", "thrice", "veces", "vez", "vezes", "次", "lần"))
) | frozenset(map(fold, ("مرات", "مرة", "مرتين", "مرتان")))
# What joins the ends of a range or a choice ("2–4", "2 a 4", "2 o 3", "2至4"), by hand per language.
_RANGE_GAP = re.compile(
    r"\s*(?:[-–—~～]|to|or|and|through|a|al|o|y|u|hasta|ou|e|ao|até"
    r"|至|到|或|إلى|أو|و|حتى|đến|tới|hoặc|và)\s*"
)
_SLASH = re.compile(r"\s*/\s*")
_WORD_AFTER = re.compile(rf"[ \u00a0]+({WORD})")
_LETTERS = re.compile(WORD)


# A number in a text: (start, end, value, firm, unit). A plain tuple: every text with a number makes
# several, on every load.
_Spot = tuple[int, int, Decimal, bool, str | None]


@dataclass(frozen=True)
class Reading:
    """What a text says in numbers."""

    firm: Counter[Decimal]  # digits, fractions, number words that cannot be read another way
    soft: frozenset[Decimal]  # words that may be numbers: un/una, 一 in 一起, "medio"
    doses: Counter[tuple[Decimal, str]]  # (56, "mg/kg")
    times: Counter[tuple[Decimal, str]]  # (2, "hour"), firm numbers only
    soft_times: frozenset[tuple[Decimal, str]]  # "una semana"
    periods: frozenset[str]  # the time units a text that counts times names ("twice a week")
    counted: bool  # counts times: "twice", "3 veces", 三次


@lru_cache(maxsize=16)
def _per_words(locale: str) -> frozenset[str]:
    return unit_names(locale).per | _RATE_WORDS


def _whole_unit(text: str, pos: int, unit: str, locale: str) -> tuple[str, int]:
    """A dose unit with what it is per: mg, mg/kg, mg/kg/day ("56 mg a day" is mg/day)."""
    per = _per_words(locale)
    for _ in range(2):
        slash = _SLASH.match(text, pos)
        word = None if slash else _WORD_AFTER.match(text, pos)
        if slash:
            after = unit_at(text, slash.end(), locale)
        elif word and fold(word.group(1)) in per:
            after = unit_at(text, word.end(), locale)
        else:
            break
        if after is None or after[0] not in _PER_WHAT:
            break
        unit, pos = f"{unit}/{after[0]}", after[1]
    return unit, pos


# Chinese puts the rate first: 每天服用 56 毫克.
_PER_BEFORE = re.compile(r"每\s*([^\W\d_]{1,6})\s*$")
_DAY = "日"  # "day" in 每日 (每天's written form); CLDR's zh unit names have 天 only


def _per_before(text: str, start: int, locale: str) -> str:
    """What a Chinese dose is per when 每 ("every") and a unit come before it in its clause."""
    if not locale.startswith("zh"):
        return ""
    m = _PER_BEFORE.search(text, max(0, start - 10), start)
    if m is None:
        return ""
    words, names = m.group(1), unit_names(locale).names
    unit = "day" if words[0] == _DAY else names.get(words[:2]) or names.get(words[0])
    return f"/{unit}" if unit in _PER_WHAT else ""


def _mixed_numbers(text: str, spots: list[_Spot]) -> list[_Spot]:
    """A whole number and the vulgar fraction right after it are one number: 1½ is 1.5."""
    out = [spots[0]]
    for spot in spots[1:]:
        last = out[-1]
        fraction = spot[1] - spot[0] == 1 and spot[2] < 1 and text[spot[0]].isnumeric()
        if fraction and last[1] == spot[0] and last[2] == last[2].to_integral_value():
            out[-1] = (last[0], spot[1], last[2] + spot[2], True, None)
        else:
            out.append(spot)
    return out


def _spots(text: str, locale: str) -> list[_Spot]:
    spots: list[_Spot] = [(*f, True, None) for f in figures_in(text, locale)]
    spots += said_in(text, locale)
    spots.sort(key=itemgetter(0))
    if len(spots) > 1:
        spots = _mixed_numbers(text, spots)
    units: list[str | None] = []
    for spot in spots:
        found = spot[4]
        if found is None and (named := unit_at(text, spot[1], locale)):
            found = named[0]
            if found in _DOSES:
                found = _whole_unit(text, named[1], found, locale)[0]
                found += "" if "/" in found else _per_before(text, spot[0], locale)
        units.append(found)
    for i in range(len(spots) - 2, -1, -1):  # "2 to 4 hours": the 2 is hours too
        gap = text[spots[i][1] : spots[i + 1][0]]
        if units[i] is None and units[i + 1] and _RANGE_GAP.fullmatch(gap):
            units[i] = units[i + 1]
    return [(s[0], s[1], s[2], s[3], u) for s, u in zip(spots, units, strict=True)]


def _periods(text: str, locale: str) -> frozenset[str]:
    """The time units a text names, with or without a number ("a week", "每周", "2 semanas")."""
    names = unit_names(locale).names
    if locale.startswith(("zh", "ja")):
        found = {u for name, u in names.items() if u in TIMES and name in text}
        return frozenset(found | ({"day"} if "每" + _DAY in text else set()))
    found = set()
    for word in _LETTERS.findall(text):
        key = fold(word)
        unit = names.get(key) or names.get(key[2:] if key.startswith("ال") else "")
        unit = unit or PERIOD_WORDS.get(key)
        if unit in TIMES:
            found.add(unit)
    return frozenset(found)


def _counted(text: str, spots: list[_Spot]) -> bool:
    """Whether a number counts times: "twice", "3 times", "dos veces", 三次, مرتين."""
    for spot in spots:
        after = _COUNT_WORD.match(text, spot[1])
        if fold(text[spot[0] : spot[1]]) in _COUNTS or (
            after and (fold(after.group(1)) in _COUNTS or after.group(1)[0] in _COUNTS)
        ):
            return True
    return False


_COUNT_WORD = re.compile(rf"[ \u00a0]?({WORD})")
_NOTHING = Reading(Counter(), frozenset(), Counter(), Counter(), frozenset(), frozenset(), False)


@lru_cache(maxsize=32768)  # an English text is read once for every locale it is checked in
def reading_of(text: str, locale: str) -> Reading:
    """The numbers of a text as shown (see `seen_text`), with their units.

    >>> r = reading_of("Tome dos comprimidos de 28 mg/kg una vez al día durante 2 semanas", "es")
    >>> sorted(r.firm.elements()), sorted(r.soft), sorted(r.doses), sorted(r.times), r.counted
    ([Decimal('2'), Decimal('2'), Decimal('28')], [Decimal('1')], [(Decimal('28'), 'mg/kg')], \
[(Decimal('2'), 'week')], True)
    """
    return read_numbers(text, locale)


def read_numbers(text: str, locale: str) -> Reading:
    """`reading_of`, not kept: for a text read once (a translation; the `numbers` and `units`
    checks keep what they read of a pair), which would only push English texts out of the cache."""
    spots = _spots(text, locale)
    if not spots:
        return _NOTHING
    counted = _counted(text, spots)
    firm: Counter[Decimal] = Counter()
    doses: Counter[tuple[Decimal, str]] = Counter()
    times: Counter[tuple[Decimal, str]] = Counter()
    soft, soft_times = set(), set()
    for _, _, value, is_firm, unit in spots:
        if is_firm:
            firm[value] += 1
        else:
            soft.add(value)
        if unit in TIMES:
            if is_firm:
                times[(value, unit)] += 1
            else:
                soft_times.add((value, unit))
        elif unit and unit.split("/")[0] in _DOSES:  # not "70 kg" alone: a weight, not a dose
            doses[(value, unit)] += 1
    periods = _periods(text, locale) if counted else frozenset()
    return Reading(firm, frozenset(soft), doses, times, frozenset(soft_times), periods, counted)


def doses_in(
    text: str, locale: str, references: Sequence[Target] = ()
) -> Counter[tuple[Decimal, str]]:
    """(value, whole unit) for every number a dose unit follows, in the text as shown: whether a
    text holds a dose, and which.

    >>> sorted(doses_in("56 mg or 84mg/kg; ٠٫٥ مل; eight hundred micrograms", "en"))
    [(Decimal('0.5'), 'mL'), (Decimal('56'), 'mg'), (Decimal('84'), 'mg/kg'), (Decimal('800'), 'µg')]
    """
    return reading_of(seen_text(text, references), locale).doses


def numbers_in(text: str, locale: str, references: Sequence[Target] = ()) -> Counter[Decimal]:
    """The numbers written in digits, as values, in the text as shown.

    >>> sorted(numbers_in("Take 0,5 mL, [then](https://x.example/9) 1.000 mg", "es"))
    [Decimal('0.5'), Decimal('1000')]
    """
    return Counter(f.value for f in figures_in(seen_text(text, references), locale))


@lru_cache(maxsize=4096)
def number_words_in(text: str) -> frozenset[Decimal]:
    """The numbers an English text writes in words, which a translation may write as digits.

    >>> sorted(number_words_in("Take one dose twice a day, the second week"))
    [Decimal('1'), Decimal('2')]
    """
    shown = seen_text(text)
    return frozenset(s.value for s in said_in(shown, "en")) | allowed_in_english(shown)
