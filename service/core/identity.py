"""Who a name is: four eyes compares people, not spellings.

A name as a catalog's `Last-Translator` or a ledger's `reviewer` gives it ("Dr. Rosa Revisora
(fictional) <rosa@clinic.example>") is read into words and an e-mail address:

- NFKC (full-width letters are letters), default-ignorable code points removed (a zero-width
  space, a bidi control: Unicode's property, through `regex`), marks dropped (an accent left out or
  written as a combining mark), case folded;
- remarks in brackets dropped ("(fictional)"), and forms of address and degrees dropped where a
  word is one ("Dr.", "Dra.", "PhD", "الدكتورة"; `_TITLES`);
- each word reduced to its Unicode TR39 confusable skeleton (ICU's, through PyICU), so a Cyrillic
  "а" for a Latin "a" is the same word; twice, in lower case and in capitals, as skeletons keep
  case ("rn" is "m" in lower case, a small "l" is a capital "I" and "0" an "O" in capitals).

Two names are the same person when their e-mail addresses are the same (folded, by skeleton), or their words are the same
(in any order, or run together), or the words of the shorter, at least two, are all in the longer
("Rosa Revisora" in "Rosa Maria Revisora"). One word alone never matches a longer name: "Revisora"
is not both "Rosa Revisora" and "Inês Revisora". `People` adds what l10n.yaml declares: the names,
aliases and e-mail addresses of one declared person are all that person.

What it cannot tell: a person who writes someone else's name (and no e-mail address of theirs), a
name that shares no spelling with theirs (another script: 王 for Wang; a nickname), a look-alike
TR39 does not list ("!" for "i", "w" for "v"), or one word mixing lower-case and capital
look-alikes ("rn" for "m" and "l" for "I" at once).
Matching errs towards "the same person": that refuses an approval, never lets one through, and two
declared reviewers it would take for one are a configuration error (`people_config`).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import icu
import regex

__all__ = ["Name", "People", "Person", "email_of", "read_name", "same_person"]

_HIDDEN = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_MARK = regex.compile(r"\p{M}")
_REMARK = regex.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_EMAIL = regex.compile(r"<([^<>]*)>")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
# Forms of address and degrees written before or after a name in the enabled languages, as words
# (case folded, accents dropped). Sources: Wikipedia, "English honorifics" (Dr, Prof, Mr, Mrs, Ms,
# Mx, Miss, Sir, Dame) and "Post-nominal letters" (MD, PhD, PharmD, RN, MSc, MPH); Real Academia
# Española, "Diccionario panhispánico de dudas", apéndice 2, "Lista de abreviaturas" (Dr., Dra.,
# Sr., Sra., Srta., Lic., Lcda., Lcdo.); Portuguese "Formas de tratamento" (Dr., Dra., Prof., Profa.,
# Enf.); Vietnamese "BS" (bác sĩ) and "TS" (tiến sĩ); Arabic "د." (دكتور). "Don"/"Doña" are left
# out: they are also given names.
_TITLES = frozenset(
    [
        "dr",
        "dra",
        "doctor",
        "doctora",
        "prof",
        "profa",
        "professor",
        "professora",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "sir",
        "dame",
        "md",
        "phd",
        "pharmd",
        "rn",
        "msc",
        "mph",
        "sr",
        "sra",
        "srta",
        "lic",
        "lcda",
        "lcdo",
        "enf",
        "bs",
        "ts",
        "د",
        "دكتور",
        "دكتورة",
        "الدكتور",
        "الدكتورة",
    ]
)
# Chinese forms of address follow the name with no space (沈月梅医生): 医生 doctor, 博士 doctor
# (degree), 教授 professor, 老师 teacher, 先生 Mr, 女士 Ms (Wikipedia, "Chinese honorifics").
_HAN_TITLES = ("医生", "博士", "教授", "老师", "先生", "女士")
_SPOOF = icu.SpoofChecker()


def _clean(text: str) -> str:
    """NFKC, ignorable code points removed, marks dropped (case kept)."""
    text = _HIDDEN.sub("", unicodedata.normalize("NFKC", text))
    return unicodedata.normalize("NFKC", _MARK.sub("", unicodedata.normalize("NFD", text)))


def _fold(text: str) -> str:
    """`_clean`, case folded."""
    return unicodedata.normalize("NFKC", _clean(text).casefold())


def _skeleton(text: str) -> str:
    return str(_SPOOF.getSkeleton(0, text))


def _untitled(word: str) -> str:
    for title in _HAN_TITLES:
        if word.endswith(title) and len(word) > len(title) + 1:
            return word[: -len(title)]
    return word


@dataclass(frozen=True)
class Name:
    """A name as it is compared: its words and e-mail address. Each word twice, as TR39 skeletons
    are case-sensitive: `words` is the skeleton of the word in lower case ("Rоsa" with a Cyrillic
    "о" is "rosa"), `shapes` the skeleton of the word in capitals, then folded ("lnês" with a small
    L is "Inês", both "lnes"; "R0sa" with a zero is "Rosa")."""

    words: tuple[str, ...]
    email: str
    shapes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.email)


@lru_cache(maxsize=4096)
def read_name(text: str) -> Name:
    """
    >>> read_name("Dr. Rosa Revisora (fictional) <Rosa@Clinic.example>")
    Name(words=('rosa', 'revisora'), email='rosa@clinic.example', shapes=('rosa', 'revlsora'))
    """
    email = email_of(text)
    rest = _clean(_EMAIL.sub(" ", text))
    if not email and "@" in rest and len(rest.split()) == 1:  # an address alone
        email, rest = _fold(rest).strip(), ""
    found = _words_of(_REMARK.sub(" ", rest))
    if len(found) < 2:  # "(Rosa Revisora)", "Rosa (Revisora)": the remark may be the name
        kept = _words_of(rest)
        found = kept if len(kept) >= 2 else found
    words = tuple(_skeleton(_fold(w)) for w in found)
    shapes = tuple(_fold(_skeleton(w.upper())) for w in found)
    return Name(words, email, shapes)


def _words_of(text: str) -> list[str]:
    return [_untitled(w) for w in _WORD.findall(text) if _fold(w) not in _TITLES]


def email_of(text: str) -> str:
    """The e-mail address in `Name <address>`, folded ("" when there is none, or gettext's
    placeholder EMAIL@ADDRESS).

    >>> email_of("Ana <ANA@example.org>"), email_of("FULL NAME <EMAIL@ADDRESS>")
    ('ana@example.org', '')
    """
    found = _EMAIL.search(text)
    email = _fold(found.group(1)).strip() if found else ""
    return email if "@" in email and email != "email@address" else ""


def _same_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return False
    if sorted(a) == sorted(b) or "".join(a) == "".join(b):
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 2 and not Counter(short) - Counter(long)


@lru_cache(maxsize=65536)
def same_person(a: str | None, b: str | None) -> bool:
    """Whether two names (each maybe with an e-mail address) are one person, by name and address
    alone (`People.same` adds what l10n.yaml declares).

    >>> same_person("Dr. Rosa Revisora (fictional)", "rosa revisora")
    True
    >>> same_person("Dr. Rosa Revisora (fictional)", "Dr. Inês Revisora (fictional)")
    False
    """
    if not a or not b:
        return False
    x, y = read_name(a), read_name(b)
    if not (x and y):  # no word and no address (an emoji, titles only): the text itself
        return " ".join(_fold(a).split()) == " ".join(_fold(b).split())
    if x.email and y.email and _skeleton(x.email) == _skeleton(y.email):
        return True
    return _same_words(x.words, y.words) or _same_words(x.shapes, y.shapes)


@dataclass(frozen=True)
class Person:
    """Someone l10n.yaml declares, as a reviewer or a translator: the names (the first as declared,
    then any aliases) and e-mail addresses that are all theirs."""

    names: tuple[str, ...]
    emails: tuple[str, ...] = ()

    def named_by(self, text: str) -> bool:
        """Whether `text` names this person (a name, an alias or an address of theirs)."""
        email = read_name(text).email
        return bool(email and _skeleton(email) in self._emails) or any(
            same_person(n, text) for n in self.names
        )

    @cached_property
    def _emails(self) -> frozenset[str]:
        """The addresses as compared: folded, by confusable skeleton."""
        return frozenset(_skeleton(e) for e in map(email_of, (f"<{e}>" for e in self.emails)) if e)


@dataclass(frozen=True)
class People:
    """The declared people; a reviewer and a translator who are one person (by `same_person` on a
    name or an address) are merged."""

    persons: tuple[Person, ...] = ()
    _answers: dict[tuple[str, str], bool] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )  # asked per record served: answered once per pair of names

    @classmethod
    def of(cls, persons: Iterable[Person]) -> People:
        merged: list[Person] = []
        for person in persons:
            joined = [m for m in merged if _overlap(m, person)]
            names = [n for m in joined for n in m.names] + list(person.names)
            emails = [e for m in joined for e in m.emails] + list(person.emails)
            merged = [m for m in merged if m not in joined]
            merged.append(Person(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(emails))))
        return cls(tuple(merged))

    def who(self, text: str) -> frozenset[int]:
        """Which declared people `text` names (by index); usually one or none."""
        return frozenset(i for i, p in enumerate(self.persons) if p.named_by(text))

    def same(self, a: str | None, b: str | None) -> bool:
        """`same_person`, or both name one declared person (by a name, alias or address)."""
        if not a or not b:
            return False
        found = self._answers.get((a, b))
        if found is None:
            found = same_person(a, b) or bool(self.who(a) & self.who(b))
            if len(self._answers) < 65536:
                self._answers[(a, b)] = found
        return found


def _overlap(a: Person, b: Person) -> bool:
    return any(a.named_by(n) for n in b.names) or any(a.named_by(f"<{e}>") for e in b.emails)
