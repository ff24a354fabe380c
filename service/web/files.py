"""The release's static site (`release.static`) served at the paths an export has its files:
`/<locale>/<slug>/` (and `index.html`, `index.json` there), `/<locale>/` (the same),
`/index.html` and `/sitemap.xml`. The bytes are the release's objects, the very files
`clinic-l10n export` copies, so the server and an export cannot differ. `/` stays the server's own
front page, linking the server's routes; `/assets/…` is the route every page's stylesheet and
images come from (`api.asset`), which serves the release's too (`release_asset`).

A file is the same whoever asks: no negotiation, no `Vary: Accept-Language`, no Content-Language;
its ETag is its SHA-256, compared weakly; `Cache-Control` as the pages' (`max_age`).
"""

from __future__ import annotations

from collections.abc import Callable

from service.release.static import static_files
from service.render.assets import ASSETS, Asset
from service.site.index import Ref
from service.site.prepared import Site
from service.web.answers import Answer, Asked
from service.web.headers import cors_headers, etag_matches, page_policy

__all__ = [
    "StaticFile",
    "file_answer",
    "read_file",
    "release_asset",
    "release_asset_data",
    "static_file",
]

StaticFile = tuple[str, str, str]  # (path in the static site, SHA-256, media type)
_ASSETS = f"{ASSETS}/"


def static_path(path: str) -> str | None:
    """The file of the static site a URL path names; None for `/` (the server's front page).

    >>> static_path("/es/saline-spray/"), static_path("/es/index.json"), static_path("/")
    ('es/saline-spray/index.html', 'es/index.json', None)
    """
    rel = path[1:]
    if not rel or rel.startswith("/") or rel.startswith(_ASSETS):
        return None
    return rel + "index.html" if rel.endswith("/") else rel


def static_file(site: Site, path: str) -> StaticFile | None:
    """The file of the release in service at URL `path`, or None."""
    rel = static_path(path)
    if rel is None or site.release is None:
        return None
    found = static_files(site.release).get(rel)
    return None if found is None else (rel, found[0], found[1])


def release_asset(site: Site, name: str) -> StaticFile | None:
    """`/assets/<name>` of the release in service: a stylesheet its pages link (one an older
    version of the code made, too) or an image they show."""
    if site.release is None:
        return None
    found = static_files(site.release).get(_ASSETS + name)
    return None if found is None else (_ASSETS + name, found[0], found[1])


def release_asset_data(site: Site, name: str) -> Asset | None:
    """`release_asset` with its bytes."""
    found = release_asset(site, name)
    return None if found is None else Asset(name, read_file(site, found), found[2])


def file_answer(
    site: Site, asked: Asked, found: StaticFile, read: Callable[[], bytes] | None
) -> Answer:
    """200 with the file's bytes from `read` (None: no body and content-length 0, for
    X-Accel-Redirect, where nginx sends the file), or 304 when If-None-Match matches (then
    nothing is read)."""
    _, sha, media = found
    etag = f'"{sha}"'
    cache = f"public, max-age={site.settings.max_age}"
    headers = [(b"etag", etag.encode("latin-1")), (b"cache-control", cache.encode("latin-1"))]
    origins = site.config.cors_origins
    if origins:
        headers.append((b"vary", b"Origin"))
        for name, value in cors_headers(asked.origin, origins).items():
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    if media.startswith("text/html"):  # a patient's page, as the routes send one, 304 too
        policy = page_policy(site.config.embed_origins)
        headers.append((b"content-security-policy", policy.encode("latin-1")))
    if asked.if_none_match and etag_matches(asked.if_none_match, etag):
        return Answer(304, headers, ())
    data = b"" if read is None else read()
    headers.append((b"content-length", str(len(data)).encode("latin-1")))
    headers.append((b"content-type", media.encode("latin-1")))
    return Answer(200, headers, (data,))


def read_file(site: Site, found: StaticFile) -> bytes:
    """The file's bytes (the release store's object, kept in memory once read)."""
    return (site.read or site.cache.get)(Ref("release", 0, 0, found[1]))
