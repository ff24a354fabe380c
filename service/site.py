"""Everything the server sends, prepared ahead of requests: per page and locale, JSON and HTML bytes.

Each page in each locale is a record of the build cache (`build`), made once per set of input files;
the bodies live in the cache and the hot ones in memory. The request path only negotiates a locale
and looks bytes up.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .article import article_context
from .assets import embed
from .build import (
    UI,
    Cache,
    Inputs,
    Layout,
    Pack,
    Ref,
    default_cache_dir,
    digest,
    page_keys,
)
from .checks import Severity
from .config import Config, load_config
from .coverage import CoverageRow, served_share
from .document import encode_view, render_document
from .findings import Problem, domain_findings
from .links import SERVER
from .locales import babel_locale, direction, native_name, to_gettext
from .models import SOURCE_LOCALE, ResolvedPage, SegmentType, ServedSegment
from .provenance import Provenance, english_shown, provenance
from .render import UiText, inline_html, plural, render_template
from .schemas import (
    HealthOut,
    LocaleOut,
    LocalesOut,
    PageOut,
    PagesOut,
    PageSummary,
    ProvenanceOut,
    ReviewOut,
    SegmentOut,
    WithheldSegmentOut,
)
from .store import Tree, load_tree
from .update import default_jobs

__all__ = [
    "Body",
    "JsonBody",
    "PreparedPage",
    "Settings",
    "Site",
    "build_site",
    "slugs",
]

log = logging.getLogger("clinic_l10n.site")
_ROW = TypeAdapter(CoverageRow)  # a coverage row as `CoverageOut` writes it
PARALLEL_FROM = 8  # pages to make before worker processes pay for themselves
_SENTINEL = "\x00requested\x00"
_SPLIT = json.dumps(_SENTINEL).encode()


class Body:
    """Bytes to send and their ETag: in memory, or an object in the build cache read when sent
    (the cache keeps the hot ones in memory)."""

    __slots__ = ("_cache", "_data", "_ref", "_remake", "etag")

    def __init__(
        self,
        data: bytes | None,
        etag: str,
        cache: Cache | None = None,
        ref: Ref | None = None,
        remake: Callable[[], Ref] | None = None,
    ):
        self._data, self.etag, self._cache, self._ref = data, etag, cache, ref
        self._remake = remake

    @property
    def data(self) -> bytes:
        if self._data is not None:
            return self._data
        assert self._cache is not None and self._ref is not None
        try:
            return self._cache.get(self._ref)
        except (OSError, KeyError) as exc:
            if self._remake is None:
                raise
            # a pack deleted or damaged under the server: make the body again from the files,
            # and send it only if it is the very body this ETag names
            log.warning("build cache: %s; making the body again", exc)
            ref = self._remake()
            if ref[3] != self._ref[3]:
                raise OSError(
                    "the body changed since it was built; a reload will serve it"
                ) from exc
            self._ref = ref
            return self._cache.get(ref)

    @classmethod
    def of(cls, data: bytes | str) -> Body:
        raw = data.encode() if isinstance(data, str) else data
        return cls(raw, f'"{hashlib.sha256(raw).hexdigest()[:20]}"')

    @classmethod
    def stored(cls, cache: Cache, ref: Ref, remake: Callable[[], Ref] | None = None) -> Body:
        """Bytes kept in the cache (`remake`: how to make them again if they are lost); the
        ETag is made, like `of`, from their SHA-256."""
        return cls(None, f'"{ref[3][:20]}"', cache, ref, remake)


@dataclass(frozen=True)
class Settings:
    root: Path
    max_age: int = 300
    cache: Path | None = None  # the build cache folder; None: CLINIC_L10N_CACHE or .build-cache/
    jobs: int | None = None  # worker processes for a build; None: one per core
    state: Path | None = None  # the workspace's accounts and sessions (see accounts.state_dir)

    def cache_dir(self) -> Path:
        return self.cache or default_cache_dir(self.root)


# Rendered JSON bodies, by the digest of their document and the tag they echo: a page read by
# browsers of a few languages is joined once, not per request. At most _RENDERED_MAX bodies (a few
# megabytes of pages); when full, it starts again.
_RENDERED: dict[tuple[str, str | None], tuple[bytes, str]] = {}
_RENDERED_MAX = 256
# The documents last rendered, cut around `requested_locale`, by digest: a tag not rendered yet is
# one join of these, without reading the body again. At most _SPLIT_MAX; when full, it starts again.
_SPLIT_BODIES: dict[str, tuple[bytes, bytes | None]] = {}
_SPLIT_MAX = 64
_PLAIN_TAG = re.compile(r"[A-Za-z0-9-]+")


def _json_string(value: str | None) -> bytes:
    """`json.dumps(value)`, without the encoder for a tag of letters, digits and hyphens.

    >>> [_json_string(v) for v in ("pt-BR", None, "x y")]
    [b'"pt-BR"', b'null', b'"x y"']
    """
    if value is not None and _PLAIN_TAG.fullmatch(value):
        return b'"' + value.encode() + b'"'
    return json.dumps(value).encode()


class JsonBody:
    """A JSON document with `requested_locale` left open (the one field that depends on the
    request rather than on the content)."""

    __slots__ = ("_body", "digest")

    def __init__(self, body: Body, digest: str):
        self._body, self.digest = body, digest

    @classmethod
    def of(cls, model: BaseModel) -> JsonBody:
        raw = model.model_dump_json().encode()
        return cls(Body(raw, ""), hashlib.sha256(raw).hexdigest()[:20])

    @classmethod
    def stored(cls, cache: Cache, ref: Ref, remake: Callable[[], Ref] | None = None) -> JsonBody:
        return cls(Body.stored(cache, ref, remake), ref[3][:20])

    def render(self, requested: str | None) -> tuple[bytes, str]:
        key = (self.digest, requested)
        found = _RENDERED.get(key)
        if found is None:
            if len(_RENDERED) >= _RENDERED_MAX:
                _RENDERED.clear()  # at once: cheaper than evicting one at a time under a mix
            found = _RENDERED[key] = self._render(requested)
        return found

    def _render(self, requested: str | None) -> tuple[bytes, str]:
        parts = _SPLIT_BODIES.get(self.digest)
        if parts is None:
            data = self._body.data  # the same bytes every time (they are named by their hash)
            at = data.find(_SPLIT)
            parts = (data, None) if at < 0 else (data[:at], data[at + len(_SPLIT) :])
            if len(_SPLIT_BODIES) >= _SPLIT_MAX:
                _SPLIT_BODIES.clear()
            _SPLIT_BODIES[self.digest] = parts
        head, tail = parts
        body = head if tail is None else b"".join((head, _json_string(requested), tail))
        return body, f'"{self.digest}-{requested or "none"}"'


@dataclass(frozen=True)
class PreparedPage:
    json: JsonBody
    html: Body
    fragment: Body  # the article with its own styles (`assets.embed`)
    language: str
    view: Body | None = None  # what `document.render_document` renders with an export's links


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


def _segment_out(s: ServedSegment) -> SegmentOut:
    return SegmentOut(
        id=s.segment.id,
        type=s.segment.type.value,
        level=s.segment.level or None,
        critical=s.segment.critical,
        text=s.text,
        html=inline_html(s.text, s.segment),
        locale=s.locale,
        fallback=s.fallback,
        section=s.segment.section,
        reviews=[
            ReviewOut(
                translator=r.translator,
                reviewer=r.reviewer,
                role=r.role.value,
                reviewed_at=r.reviewed_at,
            )
            for r in s.reviews
        ],
    )


def _of_type(resolved: ResolvedPage, kind: SegmentType) -> ServedSegment | None:
    return next((s for s in resolved.served if s.segment.type is kind), None)


def _segments_out(resolved: ResolvedPage) -> list[SegmentOut | WithheldSegmentOut]:
    """Every segment of the page in its order: served ones with their text, withheld ones
    without (so that a site rendering the JSON keeps the structure)."""
    served = {s.segment.id: s for s in resolved.served}
    out: list[SegmentOut | WithheldSegmentOut] = []
    for seg in resolved.page.segments:
        got = served.get(seg.id)
        if got is not None:
            out.append(_segment_out(got))
        else:
            out.append(
                WithheldSegmentOut(
                    id=seg.id,
                    type=seg.type.value,
                    level=seg.level or None,
                    critical=seg.critical,
                    section=seg.section,
                )
            )
    return out


def page_model(resolved: ResolvedPage, facts: Provenance, demonstration: bool) -> PageOut:
    """The page as JSON; `facts`: its `provenance`; `demonstration`: the config's flag."""
    slug, target = resolved.page.slug, resolved.target
    title = _of_type(resolved, SegmentType.TITLE)
    description = _of_type(resolved, SegmentType.DESCRIPTION)
    translated = [s for s in resolved.served if s.locale != SOURCE_LOCALE]
    return PageOut(
        slug=slug,
        requested_locale=_SENTINEL,
        target_locale=target,
        locale=resolved.locale,
        direction="rtl" if direction(target) == "rtl" else "ltr",
        fallback_policy="page" if resolved.page.fallback.value == "page" else "segment",
        title=title.text if title else None,
        description=description.text if description else None,
        complete=resolved.complete,
        withheld=len(resolved.withheld),
        fallback_segments=sum(s.fallback for s in resolved.served),
        english_shown=english_shown(resolved)[0].value,
        english_url=f"/v1/pages/{slug}?locale=en",
        english_html_url=_english_html_url(slug),
        html_url=SERVER.page(slug, target),
        translators=sorted({r.translator for s in translated for r in s.reviews if r.translator}),
        reviewers=sorted({r.reviewer for s in resolved.served for r in s.reviews}),
        last_reviewed_at=max(
            (r.reviewed_at for s in resolved.served for r in s.reviews), default=None
        ),
        held_sections=list(resolved.held_sections),
        provenance=ProvenanceOut(
            translators=list(facts.translators),
            linguistic_reviewers=list(facts.linguistic),
            clinical_reviewers=list(facts.clinical),
            translation_reviewed_at=facts.translation_reviewed_at,
            english_reviewers=list(facts.english_reviewers),
            english_reviewed_at=facts.english_reviewed_at,
            demonstration=demonstration and bool(translated),
        ),
        segments=_segments_out(resolved),
    )


def _english_html_url(slug: str) -> str:
    """The English page on this server (an export rewrites it: `export.rewrite_page_links`)."""
    return SERVER.page(slug, SOURCE_LOCALE)


class _Ui:
    """The ui domain as served in one locale."""

    def __init__(self, tree: Tree, locale: str):
        self.resolved = tree.resolve(tree.ui, locale) if tree.ui else None

    def get(self, key: str, count: int | None = None) -> UiText | None:
        got = self.resolved.get(key) if self.resolved else None
        if got is None:
            return None
        text = got.text if count is None else plural(got, count)
        return UiText(text, got.locale if got.fallback else None, got.locale)


def _chrome(ui: _Ui, target: str) -> dict[str, UiText | None]:
    """The ui strings of a document's header in `target`."""
    return {
        "language_label": ui.get("language") or UiText("Language", SOURCE_LOCALE),
        "read_in_english": ui.get("read-in-english") if target != SOURCE_LOCALE else None,
    }


def _html(
    tree: Tree, resolved: ResolvedPage, ui: _Ui, english: ResolvedPage, facts: Provenance
) -> tuple[Body, Body, bytes]:
    """The page's document (with the server's links), its fragment (the article with its own
    styles, to embed) and its view (`document`), which an export renders with its links."""
    target, slug = resolved.target, resolved.page.slug
    description = _of_type(resolved, SegmentType.DESCRIPTION)
    context = {
        "lang": target,
        "dir": direction(target),
        "slug": slug,
        **article_context(
            resolved, english, facts, ui, tree.config.demonstration, _english_html_url(slug)
        ),
    }
    article = render_template("article.html", context)
    view = {
        "lang": target,
        "dir": context["dir"],
        "slug": slug,
        "title": context["title"],
        # the description lives in <meta>, not on the page a patient reads
        "description": UiText(description.text, None) if description else None,
        **_chrome(ui, target),
    }
    document = render_document(view, article, SERVER, tree.config.all_locales)
    return Body.of(document), Body.of(embed(article)), encode_view(view)


Record = dict[str, Any]


def _record(
    tree: Tree,
    pack: Pack,
    layout: Layout,
    slug: str,
    locale: str,
    key: str,
    ui: Callable[[str], _Ui],
) -> Record:
    """What a page (or the ui domain) in one locale makes: its bodies (into `pack`), its list
    entry, coverage row, findings and load errors."""
    failed = {str(path): error for path, error in tree.failed.items()}
    errors = [e for path, _ in layout.page_files(slug, locale) if (e := failed.get(path))]
    record: Record = {
        "key": key,
        "slug": slug,
        "locale": locale,
        "errors": [str(e) for e in errors],
        "load": [[e.path or "?", e.line or 1, e.message] for e in errors],
    }
    domain = tree.ui if slug == UI else tree.pages.get(slug)
    if domain is None:
        record["missing"] = True
        return record
    if slug == UI:
        resolved = ui(locale).resolved
        assert resolved is not None
        record["chrome"] = encode_view(_chrome(ui(locale), locale)).decode()  # for an export
    else:
        resolved = tree.resolve(domain, locale)
        english = tree.resolve(domain, SOURCE_LOCALE)
        facts = provenance(resolved, english)
        html, fragment, view = _html(tree, resolved, ui(locale), english, facts)
        raw = page_model(resolved, facts, tree.config.demonstration).model_dump_json().encode()
        title = _of_type(resolved, SegmentType.TITLE)
        record.update(
            json=pack.add(raw),
            html=pack.add(html.data),
            fragment=pack.add(fragment.data),
            view=pack.add(view),
            language=locale,
            title=title.text if title else None,
            title_locale=title.locale if title else SOURCE_LOCALE,
            complete=resolved.complete,
            withheld=len(resolved.withheld),
        )
    rows = tree.coverage_rows([domain], [locale], {(locale, slug): resolved})
    record["rows"] = [dict(r.__dict__) for r in rows]
    record["rows_json"] = [_ROW.dump_json(row).decode() for row in rows]
    found = domain_findings(tree, domain, locale)
    record["blocked"] = [str(p) for p in found.blocked]
    record["refused"] = [str(p) for p in found.refused]
    record["problems"] = [
        [p.path, p.line, p.severity.value, p.check, p.message] for p in found.problems
    ]
    return record


Todo = Sequence[tuple[str, tuple[str, ...]]]  # (slug, locales) to make


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading and making records allocate millions of short-lived objects (markdown-it's tokens
    above all), freed by reference counting; the cycle collector, run every 700 allocations, mostly
    rescans the tree being loaded. Off while records are made, then one collection: the CPU of a
    run fell by a tenth to a fifth, its peak memory not at all (146 MB for 63 pages either way)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
            gc.collect()


@_no_cycle_collection()
def _make(
    config: Config,
    cache: Cache,
    todo: Todo,
    keys: Mapping[tuple[str, str], str],
    digests: Mapping[str, str],
    good: Mapping[str, Ref],
) -> list[Record]:
    """Make the records of `todo`, their bodies and a copy of each file that loaded in one pack.
    A record says `fresh` only if every file it was made from still has the hash its key was
    made from (one written meanwhile is made again on the next reload)."""
    layout = Layout(config)

    def last_good(path: Path) -> Path | None:
        return cache.last_good(good.get(config.rel(path)), path.name)

    tree = load_tree(config, only={slug for slug, _ in todo}, last_good=last_good)
    uis: dict[str, _Ui] = {}

    def ui(locale: str) -> _Ui:
        if locale not in uis:
            uis[locale] = _Ui(tree, locale)
        return uis[locale]

    pack = Pack(cache)
    now: dict[str, tuple[str, Ref | None]] = {}  # each file's hash after loading, and its copy
    loaded = {str(path) for path in tree.loaded if path not in tree.kept}

    def after(path: str) -> tuple[str, Ref | None]:
        """A file that loaded is copied (its last good version); any other is hashed again."""
        if path not in now:
            ref = None
            if path in loaded:
                with suppress(OSError), open(path, "rb") as f:
                    ref = pack.add(f.read())
            now[path] = (ref[3], ref) if ref is not None else (digest(path), None)
        return now[path]

    made = []
    for slug, locales in todo:
        for loc in locales:
            record = _record(tree, pack, layout, slug, loc, keys[(slug, loc)], ui)
            fresh, kept = True, {}
            for path, rel in layout.page_files(slug, loc):
                sha, ref = after(path)
                if ref is not None:
                    kept[rel] = ref
                fresh = fresh and sha == digests.get(rel)
            record["good"], record["fresh"] = kept, fresh
            made.append(record)
    pack.close()
    return made


def _make_all(
    config: Config,
    cache: Cache,
    todo: Todo,
    keys: Mapping[tuple[str, str], str],
    digests: Mapping[str, str],
    good: Mapping[str, Ref],
    jobs: int,
) -> list[Record]:
    """`_make` in worker processes when there is much to make (and a cache folder to share)."""
    workers = min(jobs, len(todo) // PARALLEL_FROM)
    if workers <= 1 or cache.folder is None:
        return _make(config, cache, todo, keys, digests, good)
    size = max(4, -(-len(todo) // (workers * 8)))  # small runs, so that no worker idles long
    runs = [todo[i : i + size] for i in range(0, len(todo), size)]
    # fork (workers inherit the loaded code) unless threads run here, which a fork could deadlock
    context = get_context("fork" if threading.active_count() == 1 else "forkserver")
    made: list[Record] = []
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
    return made


def _remake(
    config: Config, cache: Cache, good: Mapping[str, Ref], slug: str, locale: str, kind: str
) -> Ref:
    """One body of a page in a locale made again from the files (its record is not kept)."""
    layout, inputs = Layout(config), Inputs()
    keys = page_keys(layout, inputs, [slug], good)
    digests = {rel: inputs.get(path) for path, rel in layout.page_files(slug, locale)}
    ref: Ref = _make(config, cache, [(slug, (locale,))], keys, digests, good)[0][kind]
    return ref


def slugs(config: Config) -> list[str]:
    """The pages of the tree, by file name (which a page's slug must match)."""
    return sorted(p.stem for p in config.pages_dir.glob("*.md") if p.stem != UI)


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
            made = _make_all(config, cache, todo, keys, digests, good, jobs)
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

    def remake(slug: str, locale: str, kind: str) -> Callable[[], Ref]:
        return partial(_remake, config, cache, good, slug, locale, kind)

    all_locales = config.all_locales
    slugs = sorted({slug for slug, _ in records if slug != UI})
    served = [s for s in slugs if "json" in records[(s, SOURCE_LOCALE)]]
    for slug in served:
        for loc in all_locales:
            rec = records[(slug, loc)]
            site.pages[(slug, loc)] = kept_pages.get((slug, loc)) or PreparedPage(
                JsonBody.stored(cache, rec["json"], remake(slug, loc, "json")),
                Body.stored(cache, rec["html"], remake(slug, loc, "html")),
                Body.stored(cache, rec["fragment"], remake(slug, loc, "fragment")),
                rec["language"],
                Body.stored(cache, rec["view"], remake(slug, loc, "view")),
            )
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
            PagesOut(requested_locale=_SENTINEL, target_locale=loc, pages=summaries)
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
