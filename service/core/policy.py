"""Who may approve what: the review stage's one rule, called by `review approve`, `check`, coverage
and the serving rule alike, so a record written by hand that breaks it is never served.

A record counts only if its reviewer is declared under `reviewers:` (names compared case- and
space-insensitively) with that role, for that locale, is not the text's translator (the catalog's
Last-Translator; for English the page's author), and, for safety-critical text, the two roles come
from two different people (SPEC invariant 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from service.core.models import SOURCE_LOCALE, ReviewRecord, Role, Segment, person_key, same_person

__all__ = [
    "Policy",
    "Reviewer",
    "Verdict",
    "approvals_needed",
    "judge",
    "meaning",
    "refusal",
    "standing",
]


@dataclass(frozen=True)
class Reviewer:
    """A reviewer as l10n.yaml declares them: their name as written, roles, and the locales they may
    approve (None: every locale, `en` included)."""

    name: str
    roles: frozenset[Role]
    locales: frozenset[str] | None = None

    def covers(self, locale: str) -> bool:
        return self.locales is None or locale in self.locales


@dataclass(frozen=True)
class Policy:
    """The declared reviewers, found by name as people type it."""

    reviewers: Mapping[str, Reviewer] = field(default_factory=dict)  # keyed by person_key

    @classmethod
    def of(cls, reviewers: Iterable[Reviewer]) -> Policy:
        return cls({person_key(r.name): r for r in reviewers})

    def find(self, name: str) -> Reviewer | None:
        """
        >>> Policy.of([Reviewer("Dr. Ana Ejemplo", frozenset(Role))]).find("dr.  ana EJEMPLO").name
        'Dr. Ana Ejemplo'
        """
        return self.reviewers.get(person_key(name))


def approvals_needed(segment: Segment, locale: str) -> frozenset[Role]:
    """Roles that must have approved: critical translations need a linguistic and a clinical
    review (by two people), critical English a clinical one; anything else one review of any role."""
    if not segment.critical:
        return frozenset()
    return frozenset({Role.CLINICAL}) if locale == SOURCE_LOCALE else frozenset(Role)


_MEANING = {
    (Role.LINGUISTIC, False): "linguistic review: the translation is accurate and complete",
    (Role.CLINICAL, False): (
        "clinical review: the translation is medically accurate and keeps every warning"
    ),
    (Role.LINGUISTIC, True): "linguistic review: the English text is clear and complete",
    (Role.CLINICAL, True): "clinical review: the English text is medically accurate and complete",
}


def meaning(role: Role, locale: str) -> str:
    """What a signature in `role` means (21 CFR Part 11 §11.50), recorded with every approval.

    >>> meaning(Role.CLINICAL, "en")
    'clinical review: the English text is medically accurate and complete'
    """
    return _MEANING[(role, locale == SOURCE_LOCALE)]


def standing(policy: Policy, reviewer: str, role: Role, locale: str) -> str:
    """Why `reviewer` may not approve anything in `role` in `locale` ("" when they may)."""
    who = policy.find(reviewer)
    if who is None:
        return f"{reviewer!r} is not declared under 'reviewers:' in l10n.yaml"
    if role not in who.roles:
        return f"{who.name!r} is not declared as a {role.value} reviewer"
    if not who.covers(locale):
        scope = ", ".join(sorted(who.locales or ()))
        return f"{who.name!r} may approve only in {scope}, not in {locale}"
    return ""


def refusal(policy: Policy, reviewer: str, role: Role, locale: str, translator: str | None) -> str:
    """Why `reviewer` may not approve in `role` in `locale` text by `translator` ("" when they may).
    The two-people rule for safety-critical text needs the other approvals: see `judge`."""
    why = standing(policy, reviewer, role, locale)
    if why:
        return why
    who = policy.find(reviewer)
    assert who is not None
    if locale != SOURCE_LOCALE and translator is None:
        return "the catalog has no Last-Translator, so four eyes cannot be checked"
    if same_person(who.name, translator) or same_person(reviewer, translator):
        whose = "author" if locale == SOURCE_LOCALE else "translator (Last-Translator)"
        return f"four eyes: {who.name!r} is this text's {whose}"
    return ""


@dataclass(frozen=True)
class Verdict:
    """What the records approving one exact text amount to: the ones that together let it be
    served (empty when they do not suffice), and the ones the policy refuses, with the reason."""

    counting: tuple[ReviewRecord, ...]
    refused: tuple[tuple[ReviewRecord, str], ...]


def judge(
    policy: Policy,
    records: Sequence[ReviewRecord],
    segment: Segment,
    locale: str,
    translator: str | None,
) -> Verdict:
    """The one rule: given the records that approve a segment's current text in `locale` (hashes
    already matched), which of them count and which the policy refuses."""
    refused: list[tuple[ReviewRecord, str]] = []
    valid: list[ReviewRecord] = []
    for record in records:
        why = refusal(policy, record.reviewer, record.role, locale, translator)
        if why:
            refused.append((record, why))
        else:
            valid.append(record)
    needed = approvals_needed(segment, locale)
    if not needed:
        return Verdict(tuple(valid[:1]), tuple(refused))
    chosen = [r for r in valid if r.role in needed]
    if (
        len(needed) == 2
        and len(chosen) == 2
        and same_person(chosen[0].reviewer, chosen[1].reviewer)
    ):
        later = max(chosen, key=lambda r: r.seq)
        earlier = chosen[0] if later is chosen[1] else chosen[1]
        why = (
            f"safety-critical text needs two people: {later.reviewer!r} already approved it "
            f"as {earlier.role.value}"
        )
        refused.append((later, why))
        return Verdict((), tuple(refused))
    if {r.role for r in chosen} != needed:
        return Verdict((), tuple(refused))
    return Verdict(tuple(chosen), tuple(refused))
