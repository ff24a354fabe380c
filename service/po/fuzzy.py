"""Which old translation `merge` offers for a msgid the old catalog does not have.

Two matchers share one search. `Matching.GNU` is msgmerge 0.21 (msgl-fsearch.c, gnulib fstrcmp):
the old msgid most similar by characters, above 0.6. `Matching.WORDS`, the default, takes the most
similar of msgmerge's candidates that pairing.py's word rule accepts (no word replaced by another in
a short message) and that the caller's veto, if any, does not refuse: the project's refuses a
changed number, dose, placeholder, protected term or negation. Where msgmerge's guesses were wrong
on real catalogs, it is (benchmarks/fuzzy_quality.py measures both).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from enum import StrEnum
from typing import ClassVar

from .hashed import Hashed
from .lcs_many import PackedStrings, lcs_length, masks_of, partial_lcs
from .model import Entry
from .pairing import WORDS_SHARED, Refusal, Veto, shared_words, source, words
from .spread import spread

__all__ = ["FUZZY_THRESHOLD", "FuzzyIndex", "Matching", "fstrcmp", "lcs_length", "refusal"]

FUZZY_THRESHOLD = 0.6
# msgmerge compares strings shorter than 4 characters (≤ 12 bytes) only with strings whose byte
# length could still reach the threshold: l/(2/0.6 − 1) ≤ l′ ≤ l·(2/0.6 − 1), at most 28 bytes.
_SPREAD = 2 / FUZZY_THRESHOLD - 1
_SHORT_MAX = int(4 * 3 * _SPREAD)
# A candidate with the same context (or none) beats an equal one from another context.
_CONTEXT_BONUS = 0.00001
# Matching.WORDS asks at least this much character similarity (tuned on the Sphinx update pairs,
# benchmarks/fuzzy_quality.py); its word rules are in pairing.py.
_CHAR_FLOOR = 0.5


class Matching(StrEnum):
    """How `merge` pairs a new msgid with an old translation."""

    WORDS = "words"  # msgmerge's candidates, never across a replaced word, nor against the veto
    GNU = "gnu"  # exactly msgmerge --previous: for conformance tests and comparison


def fstrcmp(a: bytes, b: bytes, lower_bound: float = 0.0) -> float:
    """gnulib's fstrcmp_bounded: 2·(common bytes)/(total bytes), where common bytes are those a
    shortest insert/delete script leaves alone; any value below `lower_bound` may come back as 0.

    >>> fstrcmp(b"Changed in version %s", b"Added in version %s")
    0.8
    >>> fstrcmp(b"", b"")
    1.0
    """
    return _Text(a).similarity(_Query(None, "", b), lower_bound)


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
        counts = Counter(data)
        self.bytes, self.counts = tuple(counts), tuple(counts.values())
        self.masks: dict[int, int] | None = None

    def upper_bound(self, query: _Query) -> float:
        """At least the similarity: 2·(bytes both have, counted with multiplicity)/total."""
        total = len(self.data) + len(query.data)
        if total == 0:
            return 1.0
        here = map(query.counts.__getitem__, self.bytes)
        return 2 * sum(map(min, self.counts, here)) / total

    def similarity(self, query: _Query, lower_bound: float, bounded: bool = True) -> float:
        """Exact when at least `lower_bound`; `bounded` false when the caller has already
        checked the cheap bounds."""
        la, lb = len(self.data), len(query.data)
        if la == 0 or lb == 0:
            return 1.0 if la == lb else 0.0
        total = la + lb
        if lower_bound > 0 and bounded:
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
        key = (self.data, query.data)
        known = _KNOWN.get(key)  # the same English meets the same English in every locale
        if known is not None and (known >= 0 or -known <= needed):
            return 0.0 if known < 0 else 2 * known / total
        if lb <= la:
            if self.masks is None:
                self.masks = masks_of(self.data)
            common = partial_lcs(self.masks, la, query.data, needed)
        else:
            if query.masks is None:
                query.masks = masks_of(query.data)
            common = partial_lcs(query.masks, lb, self.data, needed)
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[key] = common if common >= 0 else -needed
        return 0.0 if common < 0 else 2 * common / total


# Common bytes of pairs already compared: the LCS, or −n when it was found to be below n. A cache
# of results only (the answers do not depend on it), bounded, shared by all searches.
_KNOWN: dict[tuple[bytes, bytes], int] = {}
_KNOWN_MAX = 200_000


class FuzzyIndex:
    """The old catalog's translated entries (obsolete and fuzzy ones too, as msgmerge takes them),
    and the search for the one whose translation a new msgid is offered.

    msgmerge (msgl-fsearch.c) compares a query with every string sharing a character 4-gram,
    most shared first, keeping the first that scores highest. The same answer comes cheaper by
    branch and bound: only strings of a length that could reach the threshold are looked at
    (entries are kept sorted by length), they are ranked by an upper bound of their similarity
    (bytes in common), and exact similarities are computed from the top until the bound falls
    below the best found; a tie goes to the string msgmerge would have tried first. Where many
    strings have a length that could reach the threshold (`PACKED_FROM`), the similarity with all of them
    comes at once instead (lcs_many.py), and candidates are tried from the most similar down.
    """

    # The answer depends only on the English (keys and plurals) of the candidates and the query,
    # which every locale of a page shares: each search is made once per page, not once per locale.
    _answers: ClassVar[dict[Hashable, int | None]] = {}
    _ANSWERS_KEPT = 65536
    # From this many old msgids of a length that could match, one search compares the query with
    # all of them at once (lcs_many.py) instead of one by one with bounds; the answer is the same.
    PACKED_FROM = 200

    def __init__(self, entries: Sequence[Entry], encoding: str = "utf-8") -> None:
        self.encoding = encoding
        self.entries = [e for e in entries if e.msgstr[0] != ""]
        self._english = Hashed(
            (encoding, tuple((e.msgctxt, e.msgid, e.msgid_plural) for e in self.entries))
        )
        self.words: list[tuple[str, ...] | None] = [None] * len(self.entries)
        self._data = [e.msgid.encode(encoding, "replace") for e in self.entries]
        self._texts: list[_Text | None] = [None] * len(self.entries)  # made when first compared
        order = sorted(range(len(self.entries)), key=lambda j: len(self._data[j]))
        self._by_length = order
        self._lengths = [len(self._data[j]) for j in order]
        self._packed: PackedStrings | None = None  # made on the first search of many candidates

    def _text(self, j: int) -> _Text:
        text = self._texts[j]
        if text is None:
            text = self._texts[j] = _Text(self._data[j])
        return text

    def _words(self, j: int) -> tuple[str, ...]:
        found = self.words[j]
        if found is None:
            found = self.words[j] = words(self.entries[j].msgid)
        return found

    def _bonus(self, j: int, msgctxt: str | None) -> float:
        """msgmerge's hair of preference for a candidate in the same context, or in none."""
        theirs = self.entries[j].msgctxt
        return _CONTEXT_BONUS if theirs is None or theirs == msgctxt else 0.0

    def _weight(self, j: int, query: _Query, lower_bound: float, bounded: bool = True) -> float:
        """msgmerge's goal function: similarity plus the context bonus; exact when ≥ the bound."""
        bonus = self._bonus(j, query.msgctxt)
        return self._text(j).similarity(query, lower_bound - bonus * 1.01, bounded) + bonus

    def best(
        self,
        new: Entry,
        matching: Matching = Matching.GNU,
        veto: Veto | None = None,
    ) -> Entry | None:
        """The old entry whose translation is offered for the template entry `new`, or None."""
        asked = (self._english, *new.key, new.msgid_plural, matching, veto)
        if asked in self._answers:
            found = self._answers[asked]
            return None if found is None else self.entries[found]
        if len(self._answers) >= self._ANSWERS_KEPT:
            self._answers.clear()
        found = self._answers[asked] = self._find(new, matching, veto)
        return None if found is None else self.entries[found]

    def prefetch(
        self, news: Sequence[Entry], matching: Matching, veto: Veto | None, jobs: int
    ) -> None:
        """Make the searches `best` will be asked for `news` now, spread over `jobs` processes."""
        self._packed_strings()  # once, before the processes fork
        found = spread(lambda i: self._find(news[i], matching, veto), len(news), jobs)
        if len(self._answers) + len(news) >= self._ANSWERS_KEPT:
            self._answers.clear()
        for new, j in zip(news, found, strict=True):
            self._answers[(self._english, *new.key, new.msgid_plural, matching, veto)] = j

    def _packed_strings(self) -> PackedStrings:
        if self._packed is None:
            self._packed = PackedStrings([self._data[j] for j in self._by_length])
        return self._packed

    def _find(self, new: Entry, matching: Matching, veto: Veto | None) -> int | None:
        query = _Query(new.msgctxt, new.msgid, new.msgid.encode(self.encoding, "replace"))
        if matching is Matching.GNU:
            found = self._search(query, FUZZY_THRESHOLD)
        else:
            wanted = words(new.msgid)

            def screen(j: int) -> bool:
                theirs = self._words(j)
                # enough words, by count alone, to share the required share of them
                return 2 * min(len(theirs), len(wanted)) >= WORDS_SHARED * (
                    len(theirs) + len(wanted)
                )

            def acceptable(j: int) -> bool:
                return self._words_accept(j, new, wanted, veto)

            found = self._search(query, _CHAR_FLOOR, acceptable, screen)
        return found

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
            # whose length could reach its threshold, shortest first, of one length in file
            # order (its index keeps a list per byte length): the first of a tie wins.
            low, high = math.ceil(size / _SPREAD), min(int(size * _SPREAD), _SHORT_MAX)
            best_weight, best = floor, None
            start, stop = bisect_left(self._lengths, low), bisect_right(self._lengths, high)
            for j in self._by_length[start:stop]:
                if screen is not None and not screen(j):
                    continue
                weight = self._weight(j, query, best_weight)
                if weight > best_weight and (acceptable is None or acceptable(j)):
                    best_weight, best = weight, j
            return best
        # 2·min/(total) must exceed the floor (less the bonus): the lengths that can.
        ratio = (floor - 2 * _CONTEXT_BONUS) / (2 - floor + 2 * _CONTEXT_BONUS)
        shortest, longest = size * ratio - 1, size / ratio + 1
        start, stop = bisect_left(self._lengths, shortest), bisect_right(self._lengths, longest)
        if stop - start >= self.PACKED_FROM:
            return self._search_packed(query, floor, (start, stop), acceptable, screen)
        ranked = []
        for j in sorted(self._by_length[start:stop]):  # in file order
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
            weight = self._weight(j, query, best_weight, bounded=False)  # bounded above
            if weight < best_weight or (acceptable is not None and not acceptable(j)):
                continue
            theirs = self.entries[j].msgid
            if not any(gram in theirs for gram in grams):
                continue  # msgmerge never looks at a string without a 4-gram in common
            if weight > best_weight:
                best_weight, winners = weight, []
            winners.append(j)
        return self._first_tried(winners, grams)

    def _first_tried(self, winners: list[int], grams: list[str]) -> int | None:
        """Of equally similar candidates, the one msgmerge tries first: most 4-grams in common
        with the query, then file order."""
        if len(winners) < 2:
            return winners[0] if winners else None
        counts = Counter(grams)
        return min(
            winners,
            key=lambda j: (-sum(n for g, n in counts.items() if g in self.entries[j].msgid), j),
        )

    def _search_packed(
        self,
        query: _Query,
        floor: float,
        window: tuple[int, int],
        acceptable: Callable[[int], bool] | None,
        screen: Callable[[int], bool] | None,
    ) -> int | None:
        """`_search`'s answer where many strings' lengths could reach the floor: the similarity with
        every one of them at once (lcs_many.py), then the candidates from the most similar down.
        The same conditions pick the same candidate; only their order of evaluation differs."""
        start, stop = window
        size, msgctxt = len(query.data), query.msgctxt
        scored = []
        for k, n in self._packed_strings().similar(
            query.data, floor - 2 * _CONTEXT_BONUS, start, stop
        ):
            j = self._by_length[k]
            weight = 2 * n / (self._lengths[k] + size) + self._bonus(j, msgctxt)
            # `_search` ranks only candidates whose bound (bytes in common) exceeds the floor
            if weight > floor or (
                weight == floor
                and self._text(j).upper_bound(query) + self._bonus(j, msgctxt) > floor
            ):
                scored.append((-weight, j))
        scored.sort()
        msgid = query.msgid
        grams = [msgid[k : k + 4] for k in range(len(msgid) - 3)]
        at = 0
        while at < len(scored):
            weight, winners = scored[at][0], []
            while at < len(scored) and scored[at][0] == weight:
                j = scored[at][1]
                at += 1
                theirs = self.entries[j].msgid
                if screen is not None and not screen(j):
                    continue
                if not any(gram in theirs for gram in grams):
                    continue  # msgmerge never looks at a string without a 4-gram in common
                if acceptable is None or acceptable(j):
                    winners.append(j)
            if winners:
                return self._first_tried(winners, grams)
        return None

    def _words_accept(self, j: int, new: Entry, wanted: tuple[str, ...], veto: Veto | None) -> bool:
        """Matching.WORDS's conditions on a candidate: it differs from `new` by words added,
        removed or respelled, never by a word replaced with another ("Removed" for "Added"),
        shares most of its words, and the veto does not refuse it."""
        shared = shared_words(self._words(j), wanted)
        if shared is None or shared < WORDS_SHARED:
            return False
        return veto is None or veto(source(self.entries[j]), source(new)) is None


# ---- the verdict on one pairing -----------------------------------------------------------------


def refusal(old: Entry, new: Entry, veto: Veto | None = None) -> str | None:
    """Why Matching.WORDS would never pair `new` with `old` (the veto's reason first), or None if
    it may (it still takes the most similar of the candidates it may pair).

    >>> refusal(Entry("New in version %s"), Entry("Removed in version %s"))
    <Refusal.WORD_REPLACED: 'a word was replaced by a different word'>
    """
    why = veto(source(old), source(new)) if veto is not None else None
    if why is not None:
        return why
    shared = shared_words(words(old.msgid), words(new.msgid))
    if shared is None:
        return Refusal.WORD_REPLACED
    if shared < WORDS_SHARED:
        return Refusal.FEW_WORDS
    if fstrcmp(old.msgid.encode(), new.msgid.encode(), _CHAR_FLOOR) < _CHAR_FLOOR:
        return Refusal.LITTLE_IN_COMMON
    return None
