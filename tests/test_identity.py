"""Four eyes compares people, not spellings (issue 22, item 8): `identity.same_person`, the
declared people of l10n.yaml, and whose a translation is (`Ledger.translator`, from its history). The variants are made here by Unicode's own operations (NFD, a
zero-width space, the Cyrillic letter ICU's confusable data maps to "a"), not by the code under test.
"""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import icu
import pytest

from service.core.config import load_config
from service.core.identity import People, Person, same_person
from service.core.models import fingerprint
from service.review.history import read_history
from service.review.ledgers import ledger_of, render_events

from .conftest import FIXTURE_TREE, REPO
from .reviewing import QUINN, ROBIN, SCOPED, TRANSLATOR

INES = "Dr. Inês Revisora (fictional)"
ROSA = "Dr. Rosa Revisora (fictional)"
CYRILLIC_A = "\u0430"  # CYRILLIC SMALL LETTER A

# People the tests declare besides the trees' own (conftest's `tree`, reviewing.py).
ADDED = ("Dr. Test Reviewer", "Dr. Other Reviewer", ROBIN, QUINN, TRANSLATOR, SCOPED)

# (what the variant is, the declared name, the name as Last-Translator gives it)
SAME = [
    ("the name in brackets", ROSA, "(Rosa Revisora)"),
    ("the name in square brackets", ROSA, "[Rosa Revisora]"),
    ("a surname in brackets", ROSA, "Rosa (Revisora)"),
    ("decomposed (NFD)", INES, unicodedata.normalize("NFD", INES)),
    ("a zero-width space", INES, "Dr. Inês Re\u200bvisora (fictional)"),
    ("a Cyrillic а", INES, f"Dr. Inês Revisor{CYRILLIC_A} (fictional)"),
    ("the accent dropped", INES, "Dr. Ines Revisora (fictional)"),
    ("no title, no remark", ROSA, "Rosa Revisora"),
    ("case", INES, "DR. INÊS REVISORA (FICTIONAL)"),
    ("full-width (NFKC)", INES, "Ｉｎêｓ Ｒｅｖｉｓｏｒａ"),
    ("one address, two names", "Ana Ejemplo <ana@clinic.example>", "A. E. <ANA@clinic.example>"),
    ("a Cyrillic о in the address", "Ana <rosa@clinic.example>", "X <r\u043esa@clinic.example>"),
    (
        "a zero-width space in the address",
        "Ana <ana@clinic.example>",
        "X <an\u200ba@clinic.example>",
    ),
    ("a small L for a capital I", INES, "lnês Revisora"),
    ("a small L, in capitals", INES, "LNÊS REVISORA"),
    ("a zero for an o", ROSA, "R0sa Revisora"),
    ("a one for an i", ROSA, "Rosa Rev1sora"),
    ("rn for m", "Dr. Omar Muraji (fictional)", "Ornar Muraji"),
    ("family name first", INES, "Revisora, Inês"),
    ("run together", ROSA, "RosaRevisora"),
    ("a bidi control", ROSA, "Rosa \u202eRevisora"),
    ("a middle name", ROSA, "Rosa Maria Revisora"),
    ("a Spanish title", ROSA, "Dra. Rosa Revisora"),
    ("an Arabic title", "Omar Muraji", "الدكتور Omar Muraji"),
    ("a Chinese title", "沈月梅", "沈月梅医生"),
    ("a post-nominal", ROSA, "Rosa Revisora, MD, PhD"),
]

DIFFERENT = [
    ("one family name", ROSA, INES),
    ("a family name alone", ROSA, "Revisora"),
    ("a given name alone", ROSA, "Rosa"),
    ("two addresses, two names", "Ana Ejemplo <ana@a.example>", "Bo Ejemplo <bo@a.example>"),
    ("gettext's placeholder", "FULL NAME <EMAIL@ADDRESS>", "Other Name <EMAIL@ADDRESS>"),
    ("Revisora and Revisor", "Dr. Bruno Revisor (fictional)", "Dr. Bruno Revisora (fictional)"),
]


@pytest.mark.parametrize(("what", "declared", "written"), SAME, ids=[r[0] for r in SAME])
def test_one_person_however_spelled(what: str, declared: str, written: str) -> None:
    assert declared != written
    assert same_person(declared, written)
    assert same_person(written, declared)


def test_a_name_with_no_letters_is_compared_as_written() -> None:
    """An emoji or a title alone reads as no words: the same text is one person, another is not."""
    assert same_person("😀", " 😀 ") and not same_person("😀", "🙂")
    assert not same_person("Dr.", ROSA)


def test_the_cyrillic_variant_is_confusable_by_icu() -> None:
    """The outside judge for the Cyrillic row: ICU itself calls the two spellings confusable."""
    checker = icu.SpoofChecker()
    assert checker.areConfusable("Revisora", f"Revisor{CYRILLIC_A}") != 0


@pytest.mark.parametrize(("what", "a", "b"), DIFFERENT, ids=[r[0] for r in DIFFERENT])
def test_different_people_stay_apart(what: str, a: str, b: str) -> None:
    assert not same_person(a, b)
    assert not same_person(b, a)


def _declared(root: Path) -> list[str]:
    """Every name the tree's l10n.yaml declares: reviewers and translators (names and aliases)."""
    policy = load_config(root).policy
    return [r.name for r in policy.reviewers.values()] + [
        n for t in policy.translators for n in t.names
    ]


def test_no_two_declared_people_collapse() -> None:
    """Measured on every person the shipped and the test trees declare (and the ones the tests
    add): no two of them are judged one person."""
    names = set(_declared(REPO) + _declared(FIXTURE_TREE)) | set(ADDED)
    assert len(names) >= 20
    one = [(a, b) for a, b in itertools.combinations(sorted(names), 2) if same_person(a, b)]
    assert one == []


def test_declared_aliases_and_addresses_are_one_person() -> None:
    people = People.of(
        [
            Person(("Dr. Rosa Revisora (fictional)",), ("rosa@reviewers.example",)),
            Person(("Rosa Revisora", "R. Rev", "rrevisora"), ("rosa.r@translators.example",)),
            Person((INES,), ("ines@reviewers.example",)),
        ]
    )
    assert len(people.persons) == 2  # the reviewer and the translator Rosa are merged
    assert people.same("rrevisora <x@y.example>", "Dr. Rosa Revisora (fictional)")
    assert people.same("Someone <rosa.r@translators.example>", "R. Rev")
    assert people.same("<ines@reviewers.example>", INES)
    assert not people.same("rrevisora", INES)
    assert not people.same("R. Rev", "<ines@reviewers.example>")


def _approval(msgstr: str, translator: str | None, reviewer: str = ROSA) -> dict[str, object]:
    return {
        "at": "2026-12-01T00:00:00Z",
        "event": "approve",
        "locale": "es",
        "page": "demo",
        "msgid": "Safety",
        "msgstr": msgstr,
        "source_sha256": fingerprint("Safety"),
        "translation_sha256": fingerprint(msgstr),
        **({"translator": translator} if translator else {}),
        "reviewer": reviewer,
        "role": "linguistic",
        "meaning": "linguistic review: the translation is accurate and complete",
    }


LUCIA = "Lucía Ficticia (fictional) <lucia@translators.example>"
# (what, the events' (msgstr, recorded translator), the text asked about, whose it is with ROSA as
# today's Last-Translator)
WHOSE = [
    ("recorded at its approval", [("Seguridad", LUCIA)], "Seguridad", LUCIA),
    ("the first record wins", [("Seguridad", LUCIA), ("Seguridad", ROSA)], "Seguridad", LUCIA),
    ("an old event without one", [("Seguridad", None)], "Seguridad", ROSA),
    ("another text of the entry", [("Seguridad", LUCIA)], "Precauciones", ROSA),
    ("an earlier text approved again", [("A", LUCIA), ("B", ROSA), ("A", None)], "A", LUCIA),
]


@pytest.mark.parametrize(("what", "approvals", "text", "whose"), WHOSE, ids=[w[0] for w in WHOSE])
def test_whose_a_translation_is(
    what: str, approvals: list[tuple[str, str | None]], text: str, whose: str
) -> None:
    empty = read_history("", "demo.yaml", "es", "demo")
    lines, _ = render_events(empty, [_approval(m, t) for m, t in approvals])
    ledger = ledger_of(read_history(lines, "demo.yaml", "es", "demo"))
    assert ledger.translator((None, "Safety"), (text,), ROSA) == whose
