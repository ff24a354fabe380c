"""The site patients get: a built site whose pages, lists, index page and static site (`static`)
are a release's.

What reviewers see (coverage, health, findings) stays the content tree's; every body a patient
reads is read from the release store, exactly as published; `/v1/locales`' reviewed shares are
counted in the release's versions.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from collections.abc import Sequence
from threading import Lock

from service.core.models import SOURCE_LOCALE
from service.release.publish import listed_in, lists_of
from service.release.static import static_files
from service.release.store import BODIES, PageVersion, Release, ReleaseError, ReleaseStore
from service.site.assemble import locales_with
from service.site.bodies import Body, JsonBody, Made, PreparedPage
from service.site.build import Cache
from service.site.index import ImageEntry, Ref
from service.site.prepared import Site

__all__ = ["Bodies", "release_shares", "served_site"]

_log = logging.getLogger("clinic_l10n.release")


class Bodies:
    """Objects of a release store, the most recently read kept in memory (up to `hot` bytes).
    An object that cannot be read, or whose bytes no longer match its name, is never served: the
    `ReleaseError` goes up (the server answers 503) and is kept in `problems` (for `/healthz`),
    logged once."""

    def __init__(self, store: ReleaseStore, hot: int = 64 << 20):
        self.store, self._hot, self._size = store, hot, 0
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self._lock = Lock()
        self.problems: dict[str, str] = {}  # object name -> what is wrong with it

    def holds(self, sha: str) -> bool:
        """Whether `sha` is in memory."""
        return sha in self._kept

    def get(self, sha: str) -> bytes:
        with self._lock:
            data = self._kept.get(sha)
            if data is not None:
                self._kept.move_to_end(sha)
                return data
        try:
            data = self.store.get(sha)
        except ReleaseError as exc:
            with self._lock:
                if self.problems.get(sha) != str(exc):
                    _log.error("not served: %s", exc)
                self.problems[sha] = str(exc)
            raise
        with self._lock:
            self.problems.pop(sha, None)
            if sha not in self._kept:
                self._kept[sha] = data
                self._size += len(data)
            while self._size > self._hot and len(self._kept) > 1:
                self._size -= len(self._kept.popitem(last=False)[1])
        return data


_NO_CACHE = Cache(None)  # a published page's bodies are in the release store, not a build cache


class _Stored(Made):
    """A published page's bodies, read from the release store when asked for (off the event
    loop, by `make`, as a page's bodies are made)."""

    def __init__(self, found: Bodies, version: PageVersion):
        super().__init__(_NO_CACHE, self._load)
        self._found, self._version = found, version
        self._refs = {k: Ref("release", 0, 0, version.body(k)) for k in BODIES}

    def _load(self) -> dict[str, bytes]:
        return {kind: self.get(kind) for kind in BODIES}

    @property
    def ready(self) -> bool:
        return all(self._found.holds(self._version.body(kind)) for kind in BODIES)

    def make(self) -> None:
        self._make()

    def get(self, kind: str) -> bytes:
        return self._found.get(self._version.body(kind))


def _prepared(found: Bodies, version: PageVersion, locale: str) -> PreparedPage:
    """A published page in `locale`; its language (`Content-Language`) English when nothing of it
    is translated, as its document's `lang` says."""
    made = _Stored(found, version)
    return PreparedPage(
        JsonBody.made(made),
        Body.made(made, "html"),
        Body.made(made, "fragment"),
        locale if version.translated or not version.parts else SOURCE_LOCALE,
        made=made,
    )


def served_site(site: Site, release: Release, found: Bodies, previous: Site | None = None) -> Site:
    """`site` (built from the tree) serving `release`: its pages, lists and index page. A page
    whose version `previous` (the site served before) served already is taken from it as is."""
    out = copy.copy(site)
    out.release = release
    before = previous.release.pages if previous is not None and previous.release else {}
    out.pages = {
        (slug, loc): (
            previous.pages[(slug, loc)]
            if previous is not None and before.get(slug, {}).get(loc) == version
            else _prepared(found, version, loc)
        )
        for slug, locs in release.pages.items()
        for loc, version in locs.items()
    }
    out.served = tuple(sorted(release.pages))
    out.images = {
        name: ImageEntry(name, media, Ref("release", 0, 0, sha))
        for locs in release.pages.values()
        for version in locs.values()
        for name, media, sha in version.images
    }
    out.read = lambda ref: found.get(ref.sha256)
    out.advertised = listed_in(release)
    locales = site.config.all_locales
    files = (
        {name: found.get(sha) for name, sha in release.files.items()}
        if release.files
        else lists_of(release, locales)
    )
    out.lists = {loc: JsonBody(Body.of(files[f"lists/{loc}.json"])) for loc in locales}
    out.index_html = Body.of(files["index.html"])
    shares = release_shares(release, locales)
    out.locales_released = shares is not None
    if shares is not None:
        out.locales = locales_with(site.config, shares)
    static_files(release)  # its static site indexed here, as it is swapped in, not by a request
    return out


def release_shares(release: Release, locales: Sequence[str]) -> dict[str, float] | None:
    """Each locale's reviewed share in `release`: of the messages of its published pages, those
    a patient asking for the locale is served in it (`PageVersion.served` over `messages`,
    summed); None when a version was made before versions counted them (the tree's shares are
    served until a full publish makes them again: `publish.rendered`)."""
    served, total = dict.fromkeys(locales, 0), dict.fromkeys(locales, 0)
    for versions in release.pages.values():
        for loc, version in versions.items():
            if version.served is None or version.messages is None:
                return None
            if loc in total:
                served[loc] += version.served
                total[loc] += version.messages
    return {loc: round(served[loc] / total[loc], 4) if total[loc] else 0.0 for loc in locales}
