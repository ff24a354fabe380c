"""Who may approve what: the review stage's one rule, called by `review approve`, `check`, coverage
and the serving rule alike, so a record written by hand that breaks it is never served.

The rule is data, declared in l10n.yaml (`policy_config` reads it): the roles a reviewer may sign in
and what a signature in each means, which roles each kind of text needs (a safety-critical or
other translation, safety-critical or other English), and what makes text safety-critical (an
author's `::: critical` block, a dose: `critical text:`). A record counts only if its reviewer is
declared under `reviewers:` (names compared case- and space-insensitively) with that role, for that
locale, is not the text's translator (for a translation, the one the ledger recorded for that exact
text, else the catalog's Last-Translator: `Ledger.translator`; for English the page's author), and
every approval counted for one text comes from a different person (SPEC invariant 5). Who is the
same person is `identity`'s rule (people, not spellings), with the people l10n.yaml declares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from service.core.identity import People, Person
from service.core.models import SOURCE_LOCALE, ReviewRecord, Role, Segment, person_key

__all__ = [
    "CRITICAL_TEXT",
    "DEFAULT_NEEDS",
    "DEFAULT_ROLES",
    "ROLE_NAME",
    "Policy",
    "Reviewer",
    "RoleSpec",
    "TextKind",
    "Verdict",
    "judge",
    "standing",
    "why_refused",
]


# A role's name, as l10n.yaml may declare one and a history may record one.
ROLE_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Reviewer:
    """A reviewer as l10n.yaml declares them: their name as written, roles, and the locales they may
    approve (None: every locale, `en` included)."""

    name: str
    roles: frozenset[Role]
    locales: frozenset[str] | None = None
    email: str | None = None
    login: str | None = None  # a short name to sign in with (lower-case), as declared
    sso_subject: str | None = None  # the `sub` an OpenID provider names them by (`sso: claim: sub`)

    def covers(self, locale: str) -> bool:
        return self.locales is None or locale in self.locales


@dataclass(frozen=True)
class RoleSpec:
    """A role a reviewer signs in: its name, its label on a page's "About this page" where the ui
    strings have no `<name>-review` (English), and what a signature in it means (21 CFR Part 11
    §11.50), for a translation and for English, recorded with every approval."""

    name: Role
    label: str
    translation: str
    english: str


class TextKind(StrEnum):
    """The kinds of text the policy tells apart, as l10n.yaml's `approvals:` names them."""

    CRITICAL_TRANSLATION = "critical translation"
    TRANSLATION = "translation"
    CRITICAL_ENGLISH = "critical English"
    ENGLISH = "English"


DEFAULT_ROLES = (
    RoleSpec(
        "linguistic",
        "Language review",
        "linguistic review: the translation is accurate and complete",
        "linguistic review: the English text is clear and complete",
    ),
    RoleSpec(
        "clinical",
        "Clinical review",
        "clinical review: the translation is medically accurate and keeps every warning",
        "clinical review: the English text is medically accurate and complete",
    ),
)
# Which roles each kind of text needs, every one from a different person; () is one review in any
# role. Safety-critical translations need a linguistic and a clinical review, safety-critical
# English a clinical one.
DEFAULT_NEEDS: Mapping[TextKind, tuple[Role, ...]] = {
    TextKind.CRITICAL_TRANSLATION: ("linguistic", "clinical"),
    TextKind.TRANSLATION: (),
    TextKind.CRITICAL_ENGLISH: ("clinical",),
    TextKind.ENGLISH: (),
}


# What makes text safety-critical, as l10n.yaml's `critical text:` names it (default: both): the
# author's `::: critical` blocks, and a number with a dose unit in the English, with every cell of
# a table that holds one (`Segment.doses`, set by `quality.clinical.with_doses`).
CRITICAL_TEXT = ("critical blocks", "doses")


@dataclass(frozen=True)
class Policy:
    """The declared reviewers (found by name as people type it), the roles, what each kind
    of text needs, and what makes text safety-critical."""

    reviewers: Mapping[str, Reviewer] = field(default_factory=dict)  # keyed by person_key
    roles: tuple[RoleSpec, ...] = DEFAULT_ROLES
    needs: Mapping[TextKind, tuple[Role, ...]] = field(default_factory=lambda: DEFAULT_NEEDS)
    critical_text: frozenset[str] = frozenset(CRITICAL_TEXT)
    translators: tuple[Person, ...] = ()  # l10n.yaml's `translators:`

    @cached_property
    def people(self) -> People:
        """Everyone declared: each reviewer (name, e-mail) and each translator (names, e-mails)."""
        declared = (
            Person((r.name,), (r.email,) if r.email else ()) for r in self.reviewers.values()
        )
        return People.of([*declared, *self.translators])

    def same(self, a: str | None, b: str | None) -> bool:
        """Whether two names are one person (`identity`; declared names, aliases, e-mails)."""
        return self.people.same(a, b)

    @classmethod
    def of(
        cls,
        reviewers: Iterable[Reviewer],
        roles: tuple[RoleSpec, ...] = DEFAULT_ROLES,
        needs: Mapping[TextKind, tuple[Role, ...]] = DEFAULT_NEEDS,
    ) -> Policy:
        return cls({person_key(r.name): r for r in reviewers}, roles, needs)

    def find(self, name: str) -> Reviewer | None:
        """
        >>> Policy.of([Reviewer("Dr. Ana Ejemplo", frozenset({"clinical"}))]).find("dr.  ana EJEMPLO").name
        'Dr. Ana Ejemplo'
        """
        return self.reviewers.get(person_key(name))

    def signing_in(self, typed: str) -> Reviewer | None:
        """The reviewer a sign-in form's name field means: their declared `login` or `email`
        (either case), else their full name as `find` compares it.

        >>> r = Reviewer("Dr. Ana Ejemplo", frozenset({"clinical"}), email="ana@clinic.example", login="ana")
        >>> [Policy.of([r]).signing_in(t).name for t in ("ANA", " Ana@Clinic.example", "dr. ana ejemplo")]
        ['Dr. Ana Ejemplo', 'Dr. Ana Ejemplo', 'Dr. Ana Ejemplo']
        """
        wanted = typed.strip().casefold()
        for reviewer in self.reviewers.values():
            if wanted and wanted in {
                (reviewer.login or "").casefold(),
                (reviewer.email or "").casefold(),
            }:
                return reviewer
        return self.find(typed)

    @cached_property
    def role_names(self) -> tuple[Role, ...]:
        """The declared roles, in the order l10n.yaml gives them (every list of roles shown)."""
        return tuple(r.name for r in self.roles)

    @cached_property
    def _specs(self) -> dict[Role, RoleSpec]:
        return {r.name: r for r in self.roles}

    def role(self, name: Role) -> RoleSpec | None:
        return self._specs.get(name)

    def rank(self, role: Role) -> int:
        """Where `role` stands in the declared order (an undeclared one after every other)."""
        spec = self._specs.get(role)
        return len(self.roles) if spec is None else self.roles.index(spec)

    def critical(self, segment: Segment) -> bool:
        """Whether the policy counts `segment` as safety-critical text (`CRITICAL_TEXT`).

        >>> Policy().critical(Segment("p1", "paragraph", "Take 56 mg", 1, doses=True))
        True
        >>> Policy(critical_text=frozenset({"critical blocks"})).critical(
        ...     Segment("p1", "paragraph", "Take 56 mg", 1, doses=True))
        False
        """
        return (segment.critical and "critical blocks" in self.critical_text) or (
            segment.doses and "doses" in self.critical_text
        )

    def needed(self, segment: Segment, locale: str) -> tuple[Role, ...]:
        """Roles that must all have approved this text, each by a different person; () when one
        review in any role suffices.

        >>> Policy().needed(Segment("p1", "paragraph", "Hi", 1, critical=True), "es")
        ('linguistic', 'clinical')
        """
        return self.needs[_kind(self.critical(segment), locale)]

    def default_role(self, locale: str) -> Role:
        """The role a reviewer signs in when they do not say: the first that safety-critical
        text in `locale` needs (else the first declared).

        >>> Policy().default_role("es"), Policy().default_role("en")
        ('linguistic', 'clinical')
        """
        return (*self.needs[_kind(True, locale)], *self.role_names)[0]

    def meaning(self, role: Role, locale: str) -> str:
        """What a signature in `role` means, recorded with every approval ("" for a role not
        declared: no such signature counts).

        >>> Policy().meaning("clinical", "en")
        'clinical review: the English text is medically accurate and complete'
        """
        spec = self.role(role)
        if spec is None:
            return ""
        return spec.english if locale == SOURCE_LOCALE else spec.translation

    def in_order(self, roles: Iterable[Role]) -> list[Role]:
        """`roles` in the declared order (undeclared ones last, by name)."""
        return sorted(set(roles), key=lambda r: (self.rank(r), r))


def _kind(critical: bool, locale: str) -> TextKind:
    if locale == SOURCE_LOCALE:
        return TextKind.CRITICAL_ENGLISH if critical else TextKind.ENGLISH
    return TextKind.CRITICAL_TRANSLATION if critical else TextKind.TRANSLATION


def standing(policy: Policy, reviewer: str, role: Role, locale: str) -> str:
    """Why `reviewer` may not approve anything in `role` in `locale` ("" when they may)."""
    who = policy.find(reviewer)
    if who is None:
        return f"{reviewer!r} is not declared under 'reviewers:' in l10n.yaml"
    if policy.role(role) is None:
        return f"{role!r} is not a role declared under 'roles:' in l10n.yaml"
    if role not in who.roles:
        return f"{who.name!r} is not declared as a {role} reviewer"
    if not who.covers(locale):
        scope = ", ".join(sorted(who.locales or ()))
        return f"{who.name!r} may approve only in {scope}, not in {locale}"
    return ""


def why_refused(
    policy: Policy, reviewer: str, role: Role, locale: str, translator: str | None
) -> str:
    """Why `reviewer` may not approve in `role` in `locale` text by `translator` ("" when they may).
    That each role of one text is signed by a different person needs the other approvals: `judge`."""
    why = standing(policy, reviewer, role, locale)
    if why:
        return why
    who = policy.find(reviewer)
    assert who is not None
    if locale != SOURCE_LOCALE and translator is None:
        return "the catalog has no Last-Translator, so four eyes cannot be checked"
    if policy.same(who.name, translator) or policy.same(reviewer, translator):
        whose = "author" if locale == SOURCE_LOCALE else "translator"
        return f"four eyes: {who.name!r} is this text's {whose} ({translator!r})"
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
    already matched), which of them count and which the policy refuses. Of two records of one text
    by the same person, the later is refused, whatever the number of roles needed."""
    refused: list[tuple[ReviewRecord, str]] = []
    valid: list[ReviewRecord] = []
    for record in records:
        why = why_refused(policy, record.reviewer, record.role, locale, translator)
        if why:
            refused.append((record, why))
        else:
            valid.append(record)
    needed = policy.needed(segment, locale)
    if not needed:  # one review in any role: the first declared role's, else the earliest
        first = min(valid, key=lambda r: (policy.rank(r.role), r.seq), default=None)
        return Verdict(() if first is None else (first,), tuple(refused))
    chosen: list[ReviewRecord] = []
    for record in sorted((r for r in valid if r.role in needed), key=lambda r: r.seq):
        earlier = next((c for c in chosen if policy.same(c.reviewer, record.reviewer)), None)
        if earlier is None:
            chosen.append(record)
            continue
        why = f"{_needs_people(policy.critical(segment), len(needed))}: {record.reviewer!r} already approved it"
        refused.append((record, f"{why} as {earlier.role}"))
    if {r.role for r in chosen} != set(needed):
        return Verdict((), tuple(refused))
    return Verdict(tuple(chosen), tuple(refused))


def _needs_people(critical: bool, count: int) -> str:
    """
    >>> _needs_people(True, 2)
    'safety-critical text needs two people'
    >>> _needs_people(False, 3)
    'this text needs 3 different people'
    """
    what = "safety-critical text" if critical else "this text"
    return f"{what} needs two people" if count == 2 else f"{what} needs {count} different people"
