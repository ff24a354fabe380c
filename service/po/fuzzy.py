"""Which old translation `merge` offers for a msgid the old catalog does not have.

Two matchers share one candidate index. `Matching.GNU` is msgmerge 0.21 (msgl-fsearch.c, gnulib
fstrcmp): the best old msgid by character similarity, ≥ 0.6. `Matching.CLINIC`, the default, starts
from the same candidates but never offers a pairing that changes a number, a dose, a placeholder or
a protected term, and asks more of short and one-word-changed strings, where msgmerge's guesses were
most often wrong on real catalogs (benchmarks/fuzzy_quality.py measures both).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from ..numbers import UNITS, doses_in, number_words_in, numbers_in
from .model import Entry

__all__ = [
    "FUZZY_THRESHOLD",
    "FuzzyIndex",
    "Matching",
    "Refusal",
    "fstrcmp",
    "lcs_length",
    "refusal",
    "unsafe",
]

FUZZY_THRESHOLD = 0.6
# msgmerge compares strings shorter than 4 characters (≤ 12 bytes) only with strings whose byte
# length could still reach the threshold: l/(2/0.6 − 1) ≤ l′ ≤ l·(2/0.6 − 1), at most 28 bytes.
_SPREAD = 2 / FUZZY_THRESHOLD - 1
_SHORT_MAX = int(4 * 3 * _SPREAD)
# A candidate with the same context (or none) beats an equal one from another context.
_CONTEXT_BONUS = 0.00001
# Matching.CLINIC, tuned on the Sphinx update pairs (benchmarks/fuzzy_quality.py): at least this
# much character similarity, this share of words in common (Dice), and a replaced word counts as
# respelled ("defaut" → "default", "Permalink" → "Link") when this similar or contained in it.
_CHAR_FLOOR = 0.5
_WORDS_SHARED = 0.65
_RESPELLED = 0.75
# A replaced word is tolerated only in long messages (a paragraph of patient text with one word
# changed still gets its old translation, fuzzy, with the change shown by `#|`): one per 12 kept.
_KEPT_PER_REPLACED = 12


class Matching(StrEnum):
    """How `merge` pairs a new msgid with an old translation."""

    CLINIC = "clinic"  # msgmerge's candidates, never across a changed number, dose or term
    GNU = "gnu"  # exactly msgmerge --previous: for conformance tests and comparison


def lcs_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyrö 2004): one big-integer
    addition per byte of the shorter string instead of a len(a)×len(b) table.

    >>> lcs_length(b"Delete", b"Degrees")
    4
    """
    if len(a) < len(b):
        a, b = b, a
    return _lcs(_masks(a), len(a), b, 0)


def _masks(data: Sequence[int]) -> dict[int, int]:
    """For each byte (or code point), the bit set of the positions where it occurs."""
    masks: dict[int, int] = {}
    for i, unit in enumerate(data):
        masks[unit] = masks.get(unit, 0) | (1 << i)
    return masks


def _lcs(masks: dict[int, int], length: int, other: Sequence[int], needed: int) -> int:
    """LCS of the string behind `masks` and `other`; gives up (returning -1) as soon as it can
    no longer reach `needed`, as gnulib stops once the edit count passes its limit."""
    full = (1 << length) - 1
    v = full
    remaining = len(other)
    for unit in other:
        u = v & masks.get(unit, 0)
        v = ((v + u) | (v - u)) & full
        remaining -= 1
        if needed and not remaining & 7 and length - v.bit_count() + remaining < needed:
            return -1
    return length - v.bit_count()


def fstrcmp(a: bytes, b: bytes, lower_bound: float = 0.0) -> float:
    """gnulib's fstrcmp_bounded: 2·(common bytes)/(total bytes), where common bytes are those a
    shortest insert/delete script leaves alone; any value below `lower_bound` may come back as 0.

    >>> fstrcmp(b"Changed in version %s", b"Added in version %s")
    0.8
    >>> fstrcmp(b"", b"")
    1.0
    """
    return _Text(a).similarity(_Query(None, "", b), lower_bound)


def _byte_counts(data: bytes) -> dict[int, int]:
    return dict(Counter(data))


class _Query:
    """A msgid being looked up: its bytes and byte counts, computed once for all candidates."""

    __slots__ = ("counts", "data", "masks", "msgctxt", "msgid")

    def __init__(self, msgctxt: str | None, msgid: str, data: bytes) -> None:
        self.msgctxt = msgctxt
        self.msgid = msgid
        self.data = data
        self.counts = [0] * 256
        for byte, n in Counter(data).items():
            self.counts[byte] = n
        self.masks: dict[int, int] | None = None


class _Text:
    """An old msgid as the search needs it: bytes, byte counts, LCS bit masks (made on first use)."""

    __slots__ = ("bytes", "counts", "data", "masks")

    def __init__(self, data: bytes) -> None:
        self.data = data
        counts = _byte_counts(data)
        self.bytes, self.counts = tuple(counts), tuple(counts.values())
        self.masks: dict[int, int] | None = None

    def upper_bound(self, query: _Query) -> float:
        """At least the similarity: 2·(bytes both have, counted with multiplicity)/total."""
        total = len(self.data) + len(query.data)
        if total == 0:
            return 1.0
        here = map(query.counts.__getitem__, self.bytes)
        return 2 * sum(map(min, self.counts, here)) / total

    def similarity(self, query: _Query, lower_bound: float) -> float:
        la, lb = len(self.data), len(query.data)
        if la == 0 or lb == 0:
            return 1.0 if la == lb else 0.0
        total = la + lb
        if lower_bound > 0:
            # gnulib's two cheap upper bounds: they only save time, as they cut off exactly
            # the pairs whose similarity could not reach the bound anyway.
            if 2 * min(la, lb) / total < lower_bound:
                return 0.0
            if total >= 20:
                here = map(query.counts.__getitem__, self.bytes)
                shared = sum(map(min, self.counts, here))
                if 2 * shared / total < lower_bound:
                    return 0.0
        # the fewest common bytes that reach the bound (a hair lower: never give up on a tie)
        needed = math.ceil(lower_bound * total / 2 - 1e-9) if lower_bound > 0 else 0
        if lb <= la:
            if self.masks is None:
                self.masks = _masks(self.data)
            common = _lcs(self.masks, la, query.data, needed)
        else:
            if query.masks is None:
                query.masks = _masks(query.data)
            common = _lcs(query.masks, lb, self.data, needed)
        return 0.0 if common < 0 else 2 * common / total


class FuzzyIndex:
    """The old catalog's translated entries (obsolete and fuzzy ones too, as msgmerge takes them),
    and the search for the one whose translation a new msgid is offered.

    msgmerge (msgl-fsearch.c) compares a query with every string sharing a character 4-gram,
    most shared first, keeping the first that scores highest. The same answer comes cheaper by
    branch and bound: only strings of a length that could reach the threshold are looked at
    (entries are kept sorted by length), they are ranked by an upper bound of their similarity
    (bytes in common), and exact similarities are computed from the top until the bound falls
    below the best found; a tie goes to the string msgmerge would have tried first.
    """

    def __init__(self, entries: Sequence[Entry], encoding: str = "utf-8") -> None:
        self.encoding = encoding
        self.entries = [e for e in entries if e.msgstr[0] != ""]
        self.words: list[tuple[str, ...] | None] = [None] * len(self.entries)
        self._data = [e.msgid.encode(encoding, "replace") for e in self.entries]
        self._texts: list[_Text | None] = [None] * len(self.entries)  # made when first compared
        order = sorted(range(len(self.entries)), key=lambda j: len(self._data[j]))
        self._by_length = order
        self._lengths = [len(self._data[j]) for j in order]

    def _within(self, low: float, high: float) -> list[int]:
        """Positions of the entries whose byte length is in [low, high], in file order."""
        start = bisect_left(self._lengths, low)
        stop = bisect_right(self._lengths, high)
        return sorted(self._by_length[start:stop])

    def _text(self, j: int) -> _Text:
        text = self._texts[j]
        if text is None:
            text = self._texts[j] = _Text(self._data[j])
        return text

    def _words(self, j: int) -> tuple[str, ...]:
        words = self.words[j]
        if words is None:
            words = self.words[j] = _words(self.entries[j].msgid)
        return words

    def _bonus(self, j: int, msgctxt: str | None) -> float:
        """msgmerge's hair of preference for a candidate in the same context, or in none."""
        theirs = self.entries[j].msgctxt
        return _CONTEXT_BONUS if theirs is None or theirs == msgctxt else 0.0

    def _weight(self, j: int, query: _Query, lower_bound: float) -> float:
        """msgmerge's goal function: similarity plus the context bonus; exact when ≥ the bound."""
        bonus = self._bonus(j, query.msgctxt)
        return self._text(j).similarity(query, lower_bound - bonus * 1.01) + bonus

    def best(
        self,
        new: Entry,
        matching: Matching = Matching.GNU,
        protected_terms: tuple[str, ...] = (),
    ) -> Entry | None:
        """The old entry whose translation is offered for the template entry `new`, or None."""
        query = _Query(new.msgctxt, new.msgid, new.msgid.encode(self.encoding, "replace"))
        if matching is Matching.GNU:
            found = self._search(query, FUZZY_THRESHOLD)
        else:
            words = _words(new.msgid)

            def screen(j: int) -> bool:
                theirs = self._words(j)
                # enough words, by count alone, to share the required share of them
                return 2 * min(len(theirs), len(words)) >= _WORDS_SHARED * (
                    len(theirs) + len(words)
                )

            def acceptable(j: int) -> bool:
                return self._clinic_accepts(j, new, words, protected_terms)

            found = self._search(query, _CHAR_FLOOR, acceptable, screen)
        return None if found is None else self.entries[found]

    def _search(
        self,
        query: _Query,
        floor: float,
        acceptable: Callable[[int], bool] | None = None,
        screen: Callable[[int], bool] | None = None,
    ) -> int | None:
        """The first candidate, in msgmerge's order, of the highest weight above `floor` that is
        `acceptable`; `screen` is a cheaper necessary condition, asked before any similarity."""
        msgid = query.msgid
        size = len(query.data)
        if len(msgid) < 4:
            # msgmerge compares a string under 4 characters with the short strings (≤ 28 bytes)
            # whose length could reach its threshold, in file order.
            low, high = math.ceil(size / _SPREAD), min(int(size * _SPREAD), _SHORT_MAX)
            best_weight, best = floor, None
            for j in self._within(low, high):
                if screen is not None and not screen(j):
                    continue
                weight = self._weight(j, query, best_weight)
                if weight > best_weight and (acceptable is None or acceptable(j)):
                    best_weight, best = weight, j
            return best
        # 2·min/(total) must exceed the floor (less the bonus): the lengths that can.
        ratio = (floor - 2 * _CONTEXT_BONUS) / (2 - floor + 2 * _CONTEXT_BONUS)
        ranked = []
        for j in self._within(size * ratio - 1, size / ratio + 1):
            if screen is not None and not screen(j):
                continue
            bound = self._text(j).upper_bound(query) + self._bonus(j, query.msgctxt)
            if bound > floor:
                ranked.append((-bound, j))
        ranked.sort()
        grams = [msgid[k : k + 4] for k in range(len(msgid) - 3)]
        best_weight = floor
        winners: list[int] = []
        for negative, j in ranked:
            if -negative < best_weight:
                break
            weight = self._weight(j, query, best_weight)
            if weight < best_weight or (acceptable is not None and not acceptable(j)):
                continue
            theirs = self.entries[j].msgid
            if not any(gram in theirs for gram in grams):
                continue  # msgmerge never looks at a string without a 4-gram in common
            if weight > best_weight:
                best_weight, winners = weight, []
            winners.append(j)
        if len(winners) < 2:
            return winners[0] if winners else None
        # A tie goes to the one msgmerge tries first: most 4-grams in common, then file order.
        counts = Counter(grams)
        return min(
            winners,
            key=lambda j: (-sum(n for g, n in counts.items() if g in self.entries[j].msgid), j),
        )

    def _clinic_accepts(
        self, j: int, new: Entry, words: tuple[str, ...], terms: tuple[str, ...]
    ) -> bool:
        """Matching.CLINIC's conditions on a candidate: it differs from `new` by words added,
        removed or respelled, never by a word replaced with another ("Removed" for "Added"),
        shares most of its words, and changes no number, dose, placeholder or protected term."""
        shared = _shared_words(self._words(j), words)
        if shared is None or shared < _WORDS_SHARED:
            return False
        return _acceptable(self.entries[j], new, terms)


# ---- words -------------------------------------------------------------------------------------

_WORD = re.compile(
    r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}"  # a directive is one word
    r"|[^\W_]+"
)


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    """The words of a msgid, case-folded; a format directive counts as one word.

    >>> _words("Permalink to %(name)s's page")
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
    common = lcs_length([ord(c) for c in old], [ord(c) for c in new])
    return 2 * common >= _RESPELLED * (len(old) + len(new))


def _shared_words(old: tuple[str, ...], new: tuple[str, ...]) -> float | None:
    """Dice share of the words kept (or respelled) from `old` in `new`; None when a word was
    replaced by a different one, which changes what the message says, unless the message is long
    enough that one replaced word in every `_KEPT_PER_REPLACED` kept is a small edit.

    >>> _shared_words(_words("Permalink to this heading"), _words("Link to this heading"))
    1.0
    >>> _shared_words(_words("New in version %s"), _words("Removed in version %s")) is None
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


def refusal(old: Entry, new: Entry, protected_terms: tuple[str, ...] = ()) -> Refusal | None:
    """Why Matching.CLINIC would never pair `new` with `old`, or None if it may (it still takes
    the most similar of the candidates it may pair).

    >>> refusal(Entry("New in version %s"), Entry("Removed in version %s"))
    <Refusal.WORD_REPLACED: 'a word was replaced by a different word'>
    """
    why = unsafe(_source(old), _source(new), protected_terms)
    if why is not None:
        return why
    shared = _shared_words(_words(old.msgid), _words(new.msgid))
    if shared is None:
        return Refusal.WORD_REPLACED
    if shared < _WORDS_SHARED:
        return Refusal.FEW_WORDS
    if fstrcmp(old.msgid.encode(), new.msgid.encode(), _CHAR_FLOOR) < _CHAR_FLOOR:
        return Refusal.LITTLE_IN_COMMON
    return None


def _source(entry: Entry) -> str:
    return entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\n{entry.msgid_plural}"


def _acceptable(old: Entry, new: Entry, protected_terms: tuple[str, ...]) -> bool:
    return unsafe(_source(old), _source(new), protected_terms) is None
