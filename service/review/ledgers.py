"""Ledger files: a page's review history in one locale read (bounded, verified) and appended to
under a lock on its folder, atomically. The format is `history`'s; what to append is decided by
`review` (approvals and revocations) and `audit` (imports).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.core import files
from service.core.errors import LedgerError
from service.core.models import Ledger
from service.core.yamlfile import atomic_write, folder_lock
from service.review.history import HEADER, History, encode, line_hash, read_history

__all__ = [
    "LEDGER_MAX_BYTES",
    "ledger_of",
    "load_history",
    "load_ledger",
    "locked",
    "read_ledger_text",
    "render_events",
    "utc_now",
    "write_events",
]


LEDGER_MAX_BYTES = 50 * 1024 * 1024  # about 80,000 events: a history only grows


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_ledger_text(path: Path, shown: str) -> tuple[str, bytes] | None:
    """A ledger's text and bytes, None when there is none; anything else in its place (a
    directory, a FIFO, an unreadable or huge file, bytes that are not UTF-8) is a LedgerError
    with the line, and never a wait."""
    if not os.path.lexists(path):
        return None
    raw = files.read_bytes(path, shown, LedgerError, LEDGER_MAX_BYTES)
    return files.decode_utf8(raw, shown, LedgerError), raw


def load_history(path: Path, locale: str, domain: str, label: str = "") -> History:
    """A ledger's history, read and verified (an empty one when there is no file)."""
    shown = label or str(path)
    found = read_ledger_text(path, shown)
    return read_history(found[0] if found else "", shown, locale, domain)


def ledger_of(history: History) -> Ledger:
    """The approvals in force of a verified history (its first problem, raised, otherwise)."""
    if history.problems:
        raise history.problems[0]
    return Ledger(
        history.path,
        history.locale,
        history.page,
        history.records,
        history.head,
        len(history.events),
        history.translators,
        history.revoked,
        history.returned,
    )


def load_ledger(path: Path, locale: str, domain: str, label: str = "") -> Ledger:
    """The approvals in force; a history that does not verify is an error at its first bad line."""
    return ledger_of(load_history(path, locale, domain, label))


@contextmanager
def locked(path: Path) -> Iterator[int]:
    """`folder_lock` on a ledger's folder, with the temp files of writers killed mid-write
    removed: while the lock is held nobody else can be writing one. Yields the folder's
    descriptor."""
    with folder_lock(path.parent) as fd:
        for stale in path.parent.glob(".*.yaml.*.tmp"):
            stale.unlink(missing_ok=True)
        yield fd


def write_events(
    path: Path,
    locale: str,
    domain: str,
    plan: Callable[[Ledger], Sequence[Mapping[str, Any]]],
    label: str = "",
) -> list[str]:
    """The one way review state changes. Under the folder's lock: read the history as it is now,
    let `plan` decide against the approvals in force, append the events it returns, write
    atomically (temp file, fsync, rename, fsync of the folder) keeping the file's mode. Returns
    the events written (their JSON). A history that does not verify is never appended to."""
    shown = label or str(path)
    with locked(path) as folder:
        found = read_ledger_text(path, shown)
        text, raw = found if found else ("", None)
        history = read_history(text, shown, locale, domain)
        new = list(plan(ledger_of(history)))
        if not new:
            return []
        lines, written = render_events(history, new)
        base = text or HEADER.format(page=domain, locale=locale)
        if not base.endswith("\n"):
            base += "\n"
        atomic_write(path, base + lines, previous=raw)
        os.fsync(folder)
    return written


def render_events(history: History, new: Sequence[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """The lines that append `new` (events without `seq` and `prev`) to `history`, and their JSON."""
    seq, prev = history.next_link()
    lines, texts = [], []
    for event in new:
        text = encode({**event, "seq": seq, "prev": prev})
        lines.append(f"- {text}\n")
        texts.append(text)
        seq, prev = seq + 1, line_hash(text)
    return "".join(lines), texts
