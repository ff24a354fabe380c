"""The approval policy as data (SPEC invariant 5): whatever roles l10n.yaml declares and whatever
each kind of text needs, a text is served only with every role it needs signed, each by a
different person, and never by its translator. A table of policies with one, two and three roles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from service.core.config import load_config
from service.core.models import ReviewRecord, Segment, SegmentType, fingerprint
from service.core.policy import Policy, Reviewer, RoleSpec, TextKind, judge

WARNING = Segment("p1", SegmentType.PARAGRAPH, "Never drive after a dose.", 3, critical=True)
HEADING = Segment("h1", SegmentType.HEADING, "Dosing", 1)
TRANSLATION = "No conduzca nunca después de una dosis."


def _spec(name: str) -> RoleSpec:
    return RoleSpec(
        name,
        f"{name.title()} review",
        f"{name} review of the translation",
        f"{name} review of the English",
    )


LING, CLIN, PHARM = "linguistic", "clinical", "pharmacist"


def _policy(*needed: str) -> Policy:
    """Critical translations need `needed` (every one, each a different person); other
    translations one review; every reviewer below declared in every role."""
    roles = tuple(_spec(r) for r in (LING, CLIN, PHARM))
    needs = {
        TextKind.CRITICAL_TRANSLATION: needed,
        TextKind.TRANSLATION: (),
        TextKind.CRITICAL_ENGLISH: (CLIN,),
        TextKind.ENGLISH: (),
    }
    every = frozenset((LING, CLIN, PHARM))
    people = ("Ana", "Bo", "Cy", "Translator")
    return Policy.of([Reviewer(p, every) for p in people], roles, needs)


def _record(reviewer: str, role: str, seq: int, segment: Segment = WARNING) -> ReviewRecord:
    return ReviewRecord(
        segment.source,
        fingerprint(segment.source),
        (TRANSLATION,),
        fingerprint(TRANSLATION),
        "Translator",
        reviewer,
        f"2026-12-0{seq}T09:00:00Z",
        role,
        seq=seq,
    )


@dataclass(frozen=True)
class Case:
    needed: tuple[str, ...]  # roles a critical translation needs
    approvals: tuple[tuple[str, str], ...]  # (reviewer, role), in the order they signed
    served: bool
    refused: tuple[str, ...] = ()  # the start of each refusal, in order


CASES = {
    "one role, signed": Case((CLIN,), (("Ana", CLIN),), True),
    "one role, another role signed": Case((CLIN,), (("Ana", LING),), False),
    "one role, by the translator": Case(
        (CLIN,), (("Translator", CLIN),), False, ("four eyes: 'Translator'",)
    ),
    "two roles, two people": Case((LING, CLIN), (("Ana", LING), ("Bo", CLIN)), True),
    "two roles, one person": Case(
        (LING, CLIN),
        (("Ana", LING), ("ana", CLIN)),
        False,
        ("safety-critical text needs two people: 'ana' already approved it as linguistic",),
    ),
    "two roles, one missing": Case((LING, CLIN), (("Ana", LING),), False),
    "three roles, three people": Case(
        (LING, CLIN, PHARM), (("Ana", LING), ("Bo", CLIN), ("Cy", PHARM)), True
    ),
    "three roles, one person holding all three": Case(
        (LING, CLIN, PHARM),
        (("Ana", LING), ("Ana", CLIN), ("Ana", PHARM)),
        False,
        (
            "safety-critical text needs 3 different people: 'Ana' already approved it as linguistic",
            "safety-critical text needs 3 different people: 'Ana' already approved it as linguistic",
        ),
    ),
    "three roles, two people": Case(
        (LING, CLIN, PHARM),
        (("Ana", LING), ("Bo", CLIN), ("Bo", PHARM)),
        False,
        ("safety-critical text needs 3 different people: 'Bo' already approved it as clinical",),
    ),
    "three roles, two signed": Case((LING, CLIN, PHARM), (("Ana", LING), ("Bo", CLIN)), False),
}


@pytest.mark.parametrize("name", CASES)
def test_every_role_needed_is_signed_by_a_different_person(name: str) -> None:
    case = CASES[name]
    records = [_record(who, role, seq) for seq, (who, role) in enumerate(case.approvals, 1)]
    verdict = judge(_policy(*case.needed), records, WARNING, "es", "Translator")
    assert bool(verdict.counting) is case.served
    if case.served:
        assert {r.role for r in verdict.counting} == set(case.needed)
        assert len({r.reviewer.casefold() for r in verdict.counting}) == len(case.needed)
    why = [w for _, w in verdict.refused]
    assert len(why) == len(case.refused)
    assert all(w.startswith(start) for w, start in zip(why, case.refused, strict=True))


@pytest.mark.parametrize("needed", [(CLIN,), (LING, CLIN), (LING, CLIN, PHARM)])
def test_text_that_is_not_critical_needs_one_review_in_any_role(needed: tuple[str, ...]) -> None:
    records = [_record("Cy", PHARM, 1, HEADING)]
    assert judge(_policy(*needed), records, HEADING, "es", "Translator").counting == (records[0],)


def test_a_role_the_policy_does_not_declare_never_counts() -> None:
    records = [_record("Ana", "chief", 1, HEADING)]
    verdict = judge(_policy(CLIN), records, HEADING, "es", "Translator")
    assert verdict.counting == ()
    assert verdict.refused[0][1] == "'chief' is not a role declared under 'roles:' in l10n.yaml"


THREE_ROLES = """\
locales: [es]
roles:
  linguistic:
    label: Language review
    translation: "linguistic review: the translation is accurate and complete"
    english: "linguistic review: the English text is clear and complete"
  clinical:
    label: Clinical review
    translation: "clinical review: the translation is medically accurate"
    english: "clinical review: the English text is medically accurate"
  pharmacist:
    label: Pharmacist review
    translation: "pharmacist review: every dose and route is as in the English"
    english: "pharmacist review: every dose and route is right"
approvals:
  critical translation: [linguistic, clinical, pharmacist]
  translation: any
  critical English: [clinical, pharmacist]
  English: [linguistic]
reviewers:
  Dr. Pia Pharma: [pharmacist]
"""


def test_l10n_yaml_declares_the_roles_and_what_each_kind_of_text_needs(tmp_path: Path) -> None:
    (tmp_path / "l10n.yaml").write_text(THREE_ROLES)
    policy = load_config(tmp_path).policy
    assert policy.role_names == (LING, CLIN, PHARM)
    assert policy.needed(WARNING, "es") == (LING, CLIN, PHARM)
    assert policy.needed(WARNING, "en") == (CLIN, PHARM)
    assert policy.needed(HEADING, "en") == (LING,)
    assert policy.needed(HEADING, "es") == ()
    assert (
        policy.meaning(PHARM, "es")
        == "pharmacist review: every dose and route is as in the English"
    )
    assert policy.find("dr. pia PHARMA") == Reviewer("Dr. Pia Pharma", frozenset({PHARM}))


def test_without_roles_or_approvals_the_policy_is_todays_rule(tmp_path: Path) -> None:
    (tmp_path / "l10n.yaml").write_text("locales: [es]\n")
    policy = load_config(tmp_path).policy
    assert policy.role_names == (LING, CLIN)
    assert policy.needed(WARNING, "es") == (LING, CLIN)
    assert policy.needed(WARNING, "en") == (CLIN,)
    assert policy.needed(HEADING, "es") == policy.needed(HEADING, "en") == ()
