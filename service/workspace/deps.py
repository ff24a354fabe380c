"""What the workspace's routes share, given to them as named dependencies: the `Workspace` of the
app (`app.state.workspace`: the site in service, the tree's root, the reviewers' accounts with
their sessions and sign-in limits, the queue's cache and the reload after a write) as `Space`, and
the caller of the review API as `Me`.
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Self

from fastapi import Depends, HTTPException, Request

from service.core.config import Config
from service.core.errors import LocaleError
from service.core.locales import canonical_tag
from service.core.models import UI_DOMAIN
from service.release.live import LiveSite
from service.site.index import Record
from service.site.prepared import Site
from service.workspace.accounts import Accounts, state_dir
from service.workspace.auth import UNAUTHORIZED, Caller, identify
from service.workspace.pending import slugs_of
from service.workspace.queue import QueueCache

__all__ = ["Me", "Refresher", "SiteHints", "Space", "Workspace"]


class SiteHints:
    """`queue.Hints` from the site in service (its records per page and locale, made by the
    build): no file is read for a page whose coverage leaves nothing to review."""

    def __init__(self, site: Site):
        self.records: Mapping[tuple[str, str], Record] = site.records

    def slugs(self) -> list[str]:
        return sorted({slug for slug, _ in self.records}, key=lambda s: (s == UI_DOMAIN, s))

    def key(self, slug: str, locale: str) -> str | None:
        record = self.records.get((slug, locale))
        return record.key if record else None

    def idle(self, slug: str, locale: str) -> bool:
        record = self.records.get((slug, locale))
        if record is None or not record.rows or record.errors:
            return False
        row = record.rows[0]
        return row.translated == row.approved + row.blocked


class Refresher:
    """`live.reload()` after a write, so the patient pages serve it before the answer leaves;
    concurrent writers share reloads: a reload that began after your write has served it."""

    def __init__(self, live: LiveSite):
        self.live = live
        self._one = threading.Lock()
        self._count = threading.Lock()
        self.asked = self.done = 0

    def __call__(self) -> None:
        with self._count:
            self.asked += 1
            ticket = self.asked
        with self._one:
            if self.done >= ticket:
                return
            with self._count:
                covers = self.asked
            self.live.reload()
            self.done = covers


@dataclass(frozen=True)
class Workspace:
    """The workspace of one app, for the tree `live` serves (at `root`)."""

    live: LiveSite
    root: Path
    accounts: Accounts
    cache: QueueCache
    refresh: Refresher
    script: bytes  # review.js, read once

    @classmethod
    def open(cls, live: LiveSite, root: Path, state: Path | None = None) -> Self:
        """The accounts are in the state folder (`accounts.state_dir`); the queue is worked out
        ahead of the first request, in a thread of its own, once the tree is read."""
        accounts = Accounts(state_dir(root, state))
        cache = QueueCache()

        def warm() -> None:
            live.wait_read()
            site = live.site
            cache.warm(site.config, SiteHints(site))

        threading.Thread(target=warm, name="clinic-l10n-queue", daemon=True).start()
        script = (files("service") / "static" / "review.js").read_bytes()
        return cls(live, root, accounts, cache, Refresher(live), script)

    @property
    def config(self) -> Config:
        """The config in service now (a reload may have changed it since the last request)."""
        return self.live.site.config

    def hints(self) -> SiteHints:
        return SiteHints(self.live.site)

    def locale_of(self, tag: str) -> str:
        """The enabled locale `tag` names; 422 saying why if none (malformed, or not enabled)."""
        found = self.config.enabled(tag)
        if found is None:
            try:
                canonical_tag(tag)
            except LocaleError as exc:
                raise HTTPException(422, exc.message) from None
            raise HTTPException(422, f"locale {tag!r} is not enabled")
        return found

    def known_page(self, slug: str) -> None:
        if slug not in slugs_of(self.config):
            raise HTTPException(404, f"no page {slug!r}")


async def workspace_of(request: Request) -> Workspace:
    """The app's workspace: 503 while the server reads the tree after an early start."""
    found: Workspace = request.app.state.workspace
    found.live.tree_site()
    return found


Space = Annotated[Workspace, Depends(workspace_of)]


def caller(request: Request, space: Space) -> Caller:
    """Who calls the review API, by token or session; 401 when neither is sent."""
    found = identify(request, space.accounts, space.config.policy)
    if found is None:
        raise HTTPException(401, "sign in, or send Authorization: Bearer TOKEN", UNAUTHORIZED)
    return found


Me = Annotated[Caller, Depends(caller)]
