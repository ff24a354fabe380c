"""Publishing: the next release, from what the content tree allows now and the release in service.

The rule, per page:

- A page the tree would make into the same snapshot as when the release in service considered it
  keeps its published version (so a rollback or a withdrawal is not undone by the next publish).
- A page whose English holds a *draft* (a wording waiting for its reviews: new or changed, no
  approval of it revoked) keeps its published version in every locale, the last published English
  and the translations approved against it; a page never published stays unpublished, invisible.
- Otherwise each locale whose snapshot changed gets the version the serving rule makes now: an
  approval that completes what the rule needs is published, and a translation that no longer
  matches a newly approved English falls back to it, as the rule says.
- Withdrawals in force are applied to what is published (`withdraw`).

Each version keeps its bodies exactly as served (JSON, HTML, fragment), its files of the static
site (`static`: its document and JSON with links into the site, made with the config's `base_url`),
its snapshot, and who reviewed what of it, when (from the snapshot). A release keeps the rest of its
static site beside its lists: each locale's list, the choice of language, the sitemap.
"""

from __future__ import annotations

import subprocess
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from service.core.models import SOURCE_LOCALE, UI_DOMAIN, SegmentType
from service.core.workers import default_jobs, fork_context
from service.release.static import Static, site_files, static_of, version_files
from service.release.store import BODIES, PageVersion, Release, ReleaseStore, Withdrawal
from service.release.withdraw import in_force, removes_page, without
from service.review.provenance import translated_parts
from service.site.assemble import index_page, page_list
from service.site.build import Cache
from service.site.coverage import served_keys
from service.site.documents import bodies, of_type
from service.site.index import PageEntry, Record, Ref
from service.site.keys import code_version
from service.site.prepared import Site
from service.site.snapshot import Encoder, Snapshot, decode

__all__ = [
    "Published",
    "apply_withdrawals",
    "listed_in",
    "lists_of",
    "now",
    "publish",
    "records_of",
    "rendered",
    "with_lists",
]


def now() -> str:
    """UTC to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Published:
    release: Release
    new: bool  # False: nothing changed, the release in service stays
    changed: tuple[tuple[str, str], ...]  # (slug, locale) whose version changed
    kept: tuple[str, ...]  # pages whose English has drafts, kept as published
    unpublished: tuple[str, ...]  # pages with drafts and no published version: not served


def _source_commit(root: Path) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _version(
    store: ReleaseStore,
    snapshot: Snapshot,
    key: str,
    since: str,
    listed: tuple[str, ...],
    static: Static,
    raw: bytes | None = None,
    images: tuple[tuple[str, str, str], ...] = (),
) -> PageVersion:
    """A page in one locale made into a version: its bodies (its document linking the locales it
    is `listed` in), its static files and snapshot kept in `store`."""
    made = bodies(snapshot, listed)
    shas = {kind: store.put(made[kind]) for kind in BODIES}
    resolved = snapshot.resolved
    files = version_files(store, made, resolved.page.slug, resolved.target, listed, static)
    translated, parts = translated_parts(resolved)
    title = of_type(resolved, SegmentType.TITLE)
    reviews = tuple(
        (s.segment.id, s.locale, r.reviewer, r.role, r.reviewed_at)
        for s in resolved.served
        for r in s.reviews
    )
    return PageVersion(
        **shas,
        snapshot=store.put(raw if raw is not None else Encoder().encode(snapshot)),
        title=title.text if title else None,
        title_locale=title.locale if title else SOURCE_LOCALE,
        complete=resolved.complete,
        withheld=len(resolved.withheld),
        key=key,
        since=since,
        translated=translated,
        parts=parts,
        listed=listed,
        images=images,
        reviews=reviews,
        files=tuple(files.items()),
        messages=len({s.key for s in resolved.page.segments}),
        served=len(served_keys(resolved)),
    )


def _withdrawn(
    store: ReleaseStore,
    version: PageVersion,
    found: Sequence[Withdrawal],
    since: str,
    static: Static,
) -> PageVersion:
    """`version` with the withdrawals `found` (of its page and locale) applied; the same version
    when they change nothing."""
    snapshot = decode(store.get(version.snapshot))
    changed = without(snapshot, found)
    if changed == snapshot:
        return version
    return _version(
        store, changed, version.key, since, version.listed, static, None, version.images
    )


def rendered(
    store: ReleaseStore,
    pages: Mapping[str, Mapping[str, PageVersion]],
    static: Static,
    every: bool = False,
) -> dict[str, dict[str, PageVersion]]:
    """`pages` with each version made again from its snapshot where it has no static files or
    no count of messages (a release made before releases held them) or, `every`, for all (the
    base URL changed): its static files as `static` says, its bodies the same bytes from the same
    code."""
    out: dict[str, dict[str, PageVersion]] = {}
    for slug, locs in pages.items():
        out[slug] = {}
        for loc, v in locs.items():
            if v.files and v.messages is not None and not every:
                out[slug][loc] = v
                continue
            raw = store.get(v.snapshot)
            out[slug][loc] = _version(
                store, decode(raw), v.key, v.since, v.listed, static, raw, v.images
            )
    return out


def records_of(release: Release) -> dict[tuple[str, str], Record]:
    """What lists and the index page read of each published version, as records."""
    return {
        (slug, loc): Record(
            v.key,
            slug,
            loc,
            (),
            (),
            page=PageEntry(
                Ref("release", 0, 0, v.snapshot),
                v.title,
                v.title_locale,
                v.complete,
                v.withheld,
                v.translated,
                v.parts,
            ),
        )
        for slug, locs in release.pages.items()
        for loc, v in locs.items()
    }


def listed_in(release: Release) -> dict[str, tuple[str, ...]]:
    """The locales each published page is listed in (every version of a page names the same)."""
    return {slug: next(iter(locs.values())).listed for slug, locs in release.pages.items() if locs}


def lists_of(release: Release, locales: Sequence[str]) -> dict[str, bytes]:
    """The lists of pages in each locale, and the index page, as published."""
    records, served, listed = records_of(release), sorted(release.pages), listed_in(release)
    files = {
        f"lists/{loc}.json": page_list(records, served, loc, listed).body.data for loc in locales
    }
    files["index.html"] = index_page(records, listed).data
    return files


def _made(record: Record) -> str:
    """What a page in a locale is made into from the tree now: its snapshot's SHA-256 (the same
    page, the same hash, whatever build made it); a page that did not load, by its files' key."""
    return record.page.state.sha256 if record.page is not None else f"key {record.key}"


def with_lists(store: ReleaseStore, release: Release, static: Static) -> Release:
    """`release` with its lists and index page made and kept, and the rest of its static site
    (`static.site_files`), as `static` renders it."""
    lists = lists_of(release, static.locales)
    made = site_files(lists, listed_in(release), static)
    return replace(
        release,
        files={name: store.put(data) for name, data in lists.items()},
        static={path: store.put(data) for path, data in made.items()},
        base_url=static.base,
        chrome=dict(static.chrome),
    )


def _choose(
    site: Site,
    store: ReleaseStore,
    current: Release | None,
    when: str,
    static: Static,
    again: Collection[str] = (),
) -> tuple[dict[str, dict[str, PageVersion]], list[tuple[str, str]], list[str], list[str]]:
    locales = site.config.all_locales
    published = current.pages if current else {}
    seen = {
        k: v for k, v in (current.seen if current else {}).items() if k.split(" ")[0] not in again
    }
    pages: dict[str, dict[str, PageVersion]] = {}
    changed, kept, unpublished = [], [], []
    todo: list[_Job] = []
    slugs = sorted({slug for slug, _ in site.records if slug != UI_DOMAIN})
    for slug in slugs:
        records = {loc: site.records[(slug, loc)] for loc in locales}
        moved = [loc for loc in locales if seen.get(f"{slug} {loc}") != _made(records[loc])]
        before = dict(published.get(slug, {}))
        english = records[SOURCE_LOCALE].page
        if not moved and before:
            pages[slug] = before
            continue
        if english is None or english.drafts:
            if before:
                pages[slug] = before
                kept.append(slug)
            else:
                unpublished.append(slug)
            continue
        versions = {}
        for loc in locales:
            record = records[loc]
            if loc in before and loc not in moved:
                versions[loc] = before[loc]
                continue
            entry = record.page
            assert entry is not None  # the English loaded, and so did the page in every locale
            images = tuple(
                (i.name, i.media_type, store.put(site.cache.get(i.data))) for i in entry.images
            )
            listed = tuple(site.advertised.get(slug, ()))
            todo.append((slug, loc, entry.state, record.key, listed, images))
        pages[slug] = versions
    for (slug, loc, *_), version in zip(
        todo, _versions(store, site.cache, todo, when, static), strict=True
    ):
        pages[slug][loc] = version
        before_version = published.get(slug, {}).get(loc)
        if before_version is None or version.json != before_version.json:
            changed.append((slug, loc))
    return pages, changed, kept, unpublished


# A version to make: (slug, locale, its snapshot in the build cache, key, listed in, images)
_Job = tuple[str, str, Ref, str, tuple[str, ...], tuple[tuple[str, str, str], ...]]
_PARALLEL_FROM = 16  # versions to make before worker processes pay for themselves


def _versions(
    store: ReleaseStore, cache: Cache, todo: Sequence[_Job], when: str, static: Static
) -> list[PageVersion]:
    """Each job made into a version, its objects kept in `store`: in one worker process per
    core when there are many (rendering a page is most of a first publish), in order. Each
    snapshot is read from the build `cache` where it is made into a version, one at a time."""
    workers = min(default_jobs(), len(todo) // _PARALLEL_FROM)
    if workers <= 1 or cache.folder is None:  # a worker reads the packs from the cache's folder
        return [_job(store, cache, when, static, job) for job in todo]
    context = fork_context()
    size = max(8, -(-len(todo) // (workers * 8)))
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(partial(_job, store, cache, when, static), todo, chunksize=size))


def _job(store: ReleaseStore, cache: Cache, when: str, static: Static, job: _Job) -> PageVersion:
    _, _, state, key, listed, images = job
    raw = cache.get(state)
    return _version(store, decode(raw), key, when, listed, static, raw, images)


def publish(
    site: Site,
    store: ReleaseStore,
    *,
    kind: str = "publish",
    reason: str = "",
    by: str = "clinic-l10n",
    again: Collection[str] = (),
) -> Published:
    """Make the next release from `site` (built from the content tree) and the release in
    service, and put it in service, unless it would publish exactly what is in service. `again`:
    pages decided again even if their files did not change (a withdrawal lifted)."""
    with store.lock():
        current = store.current()
        when, static = now(), static_of(site)
        pages, changed, kept, unpublished = _choose(site, store, current, when, static, again)
        withdrawals = in_force(store.withdrawals())
        pages = apply_withdrawals(store, pages, withdrawals, when, static)
        rebased = current is not None and current.base_url != static.base
        pages = rendered(store, pages, static, every=rebased)
        release = Release(
            seq=(current.seq + 1) if current else 1,
            created=when,
            kind=kind,
            reason=reason,
            by=by,
            previous=current.id if current else None,
            code=code_version(),
            source_commit=_source_commit(site.settings.root),
            ledgers=_heads(site),
            pages=pages,
            seen={f"{slug} {loc}": _made(r) for (slug, loc), r in site.records.items()},
            withdrawals=tuple(w.number for w in withdrawals),
            base_url=static.base,
        )
        if current is not None and _same(current, release):
            return Published(current, False, (), tuple(kept), tuple(unpublished))
        release = with_lists(store, release, static)
        return Published(
            store.commit(release), True, tuple(changed), tuple(kept), tuple(unpublished)
        )


def apply_withdrawals(
    store: ReleaseStore,
    pages: Mapping[str, Mapping[str, PageVersion]],
    withdrawals: Sequence[Withdrawal],
    when: str,
    static: Static,
) -> dict[str, dict[str, PageVersion]]:
    out: dict[str, dict[str, PageVersion]] = {}
    for slug, locs in pages.items():
        if removes_page(withdrawals, slug):
            continue
        out[slug] = {}
        for loc, version in locs.items():
            found = [w for w in withdrawals if w.page == slug]
            out[slug][loc] = _withdrawn(store, version, found, when, static) if found else version
    return out


def _same(a: Release, b: Release) -> bool:
    """Whether two releases serve the same bytes from the same ledgers (what was considered may
    differ: a file broken and fixed again changes no answer, and makes no release)."""
    return (a.pages, a.ledgers, a.withdrawals, a.code, a.base_url) == (
        b.pages,
        b.ledgers,
        b.withdrawals,
        b.code,
        b.base_url,
    )


def _heads(site: Site) -> dict[str, tuple[str, int]]:
    """Each ledger's last event hash and its number of events, as the records read them."""
    return {
        r.ledger_path: (r.ledger_head, r.ledger_events)
        for r in site.records.values()
        if r.ledger_path
    }
