"""Publishing when a few pages changed: only those pages are loaded, decided, rendered and kept.

`publish` (the rule) reads every page of the tree and every page object of the release in
service. When the `basis` of the release in service says which files it was made from, and the
files that changed since are each one page's own (its source, catalogs or ledgers), every other
page would be decided exactly as before: its files, so its records, and so what was considered of
it, are the same, and so are the withdrawals in force and the code. Then only the changed pages'
records are taken from the build cache or made, only their page objects are read, and they are
decided by the same rule (`publish._choose`); the new manifest names the page objects of every
other page as the release in service did, unread. The lists, the index page and the rest of the
release's static site are the release in service's when no changed page's entry in them
(published or not, title, completeness, the locales it is listed in) changed; else they are made
again from the lists in service (`relist`), which say all they show of every other page, or, if
those cannot be read, from every page, as `publish` does.

Anything else (no basis for the release in service, the config, the ui strings, an image, pages
added or removed, withdrawals or code changed since) and `publish_changed` returns None: the
caller publishes the whole tree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from service.content.pages import page_slugs
from service.core.config import Config
from service.core.files import Signature
from service.core.models import UI_DOMAIN
from service.release.basis import Basis, changed_files
from service.release.publish import (
    _choose,
    _heads,
    _made,
    _source_commit,
    apply_withdrawals,
    now,
    with_lists,
)
from service.release.relist import relisted
from service.release.static import Static, site_files
from service.release.store import PageVersion, Release, ReleaseStore, Withdrawal, canonical
from service.release.withdraw import in_force
from service.site.keys import Inputs, Layout, code_version
from service.site.prepared import Settings, build_pages

__all__ = ["Done", "publish_changed"]

Pages = Mapping[str, Mapping[str, PageVersion]]


@dataclass(frozen=True)
class Done:
    """What a publish did: the release in service after it (seq, id, time), whether it is new,
    the (slug, locale) whose version changed, and the pages with drafts (kept as published, or
    not published)."""

    seq: int
    id: str
    created: str
    new: bool
    changed: tuple[tuple[str, str], ...]
    kept: tuple[str, ...]
    unpublished: tuple[str, ...]
    files: Mapping[str, tuple[Signature, str]]  # every input file read, as `Inputs` has them
    slugs: tuple[str, ...]  # the pages of the tree
    # whether every record was made from files that did not change while they were read (a
    # record made from a file being written is made again by the next build: no basis then)
    settled: bool = True


def _pages_of(config: Config, basis: Basis, changed: set[str]) -> list[str] | None:
    """The pages whose own files are all of `changed`, or None when a change is not one page's."""
    layout = Layout(config)
    shared = {layout.config_file[0], layout.ui_source[0]}
    images = f"{layout.assets_dir}/"
    pages = set(basis.slugs)
    found = set()
    for path in changed:
        stem = Path(path).stem
        if path in shared or path.startswith(images) or stem == UI_DOMAIN or stem not in pages:
            return None
        found.add(stem)
    return sorted(found)


def _entries(pages: Pages, slugs: Sequence[str]) -> dict[str, Any]:
    """What the lists and index page show of `slugs`: whether published, and each version's
    title, the locale it is in, completeness and the locales it is listed in."""
    return {
        slug: {
            loc: (v.title, v.title_locale, v.complete, v.listed)
            for loc, v in pages.get(slug, {}).items()
        }
        if slug in pages
        else None
        for slug in slugs
    }


@dataclass(frozen=True)
class _Start:
    """The release in service (seq, id, manifest), the withdrawals in force, every input file as
    it is now, and the pages whose own files changed."""

    seq: int
    id: str
    manifest: dict[str, Any]
    withdrawals: list[Withdrawal]
    inputs: Inputs
    slugs: list[str]


def _start(store: ReleaseStore, config: Config, basis: Basis) -> _Start | None:
    """Where a publish of the changed pages starts, or None when it cannot (see the module)."""
    head = store.head()
    if head is None or head[1] != basis.release:
        return None
    manifest = store.manifest_of(head[1])
    withdrawals = in_force(store.withdrawals())
    numbers = tuple(w.number for w in withdrawals)
    if manifest["code"] != code_version() or tuple(manifest["withdrawals"]) != numbers:
        return None
    if tuple(sorted(page_slugs(config.pages_dir))) != basis.slugs:
        return None
    if manifest.get("base_url") != config.base_url or not manifest.get("static"):
        return None  # the static site is rendered anew (a base URL changed), or never was
    inputs, changed = changed_files(basis)
    slugs = _pages_of(config, basis, changed)
    if slugs is None:
        return None
    return _Start(head[0], head[1], manifest, withdrawals, inputs, slugs)


def publish_changed(
    settings: Settings,
    config: Config,
    store: ReleaseStore,
    basis: Basis | None,
    *,
    reason: str,
    by: str = "clinic-l10n",
) -> Done | None:
    """Publish what the tree allows when only some pages' own files changed since the release
    `basis` describes, reading and writing only those pages; None when that cannot be done (then
    `publish` over the whole tree does it)."""
    if basis is None:
        return None
    with store.lock():
        start = _start(store, config, basis)
        if start is None:
            return None
        return _publish(settings, config, store, basis, start, reason, by)


def _publish(
    settings: Settings,
    config: Config,
    store: ReleaseStore,
    basis: Basis,
    start: _Start,
    reason: str,
    by: str,
) -> Done:
    slugs, manifest = start.slugs, start.manifest
    site = build_pages(settings, config, slugs, start.inputs) if slugs else None
    current, ledgers = _current(store, start)
    when = now()
    static = Static.of(current, config.all_locales)  # the config and ui strings are the same
    pages, versions, kept, unpublished = (
        _choose(site, store, current, when, static) if site else ({}, [], [], [])
    )
    pages = apply_withdrawals(store, pages, start.withdrawals, when, static)
    heads = _heads(site) if site else {}
    drafts = (
        tuple(sorted({*kept, *(s for s in basis.kept if s not in slugs)})),
        tuple(sorted({*unpublished, *(s for s in basis.unpublished if s not in slugs)})),
    )
    if site is None or (pages == current.pages and heads == ledgers):
        created = manifest["created"]
        return Done(
            start.seq,
            start.id,
            created,
            False,
            (),
            *drafts,
            start.inputs.files,
            basis.slugs,
            not (site and site.stale),
        )
    release = replace(
        current,
        seq=start.seq + 1,
        created=when,
        kind="publish",
        reason=reason,
        by=by,
        previous=start.id,
        code=code_version(),
        source_commit=_source_commit(settings.root),
        ledgers=heads,
        pages=pages,
        seen={f"{slug} {loc}": _made(r) for (slug, loc), r in site.records.items()},
        id="",
    )
    changed = _entries(pages, slugs) != _entries(current.pages, slugs)
    ident = _install(store, start, release, static, config.all_locales, changed)
    return Done(
        release.seq,
        ident,
        when,
        True,
        tuple(versions),
        *drafts,
        start.inputs.files,
        basis.slugs,
        not site.stale,
    )


def _current(store: ReleaseStore, start: _Start) -> tuple[Release, dict[str, tuple[str, int]]]:
    """The release in service as far as the changed pages go (its head, their versions and what
    was considered of them), and their ledgers' heads as it recorded them."""
    ledgers: dict[str, tuple[str, int]] = {}
    pages: dict[str, Mapping[str, PageVersion]] = {}
    seen: dict[str, str] = {}
    for slug in start.slugs:
        sha = start.manifest["domains"].get(slug)
        if sha is not None:
            versions, heads, considered = store.page_object(sha)
            if versions:
                pages[slug] = versions
            ledgers.update(heads)
            seen.update((f"{slug} {loc}", made) for loc, made in considered.items())
    head = Release.read(canonical({**start.manifest, "domains": {}}), start.id, store.get)
    return replace(head, pages=pages, seen=seen), ledgers


def _whole(store: ReleaseStore, ident: str, release: Release, slugs: Sequence[str]) -> Release:
    """`release` (of the pages `slugs`) with every other page of release `ident` (read whole)."""
    whole, only = store.release(ident), set(slugs)
    return replace(
        release,
        pages=dict(  # in the order of their names, as `publish` makes them
            sorted(
                {**{s: v for s, v in whole.pages.items() if s not in only}, **release.pages}.items()
            )
        ),
        ledgers={
            **{p: h for p, h in whole.ledgers.items() if PurePosixPath(p).stem not in only},
            **release.ledgers,
        },
        seen={
            **{k: v for k, v in whole.seen.items() if k.rpartition(" ")[0] not in only},
            **release.seen,
        },
    )


def _install(
    store: ReleaseStore,
    start: _Start,
    release: Release,
    static: Static,
    locales: Sequence[str],
    relist: bool,
) -> str:
    """Put `release` (of the changed pages) in service; its id. The lists, the index page and the
    rest of the static site stay the release in service's unless a changed page's entry in them
    changed (`relist`); then they are made again from the lists in service (`relist`), which say
    all they show of every other page, or from every page if those cannot be read."""
    manifest, slugs = start.manifest, start.slugs
    if relist:
        found = relisted(store, manifest["files"], release.pages, slugs, locales)
        if found is None:  # lists in service that cannot be read
            whole = _whole(store, start.id, release, slugs)
            return store.commit(with_lists(store, whole, static)).id
        files, listed = found
        lists = {name: store.get(sha) for name, sha in files.items()}
        made = site_files(lists, listed, static)
        site = {path: store.put(data) for path, data in made.items()}
        release = replace(release, files=files, static=site)
    # every other page's object stays the release in service's, named unread
    raw, objects = release.manifest()
    data = json.loads(raw)
    data["domains"] = {**manifest["domains"], **data["domains"]}
    return store.install(canonical(data), objects, release.seq)
