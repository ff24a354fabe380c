"""Letters that look like others: a word mixing Latin with Cyrillic or Greek letters ("Nо" with a
Cyrillic о reads as "No" but is no negator to a check; "kеtamina" is no listed substance), and a
letter in a compatibility form (full-width "Ｎｏ", the Arabic presentation form "ﻻ" for لا, the
ligature "ﬁ", mathematical "𝐍") that the checks, which read the ordinary letters, would miss.
An error when the English has no such word or letter: a reviewer sees the same shape and cannot
tell.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

import regex

from service.quality.checks import Severity, Unit, register

__all__ = ["lookalikes", "lookalikes_in"]

# Cyrillic and Greek letters, but not the micro sign and mu of µg, μL
_OTHER_SCRIPT = regex.compile(r"[[\p{Cyrillic}\p{Greek}]--[µμ]]", regex.V1)
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_LATIN = regex.compile(r"\p{Latin}")
# Unicode blocks of compatibility letters: alphabetic and Arabic presentation forms, half- and
# full-width Latin, letterlike symbols (K KELVIN SIGN), circled letters, mathematical letters
_COMPAT = regex.compile(
    r"[\uFB00-\uFDFF\uFE70-\uFEFF\uFF21-\uFF3A\uFF41-\uFF5A\u2100-\u214F\u24B6-\u24E9"
    r"\U0001D400-\U0001D7FF]"
)

# Either of the above: most texts have neither, and are searched once
_ANY = regex.compile(rf"{_OTHER_SCRIPT.pattern}|{_COMPAT.pattern}", regex.V1)


@lru_cache(maxsize=32768)
def lookalikes_in(text: str) -> Counter[str]:
    """Each mixed-script word and each compatibility letter of `text`, counted.

    >>> sorted(lookalikes_in("Nо conduzca ﻻ Ｎo µg"))
    ['Nо', 'ﻻ', 'Ｎ']
    """
    found: Counter[str] = Counter()
    if text.isascii() or not _ANY.search(text):
        return found
    if _OTHER_SCRIPT.search(text):
        for word in _WORD.findall(text):
            if _LATIN.search(word) and _OTHER_SCRIPT.search(word):
                found[word] += 1
    for match in _COMPAT.finditer(text):
        char = match.group()
        if char.isalpha() and unicodedata.normalize("NFKC", char) != char:
            found[char] += 1
    return found


@register("look-alikes", Severity.ERROR)
def lookalikes(unit: Unit) -> Iterator[str]:
    """No word mixing Latin with Cyrillic or Greek letters, and no compatibility letter, that the
    English does not have."""
    for source, target in unit.pairs():
        found = lookalikes_in(target)
        if not found:
            continue
        extra = found - lookalikes_in(source)
        for shown, count in sorted(extra.items()):
            names = ", ".join(
                f"U+{ord(c):04X} {unicodedata.name(c, '?')}"
                for c in dict.fromkeys(shown)
                if not c.isascii()
            )
            yield f"{shown!r} ×{count} is written with look-alike letters ({names})"
