"""The clinic's veto on fuzzy guesses: which old translations `update` never pre-fills.

`merge` (in `service.po`) offers the old translation of the most similar msgid that its word rule
accepts; this veto is laid on top. Nothing is pre-filled across a changed number, dose, unit,
placeholder, protected term or negation: a wrong dose, or "take with food" offered for "do not
take with food", is worse than an empty field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from service.quality.numbers import UNITS, doses_in, number_words_in, numbers_in

__all__ = ["ClinicVeto", "Unsafe", "unsafe"]


class Unsafe(StrEnum):
    """What a pre-filled translation would get wrong."""

    NUMBER = "a number changed"
    DOSE = "a dose or its unit changed"
    PLACEHOLDER = "a placeholder or format directive changed"
    TERM = "a protected term changed"
    NEGATION = "a negation was added or removed"


@dataclass(frozen=True)
class ClinicVeto:
    """The veto `merge` takes (a `service.po.pairing.Veto`), with the config's protected terms."""

    protected_terms: tuple[str, ...] = ()

    def __call__(self, old: str, new: str) -> Unsafe | None:
        return unsafe(old, new, self.protected_terms)


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


def unsafe(old: str, new: str, protected_terms: tuple[str, ...] = ()) -> Unsafe | None:
    """Why a translation of `old` must not be offered for `new`: it would carry a number, a dose,
    a unit, a placeholder, a protected term or a negation that `new` does not have (None: it may).

    >>> unsafe("Take 84 mg once a day.", "Take 56 mg once a day.")
    <Unsafe.DOSE: 'a dose or its unit changed'>
    >>> unsafe("Wait 5 minutes.", "Wait 10 minutes.")
    <Unsafe.NUMBER: 'a number changed'>
    >>> unsafe("Take 56 mg once a day.", "Take 56 mg once a day, with water.") is None
    True
    >>> unsafe("Ask about %(drug)s.", "Ask about {drug}.")
    <Unsafe.PLACEHOLDER: 'a placeholder or format directive changed'>
    >>> unsafe("Take it with food.", "Do not take it with food.")
    <Unsafe.NEGATION: 'a negation was added or removed'>
    """
    mine, theirs = _figures(old), _figures(new)
    for why, a, b in zip(_FIGURE_REFUSALS, mine[:-1], theirs[:-1], strict=True):
        if a != b:
            return why
    if any(_term_count(t, old) != _term_count(t, new) for t in protected_terms):
        return Unsafe.TERM
    if mine.negations != theirs.negations:
        return Unsafe.NEGATION
    return None


class _Figures(NamedTuple):
    """What a msgid says that a pre-filled translation must not get wrong, as comparable values."""

    directives: tuple[str, ...]
    doses: tuple[tuple[Decimal, str], ...]
    numbers: tuple[Decimal, ...]
    number_words: tuple[Decimal, ...]
    units: tuple[str, ...]
    negations: int  # compared last, after the protected terms


_FIGURE_REFUSALS = (Unsafe.PLACEHOLDER, Unsafe.DOSE, Unsafe.NUMBER, Unsafe.NUMBER, Unsafe.DOSE)


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
