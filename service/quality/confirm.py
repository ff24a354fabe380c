"""The confirm-level checks: what no value check reads (a negation turned round, a sentence added
or dropped), held for a reviewer's word that the meaning is kept rather than refused. Registered in
the checks' registry when `service.quality` is imported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from service.quality.checks import REGISTRY, Finding, Severity, Unit, register
from service.quality.meaning import negator_spans, negators_known, sentences

__all__ = ["confirming", "negation", "sentence_count"]


@lru_cache(maxsize=262144)
def confirming(unit: Unit) -> tuple[Finding, ...]:
    """The findings a reviewer must confirm before the text counts as approved (only the
    confirm-level checks run): the translation may keep the meaning, or may not."""
    return tuple(
        Finding(c.id, c.severity, message)
        for c in REGISTRY.values()
        if c.severity is Severity.CONFIRM
        for message in c.function(unit)
    )


def _quoted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    return ", ".join(repr(text[a:b]) for a, b in spans) or "none"


@register("negation", Severity.CONFIRM)
def negation(unit: Unit) -> Iterator[str]:
    """Sentence by sentence (the whole text when the counts differ), the translation negates
    where the English does, and not where it does not, with no fewer negators (more are usual:
    "No tome nada")."""
    return iter(_negation(unit.pairs(), unit.locale))


# The confirm-level checks read only the texts and the locale, and each translation is asked
# twice (through `to_confirm`, on a unit without the terms, and through `run_checks`): one answer
# per texts and locale serves both.
@lru_cache(maxsize=262144)
def _negation(pairs: tuple[tuple[str, str], ...], locale: str) -> tuple[str, ...]:
    if not negators_known(locale):
        return ()
    return tuple(_negations(pairs, locale))


def _negations(pairs: tuple[tuple[str, str], ...], locale: str) -> Iterator[str]:
    for source, target in pairs:
        want, have = negator_spans(source, "en"), negator_spans(target, locale)
        if not want and not have:
            continue
        english, translated = _ends(source, "en"), _ends(target, locale)
        if len(english) != len(translated):
            english, translated = (len(source),), (len(target),)
        for number, (en, tr) in enumerate(zip(english, translated, strict=True), start=1):
            a = [s for s in want if s[0] < en and (number == 1 or s[0] >= english[number - 2])]
            b = [s for s in have if s[0] < tr and (number == 1 or s[0] >= translated[number - 2])]
            if bool(a) == bool(b) and len(b) >= len(a):
                continue
            where = f"sentence {number}: " if len(english) > 1 else ""
            yield (
                f"{where}negators differ: English {_quoted(source, a)}; "
                f"translation {_quoted(target, b)}"
            )


@lru_cache(maxsize=32768)  # an English text, for each locale its translations are checked in
def _ends(text: str, locale: str) -> tuple[int, ...]:
    """Where each sentence of `text` ends (an offset into it)."""
    ends, at = [], 0
    for piece in sentences(text, locale):
        at = text.index(piece, at) + len(piece)
        ends.append(at)
    return tuple(ends)


@register("sentence-count", Severity.CONFIRM)
def sentence_count(unit: Unit) -> Iterator[str]:
    """As many sentences as the English (ICU's sentence breaks): a sentence added or dropped."""
    return iter(_sentence_count(unit.pairs(), unit.locale))


@lru_cache(maxsize=262144)  # as `_negation`
def _sentence_count(pairs: tuple[tuple[str, str], ...], locale: str) -> tuple[str, ...]:
    found = []
    for source, target in pairs:
        want, have = len(sentences(source, "en")), len(sentences(target, locale))
        if want != have:
            found.append(f"{have} sentence(s); the English has {want}")
    return tuple(found)
