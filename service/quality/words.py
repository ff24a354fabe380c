"""Numbers written as words or vulgar fractions, in every enabled locale, read as values.

The words are ICU's: each locale's spell-out rule sets (CLDR's RBNF data through PyICU, masculine
and feminine, 两 among Chinese's) spell 0 to 1,000 once per locale, and the spellings are looked up
word by word. A word that is often not a number is *soft*: it may stand for a number of the English
but never counts as one of its own (see `Said.firm`). Used by `service.quality.numbers`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import icu

from service.quality.units import LETTER, TIMES, WORD, fold, fold_text, unit_names

__all__ = ["Said", "allowed_in_english", "nouns_in", "said_in"]

_LETTERS = re.compile(WORD)
_FRACTION = re.compile(r"[\u00bc-\u00be\u2150-\u215e]")  # ½ ⅓ ¼ ¾ ⅛ …: Unicode's vulgar fractions
_SKIPPED_RULES = ("-year", "-days", "ordinal")  # years ("nineteen eighty"), Chinese dates, ordinals
_UNSPACED = ("zh", "ja")  # written without spaces: numerals are read as runs of characters

# What ICU's spell-out rules do not give, by hand. Sources: for "once/twice/thrice", the Oxford
# English Dictionary; for Arabic, W. Wright, A Grammar of the Arabic Language, §§ 99-101 (the dual's
# -ين case ending, the feminine-counted numerals 3-10 without ة, مرة/مرتان "once/twice").
_MULTIPLICATIVE = {
    "en": {"once": 1, "twice": 2, "thrice": 3},
    "ar": {"مرة": 1, "مرتان": 2, "مرتين": 2},
}
# "Half" has no spell-out rule: the word per locale (dictionaries: RAE, Priberam, 现代汉语词典,
# Wright § 104, Từ điển tiếng Việt). Soft outside English: "medio" is also "means", 半 "mid-".
_HALF = {
    "en": ("half",),
    "es": ("medio", "media", "mitad"),
    "pt": ("meio", "meia", "metade"),
    "zh": ("半",),
    "ar": ("نصف",),
    "vi": ("nửa", "rưỡi"),
}
# Chinese and Vietnamese numerals are also parts of everyday words (十分 "very", 千万 "by all means",
# năm "year", ba "father"): they count only before a counted noun, a classifier (Chao, A Grammar of
# Spoken Chinese, ch. 7; Nguyễn Đình-Hoà, Vietnamese, ch. 5) or a unit name from CLDR.
_CLASSIFIERS = {
    "zh": "次 个 片 粒 支 滴 喷 剂 种 位 名 例 倍 岁 瓶 袋 盒 项 条 遍 回 针 贴 毫克 毫升 微克",
    "vi": "lần viên liều giọt người lọ ống gói loại tuổi lượt cái bữa nhát xịt",
}
# "Half" is firm (a number of its own) before what is counted out as a dose: a Chinese dosage-form
# classifier (半片 "half a tablet", same grammar) or, in Arabic, a noun that is not a unit of time
# (نصف قرص "half a tablet"; نصف ساعة may well say "30 minutes"). Elsewhere it stays soft.
_DOSE_FORMS = frozenset("片粒支滴喷剂瓶袋盒贴针")
# An ordinal's prefix: 第二天 "the next day", thứ hai "second" and "Monday" (same grammars).
_ORDINAL = {"zh": "第", "vi": "thứ"}
# Arabic says one and two by the noun's number (Wright §§ 77-78, 99): ساعة "an hour", قرصين "two
# tablets". A singular unit name from CLDR is a soft 1; a word with a dual ending (-ان, -ين, no
# article) a soft 2: it may be the English's 2, never a number of its own (-ين is also a plural).
_DUAL_ENDING = re.compile(r"^(?!ال|لل)\w{2,}(?:ان|ين)$")
# Words an English text uses for a number a translation may write in digits ("both" → "ambos" or
# "los 2"); never required of the translation.
_ENGLISH_ALLOWED = {"both": 2, "pair": 2, "couple": 2, "double": 2, "dozen": 12, "single": 1}


class Said(NamedTuple):  # a tuple: made for every number word of every text on every load
    """A number written in words or as a fraction, where it is in the text."""

    start: int
    end: int
    value: Decimal
    firm: bool  # False: may be a number or not (un, una, um, 一 in 一起, "medio"); never an extra
    unit: str | None = None  # Arabic duals say the unit too: ساعتان "two hours"


@dataclass(frozen=True)
class _Lexicon:
    phrases: dict[tuple[str, ...], Decimal]  # folded words → value ("treinta", "y", "uno")
    firsts: frozenset[str]  # the first word of any phrase
    longest: int
    runs: re.Pattern[str] | None  # a run of numeral characters (Chinese)
    counters: frozenset[str]  # what a numeral must come before to count (Chinese, Vietnamese)
    soft: frozenset[str]  # half words


def _language(locale: str) -> str:
    return locale.split("-")[0]


# ICU's "pt" is Brazilian (dezesseis); the project's pt and pt-BR read European spellings too
# (dezasseis), as a fallback chain serves one to readers of the other.
_ALSO_SPELLED = {"pt": ("pt_PT",)}


def _spelled(locale: str, top: int = 1000) -> dict[str, Decimal]:
    """Every spelling of 0..top in the locale's cardinal spell-out rule sets, from ICU."""
    spelled: dict[str, Decimal] = {}
    for tag in (locale.replace("-", "_"), *_ALSO_SPELLED.get(_language(locale), ())):
        rbnf = icu.RuleBasedNumberFormat(icu.URBNFRuleSetTag.SPELLOUT, icu.Locale(tag))
        _spell(rbnf, top, spelled)
    return spelled


def _spell(rbnf: icu.RuleBasedNumberFormat, top: int, spelled: dict[str, Decimal]) -> None:
    for index in range(rbnf.getNumberOfRuleSetNames()):
        name = rbnf.getRuleSetName(index)
        if any(part in name for part in _SKIPPED_RULES):
            continue
        rbnf.setDefaultRuleSet(name)
        for n in range(top + 1):
            spelled.setdefault(rbnf.format(n).replace("\xad", ""), Decimal(n))


def _arabic_forms(word: str, value: Decimal) -> list[str]:
    """Case, state and gender forms ICU does not spell (Wright §§ 99-101): اثنين, عشرين, مئتا,
    ثلاث; and مئة,
    the spelling of مائة the Arabic language academies recommend."""
    cases = (word, re.sub(r"(ان|ون)\b", "ين", word), re.sub(r"ان\b", "ا", word))
    forms = [*cases, *(form.replace("مائ", "مئ") for form in cases)]
    if 3 <= value <= 10 and word.endswith("ه"):
        forms.append(word[:-1])
    return forms


@lru_cache(maxsize=16)
def _lexicon(locale: str) -> _Lexicon:
    language = _language(locale)
    phrases: dict[tuple[str, ...], Decimal] = {}
    words = {fold(w): Decimal(n) for w, n in _MULTIPLICATIVE.get(language, {}).items()}
    for spelling, value in _spelled(locale).items():
        words.setdefault(fold(spelling), value)
    if language == "ar":
        words = {form: v for w, v in words.items() for form in _arabic_forms(w, v)} | words
    halves = {fold(w) for w in _HALF.get(language, ())}
    for spelling, value in [*words.items(), *((h, Decimal("0.5")) for h in halves)]:
        key = (spelling,) if language in _UNSPACED else tuple(_LETTERS.findall(spelling))
        if key and key[0]:  # a spelling with no letters (what ICU gives a locale it lacks)
            phrases.setdefault(key, value)
    runs = None
    if language in _UNSPACED:
        chars = sorted({ch for (w,) in phrases for ch in w if w not in halves})
        runs = re.compile(f"[{''.join(chars)}]+|半")
    counters = frozenset(_CLASSIFIERS.get(language, "").split()) | frozenset(
        unit_names(locale).names
    )
    return _Lexicon(
        phrases,
        frozenset(key[0] for key in phrases),
        max((len(key) for key in phrases), default=0),
        runs,
        counters if language in _CLASSIFIERS else frozenset(),
        frozenset(halves),
    )


def _key(word: str, lexicon: _Lexicon, arabic: bool) -> str:
    """The word as the lexicon may hold it: Arabic words lose a leading و ف ب ل ك and ال."""
    folded = fold(word)
    if folded in lexicon.firsts or not arabic:
        return folded
    for bare in (folded[1:] if folded[:1] in "وفبلك" else "", folded):
        if bare in lexicon.firsts:
            return bare
        if bare.startswith("ال") and bare[2:] in lexicon.firsts:
            return bare[2:]
    return folded


def said_in(text: str, locale: str) -> tuple[Said, ...]:
    """The numbers in words and fractions, in order.

    >>> [(s.value, s.firm) for s in said_in("Tome dos comprimidos, una vez y ½ más", "es")]
    [(Decimal('2'), True), (Decimal('1'), False), (Decimal('0.5'), True)]
    >>> [(s.value, s.firm) for s in said_in("一起服用，每周三次", "zh-Hans")]
    [(Decimal('1'), False), (Decimal('3'), True)]
    """
    found = [Said(m.start(), m.end(), _fraction(m.group()), True) for m in _FRACTION.finditer(text)]
    lexicon = _lexicon(locale)
    if lexicon.runs is not None:
        found += _runs(text, lexicon)
    else:
        found += _words(text, locale, lexicon)
    return tuple(sorted(found, key=lambda s: s.start))


def _fraction(char: str) -> Decimal:
    return Decimal(str(round(unicodedata.numeric(char), 4))).normalize()


def _firm(value: Decimal, soft: bool, after: str, lexicon: _Lexicon) -> bool:
    """Whether a number word counts as a number of its own: not a soft word, not a "one" (un,
    una, one, 一, một: also an article or part of a word), and in Chinese and Vietnamese only
    before a classifier or a unit (`after` is what follows it)."""
    if soft or value == 1:
        return False
    if not lexicon.counters:
        return True
    return (
        any(after[:n] in lexicon.counters for n in (1, 2, 3))
        if lexicon.runs
        else (fold(after) in lexicon.counters)
    )


def _runs(text: str, lexicon: _Lexicon) -> list[Said]:
    assert lexicon.runs is not None
    found: list[Said] = []
    for m in lexicon.runs.finditer(text):
        run = m.group()
        value = lexicon.phrases.get((run,))
        parts = (
            [(m.start(), m.end(), value)]
            if value is not None
            else [
                (m.start() + i, m.start() + i + 1, lexicon.phrases.get((ch,)))
                for i, ch in enumerate(run)
            ]
        )
        for start, end, part in parts:
            if part is not None:
                after = text[end : end + 3].lstrip()
                half = text[start:end] in lexicon.soft and after[:1] not in _DOSE_FORMS
                soft = half or text[start - 1 : start] == "第"
                found.append(Said(start, end, part, _firm(part, soft, after, lexicon)))
    return found


def _may_say(text: str, locale: str, duals: dict[str, str]) -> bool:
    """Whether a word of the text may be a number word: a search for the lexicon's first words
    (`_may_pattern`) in most texts (which are in NFC already: the checks compare texts in NFC)."""
    folded = fold_text(text) if duals else text.casefold()
    pattern = _may_pattern(locale, bool(duals))
    found = pattern.search(folded)
    while found is not None:
        start = found.start()
        before = 0  # the letters of its word before it: none, or (Arabic) up to three
        while before < 4 and start > before and _LETTER.match(folded, start - before - 1):
            before += 1
        if before == 0 or (duals and before <= 3 and found.group(1) is not None):
            return True
        found = pattern.search(folded, start + 1)
    return False


_LETTER = re.compile(LETTER)


@lru_cache(maxsize=32)
def _may_pattern(locale: str, arabic: bool) -> re.Pattern[str]:
    """A first word of a phrase of the lexicon (group 1) or, in Arabic (`arabic`), a dual unit
    name, that no letter follows; `_may_say` sees that no letter comes before it (in Arabic: at most
    three, و, ال, وال, before a first word). A listed word with another character in it is never
    a whole word, so it is left out. A pattern that starts with its words, not with a
    look-behind, lets `re` skip to the characters they start with."""
    words = _trie(w for w in _lexicon(locale).firsts if _LETTERS.fullmatch(w))
    duals = _trie(w for w in unit_names(locale).duals if _LETTERS.fullmatch(w)) if arabic else ""
    return re.compile(f"({words})(?!{LETTER})" + (f"|{duals}(?!{LETTER})" if arabic else ""))


def _trie(words: Iterable[str]) -> str:
    """A pattern that matches exactly `words`, as a trie: `re` tries the branches of an
    alternation one by one, so a thousand words in a row would be tried at every position.

    >>> _trie(["two", "twelve", "ten"]), _trie([])
    ('(?:t(?:en|w(?:elve|o)))', '(?!)')
    """
    root: dict[str, dict[str, object]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})  # type: ignore[assignment]
        node[""] = {}
    return f"(?:{_branches(root)})" if root else "(?!)"


def _branches(node: dict[str, dict[str, object]]) -> str:
    branches = [
        re.escape(char) + _branches(child)  # type: ignore[arg-type]
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


_NUMBER_BEFORE = re.compile(r"\d\s*$")


@lru_cache(maxsize=8192)
def nouns_in(text: str, locale: str) -> frozenset[tuple[Decimal, str | None]]:
    """The ones and twos Arabic says by a noun's number (see `_DUAL_ENDING`), with the unit a
    singular unit name says; never a number word, nor the unit of a number written before it.
    Soft, and asked for only when a number of the English is not otherwise found (other
    locales: none).

    >>> sorted(nouns_in("انتظر ساعة وتناول قرصين بعد ٥ ساعات", "ar"))
    [(Decimal('1'), 'hour'), (Decimal('2'), None)]
    """
    if _language(locale) != "ar":
        return frozenset()
    names, lexicon = unit_names(locale), _lexicon(locale)
    found: set[tuple[Decimal, str | None]] = set()
    for m in _LETTERS.finditer(text):
        key = fold(m.group())
        if key in names.ones:
            said: tuple[Decimal, str | None] = (Decimal(1), names.ones[key])
        elif key not in names.duals and _DUAL_ENDING.match(key):
            said = (Decimal(2), None)
        else:
            continue
        if _key(key, lexicon, True) in lexicon.firsts:
            continue
        if not _NUMBER_BEFORE.search(text, max(0, m.start() - 3), m.start()):
            found.add(said)
    return frozenset(found)


def _words(text: str, locale: str, lexicon: _Lexicon) -> list[Said]:
    arabic = _language(locale) == "ar"
    duals = unit_names(locale).duals if arabic else {}
    if not _may_say(text, locale, duals):
        return []
    tokens = list(_LETTERS.finditer(text))
    ordinal = _ORDINAL.get(_language(locale))
    found: list[Said] = []
    i = 0
    while i < len(tokens):
        key = _key(tokens[i].group(), lexicon, arabic)
        if key in duals:
            found.append(Said(tokens[i].start(), tokens[i].end(), Decimal(2), True, duals[key]))
        if key not in lexicon.firsts:
            i += 1
            continue
        for n in range(min(lexicon.longest, len(tokens) - i), 0, -1):
            words = (key, *(fold(t.group()) for t in tokens[i + 1 : i + n]))
            value = lexicon.phrases.get(words)
            if value is not None:
                end = tokens[i + n - 1].end()
                after = tokens[i + n].group() if i + n < len(tokens) else ""
                half = words == (key,) and key in lexicon.soft and locale != "en"
                if half and arabic and after:  # نصف قرص: half a tablet
                    half = unit_names(locale).names.get(fold(after)) in TIMES
                before = fold(tokens[i - 1].group()) if i else ""
                firm = _firm(value, half or before == ordinal, after, lexicon)
                found.append(Said(tokens[i].start(), end, value, firm))
                i += n
                break
        else:
            i += 1
    return found


@lru_cache(maxsize=1)
def _english_allowed() -> dict[tuple[str, ...], Decimal]:
    rbnf = icu.RuleBasedNumberFormat(icu.URBNFRuleSetTag.SPELLOUT, icu.Locale("en"))
    rbnf.setDefaultRuleSet("%spellout-ordinal")
    allowed: dict[tuple[str, ...], Decimal] = {(rbnf.format(n),): Decimal(n) for n in range(1, 32)}
    allowed |= {(w,): Decimal(n) for w, n in _ENGLISH_ALLOWED.items()}
    allowed[("every", "other")] = Decimal(2)
    return allowed


def allowed_in_english(text: str) -> frozenset[Decimal]:
    """Numbers an English text says in words a translation may write in digits: ordinals ("the
    second dose" → "la 2.ª dosis"), "both", "a pair", "every other (day)".

    >>> sorted(allowed_in_english("Both doses, every other day, the third week"))
    [Decimal('2'), Decimal('3')]
    """
    allowed = _english_allowed()
    words = [w.lower() for w in _LETTERS.findall(text)]
    pairs = zip(words, [*words[1:], ""], strict=True)
    return frozenset(allowed[k] for w, n in pairs for k in ((w,), (w, n)) if k in allowed)
