"""The site in service, kept in step with the content tree while the server runs.

A watcher polls the tree (each file's time, size and inode; `SIGHUP` asks at once), reloads what
changed, reusing everything else, prepares the responses again and swaps the new site in with one
assignment: a request sees the old site or the new one, never a mix. A file that fails to load keeps
its last good version in service and `/healthz` says `degraded` with its file and line; a config
that fails keeps the whole site as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.core.config import CONFIG_NAME, load_config
from service.core.errors import L10nError
from service.core.files import Signature, signature
from service.core.models import UI_DOMAIN
from service.site.assemble import entry
from service.site.keys import code_version
from service.site.prepared import Settings, Site, build_site, slugs

__all__ = ["LiveSite", "state_hash"]

_log = logging.getLogger("clinic_l10n.live")


def state_hash(site: Site) -> str:
    """A hash of every response the site serves, so two servers or two moments can be compared:
    equal hashes, equal answers. A page's bodies are named by what they are made from (its
    snapshot, and the code that renders it), so that they need not be made to be compared."""
    h = hashlib.sha256(code_version().encode())
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
    site: Site
    built_at: str = field(default_factory=_now)
    state: str = ""
    config_error: L10nError | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _wake: threading.Event = field(default_factory=threading.Event, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _config_seen: Signature = field(default=None, repr=False)  # of the l10n.yaml in service

    @classmethod
    def start(cls, settings: Settings, site: Site | None = None) -> LiveSite:
        site = site or build_site(settings)
        return cls(settings, site, state=state_hash(site))

    def health(self) -> bytes:
        """`/healthz`: the site's own report, the state in service (hash of every response, when
        it was built), and a config that failed to reload."""
        report = json.loads(self.site.health.data)
        if self.config_error is not None:
            report["status"] = "degraded"
            report["errors"] = [str(self.config_error), *report["errors"]]
        report["state"] = {"sha256": self.state, "built_at": self.built_at}
        return json.dumps(report, ensure_ascii=False).encode()

    def reload(self) -> bool:
        """Load what changed since the site in service was built and, if anything did, swap in
        the rebuilt site. Returns whether the site changed. Never raises for bad content."""
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
            changed = old.inputs.refresh(list(old.inputs.files))
            pages = {slug for slug, _ in old.records}
            if not changed and config == old.config and pages == {*slugs(config), UI_DOMAIN}:
                return False
            started = time.perf_counter()
            site = build_site(
                self.settings, previous=old, config=config, changed=changed, defer_index=True
            )
            state = state_hash(site)
            self.site, self.state, self.built_at = site, state, _now()
            _log.info(
                "reloaded in %.2f s: state %s, %d error(s)",
                time.perf_counter() - started,
                state[:12],
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
                except Exception:  # a bug must not stop the watcher: the old site keeps serving
                    _log.exception("reload failed; the site in service is unchanged")

        thread = threading.Thread(target=loop, name="clinic-l10n-watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
