"""Loading a content tree: config, pages, ui strings, catalogs and ledgers, with every error kept.

A broken catalog or ledger becomes an error entry (file and line) and its locale falls back; the rest
of the tree loads (SPEC invariant 7). Only a broken config stops everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .catalogs import read_catalog
from .config import Config, load_config
from .content import load_pages, load_ui
from .coverage import CoverageRow, coverage_rows
from .errors import L10nError
from .models import SOURCE_LOCALE, Ledger, LoadedCatalog, Page, ResolvedPage
from .resolve import resolve
from .review import load_ledger

__all__ = ["Tree", "load_tree"]

Key = tuple[str, str]  # (BCP 47 locale, domain)


@dataclass
class Tree:
    config: Config
    pages: dict[str, Page]
    ui: Page | None
    catalogs: dict[Key, LoadedCatalog] = field(default_factory=dict)
    ledgers: dict[Key, Ledger] = field(default_factory=dict)
    errors: list[L10nError] = field(default_factory=list)
    broken: dict[Key, str] = field(default_factory=dict)

    @property
    def domains(self) -> list[Page]:
        return [*self.pages.values(), *([self.ui] if self.ui else [])]

    def resolve(self, domain: Page, locale: str) -> ResolvedPage:
        chain = self.config.chain(locale) if locale != SOURCE_LOCALE else (SOURCE_LOCALE,)
        catalogs = {
            loc: self.catalogs[(loc, domain.slug)]
            for loc in chain
            if (loc, domain.slug) in self.catalogs
        }
        ledgers = {
            loc: self.ledgers[(loc, domain.slug)]
            for loc in chain
            if (loc, domain.slug) in self.ledgers
        }
        return resolve(
            domain, chain, catalogs, ledgers, self.config.policy, self.config.do_not_translate
        )

    def coverage(
        self, resolved: Mapping[tuple[str, str], ResolvedPage] | None = None
    ) -> list[CoverageRow]:
        """The coverage rows; `served` comes from `self.resolve` for every locale and domain
        (`resolved`, keyed by (locale, domain), may hand over pages already resolved)."""
        served = {
            (loc, d.slug): (resolved or {}).get((loc, d.slug)) or self.resolve(d, loc)
            for loc in self.config.all_locales
            for d in self.domains
        }
        paths = {
            (loc, d.slug): self.config.rel(self.config.catalog_path(loc, d.slug))
            for loc in self.config.locales
            for d in self.domains
        }
        return coverage_rows(
            self.domains,
            self.config.all_locales,
            self.catalogs,
            self.ledgers,
            self.config.policy,
            served,
            paths,
            self.broken,
            self.config.do_not_translate,
        )


def load_tree(root: Path | Config) -> Tree:
    config = root if isinstance(root, Config) else load_config(root)
    pages, page_errors = load_pages(config.pages_dir, config.fallback)
    tree = Tree(config, {p.slug: p for p in pages}, None, errors=list(page_errors))
    for err in page_errors:
        if err.path:
            err.path = tree.config.rel(err.path)
    if config.ui_source.exists() or config.ui_source.is_symlink():
        try:
            tree.ui = load_ui(config.ui_source, config.rel(config.ui_source))
        except L10nError as exc:
            tree.errors.append(exc)
    for domain in tree.domains:
        for locale in config.all_locales:
            key = (locale, domain.slug)
            ledger_path = config.ledger_path(locale, domain.slug)
            try:
                tree.ledgers[key] = load_ledger(
                    ledger_path, locale, domain.slug, tree.config.rel(ledger_path)
                )
            except L10nError as exc:
                tree.errors.append(exc)
                tree.broken[key] = str(exc)
            if locale == SOURCE_LOCALE:
                continue
            po = config.catalog_path(locale, domain.slug)
            if not po.exists():
                continue
            try:
                tree.catalogs[key] = read_catalog(po, domain.slug, locale, tree.config.rel(po))
            except L10nError as exc:
                tree.errors.append(exc)
                tree.broken[key] = str(exc)
    return tree
