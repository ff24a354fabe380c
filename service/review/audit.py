"""The audit stage: verify every ledger's history, print one page's history, and start the
history of a ledger written before histories existed (an import event, then its approvals)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.core.config import Config
from service.core.errors import LedgerError, ReviewError
from service.core.locales import from_gettext
from service.core.policy import Policy
from service.core.yamlfile import LineDict, atomic_write, load_yaml
from service.review.history import HEADER, History, read_history
from service.review.ledgers import load_history, locked, read_ledger_text, render_events

__all__ = ["Verified", "import_ledger", "ledger_files", "log_lines", "verify"]


@dataclass(frozen=True)
class Verified:
    """One ledger file's verdict: its events, the chain head it ends on, what is wrong."""

    path: str
    locale: str
    page: str
    events: int
    head: str
    problems: tuple[LedgerError, ...]


def ledger_files(config: Config) -> Iterator[tuple[Path, str, str]]:
    """Every ledger file of the tree, pages or not: (path, BCP 47 locale, page)."""
    for folder in sorted(config.locales_dir.glob("*/reviews")):
        locale = from_gettext(folder.parent.name)
        for path in sorted(folder.glob("*.yaml")):
            yield path, locale, path.stem


def _in_git(config: Config, path: Path, rev: str) -> str | None:
    rel = path.relative_to(config.root).as_posix()
    done = subprocess.run(
        ["git", "-C", str(config.root), "show", f"{rev}:./{rel}"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def _since(config: Config, path: Path, history: History, rev: str) -> list[LedgerError]:
    """An append-only file: what the history held at `rev` must still be its beginning."""
    old_text = _in_git(config, path, rev)
    if old_text is None:
        return []
    old = read_history(old_text, history.path, history.locale, history.page)
    for before, now in zip(old.events, history.events, strict=False):
        if before.text != now.text:
            message = f"event {before.seq} was changed since {rev}"
            return [LedgerError(message, history.path, now.line)]
    if len(old.events) > len(history.events):
        lost = old.events[len(history.events)]
        message = f"event(s) from {lost.seq} on were removed since {rev} (the end was cut off)"
        at = history.events[-1].line if history.events else 1  # where the history now ends
        return [LedgerError(message, history.path, at)]
    return []


def verify(config: Config, since: str | None = None) -> list[Verified]:
    """Verify the history of every ledger file; with `since` (a git revision), also that each
    file still begins with every event it had then, which finds events cut off at the end."""
    out = []
    for path, locale, page in ledger_files(config):
        shown = config.rel(path)
        try:
            history = load_history(path, locale, page, shown)
        except LedgerError as exc:
            out.append(Verified(shown, locale, page, 0, "", (exc,)))
            continue
        problems = list(history.problems)
        if since and not problems:
            problems += _since(config, path, history, since)
        out.append(
            Verified(shown, locale, page, len(history.events), history.head, tuple(problems))
        )
    if since:
        present = {p for p, _, _ in ledger_files(config)}
        done = subprocess.run(
            ["git", "-C", str(config.root), "ls-tree", "-r", "--name-only", since, "--", "."],
            capture_output=True,
            text=True,
            check=False,
        )
        for name in done.stdout.splitlines():
            gone = config.root / name
            if "/reviews/" in name and name.endswith(".yaml") and gone not in present:
                error = LedgerError(f"removed since {since}", config.rel(gone), 1)
                out.append(Verified(config.rel(gone), "", gone.stem, 0, "", (error,)))
    return out


def log_lines(history: History) -> Iterator[str]:
    """One page's history as people read it: when, who, what, in which role, why."""
    for event in history.events:
        d = event.data
        head = f"{d['at']}  #{d['seq']}  {d['event']:<7}"
        if event.kind == "import":
            yield f"{head}  {d['count']} approval(s) carried over: {d['reason']}"
            continue
        what = f"{d.get('id') or '?'} {d['msgid'][:50]!r}"
        if event.kind == "approve":
            yield f"{head}  {d['role']:<10}  {d['reviewer']}  {what}  — {d['meaning']}"
        elif event.kind == "return":
            yield f"{head}  {'':<10}  {d['reviewer']}  {what}  — sent back: {d['reason']}"
        else:
            yield f"{head}  {d['role']:<10}  {d['reviewer']}  {what}  — reason: {d['reason']}"


def _old_records(text: str, path: str) -> list[LineDict]:
    data = load_yaml(text, path, LedgerError)
    if data is None:
        return []
    records = data.get("records") if isinstance(data, LineDict) else None
    if not isinstance(records, list) or not all(isinstance(r, LineDict) for r in records):
        raise LedgerError("not a ledger of the earlier format ('records:' list)", path, 1)
    return records


def _imported(raw: LineDict, locale: str, page: str, path: str, policy: Policy) -> dict[str, Any]:
    """An earlier record as an approve event, fields checked the same way as any event's (its
    role one the policy declares; the earlier format's default is the first declared role)."""
    role = str(raw.get("role", policy.role_names[0]))
    if policy.role(role) is None:
        raise LedgerError("record needs a role declared in l10n.yaml", path, raw.line_of("role"))
    event = {
        "at": raw.get("reviewed_at"),
        "event": "approve",
        "locale": locale,
        "page": page,
        **({"msgctxt": raw["msgctxt"]} if raw.get("msgctxt") is not None else {}),
        "msgid": raw.get("msgid"),
        "msgstr": raw.get("msgstr"),
        "source_sha256": raw.get("source_sha256"),
        "translation_sha256": raw.get("translation_sha256"),
        **({"translator": raw["translator"]} if raw.get("translator") else {}),
        "reviewer": raw.get("reviewer"),
        "role": role,
        "meaning": policy.meaning(role, locale),
    }
    return event


def import_ledger(config: Config, path: Path, locale: str, page: str, now: str) -> int:
    """Give a ledger of the earlier format (a `records:` list) a history: an import event, then
    one approve event per record, with its original time, reviewer and hashes. Returns how many
    approvals were carried over; a ledger that already has a history is left alone (0)."""
    shown = config.rel(path)
    with locked(path) as folder:
        found = read_ledger_text(path, shown)
        if found is None:
            raise ReviewError(f"no ledger at {shown}")
        if not read_history(found[0], shown, locale, page).problems:
            return 0
        records = [
            _imported(r, locale, page, shown, config.policy) for r in _old_records(found[0], shown)
        ]
        opening = {
            "at": now,
            "event": "import",
            "locale": locale,
            "page": page,
            "reviewer": "clinic-l10n audit import",
            "reason": "approvals recorded before review histories existed, carried over as they were",
            "count": len(records),
        }
        lines, _ = render_events(read_history("", shown, locale, page), [opening, *records])
        text = HEADER.format(page=page, locale=locale) + lines
        problems = read_history(text, shown, locale, page).problems
        if problems:  # a record of the earlier format that is not a valid approval
            raise LedgerError(f"cannot import: {problems[0].message}", shown)
        atomic_write(path, text, previous=found[1])
        os.fsync(folder)
    return len(records)
