"""Units written after a number, named the way each locale names them.

The names come from CLDR through Babel: every unit pattern of the locale in its long, short and
narrow forms and every plural category ("{0} miligramos", "{0} mg", "{0}小时", "{0} ساعات"), its
"per" patterns ("{0} por hora") and its display names. A name two units share is dropped. Each
unit is reported by one symbol (`mg`, `µg`, `mL`, `hour`…), so "800 micrograms" and "800
microgramos" are one dose and "800 miligramos" another. Used by `service.quality.numbers`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from service.core.locales import babel_locale

__all__ = [
    "DOSE_UNITS",
    "LETTER",
    "PERIOD_WORDS",
    "TIMES",
    "TIME_UNITS",
    "WORD",
    "UnitNames",
    "fold",
    "fold_text",
    "unit_at",
    "unit_names",
]

# The units compared, by CLDR id, and the symbol each is reported with.
DOSE_UNITS = {
    "mass-milligram": "mg",
    "mass-microgram": "µg",
    "mass-gram": "g",
    "volume-milliliter": "mL",
    "volume-liter": "L",
    "concentr-percent": "%",
}
TIME_UNITS = {
    "duration-second": "second",
    "duration-minute": "minute",
    "duration-hour": "hour",
    "duration-day": "day",
    "duration-week": "week",
    "duration-month": "month",
    "duration-year": "year",
}
TIMES = frozenset(TIME_UNITS.values())  # the symbols a time is reported with
_DENOMINATORS = {"mass-kilogram": "kg"}  # read only after a `/` or "per": mg/kg
# Spellings CLDR does not list that labels and translators use (the project's earlier list; 公斤,
# the kilogram's everyday Chinese name, is one GB 3100-1993 allows beside CLDR's 千克).
_EXTRA = {
    "mcg": "µg", "ug": "µg", "ml": "mL", "cc": "mL", "ملغ": "mg", "مغ": "mg", "مل": "mL",
    "ميكروغرام": "µg", "hrs": "hour", "mins": "minute", "secs": "second", "公斤": "kg",
}  # fmt: skip
# Adverbs and adjectives that name a period ("twice daily", "dos veces diarias"), for the frequency
# comparison; CLDR has only the nouns. By hand, from the OED, RAE, Priberam and Wehr's dictionary.
_PERIOD_WORDS = {
    "hour": "hourly",
    "day": "daily nightly diario diaria diarios diarias diariamente diário diária diários diárias "
    "يوميا",
    "week": "weekly semanal semanales semanalmente semanais اسبوعيا",
    "month": "monthly mensual mensuales mensualmente mensal mensais mensalmente شهريا",
    "year": "yearly annually anual anuales anualmente anuais سنويا",
}

# A word: letters, and the combining marks written on them (Arabic vowel marks, decomposed accents).
# Numeric characters that `\w` counts (½, ², ①: Unicode's No) are not letters: a run of them is
# numbers, read one by one.
LETTER = (
    r"(?:[^\W\d_\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u2089\u2150-\u2189\u2460-\u24ff"
    r"\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]|[\u0300-\u036f\u064b-\u065f\u0670])"
)  # one character of a word
WORD = LETTER + "+"
_HARAKAT = re.compile(r"[\u064b-\u0652\u0640\u0670]")  # Arabic vowel marks, tanwin and tatweel
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Replaced one after another (no letter written is one replaced): a few scans in C, where
# `str.translate` looks every character up
_ARABIC_FOLD = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ة", "ه"))


def fold_text(text: str) -> str:
    """`fold` for a whole text, uncached (texts are not repeated the way words are).

    >>> [fold(w) for w in ("Hours", "sem.", "يومًا", "إثنان", "µg")]
    ['hours', 'sem', 'يوما', 'اثنان', 'μg']
    """
    text = unicodedata.normalize("NFC", text).casefold().replace("µ", "μ")
    if not text.isascii() and _ARABIC.search(text):
        text = _HARAKAT.sub("", text)
        for letter, written in _ARABIC_FOLD:
            text = text.replace(letter, written)
    return text


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """One spelling per word for lookups: case folded, NFC, a trailing period dropped, µ as μ; in
    Arabic, vowel marks dropped and the letters writers interchange made one (أ إ آ → ا, ى → ي,
    ة → ه)."""
    return fold_text(word).rstrip(".")


PERIOD_WORDS = {fold(w): unit for unit, words in _PERIOD_WORDS.items() for w in words.split()}


@dataclass(frozen=True)
class UnitNames:
    """A locale's unit names, folded, each with its symbol."""

    names: dict[str, str]  # "miligramos" → "mg", "horas" → "hour"
    duals: dict[str, str]  # Arabic "ساعتان" (two hours, no number written) → "hour"
    ones: dict[str, str]  # Arabic "ساعة" (an hour, no number written) → "hour"
    per: frozenset[str]  # the words of CLDR's "per" pattern ("por", "لكل"), and "/"
    longest: int  # the most words a name has


# One-letter names are dropped ("a" is a Spanish year and a preposition, "y" an English year and a
# Spanish "and", Arabic narrow forms are single letters) except the SI symbols for gram, litre and
# hour (BIPM, The International System of Units, tables 4 and 8) and Chinese characters, which are
# words (天, 周, 年).
_LETTER_SYMBOLS = frozenset("ghl")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _pattern_name(category: str, pattern: str) -> str | None:
    """The name in a unit pattern: "{0} horas" → "horas"; of the "per" patterns only "{0}/X"
    names a unit ("{0} por hora" is a rate, read by the frequency comparison)."""
    if category == "per" and not pattern.startswith("{0}/"):
        return None
    name = fold(pattern.replace("{0}/", " ").replace("{0}", " ").strip())
    if len(name) > 1 or not name.isalpha() or name in _LETTER_SYMBOLS or _HAN.match(name):
        return name
    return None


@lru_cache(maxsize=16)
def unit_names(locale: str) -> UnitNames:
    """The unit names of `locale` and of English (labels keep `mg`, `mL`), from CLDR."""
    names: dict[str, set[str]] = {}
    duals: dict[str, str] = {}
    ones: dict[str, str] = {}
    per: set[str] = {"/", "per"}
    wanted = {**DOSE_UNITS, **TIME_UNITS, **_DENOMINATORS}
    for tag in dict.fromkeys(("en", locale)):
        data = babel_locale(tag)._data
        for length in ("long", "short", "narrow"):
            compound = data["compound_unit_patterns"]["per"][length]["compound"]
            per |= {fold(w) for w in compound.replace("{0}", " ").replace("{1}", " ").split()}
        for unit, symbol in wanted.items():
            for forms in data["unit_patterns"].get(unit, {}).values():
                for category, pattern in forms.items():
                    if "{0}" not in pattern:
                        if category == "two":  # Arabic: the dual is the number and the unit
                            dual = fold(pattern)  # ساعتان, and ساعتين in the accusative and
                            duals[dual] = duals[re.sub("ان$", "ين", dual)] = symbol  # genitive
                        elif category == "one":
                            ones[fold(pattern)] = symbol

                        continue
                    name = _pattern_name(category, pattern)
                    if name:
                        names.setdefault(fold(name), set()).add(symbol)
            for shown in data["unit_display_names"].get(unit, {}).values():
                if _pattern_name("other", shown):
                    names.setdefault(fold(shown), set()).add(symbol)
    for alias, symbol in _EXTRA.items():
        names.setdefault(fold(alias), set()).add(symbol)
    clear = {name: symbols.pop() for name, symbols in names.items() if name and len(symbols) == 1}
    longest = max(len(name.split()) for name in clear)
    return UnitNames(clear, duals, ones, frozenset(per), longest)


_GAP = re.compile(r"[ \u00a0\u202f\u2009-]?")  # "2 h", "2h", "2-hour"
_LETTERS = re.compile(WORD)
_NEXT = re.compile(rf"[ \u00a0]({WORD})")
_PERCENT = "%٪％"


def _lookup(word: str, names: dict[str, str]) -> str | None:
    """A name's unit; an Arabic name also without its article (في الساعة "per hour")."""
    found = names.get(word)
    if found is None and word.startswith("ال"):
        found = names.get(word[2:])
    return found


def unit_at(text: str, pos: int, locale: str) -> tuple[str, int] | None:
    """The unit named right after a number that ends at `pos`, and where its name ends.

    >>> [unit_at(t, 1, l) for t, l in (("2 horas", "es"), ("2小时后", "zh-Hans"), ("2 a 4", "es"))]
    [('hour', 7), ('hour', 3), None]
    """
    pos = _GAP.match(text, pos).end()  # type: ignore[union-attr]  # it matches the empty string
    if text[pos : pos + 1] and text[pos] in _PERCENT:
        return "%", pos + 1
    first = _LETTERS.match(text, pos)
    if first is None:
        return None
    known = unit_names(locale)
    names = known.names
    word = first.group()
    if locale.startswith(("zh", "ja")):  # no spaces: the longest name the run starts with
        for n in range(min(4, len(word)), 0, -1):
            found = names.get(fold(word[:n]))
            if found:
                return found, pos + n
        return None
    words, ends = [fold(word)], [first.end()]
    while len(words) < known.longest:
        more = _NEXT.match(text, ends[-1])
        if more is None:
            break
        words.append(fold(more.group(1)))
        ends.append(more.end())
    for n in range(len(words), 0, -1):
        found = _lookup(" ".join(words[:n]) if n > 1 else words[0], names)
        if found:
            return found, ends[n - 1]
    return None
