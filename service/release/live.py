"""The site in service: the current release, kept in step with the content tree while the server
runs.

A watcher polls the tree (each file's time, size and inode; `SIGHUP` asks at once), reloads what
changed, reusing everything else, publishes what the tree now allows (`publish`: drafts stay
drafts) and swaps the new release in with one assignment: a request sees the old release or the
new one, never a mix. It also follows the store's current release, so a release another process
made (a `withdraw`, a `rollback`, another server's publish) is served too; a release older than
the one in service never is. A file that fails to load keeps its last good version; `/healthz`
says `degraded` with its file and line; a config that fails keeps the whole site as it was. A
release store that cannot be read or written (an unreadable `CURRENT`, a file whose bytes no
longer match its name) keeps the release in service; `/healthz` says `degraded` and names the
file, and publishing is tried again at every poll until it succeeds.

Started `early` on a store that holds a release, the server serves that release at once and reads
the tree in a thread of its own: patients' pages are served within a second or two of a restart,
not after the whole tree is read. Until the tree is read, `/healthz` says `starting`, and what is
made of the tree (coverage, the workspace) answers 503; nothing is published; a release another
process makes is followed as usual.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.core.config import CONFIG_NAME, load_config
from service.core.errors import L10nError
from service.core.files import Signature, signature
from service.core.models import UI_DOMAIN
from service.release.publish import publish
from service.release.served import Bodies, served_site
from service.release.store import Release, ReleaseError, ReleaseStore
from service.site.assemble import entry, starting_health
from service.site.build import Cache
from service.site.keys import Inputs, code_version
from service.site.prepared import Settings, Site, build_site, slugs
from service.site.records import Stopped

__all__ = ["LiveSite", "TreeUnread", "state_hash"]

_log = logging.getLogger("clinic_l10n.live")


class TreeUnread(Exception):
    """What is made of the tree (coverage, the workspace) was asked for before the tree was read;
    the server answers 503."""

    def __init__(self) -> None:
        super().__init__(
            "The server has just started and is reading the content tree; try again in a few "
            "seconds."
        )


def state_hash(site: Site) -> str:
    """A hash of every response the site serves, so two servers or two moments can be compared:
    equal hashes, equal answers. A page's bodies are named by what they are made from (its
    snapshot, and the code that renders it), so that they need not be made to be compared; a
    release's by its id."""
    h = hashlib.sha256(code_version().encode())
    if site.release is not None:  # what it serves, not when it was published
        for slug, locs in sorted(site.release.pages.items()):
            bodies = sorted((loc, v.json, v.html, v.fragment, v.files) for loc, v in locs.items())
            h.update(f"{slug}{bodies}".encode())
        h.update(f"{sorted(site.release.files.items())}".encode())
        h.update(f"{sorted(site.release.static.items())}".encode())
        for body in (site.locales, site.coverage_json, site.health):
            h.update(body.etag.encode())
        return h.hexdigest()
    for key in sorted(site.pages):
        h.update(f"{key}{entry(site.records[key]).state.sha256}".encode())
    for loc in sorted(site.lists):
        h.update(f"{loc}{site.lists[loc].digest}".encode())
    # the dashboard is made from what coverage_json and health hold
    for body in (site.locales, site.coverage_json, site.health, site.index_html):
        h.update(body.etag.encode())
    return h.hexdigest()


def _now() -> str:
    """UTC to the millisecond: two reloads within a second still have different times."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class LiveSite:
    """Holds the site in service; `reload` builds the next one from what is on disk now."""

    settings: Settings
    site: Site  # what patients get: `candidate` serving the current release
    candidate: Site  # the site as built from the tree
    store: ReleaseStore
    found: Bodies
    built_at: str = field(default_factory=_now)
    state: str = ""
    config_error: L10nError | None = None
    store_error: ReleaseError | None = None  # the last publish or follow failed for it
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _wake: threading.Event = field(default_factory=threading.Event, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _config_seen: Signature = field(default=None, repr=False)  # of the l10n.yaml in service
    read_error: str | None = None  # why the tree's first read failed (tried again every 5 s)
    _read: threading.Event = field(default_factory=threading.Event, repr=False)  # the tree
    when_read: Callable[[], None] | None = field(default=None, repr=False)  # then called once

    @classmethod
    def start(cls, settings: Settings, site: Site | None = None, early: bool = False) -> LiveSite:
        """The site in service once the tree is read and what it allows published; `early` (and
        no `site` given): the store's current release at once, the tree read in a thread
        (`reading`), unless the store has no release that serves every locale of the config."""
        store = ReleaseStore(settings.release_dir())
        found = Bodies(store)
        if early and site is None and (live := cls._early(settings, store, found)) is not None:
            return live
        candidate = site or build_site(settings)
        release = _release(settings, store, candidate)
        served = served_site(candidate, release, found) if release else _nothing(candidate)
        live = cls(settings, served, candidate, store, found, state=state_hash(served))
        live._read.set()
        return live

    @classmethod
    def _early(cls, settings: Settings, store: ReleaseStore, found: Bodies) -> LiveSite | None:
        """The store's current release in service, the tree read in a thread; None when the
        store has no release, or none that serves every locale of the config."""
        try:
            current = store.current()
        except ReleaseError:
            return None  # read as a start without a release does, which says why
        if current is None:
            return None
        unread = _unread_site(settings)
        if not _serves_all(current, unread):
            return None
        served = served_site(unread, current, found)
        live = cls(settings, served, unread, store, found, state=state_hash(served))
        threading.Thread(target=live._read_tree, name="clinic-l10n-start", daemon=True).start()
        return live

    @property
    def reading(self) -> bool:
        """Whether the tree is still being read (an `early` start)."""
        return not self._read.is_set()

    def wait_read(self, timeout: float | None = None) -> bool:
        """Wait until the tree is read (at once unless `reading`); whether it is."""
        return self._read.wait(timeout)

    def tree_site(self) -> Site:
        """The site in service, for what is made of the tree: `TreeUnread` until it is read."""
        if self.reading:
            raise TreeUnread()
        return self.site

    def locales_site(self) -> Site:
        """The site in service for `/v1/locales`: at once when its shares are the release's
        (`served_site`); else they are the tree's, and `TreeUnread` until it is read."""
        site = self.site
        return site if site.locales_released else self.tree_site()

    def _read_tree(self) -> None:
        """Read the whole tree, then serve what it allows published, as a reload would. A read
        that fails (a config broken since the start) is tried again every 5 s, its error in
        `/healthz`; `stop` ends it between two runs of the build's workers, publishing nothing."""
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                candidate = build_site(self.settings, stop=self._stop)
                with self._lock:
                    if self._stop.is_set():
                        return
                    self._serve(candidate, self._next_release(candidate))
                    self._read.set()
            except Stopped:
                return
            except Exception as exc:
                why = str(exc) or type(exc).__name__
                if why != self.read_error:
                    _log.exception("the tree could not be read; the release in service stays")
                self.read_error = why
                self._stop.wait(5)
                continue
            self.read_error = None
            _log.info(
                "tree read in %.2f s: state %s, %d error(s)",
                time.perf_counter() - started,
                self.state[:12],
                len(candidate.errors),
            )
            if self.when_read is not None:
                self.when_read()
            return

    def follow(self) -> bool:
        """Serve the store's current release if it is newer than the one in service."""
        with self._lock:
            try:
                head = self.store.head()
                now_serving = self.site.release
                if head is None or (now_serving is not None and head[0] <= now_serving.seq):
                    return False
                release = self.store.release(head[1])
            except ReleaseError as exc:
                self._store_trouble(exc)
                return False
            self._serve(self.candidate, release)
            return True

    def _store_trouble(self, exc: ReleaseError | None) -> None:
        """Keep (and log once) what is wrong with the release store, or that nothing is."""
        if exc is not None and str(exc) != str(self.store_error):
            _log.error("the release in service stays: %s", exc)
        elif exc is None and self.store_error is not None:
            _log.info("the release store reads again")
        self.store_error = exc

    def _next_release(self, candidate: Site) -> Release | None:
        """What `candidate` allows published; the release in service if the store fails."""
        try:
            release = _release(self.settings, self.store, candidate)
        except ReleaseError as exc:
            self._store_trouble(exc)
            serving: Release | None = self.site.release
            return serving
        self._store_trouble(None)
        return release

    def _serve(self, candidate: Site, release: Release | None) -> None:
        site = (
            served_site(candidate, release, self.found, self.site)
            if release
            else _nothing(candidate)
        )
        self.site, self.candidate = site, candidate
        self.state, self.built_at = state_hash(site), _now()

    def health(self) -> bytes:
        """`/healthz`: the site's own report, the state in service (hash of every response, when
        it was built), and a config that failed to reload."""
        report = json.loads(self.site.health.data)
        troubles = [str(e) for e in (self.config_error, self.store_error) if e is not None]
        troubles += [self.read_error] if self.read_error else []
        troubles += sorted(self.found.problems.values())
        if troubles:
            report["status"] = "starting" if self.reading else "degraded"
            report["errors"] = [*troubles, *report["errors"]]
        release = self.site.release
        report["state"] = {
            "sha256": self.state,
            "built_at": self.built_at,
            "release": release.seq if release is not None else 0,
        }
        return json.dumps(report, ensure_ascii=False).encode()

    def reload(self) -> bool:
        """Load what changed since the site in service was built and, if anything did, swap in
        the rebuilt site. Returns whether the site changed. Never raises for bad content."""
        if self.reading:
            return False  # the tree as it is once read is served then; changes since, at a poll
        with self._lock:
            old = self.site
            # l10n.yaml is read again only when it changed (as every other file): parsing it is
            # most of what a poll that finds nothing costs, CPU the server's requests then lack.
            seen = signature(self.settings.root / CONFIG_NAME)
            if seen is not None and seen == self._config_seen:
                config = old.config
            else:
                try:
                    config = load_config(self.settings.root)
                except L10nError as exc:
                    if self.config_error is None or str(exc) != str(self.config_error):
                        _log.warning("config not reloaded, the last good one stays: %s", exc)
                    self.config_error, self._config_seen = exc, None
                    return False
                self.config_error, self._config_seen = None, seen
            old = self.candidate
            changed = old.inputs.refresh(list(old.inputs.files))
            pages = {slug for slug, _ in old.records}
            if not changed and config == old.config and pages == {*slugs(config), UI_DOMAIN}:
                if self.store_error is None:
                    return False
                self._serve(old, self._next_release(old))  # publishing again what failed
                return self.store_error is None
            started = time.perf_counter()
            site = build_site(
                self.settings, previous=old, config=config, changed=changed, defer_index=True
            )
            self._serve(site, self._next_release(site))
            _log.info(
                "reloaded in %.2f s: state %s, %d error(s)",
                time.perf_counter() - started,
                self.state[:12],
                len(site.errors),
            )
            started = time.perf_counter()
            site.write_index()  # once the site is in service: a restart then finds the records
            _log.info("build cache index written in %.2f s", time.perf_counter() - started)
            return True

    def poke(self) -> None:
        """Reload as soon as the watcher can (what SIGHUP does)."""
        self._wake.set()

    def watch(self, interval: float = 0.5) -> threading.Thread:
        """Poll the tree every `interval` seconds in a daemon thread until `stop`."""

        def loop() -> None:
            while not self._stop.is_set():
                self._wake.wait(interval)
                self._wake.clear()
                if self._stop.is_set():
                    break
                try:
                    self.reload()
                    self.follow()
                except Exception:  # a bug must not stop the watcher: the old site keeps serving
                    _log.exception("reload failed; the site in service is unchanged")

        thread = threading.Thread(target=loop, name="clinic-l10n-watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()


def _unread_site(settings: Settings) -> Site:
    """A site that has read nothing of the tree but its config: what serves the store's current
    release while the tree is read. Its health says `starting`."""
    site = Site(load_config(settings.root), settings, Cache(None), Inputs(), {}, {})
    site.health = starting_health()
    return site


def _serves_all(release: Release, unread: Site) -> bool:
    """Whether `release` has a page list for every locale of the config (not so after a locale
    was added since it was published: the tree is read, and published, before serving)."""
    names = release.files
    return not names or all(f"lists/{loc}.json" in names for loc in unread.config.all_locales)


def _release(settings: Settings, store: ReleaseStore, candidate: Site) -> Release | None:
    """Publish what `candidate` allows (unless only following), and the release then current."""
    if settings.publish:
        done = publish(candidate, store, reason="the server published what the tree allows")
        if done.new:
            _log.info("published release %d (%s)", done.release.seq, done.release.id[:12])
        return done.release
    return store.current()


def _nothing(candidate: Site) -> Site:
    """Before any release: no page is served."""
    empty = Release(0, "", "", "", "", None, "", None, {}, {}, {})
    return served_site(candidate, empty, Bodies(ReleaseStore(candidate.settings.release_dir())))
