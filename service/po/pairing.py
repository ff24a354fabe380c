"""The word rule of the default matcher (Matching.WORDS): which old translations it will not
pre-fill, and why.

The new msgid must be the old one with words added, removed or respelled, not with a word replaced
by a different one, and share most of its words. fuzzy.py applies it while it searches, with the
caller's veto (a `Veto`: the project's is `service.catalogs.veto`) on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache

from .lcs_many import lcs_length
from .model import Entry

__all__ = ["WORDS_SHARED", "Refusal", "Veto", "shared_words", "source", "words"]

# A caller's own reason never to pair an old msgid with a new one (both as `source` gives them):
# the reason, or None when it may. It is part of the key of cached answers, so it must be hashable
# and equal to another veto exactly when it gives the same answers (a frozen dataclass is).
Veto = Callable[[str, str], str | None]

# Tuned on the Sphinx update pairs (benchmarks/fuzzy_quality.py): at least this share of words in
# common (Dice); a replaced word counts as respelled ("defaut" → "default", "Permalink" → "Link")
# when this similar or contained in it.
WORDS_SHARED = 0.65
_RESPELLED = 0.75
# A replaced word is tolerated only in long messages (a paragraph of patient text with one word
# changed still gets its old translation, fuzzy, with the change shown by `#|`): one per 12 kept.
_KEPT_PER_REPLACED = 12


class Refusal(StrEnum):
    """Why the word rule does not offer an old translation for a new msgid."""

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
    return 2 * lcs_length(old, new) >= _RESPELLED * (len(old) + len(new))


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
    most = min(len(old), len(new))  # no more words can be kept
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
                if replaced * _KEPT_PER_REPLACED > most:
                    return None  # the answer below, known already
    if replaced * _KEPT_PER_REPLACED > kept:
        return None
    return 2 * kept / (len(old) + len(new))


def source(entry: Entry) -> str:
    """msgid and msgid_plural: what a `Veto` compares."""
    return entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\n{entry.msgid_plural}"
