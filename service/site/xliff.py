"""`xliff export` and `xliff import` on a loaded tree: which catalogs go out (with what the serving
rule says is approved, as state "signed-off"), and which catalog each <file> of a tool's document
comes back to (its `original`, checked against the tree), applied by `catalogs.handoff`.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from service import __version__
from service.catalogs.catalog import read_catalog_bytes, read_po
from service.catalogs.handoff import UnitOutcome, apply_units, units_of
from service.catalogs.xliff import XliffFile, read_xliff, write_xliff
from service.content.pages import page_slugs
from service.core.config import Config
from service.core.errors import CatalogError
from service.core.locales import canonical_tag
from service.core.models import SOURCE_LOCALE, Page
from service.core.yamlfile import edit_file
from service.po.parse import parse
from service.site.store import Tree, load_tree

__all__ = ["FileReport", "export_locale", "import_document"]


def _domains(tree: Tree, slug: str | None) -> list[Page]:
    domains = sorted(tree.pages.values(), key=lambda p: p.slug)
    domains += [tree.ui] if tree.ui else []
    if slug is None:
        return domains
    chosen = [d for d in domains if d.slug == slug]
    if not chosen:
        known = sorted(page_slugs(tree.config.pages_dir)) + ([tree.ui.slug] if tree.ui else [])
        raise CatalogError(f"no page {slug!r}; pages: {', '.join(known) or 'none'}")
    return chosen


def export_locale(
    tree: Tree, locale: str, only: Collection[str] = (), slug: str | None = None
) -> tuple[bytes, int]:
    """The XLIFF 1.2 document of `locale`'s catalogs (one <file> each; with `only`, the new and/or
    changed entries), and how many units it holds."""
    files, count = [], 0
    for domain in _domains(tree, slug):
        path = tree.config.catalog_path(locale, domain.slug)
        if not path.exists():
            continue
        po = read_po(path, tree.config.rel(path))
        units = units_of(po, domain, functools.partial(tree.reviewed, domain, locale=locale), only)
        count += len(units)
        files.append(
            XliffFile(tree.config.rel(path), SOURCE_LOCALE, canonical_tag(locale), tuple(units))
        )
    return write_xliff(files, __version__), count


@dataclass(frozen=True)
class FileReport:
    """One <file> of an imported document: the catalog it names, and what became of its units."""

    original: str
    outcomes: list[UnitOutcome] = field(default_factory=list)
    refused: str = ""  # the whole file, when it names no catalog of this tree
    written: bool = False
    # units with a translation but no x-exported-sha256 (a tool dropped it): judged two-way, the
    # tool's text replacing whatever the catalog has, a change made since the export included
    unrecorded: int = 0


def _catalogs(tree: Tree, locale: str) -> dict[str, tuple[Page, Path]]:
    found = {}
    for domain in tree.domains:
        path = tree.config.catalog_path(locale, domain.slug)
        found[tree.config.rel(path)] = (domain, path)
    return found


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M%z")


def _import_file(tree: Tree, xf: XliffFile, translator: str | None) -> FileReport:
    config = tree.config
    locale = config.enabled(xf.target_language) if xf.target_language else None
    if locale is None or locale == SOURCE_LOCALE:
        why = f"target-language {xf.target_language!r} is not a locale enabled in {config.path}"
        return FileReport(xf.original, refused=why)
    known = _catalogs(tree, locale)
    if xf.original not in known:
        why = f"original {xf.original!r} is not a catalog of this tree for {locale}"
        return FileReport(xf.original, refused=why)
    who = translator or xf.translator
    if not who:
        why = "no translator named: give --translator 'NAME <EMAIL>'"
        return FileReport(xf.original, refused=why)
    if not who.isprintable():  # a line break would write header fields of its own
        return FileReport(xf.original, refused=f"the translator {who!r} holds a control character")
    domain, path = known[xf.original]
    if not path.exists():
        return FileReport(xf.original, refused=f"{xf.original} does not exist: run `init`")
    terms = (config.do_not_translate, config.terminology)

    def edit() -> tuple[bytes, bytes | None, list[UnitOutcome]]:
        previous = read_catalog_bytes(path, xf.original)
        po = parse(previous, xf.original)
        edited, outcomes = apply_units(po, domain, locale, xf.units, who, _stamp(), *terms)
        return previous, edited, outcomes

    # a translator's save meanwhile: the units are applied again to what they saved
    written, outcomes = edit_file(path, edit)
    unrecorded = sum(1 for u in xf.units if any(u.targets) and not u.exported)
    return FileReport(xf.original, outcomes, written=written, unrecorded=unrecorded)


def import_document(
    config: Config, data: bytes, label: str, translator: str | None
) -> list[FileReport]:
    """A CAT tool's XLIFF applied to the tree's catalogs, each <file> to the catalog its
    `original` names; each catalog that takes something is written (atomically). Only the
    pages the document names are loaded."""
    files = read_xliff(data, label)
    tree = load_tree(config, only={PurePosixPath(xf.original).stem for xf in files})
    return [_import_file(tree, xf, translator) for xf in files]
