"""Everything the server sends, prepared ahead of requests: per page and locale, JSON and HTML bytes.

Each page in each locale is a record of the build cache (`build`), made once per set of input files
(`records`); `build_site` takes the records whose keys are known and makes the rest, and assembles
them into a `Site`: the pages' bodies (`bodies`), lists, coverage and health. The bodies live in the
cache and the hot ones in memory. The request path only negotiates a locale and looks bytes up.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from service.catalogs.update import default_jobs
from service.content.pages import page_slugs
from service.core.config import Config, load_config
from service.core.locales import babel_locale, direction, native_name, to_gettext
from service.core.models import SOURCE_LOCALE
from service.core.negotiation import Negotiator
from service.quality.checks import Severity
from service.render.html import render_template
from service.render.links import SERVER
from service.site.bodies import REQUESTED, Body, JsonBody, Made, PreparedPage
from service.site.build import (
    UI,
    Cache,
    Inputs,
    Layout,
    Ref,
    default_cache_dir,
    page_keys,
)
from service.site.coverage import CoverageRow, served_share
from service.site.findings import Problem
from service.site.records import Record, Todo, made_bodies, make_all, remake
from service.site.schemas import (
    HealthOut,
    LocaleOut,
    LocalesOut,
    PagesOut,
    PageSummary,
)

__all__ = [
    "Settings",
    "Site",
    "build_site",
    "slugs",
]


@dataclass(frozen=True)
class Settings:
    root: Path
    max_age: int = 300
    cache: Path | None = None  # the build cache folder; None: CLINIC_L10N_CACHE or .build-cache/
    jobs: int | None = None  # worker processes for a build; None: one per core
    state: Path | None = None  # the workspace's accounts and sessions (see accounts.state_dir)

    def cache_dir(self) -> Path:
        return self.cache or default_cache_dir(self.root)


@dataclass
class Site:
    config: Config
    settings: Settings
    cache: Cache
    inputs: Inputs
    # What each page (and the ui domain) in each locale was made into, by (slug, locale): the
    # next reload takes a record as it is when its key has not changed.
    records: dict[tuple[str, str], dict[str, Any]]
    good: dict[str, Ref]  # where each input file's last good version is kept
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # each record's, as on disk
    served: tuple[str, ...] = ()  # the pages served, by slug
    write_index: Callable[[], None] = field(default=lambda: None, repr=False)
    pages: dict[tuple[str, str], PreparedPage] = field(default_factory=dict)
    lists: dict[str, JsonBody] = field(default_factory=dict)
    locales: Body = field(default_factory=lambda: Body.of(b""))
    coverage_json: Body = field(default_factory=lambda: Body.of(b""))
    errors: list[str] = field(default_factory=list)
    rows: list[CoverageRow] = field(default_factory=list)  # coverage: locales, then pages by slug
    # The dashboard is rendered when first asked for, not on every reload: it lists every row
    # (7,000 at a thousand pages) and reviewers open it far less often than the tree changes.
    coverage_context: dict[str, object] = field(default_factory=dict)
    _coverage_html: Body | None = None
    health: Body = field(default_factory=lambda: Body.of(b""))
    index_html: Body = field(default_factory=lambda: Body.of(b""))

    @cached_property
    def negotiator(self) -> Negotiator:
        """Accept-Language negotiation for this site's locales, with what it has read kept."""
        return Negotiator(self.config.all_locales, SOURCE_LOCALE)

    def problems(self) -> list[Problem]:
        """What `check` reports: each load error once, then each page (by slug, the ui strings
        among them) in each locale."""
        domains = sorted({slug for slug, _ in self.records})
        found = list(
            dict.fromkeys(
                Problem(path, line, Severity.ERROR, "load", message)
                for slug in domains
                for loc in self.config.all_locales
                for path, line, message in self.records[(slug, loc)]["load"]
            )
        )
        for slug in domains:
            for loc in self.config.all_locales:
                found += [
                    Problem(path, line, Severity(level), check, message)
                    for path, line, level, check, message in self.records[(slug, loc)].get(
                        "problems", []
                    )
                ]
        return found

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
    """The domains whose keys `changed` files may have changed: all of them for the config or
    the ui strings, else the pages those files belong to, and pages new since `previous`."""
    shared = {layout.config_file[0], layout.ui_source[0]}
    if any(path in shared or Path(path).stem == UI for path in changed):
        return list(domains)
    named = {Path(path).stem for path in changed}
    return [d for d in domains if d in named or (d, SOURCE_LOCALE) not in previous.keys]


def build_site(
    settings: Settings,
    previous: Site | None = None,
    config: Config | None = None,
    changed: Collection[str] | None = None,
    defer_index: bool = False,
) -> Site:
    """Prepare every response from what is on disk: a record whose key is in `previous` (the site
    in service) or in the cache is taken as it is; the rest are made, in parallel when many.

    `changed`: the input files whose hashes changed since `previous` was built (keys are worked
    out again only for the pages they belong to). `defer_index`: leave writing the cache's index
    to `site.write_index()`, once the site is in service."""
    config = config or load_config(settings.root)
    layout = Layout(config)
    if previous is not None and previous.cache.folder == settings.cache_dir():
        cache, inputs = previous.cache, previous.inputs
        good = dict(previous.good)
    else:
        cache, inputs = Cache(settings.cache_dir()), Inputs()
        good = cache.stored_good()
    domains = [*slugs(config), UI]
    if previous is not None and changed is not None and config == previous.config:
        present = set(domains)
        keys = {k: v for k, v in previous.keys.items() if k[0] in present}
        keys.update(page_keys(layout, inputs, _affected(layout, previous, domains, changed), good))
    else:
        keys = page_keys(layout, inputs, domains, good)
    records: dict[tuple[str, str], Record] = {}
    kept_pages: dict[tuple[str, str], PreparedPage] = {}

    def wanted() -> Todo:
        todo: dict[str, list[str]] = {}
        for (slug, loc), key in keys.items():
            if (slug, loc) in records:
                continue
            old = previous.records.get((slug, loc)) if previous else None
            if previous is not None and old is not None and old["key"] == key:
                records[(slug, loc)] = old
                if (slug, loc) in previous.pages:
                    kept_pages[(slug, loc)] = previous.pages[(slug, loc)]
                continue
            found = cache.record(key)
            if found is not None:
                records[(slug, loc)] = found
            else:
                todo.setdefault(slug, []).append(loc)
        return [(slug, tuple(locs)) for slug, locs in todo.items()]

    made: list[Record] = []
    if wanted():
        with cache.building():
            todo = wanted()  # another server on this cache may have made them meanwhile
            digests = {
                rel: inputs.get(path)
                for slug, locs in todo
                for loc in locs
                for path, rel in layout.page_files(slug, loc)
            }
            jobs = settings.jobs or default_jobs()
            made = make_all(config, cache, todo, keys, digests, good, jobs)
            for record in made:
                records[(record["slug"], record["locale"])] = record
                good.update(record.pop("good"))
                if record["fresh"]:
                    del record["fresh"]  # only a stale record says so, and is never kept
            # A file that loaded is now its own last good version, which its key named as
            # missing: file the records under the key the next build will look for.
            rekeyed = page_keys(layout, inputs, [slug for slug, _ in todo], good)
            for record in made:
                record["key"] = rekeyed[(record["slug"], record["locale"])]
            keys.update(rekeyed)
            kept = [r for r in records.values() if "fresh" not in r]
            if not defer_index:  # under the same lock: a server waiting on it finds them
                cache.keep_records(kept, good)
                cache.prune()
    site = _assemble(settings, config, cache, inputs, records, good, kept_pages, previous)
    site.keys = keys
    if made and defer_index:
        site.write_index = partial(_keep, cache, kept, dict(good))
    return site


def _keep(cache: Cache, records: list[Record], good: dict[str, Ref]) -> None:
    with cache.building():
        cache.keep_records(records, good)
        cache.prune()


def _assemble(
    settings: Settings,
    config: Config,
    cache: Cache,
    inputs: Inputs,
    records: dict[tuple[str, str], Record],
    good: dict[str, Ref],
    kept_pages: Mapping[tuple[str, str], PreparedPage],
    previous: Site | None = None,
) -> Site:
    """The site from its records: the pages, and what is made of all of them (lists, coverage,
    health, the index). A page list or the index page whose records are the very ones `previous`
    made it from is taken from `previous`."""
    site = Site(config, settings, cache, inputs, records, good)
    layout = Layout(config)

    def made(slug: str, locale: str, state: Ref) -> Made:
        # the last good copies of this page's files only: a page kept by later reloads must not
        # keep this build's map of every file alive with it
        files = {rel: good[rel] for _, rel in layout.page_files(slug, locale) if rel in good}
        again = partial(remake, config, cache, files, slug, locale)
        return Made(cache, partial(made_bodies, cache, state, again))

    all_locales = config.all_locales
    slugs = sorted({slug for slug, _ in records if slug != UI})
    served = [s for s in slugs if "state" in records[(s, SOURCE_LOCALE)]]
    for slug in served:
        for loc in all_locales:
            rec = records[(slug, loc)]
            page = kept_pages.get((slug, loc))
            if page is None:
                bodies = made(slug, loc, rec["state"])
                page = PreparedPage(
                    JsonBody.made(bodies),
                    Body.made(bodies, "html"),
                    Body.made(bodies, "fragment"),
                    rec["language"],
                    Body.made(bodies, "view"),
                    bodies,
                )
            site.pages[(slug, loc)] = page
    site.served = tuple(served)

    def same(loc: str) -> bool:
        return (
            previous is not None
            and previous.config == config
            and previous.served == site.served
            and all(records[(s, loc)] is previous.records.get((s, loc)) for s in served)
        )

    for loc in all_locales:
        if previous is not None and same(loc):
            site.lists[loc] = previous.lists[loc]
            continue
        summaries = [
            PageSummary(
                slug=slug,
                title=records[(slug, loc)]["title"],
                title_locale=records[(slug, loc)]["title_locale"],
                complete=records[(slug, loc)]["complete"],
                url=f"/v1/pages/{slug}?locale={loc}",
                html_url=SERVER.page(slug, loc),
            )
            for slug in served
        ]
        site.lists[loc] = JsonBody.of(
            PagesOut(requested_locale=REQUESTED, target_locale=loc, pages=summaries)
        )
    domains = sorted({slug for slug, _ in records})
    rows = [
        CoverageRow(**row)
        for loc in all_locales
        for slug in domains
        for row in records[(slug, loc)].get("rows", [])
    ]
    site.locales = Body.of(
        LocalesOut(
            locales=[
                LocaleOut(
                    tag=loc,
                    gettext=to_gettext(loc),
                    name=native_name(loc),
                    english_name=babel_locale(loc).english_name or loc,
                    direction="rtl" if direction(loc) == "rtl" else "ltr",
                    chain=list(config.chain(loc)) if loc != SOURCE_LOCALE else [SOURCE_LOCALE],
                    reviewed_share=served_share(rows, loc, set(served)),
                )
                for loc in all_locales
            ]
        ).model_dump_json()
    )
    # each record keeps its rows as `CoverageOut` writes them, so the document is only joined
    fragments = (
        row
        for loc in all_locales
        for slug in domains
        for row in records[(slug, loc)].get("rows_json", [])
    )
    site.coverage_json = Body.of('{"rows":[' + ",".join(fragments) + "]}")
    errors = list(
        dict.fromkeys(
            e for slug in domains for loc in all_locales for e in records[(slug, loc)]["errors"]
        )
    )
    held_back = [
        p
        for slug in domains
        for loc in all_locales
        for p in records[(slug, loc)].get("blocked", [])
    ]
    refused = [
        p
        for slug in domains
        for loc in all_locales
        for p in records[(slug, loc)].get("refused", [])
    ]
    site.errors, site.rows = errors, rows
    site.coverage_context = {
        "rows": rows,
        "errors": errors,
        "blocked": held_back,
        "names": {loc: native_name(loc) for loc in all_locales},
    }
    withheld = sum(records[(slug, SOURCE_LOCALE)].get("withheld", 0) for slug in served)
    health = HealthOut(
        status="degraded" if errors or held_back or refused else "ok",
        errors=errors,
        blocked=held_back,
        refused=refused,
        withheld=withheld,
    )
    site.health = Body.of(health.model_dump_json())
    if previous is not None and same(SOURCE_LOCALE):
        site.index_html = previous.index_html
        return site
    site.index_html = Body.of(
        render_template(
            "index.html",
            {
                "pages": [
                    {"slug": s, "title": records[(s, SOURCE_LOCALE)]["title"] or s} for s in served
                ],
                "languages": [{"tag": t, "name": native_name(t)} for t in all_locales],
            },
        )
    )
    return site
