"""What a translation must keep of its English's meaning that no value check reads: its negators
and its sentences. A mismatch is not proof of an error (languages negate differently), so the
`negation` and `sentence-count` checks ask a reviewer to confirm the meaning rather than refuse.

Negators are hand lists, one per language (no CLDR or ICU data lists them), each with its source.
Sentences are ICU's (the sentence BreakIterator), on both sides without CLDR's abbreviation
suppressions: ICU 72 applies Portuguese's to any word ending in "al." ("normal. Ligue" is one
sentence), and a title such as "Dr." is kept in translation, so both sides count it alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

import icu

__all__ = ["NEGATORS", "marked", "negator_spans", "negators_known", "sentences"]

# Optional Arabic diacritics (harakat, superscript alef) and tatweel between the letters of a word:
# لا and لَا are the same word to a reader.
_AR_MARKS = "[\u064b-\u065f\u0670\u0640]*"


def _ar(*words: str) -> str:
    return "|".join(_AR_MARKS.join(map(re.escape, w)) for w in words)


# Per language: (negators, words that hold a negator's letters but do not negate). Matched as
# whole words (Chinese: as characters, outside the listed words).
NEGATORS: dict[str, tuple[str, str]] = {
    # Huddleston & Pullum, The Cambridge Grammar of the English Language (2002), ch. 9 §3
    # (absolute negators: not/n't, no, none, nothing, nobody, no one, nowhere, neither, nor, never).
    "en": (
        r"not|no|never|none|nothing|nobody|nowhere|neither|nor|cannot|\w+n[’']t",
        r"",
    ),
    # RAE, Nueva gramática de la lengua española (2009), §48.1 (palabras negativas: no, nunca,
    # jamás, nada, nadie, ninguno, tampoco, ni).
    "es": (r"no|nunca|jamás|ni|nada|nadie|ningún|ninguno|ninguna|ningunos|ningunas|tampoco", r""),
    # Cunha & Cintra, Nova gramática do português contemporâneo (1985), ch. 11 and 13 (advérbios
    # de negação; pronomes indefinidos negativos). Portuguese "no" is em + o, not a negator.
    "pt": (r"não|nunca|jamais|nem|nada|ninguém|nenhum|nenhuma|nenhuns|nenhumas|tampouco", r""),
    # Li & Thompson, Mandarin Chinese: A Functional Reference Grammar (1981), ch. 12 (不, 没(有),
    # 别 in commands) and the written negators 勿, 未, 无, 非, 莫 (现代汉语词典, 7th ed.). Excluded:
    # words where the character does not negate (非常 "very", 未来 "future", 特别 "special", 别人
    # "others", 无论 "no matter") and lexicalised un-words whose English has no negator either
    # (不适 "discomfort", 不良 "adverse", 不同 "different", 不安 "anxious").
    "zh": (
        r"[不没沒别別勿未无無非莫甭]",
        r"非常|未来|特别|區別|区别|分别|類別|类别|识别|告别|别人|别的|無論|无论|除非|不同|不良|"
        r"不适|不適|不安|不断|不过|不仅|不久|差不多|無菌|无菌|莫名",
    ),
    # Ryding, A Reference Grammar of Modern Standard Arabic (2005), ch. 36 (لا, لم, لن, ليس and its
    # forms, غير, عدم), with the conjunctions و and ف written onto them. ما is left out: it is
    # far more often "what" or "which" than a negator.
    "ar": (
        "(?:[وف]"
        + _AR_MARKS
        + ")?(?:"
        + _ar("لا", "لم", "لن", "ليس", "ليست", "ليسوا", "لست", "لسنا", "لستم", "ليسا", "ليستا")
        + ")|"
        + _ar("غير", "عدم", "أبدا", "أبدًا", "إطلاقا", "ألا", "ألّا", "لئلا"),
        r"",
    ),
    # Thompson, A Vietnamese Reference Grammar (1987), §§ on negatives (không, chẳng, chả, chưa,
    # đừng, chớ). Excluded: không in không khí "air", không gian "space", hàng không "aviation",
    # and không / chưa closing a yes-no question ("… không?").
    "vi": (
        r"không|chẳng|chả|chưa|đừng|chớ",
        r"không khí|không gian|hàng không|(?:không|chưa)(?=\s*\?)",
    ),
}


@lru_cache(maxsize=16)
def _patterns(language: str) -> tuple[re.Pattern[str], re.Pattern[str] | None] | None:
    found = NEGATORS.get(language)
    if found is None:
        return None
    words, excluded = found
    edge = "" if language == "zh" else r"(?<![\w’'])"
    end = "" if language == "zh" else r"(?![\w’'])"
    negators = re.compile(f"{edge}(?:{words}){end}", re.IGNORECASE)
    return negators, (re.compile(f"{edge}(?:{excluded}){end}", re.IGNORECASE) if excluded else None)


def _language(locale: str) -> str:
    return locale.split("-")[0].split("_")[0].lower()


def negators_known(locale: str) -> bool:
    """Whether there is a negator list for `locale`'s language."""
    return _language(locale) in NEGATORS


@lru_cache(maxsize=65536)
def negator_spans(text: str, locale: str) -> tuple[tuple[int, int], ...]:
    """Where the negators of `text` are, as (start, end) offsets; () for a language with no list.

    >>> [("Do not drive or operate machinery."[a:b]) for a, b in negator_spans(
    ...     "Do not drive or operate machinery.", "en")]
    ['not']
    >>> negator_spans("非常重要：不要开车。", "zh-Hans")
    ((5, 6),)
    """
    found = _patterns(_language(locale))
    if found is None:
        return ()
    negators, excluded = found
    spans = [m.span() for m in negators.finditer(text)]
    if not spans or excluded is None:
        return tuple(spans)
    masked = [m.span() for m in excluded.finditer(text)]
    return tuple(s for s in spans if not any(a <= s[0] < b for a, b in masked))


def marked(text: str, locale: str) -> list[tuple[str, bool]]:
    """`text` in runs, each with whether it is a negator (for showing them highlighted).

    >>> marked("Do not drive.", "en")
    [('Do ', False), ('not', True), (' drive.', False)]
    """
    runs, start = [], 0
    for a, b in negator_spans(text, locale):
        if a > start:
            runs.append((text[start:a], False))
        runs.append((text[a:b], True))
        start = b
    if start < len(text):
        runs.append((text[start:], False))
    return runs


# Where ICU could break a sentence: a terminator or a line or paragraph break somewhere before the
# end. A text without one is one sentence, and ICU is not asked.
_MAY_BREAK = re.compile(r"[.!?…。！？؟۔\n\r\u2028\u2029\x85](?=.*\w)", re.DOTALL)
_WORDY = re.compile(r"\w")


@lru_cache(maxsize=16)
def _breaker(locale: str) -> icu.BreakIterator:
    return icu.BreakIterator.createSentenceInstance(icu.Locale(locale))


def _code_points(text: str) -> list[int] | None:
    """ICU gives offsets in UTF-16 code units: where each falls in the Python string, for a text
    with a character beyond the Basic Multilingual Plane (an emoji); None for any other text."""
    if text.isascii() or max(text) <= "\uffff":
        return None
    at, unit = [0] * (len(text) * 2 + 1), 0
    for index, char in enumerate(text):
        at[unit] = index
        unit += 2 if char > "\uffff" else 1
    at[unit] = len(text)
    return at


@lru_cache(maxsize=65536)
def sentences(text: str, locale: str) -> tuple[str, ...]:
    """The sentences of `text` by ICU's rules for `locale`, leaving out runs with no letter or
    digit (the `**` after "stop.**" is not a sentence).

    >>> sentences("Take 0.5 mL, e.g. with food. Then **stop.**", "en")
    ('Take 0.5 mL, e.g. with food. ', 'Then **stop.**')
    >>> len(sentences("不要开车。请休息！", "zh-Hans"))
    2
    """
    if not _MAY_BREAK.search(text):
        return (text,) if _WORDY.search(text) else ()
    breaker = _breaker(locale.replace("-", "_"))
    breaker.setText(text)
    at = _code_points(text)
    out: list[str] = []
    start = 0
    for boundary in breaker:
        end = at[boundary] if at else boundary
        piece = text[start:end]
        if _WORDY.search(piece):
            out.append(piece)
        elif out:
            out[-1] += piece
        start = end
    return tuple(out)
