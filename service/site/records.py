"""What one page (or the ui strings) in one locale makes from a loaded tree: its snapshot (the page
as the serving rule resolved it), list entry, coverage row and findings, a *record* of the build
cache. Made in worker processes when there are many (`make_all`); `site` assembles records into
what it serves. A page's bodies (JSON, HTML page, fragment and view) are made from its snapshot
when first asked for (`made_bodies`), not with its record.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from service.core.config import Config
from service.core.locales import direction
from service.core.models import SOURCE_LOCALE, ResolvedPage, SegmentType, ServedSegment
from service.render.article import article_context
from service.render.assets import embed
from service.render.document import encode_view, render_document
from service.render.html import UiText, inline_html, plural, render_template
from service.render.links import SERVER
from service.review.provenance import Provenance, english_shown, provenance
from service.site.bodies import REQUESTED
from service.site.build import (
    UI,
    Cache,
    Inputs,
    Layout,
    Pack,
    Ref,
    digest,
    page_keys,
)
from service.site.coverage import CoverageRow
from service.site.findings import domain_findings
from service.site.schemas import (
    PageOut,
    ProvenanceOut,
    ReviewOut,
    SegmentOut,
    WithheldSegmentOut,
)
from service.site.snapshot import Encoder, Snapshot, UiStrings, decode
from service.site.store import Tree, load_tree

__all__ = [
    "PARALLEL_FROM",
    "Record",
    "Todo",
    "bodies",
    "made_bodies",
    "make_all",
    "page_model",
    "remake",
]

log = logging.getLogger("clinic_l10n.records")

_ROW = TypeAdapter(CoverageRow)  # a coverage row as `CoverageOut` writes it
PARALLEL_FROM = 8  # pages to make before worker processes pay for themselves


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
        requested_locale=REQUESTED,
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
    """The ui strings as served in one locale (`strings`: see `snapshot.UiStrings`)."""

    def __init__(self, strings: UiStrings, resolved: ResolvedPage | None = None):
        self.strings, self.resolved = strings, resolved

    @classmethod
    def of(cls, tree: Tree, locale: str) -> _Ui:
        resolved = tree.resolve(tree.ui, locale) if tree.ui else None
        served = resolved.served if resolved else ()
        return cls({s.segment.id: (s.forms, s.locale, s.fallback) for s in served}, resolved)

    def get(self, key: str, count: int | None = None) -> UiText | None:
        got = self.strings.get(key)
        if got is None:
            return None
        forms, locale, fell = got
        text = forms[0] if count is None else plural(forms, locale, count)
        return UiText(text, locale if fell else None, locale)


def _chrome(ui: _Ui, target: str) -> dict[str, UiText | None]:
    """The ui strings of a document's header in `target`."""
    return {
        "language_label": ui.get("language") or UiText("Language", SOURCE_LOCALE),
        "read_in_english": ui.get("read-in-english") if target != SOURCE_LOCALE else None,
    }


def bodies(snapshot: Snapshot) -> dict[str, bytes]:
    """The bodies of a page in a locale, made from its snapshot: its JSON, its document (with the
    server's links), its fragment (the article with its own styles, to embed) and its view
    (`document`), which an export renders with its links."""
    resolved, english, ui = snapshot.resolved, snapshot.english, _Ui(snapshot.ui)
    target, slug = resolved.target, resolved.page.slug
    facts = provenance(resolved, english)
    description = _of_type(resolved, SegmentType.DESCRIPTION)
    context = {
        "lang": target,
        "dir": direction(target),
        "slug": slug,
        **article_context(
            resolved, english, facts, ui, snapshot.demonstration, _english_html_url(slug)
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
    document = render_document(view, article, SERVER, snapshot.locales)
    return {
        "json": page_model(resolved, facts, snapshot.demonstration).model_dump_json().encode(),
        "html": document.encode(),
        "fragment": embed(article).encode(),
        "view": encode_view(view),
    }


Record = dict[str, Any]


def _record(
    tree: Tree,
    pack: Pack,
    encoder: Encoder,
    layout: Layout,
    slug: str,
    locale: str,
    key: str,
    ui: Callable[[str], _Ui],
) -> Record:
    """What a page (or the ui domain) in one locale makes: its snapshot (into `pack`), from which
    its bodies are made when first asked for, its list entry, coverage row, findings and load
    errors."""
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
        title = _of_type(resolved, SegmentType.TITLE)
        record.update(
            state=pack.add(
                encoder.encode(
                    Snapshot(
                        resolved,
                        english,
                        ui(locale).strings,
                        tree.config.demonstration,
                        tuple(tree.config.all_locales),
                    )
                )
            ),
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
    rescans the tree being loaded. Off while records are made: the CPU of a run fell by a tenth to
    a fifth, its peak memory not at all (146 MB for 63 pages either way). No collection after: one
    found nothing to free (what is made holds no cycles) and cost 0.11 s per run of 40 pages."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
            uis[locale] = _Ui.of(tree, locale)
        return uis[locale]

    pack, encoder = Pack(cache), Encoder()
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
            record = _record(tree, pack, encoder, layout, slug, loc, keys[(slug, loc)], ui)
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


def make_all(
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


def remake(config: Config, cache: Cache, good: Mapping[str, Ref], slug: str, locale: str) -> Ref:
    """The snapshot of a page in a locale made again from the files (its record is not kept)."""
    layout, inputs = Layout(config), Inputs()
    keys = page_keys(layout, inputs, [slug], good)
    digests = {rel: inputs.get(path) for path, rel in layout.page_files(slug, locale)}
    ref: Ref = _make(config, cache, [(slug, (locale,))], keys, digests, good)[0]["state"]
    return ref


def made_bodies(cache: Cache, state: Ref, again: Callable[[], Ref]) -> dict[str, bytes]:
    """The bodies of a record, from its snapshot `state` in the cache. A snapshot whose pack is
    lost is made again from the files (`again`), and used only if it is the very snapshot the
    record names: a page that changed since is served by the reload that follows."""
    try:
        raw = cache.get(state)
    except (OSError, KeyError) as exc:
        log.warning("build cache: %s; making the snapshot again", exc)
        ref = again()
        if ref[3] != state[3]:
            raise OSError("the page changed since it was built; a reload will serve it") from exc
        raw = cache.get(ref)
    return bodies(decode(raw))
