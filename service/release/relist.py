"""The lists of pages and the index page of a release that changed a few pages, made from the
lists of the release in service and those pages' new versions, not from every page's object.

The lists in service say, of every other page, all that the lists and the index page show of it:
whether it is published (every published page is listed in English), its title, the locale of
that title and its completeness in each locale it is listed in, and so the locales it is listed
in. So `publish.lists_of`'s own functions (`page_list`, `index_page`) make the same bytes from
them as from every page's object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from service.core.models import SOURCE_LOCALE
from service.release.store import PageVersion, ReleaseError, ReleaseStore
from service.site.assemble import index_page, page_list
from service.site.index import PageEntry, Record, Ref
from service.site.schemas import PagesOut

__all__ = ["relisted"]


def _record(slug: str, locale: str, title: str | None, title_locale: str, complete: bool) -> Record:
    """What the lists read of a page in a locale, as a record."""
    page = PageEntry(Ref("release", 0, 0, ""), title, title_locale, complete, 0, 0, 0)
    return Record("", slug, locale, (), (), page=page)


def relisted(
    store: ReleaseStore,
    files: Mapping[str, str],
    pages: Mapping[str, Mapping[str, PageVersion]],
    slugs: Sequence[str],
    locales: Sequence[str],
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]] | None:
    """The lists and index page (by name, kept in `store`) of a release whose pages `slugs` are
    now `pages` (those of them published) and every other page as in the lists `files` of the
    release in service, and the locales each published page is listed in (`listed_in`); None when
    those lists cannot be read. A list, or the index page, that shows nothing new of these pages
    is the one in service."""
    only = set(slugs)
    records: dict[tuple[str, str], Record] = {}
    listed: dict[str, list[str]] = {}
    before: dict[tuple[str, str], tuple[str | None, str, bool]] = {}  # of `slugs`, as listed
    try:
        for loc in locales:
            shown = PagesOut.model_validate_json(store.get(files[f"lists/{loc}.json"]))
            for p in shown.pages:
                entry = (p.title, p.title_locale, p.complete)
                if p.slug in only:
                    before[(p.slug, loc)] = entry
                    continue
                listed.setdefault(p.slug, []).append(loc)
                records[(p.slug, loc)] = _record(p.slug, loc, *entry)
        kept = {
            name: files[name] for name in ("index.html", *(f"lists/{loc}.json" for loc in locales))
        }
    except (KeyError, ReleaseError, ValidationError):
        return None
    after: dict[tuple[str, str], tuple[str | None, str, bool]] = {}
    for slug, versions in pages.items():
        listed[slug] = list(next(iter(versions.values())).listed)  # every version names them
        for loc, v in versions.items():
            records[(slug, loc)] = _record(slug, loc, v.title, v.title_locale, v.complete)
            if loc in listed[slug]:
                after[(slug, loc)] = (v.title, v.title_locale, v.complete)
    if any(SOURCE_LOCALE not in locs for locs in listed.values()):
        return None
    served = sorted(listed)
    order = {slug: tuple(listed[slug]) for slug in served}
    for loc in locales:
        if {k: e for k, e in before.items() if k[1] == loc} != {
            k: e for k, e in after.items() if k[1] == loc
        }:
            kept[f"lists/{loc}.json"] = store.put(page_list(records, served, loc, order).body.data)
    if _index(before, slugs, locales) != _index(after, slugs, locales):
        kept["index.html"] = store.put(index_page(records, order).data)
    return kept, order


def _index(
    entries: Mapping[tuple[str, str], tuple[str | None, str, bool]],
    slugs: Sequence[str],
    locales: Sequence[str],
) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """What the index page shows of `slugs`: the English title and the locales listed in."""
    return {
        slug: (
            entries[(slug, SOURCE_LOCALE)][0],
            tuple(loc for loc in locales if (slug, loc) in entries),
        )
        for slug in slugs
        if (slug, SOURCE_LOCALE) in entries
    }
