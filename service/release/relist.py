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
) -> dict[str, str] | None:
    """The lists and index page (by name, kept in `store`) of a release whose pages `slugs` are
    now `pages` (those of them published) and every other page as in the lists `files` of the
    release in service; None when those lists cannot be read."""
    only = set(slugs)
    records: dict[tuple[str, str], Record] = {}
    listed: dict[str, list[str]] = {}
    try:
        for loc in locales:
            shown = PagesOut.model_validate_json(store.get(files[f"lists/{loc}.json"]))
            for p in shown.pages:
                if p.slug not in only:
                    listed.setdefault(p.slug, []).append(loc)
                    records[(p.slug, loc)] = _record(
                        p.slug, loc, p.title, p.title_locale, p.complete
                    )
    except (KeyError, ReleaseError, ValidationError):
        return None
    for slug, versions in pages.items():
        listed[slug] = list(next(iter(versions.values())).listed)  # every version names them
        for loc, v in versions.items():
            records[(slug, loc)] = _record(slug, loc, v.title, v.title_locale, v.complete)
    if any(SOURCE_LOCALE not in locs for locs in listed.values()):
        return None
    served = sorted(listed)
    order = {slug: tuple(listed[slug]) for slug in served}
    made = {
        f"lists/{loc}.json": page_list(records, served, loc, order).body.data for loc in locales
    }
    made["index.html"] = index_page(records, order).data
    return {name: store.put(data) for name, data in made.items()}
