"""The serving rule, as a pure function over hand-made data (no disk)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.core.models import (
    CatalogEntry,
    FallbackPolicy,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Segment,
    SegmentType,
    fingerprint,
)
from service.core.policy import Policy, Reviewer
from service.site.resolve import resolve

A = Segment("p-a", SegmentType.PARAGRAPH, "Take one dose.", 1)
B = Segment("p-b", SegmentType.PARAGRAPH, "Ask your doctor.", 2)
PAGE = Page("demo", "demo.md", (A, B))

POLICY = Policy.of([Reviewer("R", frozenset({"linguistic", "clinical"}))])  # who may approve here


def record(english: str, text: str, reviewer: str = "R") -> ReviewRecord:
    return ReviewRecord(
        english,
        fingerprint(english),
        (text,),
        fingerprint(text),
        "T",
        reviewer,
        "2026-01-01T00:00:00Z",
    )


def catalog(locale: str, *entries: tuple[str, str, bool]) -> LoadedCatalog:
    return LoadedCatalog(
        f"{locale}.po",
        locale,
        "demo",
        {(None, en): CatalogEntry(en, (text,), fuzzy, 1) for en, text, fuzzy in entries},
        last_translator="T",
    )


def ledger(locale: str, *records: ReviewRecord) -> Ledger:
    return Ledger(f"{locale}.yaml", locale, "demo", {(r.key, r.role): r for r in records})


ENGLISH = ledger("en", record(A.source, A.source), record(B.source, B.source))


@pytest.mark.parametrize(
    ("case", "catalogs", "ledgers", "expected"),
    [
        (
            "reviewed translation is served",
            {"es": catalog("es", (A.source, "Tome una dosis.", False))},
            {"en": ENGLISH, "es": ledger("es", record(A.source, "Tome una dosis."))},
            [("Tome una dosis.", "es"), (B.source, "en")],
        ),
        (
            "translation without a record falls back",
            {"es": catalog("es", (A.source, "Tome una dosis.", False))},
            {"en": ENGLISH, "es": ledger("es")},
            [(A.source, "en"), (B.source, "en")],
        ),
        (
            "fuzzy entry is never served, even with a matching record",
            {"es": catalog("es", (A.source, "Tome una dosis.", True))},
            {"en": ENGLISH, "es": ledger("es", record(A.source, "Tome una dosis."))},
            [(A.source, "en"), (B.source, "en")],
        ),
        (
            "edited msgstr voids the record",
            {"es": catalog("es", (A.source, "Tome dos dosis.", False))},
            {"en": ENGLISH, "es": ledger("es", record(A.source, "Tome una dosis."))},
            [(A.source, "en"), (B.source, "en")],
        ),
        (
            "record made against other English does not count",
            {"es": catalog("es", (A.source, "Tome una dosis.", False))},
            {
                "en": ENGLISH,
                "es": ledger(
                    "es",
                    ReviewRecord(
                        A.source,
                        fingerprint("Take two doses."),
                        ("Tome una dosis.",),
                        fingerprint("Tome una dosis."),
                        "T",
                        "R",
                        "2026-01-01T00:00:00Z",
                    ),
                ),
            },
            [(A.source, "en"), (B.source, "en")],
        ),
        (
            "unapproved English is withheld in every locale",
            {"es": catalog("es", (A.source, "Tome una dosis.", False))},
            {
                "en": ledger("en", record(B.source, B.source)),
                "es": ledger("es", record(A.source, "Tome una dosis.")),
            },
            [(B.source, "en")],
        ),
        (
            "English approval of other text does not count",
            {},
            {"en": ledger("en", record(A.source, "Take two doses."), record(B.source, B.source))},
            [(B.source, "en")],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_serving_rule(
    case: str,
    catalogs: dict[str, LoadedCatalog],
    ledgers: dict[str, Ledger],
    expected: list[tuple[str, str]],
) -> None:
    resolved = resolve(PAGE, ("es", "en"), catalogs, ledgers, POLICY)
    assert [(s.text, s.locale) for s in resolved.served] == expected
    assert all(s.fallback == (s.locale != "es") for s in resolved.served)


def test_chain_is_walked_per_segment_in_order() -> None:
    catalogs = {
        "pt-BR": catalog("pt-BR", (A.source, "Tome uma dose (BR).", False)),
        "pt": catalog(
            "pt", (A.source, "Tome uma dose (PT).", False), (B.source, "Pergunte ao médico.", False)
        ),
    }
    ledgers = {
        "en": ENGLISH,
        "pt-BR": ledger("pt-BR", record(A.source, "Tome uma dose (BR).")),
        "pt": ledger(
            "pt", record(A.source, "Tome uma dose (PT)."), record(B.source, "Pergunte ao médico.")
        ),
    }
    resolved = resolve(PAGE, ("pt-BR", "pt", "en"), catalogs, ledgers, POLICY)
    assert [(s.text, s.locale, s.fallback) for s in resolved.served] == [
        ("Tome uma dose (BR).", "pt-BR", False),
        ("Pergunte ao médico.", "pt", True),
    ]
    assert resolved.locale == "pt-BR" and not resolved.complete


def test_page_policy_takes_the_first_locale_that_has_everything() -> None:
    page = Page("demo", "demo.md", (A, B), fallback=FallbackPolicy.PAGE)
    catalogs = {
        "pt-BR": catalog("pt-BR", (A.source, "BR", False)),
        "pt": catalog("pt", (A.source, "PT-a", False), (B.source, "PT-b", False)),
    }
    ledgers = {
        "en": ENGLISH,
        "pt-BR": ledger("pt-BR", record(A.source, "BR")),
        "pt": ledger("pt", record(A.source, "PT-a"), record(B.source, "PT-b")),
    }
    resolved = resolve(page, ("pt-BR", "pt", "en"), catalogs, ledgers, POLICY)
    assert [(s.text, s.locale) for s in resolved.served] == [("PT-a", "pt"), ("PT-b", "pt")]
    only_br = resolve(page, ("pt-BR", "en"), catalogs, ledgers, POLICY)
    assert {s.locale for s in only_br.served} == {"en"}


def test_every_served_segment_carries_its_review() -> None:
    resolved = resolve(PAGE, ("en",), {}, {"en": ENGLISH}, POLICY)
    assert [[r.reviewer for r in s.reviews] for s in resolved.served] == [["R"], ["R"]]
    assert resolved.complete


def test_an_approval_belongs_to_one_msgctxt() -> None:
    """The same English under two contexts is two entries: approving one serves only that one,
    and a catalog entry under another context never stands in for it."""
    noun = Segment("ui-noun", SegmentType.UI, "Dose", 1, context="noun")
    verb = Segment("ui-verb", SegmentType.UI, "Dose", 2, context="verb")
    page = Page("demo", "demo.md", (noun, verb))
    english = {
        "en": Ledger(
            "en.yaml",
            "en",
            "demo",
            {
                (s.key, r.role): r
                for s in (noun, verb)
                for r in [replace(record(s.source, s.source), msgctxt=s.context)]
            },
        )
    }
    spanish = LoadedCatalog(
        "es.po",
        "es",
        "demo",
        {
            ("noun", "Dose"): CatalogEntry("Dose", ("Dosis",), False, 1, msgctxt="noun"),
            ("verb", "Dose"): CatalogEntry("Dose", ("Dosificar",), False, 5, msgctxt="verb"),
        },
        last_translator="T",
    )
    approval = replace(record("Dose", "Dosis"), msgctxt="noun")
    ledgers = {**english, "es": ledger("es", approval)}
    resolved = resolve(page, ("es", "en"), {"es": spanish}, ledgers, POLICY)
    assert [(s.segment.context, s.text, s.locale) for s in resolved.served] == [
        ("noun", "Dosis", "es"),
        ("verb", "Dose", "en"),
    ]
    # The same record without its msgctxt approves nothing here.
    bare = {**english, "es": ledger("es", record("Dose", "Dosis"))}
    assert {
        s.locale for s in resolve(page, ("es", "en"), {"es": spanish}, bare, POLICY).served
    } == {"en"}
