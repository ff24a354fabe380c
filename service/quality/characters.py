"""Characters a patient does not see as a reviewer reads them: bidi controls and other invisible
(default-ignorable) code points, runs of padding, and numbers whose digits come from two scripts.

U+202E around "56 mg" shows "gm 65"; a zero-width non-joiner inside Arabic لا breaks the negation
into two loose letters; 3,000 no-break spaces push a sentence off the screen; "2٨" reads as one
value to a parser and as "2" to a Spanish reader. Which code points are bidi controls or default
ignorable is Unicode's (the `regex` module's property tables), not a list of ours.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import regex

__all__ = ["hidden_in", "mixed_digits_in", "name_of", "padding_in", "reveal"]

_HIDDEN = regex.compile(r"[\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]")
# Two or more white-space characters in a row (a no-break or ideographic space among them: `re`
# reads \s and \d in Unicode)
# White space, and U+2800 BRAILLE PATTERN BLANK, which shows as a space but is neither white space
# nor default-ignorable
_PADDING = re.compile(r"[\s\u2800]{2,}")
_OTHER_SPACE = re.compile(r"[^\S ]")  # white space other than U+0020 (U+2800 is looked for apart)
# A number as written: digits, with the separators a locale groups or splits them with
_NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c\u00a0\u202f'’]\d+)*")
_OTHER_DIGIT = re.compile(r"[^\x00-\x7f\D]")  # a decimal digit of another script than ASCII's


def name_of(char: str) -> str:
    """
    >>> name_of("\\u202e")
    '⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩'
    """
    return f"⟨U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}⟩"


@lru_cache(maxsize=65536)
def hidden_in(text: str) -> Counter[str]:
    """The bidi controls and default-ignorable code points of `text`, counted."""
    if text.isascii() or not _HIDDEN.search(text):
        return Counter()
    return Counter(_HIDDEN.findall(text))


def padding_in(text: str) -> Counter[str]:
    """The runs of two or more white-space characters in `text`, counted by what they are.

    >>> padding_in("Take\\u00a0\\u00a0\\u00a0it.  Now.")
    Counter({'\\xa0\\xa0\\xa0': 1, '  ': 1})
    >>> padding_in("Tome\\u00a056 mg."), padding_in(" \\u3000")
    (Counter(), Counter({' \\u3000': 1}))
    """
    if "  " not in text and "\u2800" not in text and _OTHER_SPACE.search(text) is None:
        return Counter()
    return Counter(_PADDING.findall(text))


def _zero(digit: str) -> int:
    """The code point of the zero of `digit`'s script (every decimal digit block runs 0 to 9)."""
    return ord(digit) - unicodedata.digit(digit)


def mixed_digits_in(text: str) -> list[str]:
    """The numbers of `text` written with digits of more than one script.

    >>> mixed_digits_in("28 mg, 2٨ mg, ٢٨ mg, 1.٥ mL")
    ['2٨', '1.٥']
    """
    if _OTHER_DIGIT.search(text) is None:  # ASCII digits only: one script
        return []
    found = []
    for number in _NUMBER.findall(text):
        zeros = {_zero(c) for c in number if c.isdecimal()}
        if len(zeros) > 1:
            found.append(number)
    return found


def reveal(text: str) -> str:
    """`text` with each bidi control and invisible code point shown by its name, as a reviewer
    must see it (the exact text, and its hash, are unchanged elsewhere).

    >>> reveal("Tome \\u202e56 mg")
    'Tome ⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩56 mg'
    """
    if text.isascii():
        return text
    return _HIDDEN.sub(lambda m: name_of(m.group()), text)
