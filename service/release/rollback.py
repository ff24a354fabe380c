"""A rollback: a new release serving what an earlier one served, never rewriting history."""

from __future__ import annotations

from dataclasses import replace

from service.release.publish import now
from service.release.store import Release

__all__ = ["rolled_back"]


def rolled_back(current: Release, target: Release, reason: str, by: str) -> Release:
    """A new release serving what `target` served (its static site made with its base URL and
    ui strings, `with_lists`); the state it records (what was considered, ledger heads) is the
    current one's, so the next publish does not undo it."""
    return replace(
        current,
        seq=current.seq + 1,
        created=now(),
        kind="rollback",
        reason=f"rollback to release {target.seq} ({target.id[:12]}): {reason}",
        by=by,
        previous=current.id,
        pages=target.pages,
        base_url=target.base_url,
        chrome=target.chrome,
        id="",
    )
