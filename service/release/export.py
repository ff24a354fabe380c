"""`clinic-l10n export`: the site as files that any static web server serves as they are.

Everything comes from the build (`site.build_site`), as the server would send it: each page's JSON
with its two URLs pointing into the export, and its HTML document rendered from the page's view and
article (`document`) with links into the export (`links.ExportLinks`). Nothing is resolved again,
so only served (reviewed) text is written. Under DIR:

    index.html                          the choice of language
    <locale>/index.html, index.json     the pages in that locale
    <locale>/<slug>/index.html, index.json
    assets/clinic-l10n.<hash>.css       the stylesheet, named by its content
    assets/<stem>.<hash>.<ext>          each image a page shows, named by its content
    sitemap.xml                         with a base URL: every document and its alternates
    coverage.json
    .clinic-l10n-export                 the files the export wrote (see `write_export`)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from service.core.errors import ExportError
from service.core.locales import direction, native_name
from service.core.models import SOURCE_LOCALE, UI_DOMAIN
from service.core.yamlfile import atomic_write
from service.release.live import LiveSite
from service.render.assets import ASSETS, assets, unembed
from service.render.document import decode_view, render_document
from service.render.html import UiText, render_template
from service.render.links import SERVER_ASSET_SRC, SERVER_PAGE_HREF, ExportLinks, page_path
from service.site.prepared import Settings, Site

__all__ = ["MANIFEST", "Exported", "Plan", "export_site", "plan", "write_export"]

MANIFEST = ".clinic-l10n-export"
_MANIFEST_HEAD = (
    "# Written by `clinic-l10n export`: the files of this export. The next export into this\n"
    "# folder removes those of them it no longer writes, and nothing else.\n"
)
NO_BASE = (
    "no --base-url: hreflang alternates and sitemap.xml are left out (both need absolute URLs), "
    "and the JSON links are relative"
)


@dataclass(frozen=True)
class Exported:
    files: tuple[str, ...]  # every file of the export, relative to its folder
    changed: int  # how many of them were written (the others already had these bytes)
    removed: tuple[str, ...]  # files of the previous export that this one no longer has
    notes: tuple[str, ...]


def _json(data: Any) -> bytes:
    """JSON as the server writes it (pydantic: compact, UTF-8)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _href(links: ExportLinks, path: str) -> str:
    """A URL in a JSON document: absolute under the base URL, else relative to the document."""
    return links.absolute(path) or links.up + path


def _page_json(raw: bytes, links: ExportLinks, slug: str, locale: str) -> bytes:
    """The served JSON (`requested_locale` null), its English and HTML links and its segments'
    images into the export."""
    data = json.loads(raw)
    for segment in data["segments"]:
        if "html" in segment:
            segment["html"] = SERVER_ASSET_SRC.sub(
                lambda found: f'src="{_href(links, f"{ASSETS}/{found.group(1)}")}"', segment["html"]
            )
    data["english_url"] = _href(links, page_path(slug, SOURCE_LOCALE) + "index.json")
    data["english_html_url"] = _href(links, page_path(slug, SOURCE_LOCALE))
    data["html_url"] = _href(links, page_path(slug, locale))
    return _json(data)


def _list_json(raw: bytes, links: ExportLinks, locale: str) -> tuple[bytes, list[dict[str, Any]]]:
    """The served list of pages in `locale`, its links into the export; and its entries."""
    data = json.loads(raw)
    for entry in data["pages"]:
        entry["url"] = _href(links, page_path(entry["slug"], locale) + "index.json")
        entry["html_url"] = _href(links, page_path(entry["slug"], locale))
    return _json(data), data["pages"]


def _chrome(site: Site, locale: str) -> dict[str, object]:
    record = site.records.get((UI_DOMAIN, locale))
    if record is not None and record.chrome is not None:
        return decode_view(record.chrome.encode("utf-8"))
    return {"language_label": UiText("Language", SOURCE_LOCALE)}


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


def _page_html(site: Site, slug: str, locale: str, links: ExportLinks) -> bytes:
    """The page's document from its view and article as built, with the export's links."""
    page = site.pages[(slug, locale)]
    assert page.view is not None
    article = rewrite_page_links(unembed(page.fragment.data.decode("utf-8")), links, site)
    article = SERVER_ASSET_SRC.sub(lambda found: f'src="{links.asset(found.group(1))}"', article)
    document = render_document(decode_view(page.view.data), article, links, site.advertised[slug])
    return document.encode("utf-8")


def rewrite_page_links(article: str, links: ExportLinks, site: Site) -> str:
    """The article with each link to a page of the site in an enabled locale pointing at that
    page's file in the export instead (any other link is left as written).

    >>> from types import SimpleNamespace as Ns
    >>> site = Ns(pages={("a", "en"): 1}, config=Ns(all_locales=("en", "es")))
    >>> rewrite_page_links('<a href="/pages/a?locale=en">A</a>', ExportLinks(None), site)
    '<a href="../../en/a/">A</a>'
    """

    def local(found: re.Match[str]) -> str:
        slug, locale = found.groups()
        if (slug, locale) not in site.pages:
            return found.group()
        return f'href="{links.page(slug, locale)}"'

    return SERVER_PAGE_HREF.sub(local, article)


def _image(site: Site, name: str) -> bytes:
    found = site.image(name)
    if found is None:
        raise ExportError(f"the build cache lost the image {name}; export again")
    return found.data


def _served_json(site: Site, slug: str, locale: str, links: ExportLinks) -> bytes:
    return _page_json(site.pages[(slug, locale)].json.render(None)[0], links, slug, locale)


Plan = dict[str, Callable[[], bytes]]


def _const(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def plan(site: Site, base: str | None) -> Plan:
    """The export's files, by path relative to its folder, each with what makes its bytes (a page
    is made when it is written: a thousand pages are not all held at once), in the order they are
    written: the stylesheet and the images first, so that a page never links one not there yet;
    the lists and the sitemap after the pages they name. Every page is written in every locale (a
    link may ask for it), but linked, listed and put in the sitemap only in the locales it is
    listed in."""
    locales, served = site.config.all_locales, site.served
    pages, at_root = ExportLinks(base, 2), ExportLinks(base, 0)
    files = {f"{ASSETS}/{name}": _const(asset.data) for name, asset in assets().items()}
    for name in sorted(site.images):
        files[f"{ASSETS}/{name}"] = partial(_image, site, name)
    for slug in served:
        for loc in locales:
            folder = page_path(slug, loc)
            files[folder + "index.json"] = partial(_served_json, site, slug, loc, pages)
            files[folder + "index.html"] = partial(_page_html, site, slug, loc, pages)
    # a locale no page is listed in has its (empty) list, but is offered nowhere
    offered = [t for t in locales if any(t in site.advertised[slug] for slug in served)]
    offered = offered if SOURCE_LOCALE in offered else [SOURCE_LOCALE, *offered]
    in_locale = ExportLinks(base, 1)
    for loc in locales:
        raw, entries = _list_json(site.lists[loc].render(None)[0], in_locale, loc)
        files[f"{loc}/index.json"] = _const(raw)
        items = [
            {
                "url": in_locale.page(e["slug"], loc),
                "hreflang": None,
                "text": UiText(
                    e["title"] or e["slug"], None if e["title_locale"] == loc else e["title_locale"]
                ),
            }
            for e in entries
        ]
        switcher = [
            {"tag": t, "name": native_name(t), "url": in_locale.index(t), "current": t == loc}
            for t in offered
        ]
        files[f"{loc}/index.html"] = _const(
            _index(
                in_locale,
                loc,
                UiText(native_name(loc), None),
                items,
                in_locale.index_alternates(offered) if loc in offered else [],
                switcher,
                _chrome(site, loc)["language_label"],
            )
        )
    choices = [
        {"url": at_root.index(t), "hreflang": t, "text": UiText(native_name(t), t)} for t in offered
    ]
    label = _chrome(site, SOURCE_LOCALE)["language_label"]
    assert isinstance(label, UiText)
    index = _index(at_root, SOURCE_LOCALE, label, choices, at_root.index_alternates(offered))
    files["index.html"] = _const(index)
    if base is not None:
        files["sitemap.xml"] = _const(_sitemap(at_root, offered, site.advertised))
    files["coverage.json"] = _const(site.coverage_json.data)
    return files


def _sitemap(
    links: ExportLinks, offered: Sequence[str], listed: Mapping[str, Sequence[str]]
) -> bytes:
    """sitemaps.org's format with Google's `xhtml:link` alternates: each page in each locale it is
    listed in, each list of pages offered and the choice of language, every one with all its
    language versions (`listed`: the locales of each page served, `listing`)."""
    urls = [
        {"loc": links.absolute(page_path(slug, loc)), "alternates": links.alternates(slug, tags)}
        for slug, tags in listed.items()
        for loc in tags
    ]
    lists = links.index_alternates(offered)
    urls += [{"loc": href, "alternates": lists} for _, href in lists]  # x-default last: the root
    return render_template("sitemap.xml", {"urls": urls}).encode("utf-8")


def _listed(out: Path) -> list[str]:
    """The files the manifest in `out` names, each inside `out` (any other line is ignored)."""
    try:
        text = (out / MANIFEST).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    found = []
    for line in text.splitlines():
        rel = PurePosixPath(line)
        if line.startswith("#") or not line or rel.is_absolute() or ".." in rel.parts:
            continue
        found.append(line)
    return found


def _manifest(paths: Sequence[str]) -> bytes:
    return (_MANIFEST_HEAD + "".join(f"{p}\n" for p in sorted(paths))).encode("utf-8")


def _remove(out: Path, rel: str) -> bool:
    """Remove a file a previous export wrote, and the folders it leaves empty; never a folder,
    never what a symbolic link leads out of `out` to."""
    path = out / rel
    root = out.resolve()
    if not path.parent.resolve().is_relative_to(root):
        return False
    if path.is_symlink() or path.is_file():
        path.unlink()
        for parent in path.parents:
            if parent == out:
                break
            with suppress(OSError):  # not empty: kept
                parent.rmdir()
        return True
    return False


def write_export(
    out: Path, files: Mapping[str, Callable[[], bytes]], notes: Sequence[str] = ()
) -> Exported:
    """Write `files` under `out`, each atomically and only when its bytes change; then remove
    what the previous export wrote there and this one does not. The manifest names every file
    before it is written, so even an export cut short leaves nothing the next one would not
    remove; a file the export never wrote is never touched."""
    if out.exists() and not out.is_dir():
        raise ExportError("not a folder", out)
    before = _listed(out)
    atomic_write(out / MANIFEST, _manifest(sorted({*before, *files})))
    changed = sum(atomic_write(out / rel, make()) for rel, make in files.items())
    atomic_write(out / MANIFEST, _manifest(list(files)))
    removed = tuple(rel for rel in before if rel not in files and _remove(out, rel))
    return Exported(tuple(files), changed, removed, tuple(notes))


def export_site(settings: Settings, out: Path, base: str | None = None) -> Exported:
    """Build the site and write it under `out` (see the module's docstring). `base`: the URL the
    export will be served at (`links.base_url`); without one, no hreflang and no sitemap."""
    site = LiveSite.start(settings).site  # what the tree allows published, as a server does
    return write_export(out, plan(site, base), () if base else (NO_BASE,))
