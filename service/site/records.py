"""What one page (or the ui strings) in one locale makes from a loaded tree: its snapshot (the page
as the serving rule resolved it), list entry, coverage row and findings, a *record* of the build
cache (`index.Record`). Made in worker processes when there are many (`make_all`); `prepared`
assembles records into what it serves. A page's bodies (`documents`) are made from its snapshot
when first asked for (`made_bodies`), not with its record.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from threading import Event
from typing import Any

from pydantic import TypeAdapter

from service.core.config import Config
from service.core.models import SOURCE_LOCALE, UI_DOMAIN, ResolvedPage, SegmentType, text_sha256
from service.core.workers import fork_context
from service.render.article import NOTICE_PARTS
from service.render.document import encode_view
from service.review.provenance import translated_parts
from service.site.build import Cache, Pack
from service.site.coverage import CoverageRow
from service.site.documents import LocaleUi, bodies, chrome, of_type
from service.site.findings import domain_findings, load_finding
from service.site.images import ImageResolver
from service.site.index import PageEntry, Record, Ref
from service.site.keys import Inputs, Layout, digest, page_keys
from service.site.snapshot import Encoder, Snapshot, decode
from service.site.store import Tree, load_tree

__all__ = [
    "Built",
    "Stopped",
    "Todo",
    "made_bodies",
    "make_all",
    "no_cycle_collection",
    "remake",
]

_log = logging.getLogger("clinic_l10n.records")

_ROW = TypeAdapter(CoverageRow)  # a coverage row as `CoverageOut` writes it
_PARALLEL_FROM = 8  # pages to make before worker processes pay for themselves


def _record(
    tree: Tree,
    pack: Pack,
    encoder: Encoder,
    layout: Layout,
    slug: str,
    locale: str,
    key: str,
    ui: Callable[[str], LocaleUi],
    images: ImageResolver,
) -> Record:
    """What a page (or the ui domain) in one locale makes: its snapshot (into `pack`, with its
    images), from which its bodies are made when first asked for, its list entry, coverage row,
    findings and load errors."""
    failed = {str(path): error for path, error in tree.failed.items()}
    errors = [e for path, _ in layout.page_files(slug, locale) if (e := failed.get(path))]
    load = tuple(load_finding(e) for e in errors)
    domain = tree.ui if slug == UI_DOMAIN else tree.pages.get(slug)
    if domain is None:
        return Record(key, slug, locale, tuple(str(e) for e in errors), load)
    page, chrome_text, pictures = None, None, []
    if slug == UI_DOMAIN:
        resolved = ui(locale).resolved
        assert resolved is not None
        chrome_text = encode_view(chrome(ui(locale), locale)).decode()
    else:
        resolved = tree.resolve(domain, locale)
        english = tree.resolve(domain, SOURCE_LOCALE)
        config = tree.config
        placed = images.place(domain, locale, layout.image_names(slug))
        if locale == SOURCE_LOCALE:  # each problem once, for all locales
            pictures = images.problems(domain, layout.image_names(slug))
        snapshot = Snapshot(
            resolved,
            english,
            ui(locale).strings,
            config.demonstration,
            tuple(config.all_locales),
            config.policy.roles,
            {k: v for k, v in ui(SOURCE_LOCALE).strings.items() if k in NOTICE_PARTS},
            placed.names,
        )
        title = of_type(resolved, SegmentType.TITLE)
        translated, parts = translated_parts(resolved)
        page = PageEntry(
            state=pack.add(encoder.encode(snapshot)),
            title=title.text if title else None,
            title_locale=title.locale if title else SOURCE_LOCALE,
            complete=resolved.complete,
            withheld=len(resolved.withheld),
            translated=translated,
            parts=parts,
            images=placed.entries,
            drafts=_drafts(tree, slug, english),
        )
    rows = tree.coverage_rows([domain], [locale], {(locale, slug): resolved})
    found = domain_findings(tree, domain, locale)
    return Record(
        key,
        slug,
        locale,
        errors=tuple(str(e) for e in errors),
        load=load,
        page=page,
        chrome=chrome_text,
        rows=tuple(rows),
        rows_json=tuple(_ROW.dump_json(row).decode() for row in rows),
        blocked=tuple(str(p) for p in found.blocked),
        refused=tuple(str(p) for p in found.refused),
        problems=(*found.problems, *pictures),
        **_ledger(tree, slug, locale),
    )


def _ledger(tree: Tree, slug: str, locale: str) -> dict[str, Any]:
    ledger = tree.ledgers.get((locale, slug))
    if ledger is None or not ledger.events:
        return {}
    return {"ledger_path": ledger.path, "ledger_head": ledger.head, "ledger_events": ledger.events}


def _drafts(tree: Tree, slug: str, english: ResolvedPage) -> int:
    """The English segments withheld as drafts: no approval of their wording was ever revoked
    (a revoked one is a reviewer's decision, which a release follows at once)."""
    ledger = tree.ledgers.get((SOURCE_LOCALE, slug))
    revoked = ledger.revoked if ledger is not None else frozenset()
    return sum(
        (seg.key, text_sha256(seg, SOURCE_LOCALE, seg.source_forms)) not in revoked
        for seg in english.withheld
    )


Todo = Sequence[tuple[str, tuple[str, ...]]]  # (slug, locales) to make


@dataclass(frozen=True)
class Built:
    """A record as a build made it, with a copy of each of its files that loaded (their last
    good versions, by path as messages show it), and whether every file it was made from still
    has the hash its key was made from (`fresh`; a record that is not is never kept)."""

    record: Record
    good: dict[str, Ref]
    fresh: bool


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Loading and making records allocate millions of short-lived objects (markdown-it's tokens
    above all), and reading thousands of records back tens of thousands, all freed by reference
    counting; the cycle collector, run every 700 allocations, mostly rescans the tree being loaded
    or the site being built. So it is off while records are made or a site is built, which saves
    CPU and costs no memory; and no collection follows, since what is made holds no cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@no_cycle_collection()
def _make(
    config: Config,
    cache: Cache,
    todo: Todo,
    keys: Mapping[tuple[str, str], str],
    digests: Mapping[str, str],
    good: Mapping[str, Ref],
) -> list[Built]:
    """Make the records of `todo`, their snapshots and a copy of each file that loaded in one
    pack. A record is `fresh` only if every file it was made from still has the hash its key was
    made from (one written meanwhile is made again on the next reload)."""
    layout = Layout(config)

    def last_good(path: Path) -> Path | None:
        return cache.last_good(good.get(config.rel(path)), path.name)

    tree = load_tree(config, only={slug for slug, _ in todo}, last_good=last_good)
    uis: dict[str, LocaleUi] = {}

    def ui(locale: str) -> LocaleUi:
        if locale not in uis:
            uis[locale] = LocaleUi.of(tree, locale)
        return uis[locale]

    pack, encoder = Pack(cache), Encoder()
    images = ImageResolver(config, pack)
    now: dict[str, tuple[str, Ref | None]] = {}  # each file's hash after loading, and its copy
    loaded = {str(path) for path in tree.loaded if path not in tree.kept}

    def after(path: str) -> tuple[str, Ref | None]:
        """A file that loaded is copied (its last good version); any other is hashed again."""
        if path not in now:
            ref = None
            if path in loaded:
                with suppress(OSError), open(path, "rb") as f:
                    ref = pack.add(f.read())
            now[path] = (ref.sha256, ref) if ref is not None else (digest(path), None)
        return now[path]

    made: list[Built] = []
    for slug, locales in todo:
        for loc in locales:
            key = keys[(slug, loc)]
            record = _record(tree, pack, encoder, layout, slug, loc, key, ui, images)
            fresh, kept = True, {}
            for path, rel in layout.page_files(slug, loc):
                sha, ref = after(path)
                if ref is not None:
                    kept[rel] = ref
                fresh = fresh and sha == digests.get(rel)
            made.append(Built(record, kept, fresh))
    pack.close()
    return made


class Stopped(Exception):
    """A build given up because its `stop` was set."""


def make_all(
    config: Config,
    cache: Cache,
    todo: Todo,
    keys: Mapping[tuple[str, str], str],
    digests: Mapping[str, str],
    good: Mapping[str, Ref],
    jobs: int,
    stop: Event | None = None,
) -> list[Built]:
    """`_make` in worker processes when there is much to make (and a cache folder to share).
    `stop` set: `Stopped` once the runs under way end, the others not begun."""
    workers = min(jobs, len(todo) // _PARALLEL_FROM)
    if workers <= 1 or cache.folder is None:
        return _make(config, cache, todo, keys, digests, good)
    size = max(4, -(-len(todo) // (workers * 8)))  # small runs, so that no worker idles long
    runs = [todo[i : i + size] for i in range(0, len(todo), size)]
    context = fork_context()
    made: list[Built] = []
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for records in pool.map(
            _make,
            [config] * len(runs),
            [cache] * len(runs),
            runs,
            [keys] * len(runs),
            [digests] * len(runs),
            [good] * len(runs),
        ):
            made += records
            if stop is not None and stop.is_set():
                pool.shutdown(wait=False, cancel_futures=True)
                raise Stopped()
    return made


def remake(
    config: Config, cache: Cache, good: Mapping[str, Ref], slug: str, locale: str
) -> tuple[str, Ref]:
    """The snapshot of a page in a locale made again from the files (its record is not kept), and
    the key of the files it was made from."""
    layout, inputs = Layout(config), Inputs()
    keys = page_keys(layout, inputs, [slug], good)
    digests = {rel: inputs.get(path) for path, rel in layout.page_files(slug, locale)}
    page = _make(config, cache, [(slug, (locale,))], keys, digests, good)[0].record.page
    if page is None:
        raise OSError(f"{slug} is no longer there; a reload will serve that")
    return keys[(slug, locale)], page.state


def made_bodies(
    cache: Cache,
    state: Ref,
    key: str,
    again: Callable[[], tuple[str, Ref]],
    listed: tuple[str, ...],
) -> dict[str, bytes]:
    """The bodies of a record filed under `key`, from its snapshot `state` in the cache. A
    snapshot whose pack is lost, or that cannot be read as one of this version, is made again from
    the files (`again`), and used only if it is the very snapshot the record names or was made
    from the very files its key names: a page that changed since is served by the reload that
    follows. `listed`: the locales the page is listed in (`listing`)."""
    try:
        snapshot = decode(cache.get(state))
    except (OSError, KeyError, ValueError) as exc:
        _log.warning("build cache: %s; making the snapshot again", exc)
        made_from, ref = again()
        if ref.sha256 != state.sha256 and made_from != key:
            raise OSError("the page changed since it was built; a reload will serve it") from exc
        snapshot = decode(cache.get(ref))
    return bodies(snapshot, listed)
