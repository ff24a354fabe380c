"""Loading a content tree: config, pages, ui strings, catalogs and ledgers, with every error kept.

A broken catalog or ledger becomes an error entry (file and line) and its locale falls back; the rest
of the tree loads (SPEC invariant 7). Only a broken config stops everything.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from service.catalogs.catalog import read_catalog
from service.content.pages import load_page, load_ui, page_files
from service.core.config import Config, load_config
from service.core.errors import L10nError
from service.core.files import Signature, signature
from service.core.models import (
    SOURCE_LOCALE,
    FallbackPolicy,
    Ledger,
    LoadedCatalog,
    Page,
    ResolvedPage,
    Segment,
    ServedSegment,
)
from service.quality.clinical import with_doses
from service.review.ledgers import load_ledger
from service.site.coverage import CoverageRow, coverage_rows
from service.site.resolve import resolve

__all__ = ["Tree", "load_tree", "read_page"]

DomainKey = tuple[str, str]  # (BCP 47 locale, domain)
_T = TypeVar("_T")


@dataclass
class Tree:
    config: Config
    pages: dict[str, Page]
    ui: Page | None
    catalogs: dict[DomainKey, LoadedCatalog] = field(default_factory=dict)
    ledgers: dict[DomainKey, Ledger] = field(default_factory=dict)
    errors: list[L10nError] = field(default_factory=list)
    broken: dict[DomainKey, str] = field(
        default_factory=dict
    )  # failed, with no good version to serve
    # Every file read, by path: its signature, what it parsed to, or why it failed; `kept`: files
    # that fail now but whose last good version (from the tree before) is still in service.
    signatures: dict[Path, Signature] = field(default_factory=dict)
    loaded: dict[Path, object] = field(default_factory=dict)
    failed: dict[Path, L10nError] = field(default_factory=dict)
    kept: set[Path] = field(default_factory=set)
    paths: dict[DomainKey, _Paths] = field(default_factory=dict)
    # The serving rule's answers by domain, (segment id, locale): a tree's files do not change
    # once loaded, so every locale resolving a page shares them.
    _known: dict[str, dict[tuple[str, str], ServedSegment | None]] = field(
        default_factory=dict, repr=False
    )

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
            domain,
            chain,
            catalogs,
            ledgers,
            self.config.policy,
            self.config.do_not_translate,
            self._known.setdefault(domain.slug, {}),
            self.config.terminology,
        )

    def reviewed(self, domain: Page, segment: Segment, locale: str) -> bool:
        """Whether the serving rule has found `segment` reviewed in `locale` itself, as
        `resolve` would (resolving the page in `locale` first, unless it was)."""
        known = self._known.get(domain.slug, {})
        if (segment.id, locale) not in known:
            self.resolve(domain, locale)
            known = self._known[domain.slug]
        return known.get((segment.id, locale)) is not None

    def coverage_rows(
        self,
        domains: Sequence[Page],
        locales: Sequence[str],
        resolved: Mapping[tuple[str, str], ResolvedPage],
    ) -> list[CoverageRow]:
        """The rows of `locales` × `domains`, pages resolved here unless `resolved` has them."""
        served = {
            (loc, d.slug): resolved.get((loc, d.slug)) or self.resolve(d, loc)
            for loc in locales
            for d in domains
        }
        paths = {
            (loc, d.slug): self.config.rel(self.config.catalog_path(loc, d.slug))
            for loc in locales
            if loc != SOURCE_LOCALE
            for d in domains
        }
        return coverage_rows(
            domains,
            locales,
            self.catalogs,
            self.ledgers,
            self.config.policy,
            served,
            paths,
            self.broken,
            self.config.do_not_translate,
            self._known,
            self.config.terminology,
        )


@dataclass(frozen=True)
class _Paths:
    """Where a domain's ledger and catalog in one locale are, and how messages show them (worked
    out once and kept across reloads: at a thousand pages, building paths is most of a reload)."""

    ledger: Path
    ledger_shown: str
    catalog: Path
    catalog_shown: str

    @classmethod
    def of(cls, config: Config, locale: str, domain: str) -> _Paths:
        ledger, catalog = config.ledger_path(locale, domain), config.catalog_path(locale, domain)
        return cls(ledger, config.rel(ledger), catalog, config.rel(catalog))


class _Loader:
    """Reads each file of a tree once, reusing what `previous` read when the file is unchanged and
    keeping the last good version in service when a changed file fails (SPEC invariant 7)."""

    def __init__(
        self, tree: Tree, previous: Tree | None, last_good: Callable[[Path], Path | None] | None
    ):
        self.tree, self.previous, self.last_good = tree, previous, last_good

    def __call__(
        self, path: Path, read: Callable[[Path], _T], known: tuple[Signature] | None = None
    ) -> _T | None:
        """`read` the file at `path` unless it is unchanged (`known`: its signature, if the caller
        has just taken it). `read` is given the path to read: `path`, or the copy of its last
        good version when it fails now."""
        tree, old = self.tree, self.previous
        sig = known[0] if known is not None else signature(path)
        tree.signatures[path] = sig
        if old is not None and old.signatures.get(path) == sig and path in old.signatures:
            if path in old.failed:
                tree.failed[path] = old.failed[path]
                tree.errors.append(old.failed[path])
            if path in old.loaded:
                tree.loaded[path] = old.loaded[path]
                if path in old.kept:
                    tree.kept.add(path)
                return cast(_T, old.loaded[path])
            return None
        try:
            found = read(path)
        except L10nError as exc:
            tree.failed[path] = exc
            tree.errors.append(exc)
            if old is not None and path in old.loaded:
                tree.loaded[path] = old.loaded[path]
                tree.kept.add(path)
                return cast(_T, old.loaded[path])
            copy = self.last_good(path) if self.last_good is not None else None
            if copy is not None:
                try:
                    found = read(copy)
                except L10nError:
                    return None
                tree.loaded[path] = found
                tree.kept.add(path)
                return found
            return None
        tree.loaded[path] = found
        return found


def _ledger_at(path: Path, locale: str, domain: str, label: str) -> Ledger:
    return load_ledger(path, locale, domain, label)


def _catalog_at(path: Path, domain: str, locale: str, label: str) -> LoadedCatalog:
    return read_catalog(path, domain, locale, label)


def read_page(path: Path, default: FallbackPolicy) -> Page:
    """A page as the pipeline reviews and serves it: parsed, and its doses marked (`with_doses`),
    which the policy may count as safety-critical text. Every reader of pages for review or
    serving reads them here."""
    return with_doses(load_page(path, default))


def _page_at(path: Path, default: FallbackPolicy, read_from: Path) -> Page:
    page = read_page(read_from, default)
    return page if read_from == path else replace(page, path=str(path))


def load_tree(
    root: Path | Config,
    previous: Tree | None = None,
    only: Collection[str] | None = None,
    last_good: Callable[[Path], Path | None] | None = None,
) -> Tree:
    """Load the tree; with `previous` (the tree in service), reuse every file that has not changed
    and keep the last good version of a file that now fails (it is still reported in `errors`).
    `only`: the slugs of the pages to load (the ui strings are always loaded). `last_good`: where
    a copy of a file's last good version is, read in its place when it fails now."""
    config = root if isinstance(root, Config) else load_config(root)
    if previous is not None and previous.config != config:
        previous = None  # the config decides how everything else reads: read everything again
    elif previous is not None:
        config = previous.config  # the same object: what was prepared from it can be reused
    tree = Tree(config, {}, None)
    load = _Loader(tree, previous, last_good)
    for path in page_files(config.pages_dir):
        if only is not None and path.stem not in only:
            continue
        page = load(path, partial(_page_at, path, config.fallback))
        if page is not None:
            tree.pages[page.slug] = page
    for err in tree.errors:
        if err.path:
            err.path = tree.config.rel(err.path)
    if config.ui_source.exists() or config.ui_source.is_symlink():
        shown = config.rel(config.ui_source)
        tree.ui = load(config.ui_source, lambda at: load_ui(at, shown))
    known = previous.paths if previous is not None else {}
    for domain in tree.domains:
        for locale in config.all_locales:
            key = (locale, domain.slug)
            paths = known.get(key) or _Paths.of(config, locale, domain.slug)
            tree.paths[key] = paths
            ledger = load(
                paths.ledger,
                partial(_ledger_at, locale=locale, domain=domain.slug, label=paths.ledger_shown),
            )
            if ledger is not None:
                tree.ledgers[key] = ledger
            elif paths.ledger in tree.failed:
                tree.broken[key] = str(tree.failed[paths.ledger])
            if locale == SOURCE_LOCALE:
                continue
            sig = signature(paths.catalog)
            if sig is None:
                continue
            catalog = load(
                paths.catalog,
                partial(_catalog_at, domain=domain.slug, locale=locale, label=paths.catalog_shown),
                (sig,),
            )
            if catalog is not None:
                tree.catalogs[key] = catalog
            elif paths.catalog in tree.failed:
                tree.broken[key] = str(tree.failed[paths.catalog])
    return tree
