"""Which old translations the default matcher (Matching.CLINIC) will not pre-fill, and why.

Two rules over a pair of msgids, the old and the new. The conservative rule: nothing is pre-filled
across a changed number, dose, unit, placeholder, protected term or negation. The word rule: the new
msgid must be the old one with words added, removed or respelled, not with a word replaced by a
different one, and share most of its words. fuzzy.py applies both while it searches.
"""

from __future__ import annotations

import re
from decimal import Decimal
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from ..numbers import UNITS, doses_in, number_words_in, numbers_in
from .model import Entry

__all__ = ["WORDS_SHARED", "Refusal", "shared_words", "source", "unsafe", "words"]

# Tuned on the Sphinx update pairs (benchmarks/fuzzy_quality.py): at least this share of words in
# common (Dice); a replaced word counts as respelled ("defaut" → "default", "Permalink" → "Link")
# when this similar or contained in it.
WORDS_SHARED = 0.65
_RESPELLED = 0.75
# A replaced word is tolerated only in long messages (a paragraph of patient text with one word
# changed still gets its old translation, fuzzy, with the change shown by `#|`): one per 12 kept.
_KEPT_PER_REPLACED = 12


class Refusal(StrEnum):
    """Why Matching.CLINIC does not offer an old translation for a new msgid."""

    NUMBER = "a number changed"
    DOSE = "a dose or its unit changed"
    PLACEHOLDER = "a placeholder or format directive changed"
    TERM = "a protected term changed"
    NEGATION = "a negation was added or removed"
    WORD_REPLACED = "a word was replaced by a different word"
    FEW_WORDS = "too few words in common"
    LITTLE_IN_COMMON = "too little text in common"


# ---- the word rule -----------------------------------------------------------------------------

_WORD = re.compile(
    r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}"  # a directive is one word
    r"|[^\W_]+"
)


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """The words of a msgid, case-folded; a format directive counts as one word.

    >>> words("Permalink to %(name)s's page")
    ('permalink', 'to', '%(name)s', 's', 'page')
    """
    return tuple(_WORD.findall(text.casefold()))


# Swapping one of these for another ("each" → "every", "the" → "your") keeps what a message says.
_DETERMINERS = frozenset(
    ["a", "an", "the", "this", "that", "these", "those", "each", "every",
     "my", "your", "his", "her", "its", "our", "their"]
)  # fmt: skip


def _respelled(old: str, new: str) -> bool:
    if old in new or new in old:
        return True
    if 2 * min(len(old), len(new)) < _RESPELLED * (len(old) + len(new)):
        return False
    return 2 * _common(old, new) >= _RESPELLED * (len(old) + len(new))


def _common(a: str, b: str) -> int:
    """Characters in a longest common subsequence (words are short: a plain table will do)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
        previous = row
    return previous[-1]


@lru_cache(maxsize=65536)  # the same pair of msgids comes back in every locale
def shared_words(old: tuple[str, ...], new: tuple[str, ...]) -> float | None:
    """Dice share of the words kept (or respelled) from `old` in `new`; None when a word was
    replaced by a different one, which changes what the message says, unless the message is long
    enough that one replaced word in every `_KEPT_PER_REPLACED` kept is a small edit.

    >>> shared_words(words("Permalink to this heading"), words("Link to this heading"))
    1.0
    >>> shared_words(words("New in version %s"), words("Removed in version %s")) is None
    True
    """
    if not old or not new:
        return 1.0 if old == new else 0.0
    kept = replaced = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            kept += i2 - i1
        elif op == "replace":
            if _DETERMINERS.issuperset(old[i1:i2] + new[j1:j2]) or _respelled(
                "".join(old[i1:i2]), "".join(new[j1:j2])
            ):
                kept += min(i2 - i1, j2 - j1)
            else:
                replaced += max(i2 - i1, j2 - j1)
    if replaced * _KEPT_PER_REPLACED > kept:
        return None
    return 2 * kept / (len(old) + len(new))


# ---- the conservative rule ---------------------------------------------------------------------

_DIRECTIVE = re.compile(
    r"%(?:\([^)]*\))?[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[a-zA-Z%]"  # printf / Python %
    r"|\{[^{}\s]*\}"  # {name}, {0}, {}, {name!r:>10}
)
_UNIT_WORD = re.compile(
    r"(?<![^\W\d_])("
    + "|".join(sorted((re.escape(a) for names in UNITS.values() for a in names), key=len)[::-1])
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot)\b|n[’']t\b", re.I)


def _term_count(term: str, text: str) -> int:
    return len(re.findall(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])", text))


def unsafe(old: str, new: str, protected_terms: tuple[str, ...] = ()) -> Refusal | None:
    """The conservative rule: a pre-filled translation must not carry a number, a dose, a unit,
    a placeholder, a protected term or a negation that the new msgid does not have. A wrong dose,
    or "take with food" offered for "do not take with food", is worse than an empty field.

    >>> unsafe("Take 84 mg once a day.", "Take 56 mg once a day.")
    <Refusal.DOSE: 'a dose or its unit changed'>
    >>> unsafe("Wait 5 minutes.", "Wait 10 minutes.")
    <Refusal.NUMBER: 'a number changed'>
    >>> unsafe("Take 56 mg once a day.", "Take 56 mg once a day, with water.") is None
    True
    >>> unsafe("Ask about %(drug)s.", "Ask about {drug}.")
    <Refusal.PLACEHOLDER: 'a placeholder or format directive changed'>
    >>> unsafe("Take it with food.", "Do not take it with food.")
    <Refusal.NEGATION: 'a negation was added or removed'>
    """
    mine, theirs = _figures(old), _figures(new)
    for why, a, b in zip(_FIGURE_REFUSALS, mine[:-1], theirs[:-1], strict=True):
        if a != b:
            return why
    if any(_term_count(t, old) != _term_count(t, new) for t in protected_terms):
        return Refusal.TERM
    if mine.negations != theirs.negations:
        return Refusal.NEGATION
    return None


class _Figures(NamedTuple):
    """What a msgid says that a pre-filled translation must not get wrong, as comparable values."""

    directives: tuple[str, ...]
    doses: tuple[tuple[Decimal, str], ...]
    numbers: tuple[Decimal, ...]
    number_words: tuple[Decimal, ...]
    units: tuple[str, ...]
    negations: int  # compared last, after the protected terms


_FIGURE_REFUSALS = (Refusal.PLACEHOLDER, Refusal.DOSE, Refusal.NUMBER, Refusal.NUMBER, Refusal.DOSE)


@lru_cache(maxsize=8192)  # the same English is compared once per locale and per candidate
def _figures(text: str) -> _Figures:
    digits = _DIGIT.search(text) is not None  # numbers.py reads digits of every script
    return _Figures(
        tuple(sorted(_DIRECTIVE.findall(text))),
        tuple(sorted(doses_in(text, "en").elements())) if digits else (),
        tuple(sorted(numbers_in(text, "en").elements())) if digits else (),
        tuple(sorted(number_words_in(text))),
        tuple(sorted(u.casefold() for u in _UNIT_WORD.findall(text))),
        len(_NEGATION.findall(text)),
    )


def source(entry: Entry) -> str:
    """msgid and msgid_plural: what the conservative rule compares."""
    return entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\n{entry.msgid_plural}"
