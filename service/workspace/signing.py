"""The approvals and revocations a reviewer signs in the workspace, and a page's history there,
read from the tree as it is on disk at that moment, not as the queue last saw it.

Approving and revoking load the config, the page and its catalog afresh and write through
`review.approve` / `review.revoke`, the CLI's functions: one write path, one lock, one policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service import review
from service.core.config import Config, load_config
from service.core.errors import L10nError, ReviewError
from service.core.models import LoadedCatalog, Page, ReviewRecord, Role
from service.review import ledgers
from service.review.history import History
from service.workspace.pending import load_domain, load_domain_catalog, slugs_of

__all__ = [
    "Approval",
    "approve_in_tree",
    "events_as_dicts",
    "history_in_tree",
    "revoke_in_tree",
]


def _load_fresh(root: Path, slug: str, locale: str) -> tuple[Config, Page, LoadedCatalog | None]:
    """The config, the page and its catalog as they are on disk now (what an approval is checked
    against); a file that does not load refuses the approval rather than guess."""
    try:
        config = load_config(root)
        if slug not in slugs_of(config):
            raise ReviewError(f"no page {slug!r}")
        return config, load_domain(config, slug), load_domain_catalog(config, slug, locale)
    except ReviewError:
        raise
    except L10nError as exc:
        raise ReviewError(f"cannot review while this is broken: {exc}") from exc


def approve_in_tree(
    root: Path,
    reviewer: str,
    locale: str,
    slug: str,
    role: Role,
    shown: Sequence[review.Shown],
    confirm: bool = False,
) -> list[review.Decision]:
    """Sign the shown texts of the page `slug` in the tree at `root` now, in `role`, bound to
    their SHA-256s (`review.TextChanged` when one is no longer what is on disk; `review.Refused`
    when the reviewer may not approve here); `confirm`: the reviewer ticked that the meaning is
    kept."""
    config, page, catalog = _load_fresh(root, slug, locale)
    return review.approve(
        config, page, locale, catalog, reviewer, role, shown=shown, confirm=confirm
    )


def revoke_in_tree(
    root: Path, reviewer: str, locale: str, slug: str, segment_id: str, role: Role, reason: str
) -> list[str]:
    """Revoke one role's approval of one segment of the page `slug` in the tree at `root` now,
    with the reviewer's reason."""
    config, page, _ = _load_fresh(root, slug, locale)
    return review.revoke(
        config, page, locale, reviewer, reason, review.Selection(segment_id=segment_id), role
    )


@dataclass(frozen=True)
class Approval:
    """An approval in force, as the history page lists it: revocable when its English is on the
    page (`segment_id`); `current` when it approves the text there now (else it is stale: the
    English or the translation changed, and it is not served)."""

    record: ReviewRecord
    segment_id: str | None
    current: bool


def history_in_tree(root: Path, slug: str, locale: str) -> tuple[History, tuple[Approval, ...]]:
    """A page's review history in `locale` (read from disk now), and the approvals in force."""
    config, page, catalog = _load_fresh(root, slug, locale)
    path = config.ledger_path(locale, slug)
    found = ledgers.load_history(path, locale, slug, config.rel(path))
    segments = {s.key: s for s in page.segments}

    def current(record: ReviewRecord) -> bool:
        seg = segments.get(record.key)
        forms = review.approvable(seg, locale, catalog)[0] if seg else ()
        return bool(seg and forms and record.approves(seg, locale, forms))

    approvals = tuple(
        Approval(r, segments[r.key].id if r.key in segments else None, current(r))
        for r in sorted(found.records.values(), key=lambda r: r.seq)
    )
    return found, approvals


def events_as_dicts(history: History) -> list[dict[str, Any]]:
    """Newest first, as the history page shows them."""
    return [dict(e.data, line=e.line) for e in reversed(history.events)]
