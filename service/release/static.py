"""The static site a release holds: the files `clinic-l10n export` copies out and the server
serves at the same paths, made once, at publish, so that both send the same bytes.

    <locale>/<slug>/index.html, index.json   each page version (`version_files`)
    <locale>/index.html, index.json          the pages listed in each locale (`site_files`)
    index.html                               the choice of language
    sitemap.xml                              with a base URL: every document and its alternates
    assets/clinic-l10n.<hash>.css            the stylesheet, named by its content
    assets/<stem>.<hash>.<ext>               each image a page shows, named by its content

A page's document is rendered from the view and article its bodies were made with, with links
into these files (`links.ExportLinks`): relative between files, so the copy works under any path
of any host; hreflang alternates, the sitemap and the JSON's links absolute under the base URL
(`base_url` in l10n.yaml), and left out (the JSON's links relative) without one. Nothing is
resolved again: the text is what the version serves.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

from service.core.locales import direction, native_name
from service.core.models import SOURCE_LOCALE, UI_DOMAIN
from service.release.store import Release, ReleaseStore
from service.render.assets import ASSETS, stylesheet, unembed
from service.render.document import decode_view, render_document
from service.render.html import UiText, render_template
from service.render.links import SERVER_ASSET_SRC, SERVER_PAGE_HREF, ExportLinks, page_path
from service.site.bodies import Body, JsonBody
from service.site.prepared import Site

__all__ = [
    "SITEMAP",
    "Static",
    "media_type",
    "site_files",
    "static_files",
    "static_of",
    "version_files",
]

SITEMAP = "sitemap.xml"
_MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Static:
    """How a release's static files are rendered: its base URL (None: relative links, no
    alternates, no sitemap), the locales enabled, and each locale's document header strings
    (`records.chrome`, encoded), which its list of pages shows."""

    base: str | None
    locales: tuple[str, ...]
    chrome: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, release: Release, locales: Sequence[str]) -> Static:
        """As `release` was rendered: a withdrawal or a rollback renders so."""
        return cls(release.base_url, tuple(locales), release.chrome)

    def label(self, locale: str) -> UiText:
        """The "Language" label in `locale`, as its ui strings serve it."""
        found = self.chrome.get(locale)
        label = decode_view(found.encode("utf-8")).get("language_label") if found else None
        return label if isinstance(label, UiText) else UiText("Language", SOURCE_LOCALE)


def static_of(site: Site) -> Static:
    """How `site`'s config renders the static site, with its ui strings of document headers."""
    locales = site.config.all_locales
    chrome = {
        loc: record.chrome
        for loc in locales
        if (record := site.records.get((UI_DOMAIN, loc))) is not None and record.chrome
    }
    return Static(site.config.base_url, locales, chrome)


def _json(data: Any) -> bytes:
    """JSON as the server writes it (pydantic: compact, UTF-8)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _href(links: ExportLinks, path: str) -> str:
    """A URL in a JSON document: absolute under the base URL, else relative to the document."""
    return links.absolute(path) or links.up + path


def _unasked(raw: bytes) -> Any:
    """A served JSON body, its `requested_locale` null (a file is asked for in no locale)."""
    return json.loads(JsonBody(Body.of(raw)).render(None)[0])


def _page_json(raw: bytes, links: ExportLinks, slug: str, locale: str) -> bytes:
    """The served JSON, its English and HTML links and its segments' images into the files."""
    data = _unasked(raw)
    for segment in data["segments"]:
        if "html" in segment:
            segment["html"] = SERVER_ASSET_SRC.sub(
                lambda found: f'src="{_href(links, f"{ASSETS}/{found.group(1)}")}"', segment["html"]
            )
    data["english_url"] = _href(links, page_path(slug, SOURCE_LOCALE) + "index.json")
    data["english_html_url"] = _href(links, page_path(slug, SOURCE_LOCALE))
    data["html_url"] = _href(links, page_path(slug, locale))
    return _json(data)


def _page_html(
    made: Mapping[str, bytes], links: ExportLinks, listed: Sequence[str], locales: Sequence[str]
) -> bytes:
    """The page's document from its view and article, links to pages of the site (its English
    version, an author's link) and to images pointing at their files."""

    def local(found: re.Match[str]) -> str:
        slug, locale = found.groups()
        return f'href="{links.page(slug, locale)}"' if locale in locales else found.group()

    article = SERVER_PAGE_HREF.sub(local, unembed(made["fragment"].decode("utf-8")))
    article = SERVER_ASSET_SRC.sub(lambda found: f'src="{links.asset(found.group(1))}"', article)
    return render_document(decode_view(made["view"]), article, links, listed).encode("utf-8")


def version_files(
    store: ReleaseStore,
    made: Mapping[str, bytes],
    slug: str,
    locale: str,
    listed: Sequence[str],
    static: Static,
) -> dict[str, str]:
    """A page version's files, from its bodies as `documents.bodies` made them (its JSON, its
    fragment and its view), and the stylesheet it links, each kept in `store`: by path, their
    SHA-256."""
    links = ExportLinks(static.base, 2)
    folder = page_path(slug, locale)
    return {
        folder + "index.html": store.put(_page_html(made, links, listed, static.locales)),
        folder + "index.json": store.put(_page_json(made["json"], links, slug, locale)),
        **_stylesheet(store),
    }


_SHEETS: dict[Path, dict[str, str]] = {}  # the stylesheet kept in each store, by this process


def _stylesheet(store: ReleaseStore) -> dict[str, str]:
    """The stylesheet's path and SHA-256, kept in `store` once (not hashed again for every one
    of the thousands of versions a publish makes)."""
    found = _SHEETS.get(store.folder)
    if found is None:
        sheet = stylesheet()
        found = _SHEETS[store.folder] = {f"{ASSETS}/{sheet.name}": store.put(sheet.data)}
    return found


def _index(
    links: ExportLinks,
    lang: str,
    heading: UiText,
    items: Sequence[Mapping[str, object]],
    alternates: list[tuple[str, str]],
    switcher: Sequence[Mapping[str, object]] = (),
    label: object = None,
) -> bytes:
    return render_template(
        "export_index.html",
        {
            "lang": lang,
            "dir": direction(lang),
            "heading": heading,
            "items": items,
            "alternates": alternates,
            "languages": switcher,
            "language_label": label,
            "stylesheet": links.stylesheet,
        },
    ).encode("utf-8")


def _list_files(
    lists: Mapping[str, bytes], static: Static, offered: Sequence[str], locale: str
) -> dict[str, bytes]:
    """A locale's list of pages, as JSON (the served list, its links into the files) and HTML."""
    links = ExportLinks(static.base, 1)
    data = _unasked(lists[f"lists/{locale}.json"])
    for entry in data["pages"]:
        entry["url"] = _href(links, page_path(entry["slug"], locale) + "index.json")
        entry["html_url"] = _href(links, page_path(entry["slug"], locale))
    items = [
        {
            "url": links.page(e["slug"], locale),
            "hreflang": None,
            "text": UiText(
                e["title"] or e["slug"], None if e["title_locale"] == locale else e["title_locale"]
            ),
        }
        for e in data["pages"]
    ]
    switcher = [
        {"tag": t, "name": native_name(t), "url": links.index(t), "current": t == locale}
        for t in offered
    ]
    html = _index(
        links,
        locale,
        UiText(native_name(locale), None),
        items,
        links.index_alternates(offered) if locale in offered else [],
        switcher,
        static.label(locale),
    )
    return {f"{locale}/index.json": _json(data), f"{locale}/index.html": html}


def site_files(
    lists: Mapping[str, bytes], listed: Mapping[str, Sequence[str]], static: Static
) -> dict[str, bytes]:
    """The files of a release besides its page versions: each locale's list of pages (from the
    release's `lists`), the choice of language, the sitemap (with a base URL) and the stylesheet.
    `listed`: the locales each published page is listed in. A locale no page is listed in has its
    (empty) list, but is offered nowhere."""
    offered = [t for t in static.locales if any(t in tags for tags in listed.values())]
    offered = offered if SOURCE_LOCALE in offered else [SOURCE_LOCALE, *offered]
    sheet = stylesheet()
    files = {f"{ASSETS}/{sheet.name}": sheet.data}
    for locale in static.locales:
        files.update(_list_files(lists, static, offered, locale))
    root = ExportLinks(static.base, 0)
    choices = [
        {"url": root.index(t), "hreflang": t, "text": UiText(native_name(t), t)} for t in offered
    ]
    label = static.label(SOURCE_LOCALE)
    files["index.html"] = _index(
        root, SOURCE_LOCALE, label, choices, root.index_alternates(offered)
    )
    if static.base is not None:
        files[SITEMAP] = _sitemap(root, offered, listed)
    return files


def _sitemap(
    links: ExportLinks, offered: Sequence[str], listed: Mapping[str, Sequence[str]]
) -> bytes:
    """sitemaps.org's format with Google's `xhtml:link` alternates: each page in each locale it is
    listed in, each list of pages offered and the choice of language, every one with all its
    language versions."""
    urls = [
        {"loc": links.absolute(page_path(slug, loc)), "alternates": links.alternates(slug, tags)}
        for slug, tags in sorted(listed.items())
        for loc in tags
    ]
    lists = links.index_alternates(offered)
    urls += [{"loc": href, "alternates": lists} for _, href in lists]  # x-default last: the root
    return render_template("sitemap.xml", {"urls": urls}).encode("utf-8")


_INDEXES: OrderedDict[str, dict[str, tuple[str, str]]] = OrderedDict()  # by release id
_INDEXES_KEPT = 4
_INDEXES_LOCK = Lock()


def static_files(release: Release) -> dict[str, tuple[str, str]]:
    """Every static file of `release`, by path: (object SHA-256, media type). Empty for a
    release made before releases held their static files. The last few are kept, by release."""
    with _INDEXES_LOCK:
        found = _INDEXES.get(release.id) if release.id else None
        if found is not None:
            return found
    found = {}
    for locs in release.pages.values():
        for version in locs.values():
            for name, media, sha in version.images:
                found[f"{ASSETS}/{name}"] = (sha, media)
            for path, sha in version.files:
                found[path] = (sha, media_type(path))
    for path, sha in release.static.items():
        found[path] = (sha, media_type(path))
    if release.id:
        with _INDEXES_LOCK:
            _INDEXES[release.id] = found
            while len(_INDEXES) > _INDEXES_KEPT:
                _INDEXES.popitem(last=False)
    return found


def media_type(path: str) -> str:
    """The media type a static file is served with, by its extension (an image's is named by
    the version that shows it).

    >>> media_type("es/saline-spray/index.html"), media_type("sitemap.xml")
    ('text/html; charset=utf-8', 'application/xml')
    """
    return _MEDIA.get(path[path.rfind(".") :], "application/octet-stream")
