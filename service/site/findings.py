"""Everything `check` reports, each at a file and line: load errors, English awaiting approval,
approvals gone stale, every check's findings on every translated entry, and approvals that an
error-level check keeps off the page. Pure over a loaded tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from service.core.errors import L10nError
from service.core.models import SOURCE_LOCALE, LoadedCatalog, Page, fingerprint, text_sha256
from service.core.policy import judge
from service.quality.checks import Severity, Unit, blocking, run_checks
from service.review import approvable, translator_of
from service.review.confirming import unchanged
from service.review.readiness import text_translator
from service.site.resolve import approved_text
from service.site.store import Tree

__all__ = [
    "DomainFindings",
    "FileFinding",
    "blocked",
    "domain_findings",
    "load_finding",
    "refused_records",
]


@dataclass(frozen=True)
class FileFinding:
    """What `check` reports, at a file and a 1-based line (a check's `Finding`, placed)."""

    path: str
    line: int
    severity: Severity
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity.value}: {self.check}: {self.message}"


def _translated(
    tree: Tree, domains: Sequence[Page] | None = None, locales: Sequence[str] | None = None
) -> Iterator[tuple[Page, str, LoadedCatalog]]:
    for domain in tree.domains if domains is None else domains:
        for locale in tree.config.locales if locales is None else locales:
            catalog = tree.catalogs.get((locale, domain.slug))
            if catalog is not None:
                yield domain, locale, catalog


def blocked(
    tree: Tree, domains: Sequence[Page] | None = None, locales: Sequence[str] | None = None
) -> list[FileFinding]:
    """Approved translations that are not served because an error-level check fails on them (in
    `domains` and `locales`, default all)."""
    found = []
    for domain, locale, catalog in _translated(tree, domains, locales):
        ledgers = (
            {locale: tree.ledgers[(locale, domain.slug)]}
            if (locale, domain.slug) in tree.ledgers
            else {}
        )
        for seg in {s.key: s for s in domain.segments}.values():
            if tree.reviewed(domain, seg, locale):
                continue  # served in `locale` as it stands: nothing keeps it off the page
            approved = approved_text(seg, locale, {locale: catalog}, ledgers, tree.config.policy)
            if approved is None:
                continue
            entry = catalog.entries[seg.key]
            reasons = [f"msgfmt: {e}" for e in entry.errors] + [
                f"{f.check}: {f.message}"
                for f in blocking(
                    Unit.of(
                        seg,
                        approved.forms,
                        locale,
                        tree.config.do_not_translate,
                        tree.config.terminology,
                    )
                )
            ]
            for reason in reasons:
                message = f"approved, but not served: {reason}"
                found.append(
                    FileFinding(catalog.path, entry.line, Severity.ERROR, "blocked", message)
                )
    return found


def _entry_findings(tree: Tree, domain: Page, locale: str) -> Iterator[FileFinding]:
    for _, _, catalog in _translated(tree, [domain], [locale]):
        for entry in catalog.entries.values():
            for error in entry.errors:
                yield FileFinding(catalog.path, entry.line, Severity.ERROR, "msgfmt", error)
            if entry.refused:
                yield FileFinding(
                    catalog.path, entry.line, Severity.ERROR, "too-long", entry.refused
                )
            seg = domain.segment(entry.msgid, entry.msgctxt)
            if seg is None or not entry.translated:
                continue
            config = tree.config
            unit = Unit.of(seg, entry.msgstr, locale, config.do_not_translate, config.terminology)
            ledger = tree.ledgers.get((locale, domain.slug))
            for f in (*run_checks(unit), *unchanged(seg, locale, entry.msgstr, ledger, catalog)):
                yield FileFinding(catalog.path, entry.line, f.severity, f.check, f.message)


def _ledger_findings(tree: Tree, domain: Page, locales: Sequence[str]) -> Iterator[FileFinding]:
    by_key = {s.key: s for s in domain.segments}
    for locale in locales:
        ledger = tree.ledgers.get((locale, domain.slug))
        catalog = tree.catalogs.get((locale, domain.slug))
        for record in ledger.records.values() if ledger else []:
            current = by_key.get(record.key)
            if current is None or record.source_sha256 != fingerprint(*current.source_forms):
                why = "its English changed or was removed"
            elif locale != SOURCE_LOCALE and catalog is not None:
                entry = catalog.entries.get(record.key)
                if entry is not None and record.translation_sha256 == fingerprint(*entry.msgstr):
                    continue
                why = "the translation was edited since"
            elif locale == SOURCE_LOCALE and record.translation_sha256 != text_sha256(
                current, locale, current.source_forms
            ):
                why = "the link or image targets it uses are not the ones approved"
            else:
                continue
            message = f"approval of {record.msgid[:50]!r} no longer applies: {why}"
            yield FileFinding(
                ledger.path if ledger else "?",
                record.line,
                Severity.WARNING,
                "stale-approval",
                message,
            )
        if catalog is not None:
            missing = [k for k in by_key if k not in catalog.entries]
            if missing:
                message = f"{len(missing)} English text(s) missing; run `clinic-l10n update`"
                yield FileFinding(catalog.path, 1, Severity.WARNING, "outdated-catalog", message)


def refused_records(
    tree: Tree, domain: Page, locales: Sequence[str] | None = None
) -> Iterator[FileFinding]:
    """Ledger records that approve today's text but that the review policy refuses (an
    undeclared reviewer, a role or locale they were not given, the text's own translator, one
    person in both roles of safety text): never served, and an error here."""
    for locale in tree.config.all_locales if locales is None else locales:
        ledger = tree.ledgers.get((locale, domain.slug))
        if ledger is None or not ledger.records:
            continue
        catalog = tree.catalogs.get((locale, domain.slug))
        translator = translator_of(domain, locale, catalog)
        for seg in {s.key: s for s in domain.segments}.values():
            forms, why = approvable(seg, locale, catalog)
            if why:
                continue
            current = ledger.approving(seg, forms)
            whose = text_translator(seg, locale, forms, ledger, translator)
            for record, reason in judge(tree.config.policy, current, seg, locale, whose).refused:
                message = f"approval of {record.msgid[:50]!r} does not count: {reason}"
                yield FileFinding(
                    ledger.path, record.line, Severity.ERROR, "review-policy", message
                )


def load_finding(error: L10nError) -> FileFinding:
    """A file that failed to load. A load error without a line (a reader that has not said one)
    is the whole file's: line 1."""
    return FileFinding(error.path or "?", error.line or 1, Severity.ERROR, "load", error.message)


@dataclass(frozen=True)
class DomainFindings:
    """What `check` reports for one page (or the ui strings) in one locale."""

    withheld: list[FileFinding]  # English not approved (under English only)
    stale: list[FileFinding]  # approvals that no longer apply
    refused: list[FileFinding]  # approvals the review policy refuses
    entries: list[FileFinding]  # every check (and msgfmt's) on every translated entry
    blocked: list[FileFinding]  # approvals an error-level check keeps off the page

    @property
    def problems(self) -> list[FileFinding]:
        return [*self.withheld, *self.stale, *self.refused, *self.entries, *self.blocked]


def domain_findings(tree: Tree, domain: Page, locale: str) -> DomainFindings:
    withheld = []
    if locale == SOURCE_LOCALE:
        path = tree.config.rel(domain.path)
        for seg in tree.resolve(domain, SOURCE_LOCALE).withheld:
            message = (
                f"English {seg.type.value} {seg.source[:50]!r} is not approved; it is withheld"
            )
            withheld.append(FileFinding(path, seg.line, Severity.ERROR, "source-approval", message))
    return DomainFindings(
        withheld,
        list(_ledger_findings(tree, domain, [locale])),
        list(refused_records(tree, domain, [locale])),
        list(_entry_findings(tree, domain, locale)),
        blocked(tree, [domain], [locale]),
    )
