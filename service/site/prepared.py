"""Everything the server sends, prepared ahead of requests: per page and locale, JSON and HTML bytes.

Each page in each locale is a record of the build cache (`build`, `index`), made once per set of
input files (`records`); `build_site` takes the records whose keys are known and makes the rest,
and assembles them into a `Site`: the pages' bodies (`bodies`), and what is made of all of them
(`assemble`): lists, coverage and health. The bodies live in the cache and the hot ones in memory.
The request path only negotiates a locale and looks bytes up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from threading import Event
from typing import Any

from service.content.pages import page_slugs
from service.core.config import Config, load_config
from service.core.locales import native_name
from service.core.models import SOURCE_LOCALE, UI_DOMAIN
from service.core.negotiation import Negotiator
from service.core.workers import default_jobs
from service.render.assets import Asset
from service.render.html import render_template
from service.site.assemble import entry, health_report, index_page, locales_body, page_list
from service.site.bodies import Body, JsonBody, Made, PreparedPage
from service.site.build import Cache, default_cache_dir
from service.site.coverage import CoverageRow
from service.site.findings import FileFinding
from service.site.index import ImageEntry, Record, Ref
from service.site.keys import Inputs, Layout, page_keys
from service.site.listing import advertised
from service.site.records import Todo, made_bodies, make_all, no_cycle_collection, remake

__all__ = ["Settings", "Site", "build_pages", "build_site", "slugs"]


@dataclass(frozen=True)
class Settings:
    root: Path
    max_age: int = 300
    cache: Path | None = None  # the build cache folder; None: CLINIC_L10N_CACHE or .build-cache/
    jobs: int | None = None  # worker processes for a build; None: one per core
    state: Path | None = None  # the workspace's accounts and sessions (see accounts.state_dir)
    releases: Path | None = None  # the release store; None: CLINIC_L10N_RELEASES or releases/
    publish: bool = True  # whether serving publishes what the tree allows (False: follow only)

    def cache_dir(self) -> Path:
        return self.cache or default_cache_dir(self.root)

    def release_dir(self) -> Path:
        """The release store folder."""
        if self.releases is not None:
            return self.releases
        named = os.environ.get("CLINIC_L10N_RELEASES")
        return Path(named) if named else self.root / "releases"


@dataclass
class Site:
    config: Config
    settings: Settings
    cache: Cache
    inputs: Inputs
    # What each page (and the ui domain) in each locale was made into, by (slug, locale): the
    # next reload takes a record as it is when its key has not changed.
    records: dict[tuple[str, str], Record]
    good: dict[str, Ref]  # where each input file's last good version is kept
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # each record's, as on disk
    # Records made from a file written while they were made: served, but never kept in the index.
    stale: set[tuple[str, str]] = field(default_factory=set)
    served: tuple[str, ...] = ()  # the pages served, by slug
    advertised: dict[str, tuple[str, ...]] = field(default_factory=dict)  # listed in (`listing`)
    write_index: Callable[[], None] = field(default=lambda: None, repr=False)
    pages: dict[tuple[str, str], PreparedPage] = field(default_factory=dict)
    lists: dict[str, JsonBody] = field(default_factory=dict)
    locales: Body = field(default_factory=lambda: Body.of(b""))
    locales_released: bool = False  # `locales` counted from the release served (`served_site`)
    coverage_json: Body = field(default_factory=lambda: Body.of(b""))
    errors: list[str] = field(default_factory=list)
    rows: list[CoverageRow] = field(default_factory=list)  # coverage: locales, then pages by slug
    # The dashboard is rendered when first asked for, not on every reload: it lists every row
    # (7,000 at a thousand pages) and reviewers open it far less often than the tree changes.
    coverage_context: dict[str, object] = field(default_factory=dict)
    _coverage_html: Body | None = None
    health: Body = field(default_factory=lambda: Body.of(b""))
    release: Any = None  # the release it serves (`service.release`); None: the tree as built
    read: Callable[[Ref], bytes] | None = None  # where its images are read (None: the cache)
    index_html: Body = field(default_factory=lambda: Body.of(b""))
    images: dict[str, ImageEntry] = field(default_factory=dict)  # by served name

    def image(self, name: str) -> Asset | None:
        """An image a served page shows, by its served name, its bytes from the build cache (a
        file changed since is served by the next reload, under its new name)."""
        found = self.images.get(name)
        if found is None:
            return None
        try:
            return Asset(name, (self.read or self.cache.get)(found.data), found.media_type)
        except (OSError, KeyError):
            return None

    @cached_property
    def negotiator(self) -> Negotiator:
        """Accept-Language negotiation for this site's locales, with what it has read kept."""
        return Negotiator(self.config.all_locales, SOURCE_LOCALE)

    def problems(self) -> list[FileFinding]:
        """What `check` reports: each load error once, then each page (by slug, the ui strings
        among them) in each locale."""
        domains = sorted({slug for slug, _ in self.records})
        each = [self.records[(slug, loc)] for slug in domains for loc in self.config.all_locales]
        found = list(dict.fromkeys(finding for r in each for finding in r.load))
        return found + [finding for r in each for finding in r.problems]

    def coverage_html(self) -> Body:
        """The coverage dashboard, rendered the first time it is asked for."""
        if self._coverage_html is None:
            self._coverage_html = Body.of(render_template("coverage.html", self.coverage_context))
        return self._coverage_html


def slugs(config: Config) -> list[str]:
    """The pages of the tree, by file name (which a page's slug must match)."""
    return page_slugs(config.pages_dir)


def _affected(
    layout: Layout, previous: Site, domains: Sequence[str], changed: Collection[str]
) -> list[str]:
    """The domains whose keys `changed` files may have changed: all of them for the config, the
    ui strings or an image (its pages' keys are worked out again, and only pages whose keys
    changed are made again), else the pages those files belong to, and pages new since
    `previous`."""
    shared = {layout.config_file[0], layout.ui_source[0]}
    images = f"{layout.assets_dir}/"
    if any(
        path in shared or Path(path).stem == UI_DOMAIN or path.startswith(images)
        for path in changed
    ):
        return list(domains)
    named = {Path(path).stem for path in changed}
    return [d for d in domains if d in named or (d, SOURCE_LOCALE) not in previous.keys]


class _Run:
    """One build: the site in service it starts from (if any), the key of every page in every
    locale, and the records taken or made for them."""

    def __init__(
        self,
        settings: Settings,
        config: Config,
        previous: Site | None,
        only: Sequence[str] | None = None,
    ):
        self.settings, self.config, self.previous = settings, config, previous
        self.layout = Layout(config)
        if previous is not None and previous.cache.folder == settings.cache_dir():
            self.cache, self.inputs = previous.cache, previous.inputs
            self.good = dict(previous.good)
        elif only is not None:  # these pages only: what the index says of their files
            self.cache, self.inputs = Cache(settings.cache_dir()), Inputs()
            self.cache.peek()
            locales = config.all_locales
            files = {
                rel for s in only for loc in locales for _, rel in self.layout.page_files(s, loc)
            }
            self.good = self.cache.good_of(files)
        else:
            self.cache, self.inputs = Cache(settings.cache_dir()), Inputs()
            self.good = self.cache.stored_good()
        self.keys: dict[tuple[str, str], str] = {}
        self.records: dict[tuple[str, str], Record] = {}
        self.kept_pages: dict[tuple[str, str], PreparedPage] = {}
        self.stale: set[tuple[str, str]] = set()
        self.made = False
        self.stop: Event | None = None  # `make_all`'s

    def find_keys(self, changed: Collection[str] | None) -> None:
        """Every key; with `changed` (the files whose hashes changed since `previous` was
        built), worked out again only for the pages they belong to."""
        domains = [*slugs(self.config), UI_DOMAIN]
        previous = self.previous
        if previous is not None and changed is not None and self.config == previous.config:
            present = set(domains)
            self.keys = {k: v for k, v in previous.keys.items() if k[0] in present}
            affected = _affected(self.layout, previous, domains, changed)
            self.keys.update(page_keys(self.layout, self.inputs, affected, self.good))
        else:
            self.keys = page_keys(self.layout, self.inputs, domains, self.good)

    def take(self) -> Todo:
        """Take each record whose key is in the site in service or in the cache as it is; what
        is left to make."""
        todo: dict[str, list[str]] = {}
        previous = self.previous
        for at, key in self.keys.items():
            if at in self.records:
                continue
            old = previous.records.get(at) if previous is not None else None
            if previous is not None and old is not None and old.key == key:
                self.records[at] = old
                if at in previous.pages:
                    self.kept_pages[at] = previous.pages[at]
                if at in previous.stale:
                    self.stale.add(at)
                continue
            found = self.cache.record(key)
            if found is not None:
                self.records[at] = found
            else:
                todo.setdefault(at[0], []).append(at[1])
        return [(slug, tuple(locs)) for slug, locs in todo.items()]

    def make(self, todo: Todo) -> None:
        """Make the records of `todo` (in worker processes when many)."""
        layout = self.layout
        digests = {
            rel: self.inputs.get(path)
            for slug, locs in todo
            for loc in locs
            for path, rel in layout.page_files(slug, loc)
        }
        jobs = self.settings.jobs or default_jobs()
        made = make_all(
            self.config, self.cache, todo, self.keys, digests, self.good, jobs, self.stop
        )
        for built in made:
            self.good.update(built.good)
        # A file that loaded is now its own last good version, which its key named as missing:
        # file the records under the key the next build will look for.
        rekeyed = page_keys(layout, self.inputs, [slug for slug, _ in todo], self.good)
        for built in made:
            record = built.record
            at = (record.slug, record.locale)
            self.records[at] = (
                record if record.key == rekeyed[at] else replace(record, key=rekeyed[at])
            )
            if not built.fresh:
                self.stale.add(at)
        self.keys.update(rekeyed)
        self.made = bool(made)

    def kept(self) -> list[Record]:
        """The records the index keeps: all but the stale."""
        return [r for at, r in self.records.items() if at not in self.stale]

    def prepared(self, record: Record, listed: tuple[str, ...]) -> PreparedPage:
        """A page served in one locale, its bodies made from its snapshot when first asked for;
        `listed`: the locales the page is listed in, which its document links."""
        slug, locale = record.slug, record.locale
        # the last good copies of this page's files only: a page kept by later reloads must not
        # keep this build's map of every file alive with it
        files = {
            rel: self.good[rel]
            for _, rel in self.layout.page_files(slug, locale)
            if rel in self.good
        }
        again = partial(remake, self.config, self.cache, files, slug, locale)
        made = Made(
            self.cache,
            partial(made_bodies, self.cache, entry(record).state, record.key, again, listed),
        )
        return PreparedPage(
            JsonBody.made(made),
            Body.made(made, "html"),
            Body.made(made, "fragment"),
            locale,
            made=made,
        )


@no_cycle_collection()
def build_site(
    settings: Settings,
    previous: Site | None = None,
    config: Config | None = None,
    changed: Collection[str] | None = None,
    defer_index: bool = False,
    stop: Event | None = None,
) -> Site:
    """Prepare every response from what is on disk: a record whose key is in `previous` (the site
    in service) or in the cache is taken as it is; the rest are made, in parallel when many.

    `changed`: the input files whose hashes changed since `previous` was built (keys are worked
    out again only for the pages they belong to). `defer_index`: leave writing the cache's index
    to `site.write_index()`, once the site is in service. `stop` set: `records.Stopped` (see
    `make_all`)."""
    run = _Run(settings, config or load_config(settings.root), previous)
    run.stop = stop
    run.find_keys(changed)
    if run.take():
        with run.cache.building():
            run.make(run.take())  # another server on this cache may have made some meanwhile
            if not defer_index:  # under the same lock: a server waiting on it finds them
                _keep(run.cache, run.kept(), run.good)
    site = _assemble(run)
    if run.made and defer_index:
        site.write_index = partial(_keep_when_free, run.cache, run.kept(), dict(run.good))
    return site


def build_pages(settings: Settings, config: Config, slugs: Sequence[str], inputs: Inputs) -> Site:
    """The records of the pages `slugs` only, in every locale, taken from the cache or made (and
    not filed in its index), with the locales each is listed in: what a publish of a few pages
    whose files changed needs, and nothing else of the tree read or assembled. `inputs`: the
    files' hashes as they are now (only those of these pages' files are read)."""
    run = _Run(settings, config, None, slugs)
    run.inputs = inputs
    run.keys = page_keys(run.layout, inputs, slugs, run.good)
    todo = run.take()
    if todo:
        run.make(todo)
    site = Site(config, settings, run.cache, inputs, run.records, run.good, run.keys, run.stale)
    site.served = tuple(s for s in slugs if run.records[(s, SOURCE_LOCALE)].page is not None)
    site.advertised = advertised(run.records, site.served, config.all_locales, config.min_share)
    return site


def _keep(cache: Cache, records: list[Record], good: dict[str, Ref]) -> None:
    cache.keep_records(records, good)
    cache.prune()


def _keep_when_free(cache: Cache, records: list[Record], good: dict[str, Ref]) -> None:
    with cache.building():
        _keep(cache, records, good)


def _assemble(run: _Run) -> Site:
    """The site from its records: the pages, and what is made of all of them (lists, coverage,
    health, the index). A page list or the index page whose records are the very ones `previous`
    made it from is taken from `previous`."""
    config, records, previous = run.config, run.records, run.previous
    site = Site(config, run.settings, run.cache, run.inputs, records, run.good, run.keys, run.stale)
    locales = config.all_locales
    slugs = sorted({slug for slug, _ in records if slug != UI_DOMAIN})
    served = [s for s in slugs if records[(s, SOURCE_LOCALE)].page is not None]
    site.served = tuple(served)
    site.advertised = advertised(records, served, locales, config.min_share)
    for slug in served:
        listed = site.advertised[slug]
        # a page's document links the locales it is listed in, which its other locales decide
        kept = previous is not None and previous.advertised.get(slug) == listed
        for loc in locales:
            page = run.kept_pages.get((slug, loc)) if kept else None
            record = records[(slug, loc)]
            site.pages[(slug, loc)] = page or run.prepared(record, listed)
            if record.page is not None:
                site.images.update((image.name, image) for image in record.page.images)

    def same(loc: str) -> Site | None:
        """`previous`, if the records of `loc` are the very ones it was assembled from."""
        if previous is None or previous.config != config or previous.served != site.served:
            return None
        return (
            previous
            if all(records[(s, loc)] is previous.records.get((s, loc)) for s in served)
            else None
        )

    for loc in locales:
        before = same(loc)
        site.lists[loc] = (
            before.lists[loc] if before else page_list(records, served, loc, site.advertised)
        )
    domains = sorted({slug for slug, _ in records})
    by_locale = [records[(slug, loc)] for loc in locales for slug in domains]
    site.rows = [row for r in by_locale for row in r.rows]
    site.locales = locales_body(config, site.rows, served)
    # each record keeps its rows as `CoverageOut` writes them, so the document is only joined
    fragments = ",".join(row for r in by_locale for row in r.rows_json)
    site.coverage_json = Body.of('{"rows":[' + fragments + "]}")
    report = health_report(records, domains, locales, served)
    site.errors, site.health = report.errors, report.body
    site.coverage_context = {
        "rows": site.rows,
        "errors": report.errors,
        "blocked": report.blocked,
        "names": {loc: native_name(loc) for loc in locales},
    }
    same_links = previous is not None and previous.advertised == site.advertised
    before = same(SOURCE_LOCALE) if same_links else None
    site.index_html = before.index_html if before else index_page(records, site.advertised)
    return site
