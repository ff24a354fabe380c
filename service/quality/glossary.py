"""The `terminology` check: each substance or product l10n.yaml lists (`core.terminology`) appears
in a translation in its approved form exactly as often as in the English, and no listed one the
English does not name ("esketamine, not ketamine" may not become "ketamina, no esketamina").

A term is found on word boundaries in scripts that separate words (Latin, Greek, Cyrillic: case
insensitive, "ketamine" is not found inside "esketamine"); in scripts that do not (Chinese) or that
join little words to a name (Arabic: بالإسكيتامين), anywhere, the longest listed form first, so
氯胺酮 inside 艾司氯胺酮 counts once, as esketamine.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

import regex

from service.core.models import SOURCE_LOCALE
from service.core.terminology import Glossary
from service.quality.checks import Severity, Unit, register
from service.quality.seen import seen_text

__all__ = ["term_sequence", "terminology"]

_SPACED = r"\p{Latin}\p{Greek}\p{Cyrillic}"  # scripts whose words a name's edge must not touch
_WORDY = rf"[{_SPACED}\p{{M}}\p{{Nd}}]"


@lru_cache(maxsize=256)
def _finder(
    glossary: Glossary, english: bool
) -> tuple[regex.Pattern[str], dict[str, int], re.Pattern[str]]:
    """One pattern for the glossary's English names or its forms, longest first, which term a
    match (case folded) names, and a pattern that finds any of them (case folded) anywhere."""
    owner = {
        form.casefold(): number
        for number, (name, forms) in enumerate(glossary)
        for form in ((name,) if english else forms)
    }
    alternatives = [r"(?!)"]  # matches nothing: a glossary whose locale has no form yet
    for form in sorted(owner, key=len, reverse=True):
        before = rf"(?<!{_WORDY})" if regex.match(_WORDY, form[0]) else ""
        after = rf"(?!{_WORDY})" if regex.match(_WORDY, form[-1]) else ""
        alternatives.append(before + regex.escape(form) + after)
    anywhere = re.compile("|".join(map(re.escape, owner)) or "(?!)")
    return regex.compile("|".join(alternatives), regex.IGNORECASE), owner, anywhere


def term_sequence(text: str, glossary: Glossary, locale: str) -> tuple[int, ...]:
    """The terms of `glossary` that `text` names, in order, by their place in `glossary`; read in
    the English (`locale` en) or in the locale's forms.

    >>> g = (("esketamine", ("esketamina",)), ("ketamine", ("ketamina",)))
    >>> term_sequence("Esketamine, not ketamine.", g, "en"), term_sequence("ketamina, no Ketamina", g, "es")
    ((0, 1), (1, 1))
    """
    if locale == SOURCE_LOCALE:
        return _in_english(text, _names(glossary))
    return _in_translation(text, glossary)


@lru_cache(maxsize=256)
def _names(glossary: Glossary) -> Glossary:
    """The glossary as its English names alone: what an English text is read by (the same in
    every locale)."""
    return tuple((name, ()) for name, _ in glossary)


# An English text is read once for all locales; a translation once.
@lru_cache(maxsize=32768)
def _in_english(text: str, names: Glossary) -> tuple[int, ...]:
    return _read(text, *_finder(names, True))


@lru_cache(maxsize=65536)
def _in_translation(text: str, glossary: Glossary) -> tuple[int, ...]:
    return _read(text, *_finder(glossary, False))


def _read(
    text: str, pattern: regex.Pattern[str], owner: dict[str, int], anywhere: re.Pattern[str]
) -> tuple[int, ...]:
    if anywhere.search(text.casefold()) is None:  # most texts name none: no pattern run
        return ()
    found = []
    for match in pattern.finditer(text):
        name = match.group().casefold()
        if name not in owner:  # a case folding `regex` makes and `str.casefold` does not
            name = next(f for f in owner if regex.fullmatch(regex.escape(f), name, regex.I))
        found.append(owner[name])
    return tuple(found)


@register("terminology", Severity.ERROR)
def terminology(unit: Unit) -> Iterator[str]:
    """Each term of `terminology:` the English names, as often, in its approved form and in the
    English's order, and no other listed term: a substance swapped ("esketamine, not ketamine" →
    "ketamina, no esketamina" keeps both counts), or a product added while a brand keeps its
    count."""
    if not unit.glossary:
        return
    for source, target in unit.pairs():
        want = term_sequence(seen_text(source, unit.references), unit.glossary, SOURCE_LOCALE)
        have = term_sequence(seen_text(target, unit.references), unit.glossary, unit.locale)
        if want == have:
            continue
        wanted, found = Counter(want), Counter(have)
        for number, (english, forms) in enumerate(unit.glossary):
            if not forms:
                if wanted[number]:
                    yield f"{english} has no approved form for {unit.locale} (terminology: in l10n.yaml)"
                continue
            written = " or ".join(forms)
            named = written if written == english else f"{written} ({english})"
            if not wanted[number] and found[number]:
                yield f"{named} is not in the English"
            elif found[number] != wanted[number]:
                yield f"{english} ×{wanted[number]} in the English: {written} ×{found[number]} here"
        if wanted == found:
            order = ", ".join(unit.glossary[n][0] for n in have)
            english_order = ", ".join(unit.glossary[n][0] for n in want)
            yield f"the terms come in another order ({order}) than in the English ({english_order})"
