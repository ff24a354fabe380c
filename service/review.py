"""The review stage: approvals bound to the exact English and the exact translation by SHA-256,
kept as a signed history per page and locale (`locales/<locale>/reviews/<page>.yaml`, see
`history`); locale `en` holds source approvals.

Planning is pure. Every change to review state goes through `write_events`, which holds a lock on
the ledger's folder while it reads the history, decides and appends, so concurrent reviewers never
undo each other.
"""

from __future__ import annotations

import difflib
import fcntl
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import files
from .checks import Finding, Unit, blocking, run_checks
from .config import Config
from .errors import LedgerError, ReviewError
from .history import HEADER, History, read_history, record_of, render_events
from .models import (
    SOURCE_LOCALE,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Role,
    Segment,
    fingerprint,
)
from .policy import Policy, approvals_needed, judge, meaning, standing
from .yamlfile import atomic_write

__all__ = [
    "Decision",
    "PendingItem",
    "Selection",
    "approvable",
    "approve",
    "load_history",
    "load_ledger",
    "locked",
    "missing_roles",
    "pending",
    "plan_approvals",
    "plan_revocations",
    "read_text",
    "revoke",
    "utc_now",
    "word_diff",
    "write_events",
]


LEDGER_MAX_BYTES = 50 * 1024 * 1024  # about 80,000 events: a history only grows


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_text(path: Path, shown: str) -> tuple[str, bytes] | None:
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
    found = read_text(path, shown)
    return read_history(found[0] if found else "", shown, locale, domain)


def _ledger(history: History) -> Ledger:
    if history.problems:
        raise history.problems[0]
    return Ledger(
        history.path,
        history.locale,
        history.page,
        history.records,
        history.head,
        len(history.events),
    )


def load_ledger(path: Path, locale: str, domain: str, label: str = "") -> Ledger:
    """The approvals in force; a history that does not verify is an error at its first bad line."""
    return _ledger(load_history(path, locale, domain, label))


@contextmanager
def locked(path: Path) -> Iterator[int]:
    """An exclusive lock on a ledger's folder (flock on the folder itself: no lock file to leave
    behind), with the temp files of writers killed mid-write removed: while the lock is held
    nobody else can be writing one. Yields the folder's descriptor. The kernel drops the lock
    when the process dies, however it dies."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for stale in folder.glob(".*.yaml.*.tmp"):
            stale.unlink(missing_ok=True)
        yield fd
    finally:
        os.close(fd)


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
        found = read_text(path, shown)
        text, raw = found if found else ("", None)
        history = read_history(text, shown, locale, domain)
        new = list(plan(_ledger(history)))
        if not new:
            return []
        lines, written = render_events(history, new)
        base = text or HEADER.format(page=domain, locale=locale)
        if not base.endswith("\n"):
            base += "\n"
        atomic_write(path, base + lines, previous=raw)
        os.fsync(folder)
    return written


@dataclass(frozen=True)
class Selection:
    """Which segments a command is about: one by its English text or its id, or all of them."""

    msgid: str | None = None
    segment_id: str | None = None

    def picks(self, seg: Segment) -> bool:
        if self.segment_id is not None:
            return seg.id == self.segment_id
        return self.msgid is None or seg.source == self.msgid

    @property
    def one(self) -> bool:
        return self.msgid is not None or self.segment_id is not None

    def describe(self) -> str:
        if self.segment_id is not None:
            return f"segment id {self.segment_id!r}"
        return f"English text {(self.msgid or '')[:60]!r}"


def select(page: Page, selection: Selection) -> list[Segment]:
    """The distinct segments picked; naming one the page does not have is an error."""
    picked = list({s.key: s for s in page.segments if selection.picks(s)}.values())
    if selection.one and not picked:
        raise ReviewError(f"page {page.slug!r} has no {selection.describe()}")
    return picked


@dataclass(frozen=True)
class Decision:
    segment: Segment
    forms: tuple[str, ...]
    event: Mapping[str, Any] | None
    reason: str = ""

    @property
    def approved(self) -> bool:
        return self.event is not None

    @property
    def waiting_for_translation(self) -> bool:
        """Nothing for a reviewer to do yet: the translator has not translated it."""
        return self.reason in ("not translated", _NO_CATALOG)

    @property
    def already(self) -> bool:
        return self.reason == _ALREADY


_ALREADY = "already approved"
_NO_CATALOG = "no catalog for this locale; run `clinic-l10n update`"


def approvable(
    segment: Segment, locale: str, catalog: LoadedCatalog | None
) -> tuple[tuple[str, ...], str]:
    """The text a reviewer would approve for this segment, or why there is none."""
    if locale == SOURCE_LOCALE:
        return segment.source_forms, ""
    if catalog is None:
        return (), _NO_CATALOG
    entry = catalog.entries.get(segment.key)
    if entry is None or entry.msgid_plural != segment.source_plural:
        return (), "not in the catalog; run `clinic-l10n update`"
    if entry.fuzzy:
        return (), "fuzzy: the translator must confirm it first"
    if not entry.translated:
        return (), "not translated"
    if entry.errors:
        return (), "msgfmt -c rejects it: " + "; ".join(entry.errors)
    return entry.msgstr, ""


def translator_of(page: Page, locale: str, catalog: LoadedCatalog | None) -> str | None:
    """Whose text it is, for four eyes: the page's author for English, else Last-Translator."""
    if locale == SOURCE_LOCALE:
        return page.author
    return catalog.last_translator if catalog else None


def missing_roles(
    segment: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger | None,
    policy: Policy,
    translator: str | None,
) -> str:
    """What approval the text still lacks ("" when it is fully approved)."""
    current = ledger.approving(segment.key, segment.source_forms, forms) if ledger else ()
    verdict = judge(policy, current, segment, locale, translator)
    if verdict.counting:
        return ""
    needed = approvals_needed(segment, locale)
    if not needed:
        return "a review"
    refused = {r.seq for r, _ in verdict.refused}
    have = {r.role for r in current if r.seq not in refused}
    lacking = [r.value for r in Role if r in needed and r not in have]
    return " and ".join(lacking) + " review" if lacking else "a second reviewer"


def _approve_event(
    seg: Segment,
    locale: str,
    domain: str,
    forms: tuple[str, ...],
    translator: str | None,
    reviewer: str,
    role: Role,
    now: str,
) -> dict[str, Any]:
    return {
        "at": now,
        "event": "approve",
        "locale": locale,
        "page": domain,
        "id": seg.id,
        **({"msgctxt": seg.context} if seg.context is not None else {}),
        "msgid": seg.source,
        "msgstr": forms[0] if len(forms) == 1 else list(forms),
        "source_sha256": fingerprint(*seg.source_forms),
        "translation_sha256": fingerprint(*forms),
        **({"translator": translator} if translator else {}),
        "reviewer": reviewer,
        "role": role.value,
        "meaning": meaning(role, locale),
    }


def plan_approvals(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger,
    policy: Policy,
    reviewer: str,
    role: Role,
    selection: Selection = Selection(),
    terms: tuple[str, ...] = (),
    now: str = "",
) -> list[Decision]:
    """What `review approve` would do, segment by segment; nothing is written here. Who may
    approve is `policy.judge`, the rule the server applies to every record it serves."""
    translator = translator_of(page, locale, catalog)
    declared = policy.find(reviewer)
    name = declared.name if declared else " ".join(reviewer.split())
    decisions = []
    for seg in select(page, selection):
        forms, why = approvable(seg, locale, catalog)
        existing = ledger.records.get((seg.key, role))
        if not why and existing and existing.approves(seg.source_forms, forms):
            why = _ALREADY
        if not why:
            candidate = ReviewRecord(
                msgid=seg.source,
                source_sha256=fingerprint(*seg.source_forms),
                msgstr=forms,
                translation_sha256=fingerprint(*forms),
                translator=translator,
                reviewer=name,
                reviewed_at=now,
                role=role,
                seq=ledger.events + 1,
            )
            others = [
                r for r in ledger.approving(seg.key, seg.source_forms, forms) if r.role != role
            ]
            verdict = judge(policy, [*others, candidate], seg, locale, translator)
            why = next((w for r, w in verdict.refused if r is candidate), "")
        if not why and locale != SOURCE_LOCALE:
            findings = blocking(Unit.of(seg, forms, locale, terms))
            why = "; ".join(f"check {f.check}: {f.message}" for f in findings)
        if why:
            decisions.append(Decision(seg, forms, None, why))
            continue
        event = _approve_event(seg, locale, page.slug, forms, translator, name, role, now)
        decisions.append(Decision(seg, forms, event))
    return decisions


def plan_revocations(
    page: Page,
    locale: str,
    ledger: Ledger,
    policy: Policy,
    reviewer: str,
    reason: str,
    selection: Selection,
    role: Role | None = None,
    now: str = "",
) -> list[dict[str, Any]]:
    """The revoke events for the approvals in force of one text (of one role, or all of them).
    Any reviewer declared for the locale may revoke: stopping text being served never waits."""
    who = policy.find(reviewer)
    if who is None or not who.covers(locale):
        raise ReviewError(f"{reviewer!r} is not declared under 'reviewers:' for {locale}")
    if not reason.strip():
        raise ReviewError("a revocation needs a --reason")
    keys = {s.key for s in page.segments if selection.segment_id == s.id}
    gone = [
        r
        for (key, r_role), r in sorted(ledger.records.items(), key=lambda kv: kv[1].seq)
        if (key in keys or (selection.msgid is not None and r.msgid == selection.msgid))
        and role in (None, r_role)
    ]
    if not gone:
        raise ReviewError(f"no approval in force for {selection.describe()}", ledger.path)
    return [
        {
            "at": now,
            "event": "revoke",
            "locale": locale,
            "page": page.slug,
            **({"id": r.segment_id} if r.segment_id else {}),
            **({"msgctxt": r.msgctxt} if r.msgctxt is not None else {}),
            "msgid": r.msgid,
            "source_sha256": r.source_sha256,
            "translation_sha256": r.translation_sha256,
            "reviewer": who.name,
            "role": r.role.value,
            "reason": " ".join(reason.split()),
        }
        for r in gone
    ]


def word_diff(old: str, new: str) -> str:
    """Words removed and added, as `git diff --word-diff=plain` shows them.

    >>> word_diff("Take one 56 mg dose.", "Take one 84 mg dose.")
    'Take one [-56-]{+84+} mg dose.'
    """
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out += a[i1:i2]
            continue
        removed = "[-" + " ".join(a[i1:i2]) + "-]" if i2 > i1 else ""
        added = "{+" + " ".join(b[j1:j2]) + "+}" if j2 > j1 else ""
        out.append(removed + added)
    return " ".join(out)


@dataclass(frozen=True)
class PendingItem:
    """One text that waits for a review: what it lacks, what the checks say, and how it differs
    from what was approved before (empty when it was never approved)."""

    segment: Segment
    forms: tuple[str, ...]
    lacking: str
    findings: tuple[Finding, ...] = ()
    english_diff: str = ""
    translation_diff: str = ""
    approved_before: ReviewRecord | None = field(default=None, compare=False)


def _approved_before(
    seg: Segment, forms: tuple[str, ...], approvals: Sequence[ReviewRecord], on_page: set[Any]
) -> ReviewRecord | None:
    """The last approval of this text's earlier version: of the same English with another
    translation, else of the English it replaced (the most similar text no longer on the page)."""
    source, translation = fingerprint(*seg.source_forms), fingerprint(*forms)
    same = [r for r in approvals if r.key == seg.key and (r.translation_sha256 != translation)]
    if same:
        return same[-1]
    best, score = None, 0.6
    for r in approvals:
        if r.key in on_page or r.source_sha256 == source:
            continue
        ratio = difflib.SequenceMatcher(None, r.msgid, seg.source, autojunk=False).ratio()
        if ratio >= score:
            best, score = r, ratio
    return best


def pending(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger | None,
    policy: Policy,
    terms: tuple[str, ...] = (),
    history: History | None = None,
) -> tuple[list[PendingItem], list[tuple[Segment, str]]]:
    """What awaits a reviewer, and what is not ready (and why)."""
    translator = translator_of(page, locale, catalog)
    on_page = {s.key for s in page.segments}
    events = history.events if history is not None else ()
    approvals = [record_of(e) for e in events if e.kind == "approve"]  # read once per page
    ready, unready = [], []
    for seg in {s.key: s for s in page.segments}.values():
        forms, why = approvable(seg, locale, catalog)
        if why:
            unready.append((seg, why))
            continue
        lacking = missing_roles(seg, locale, forms, ledger, policy, translator)
        if not lacking:
            continue
        findings = (
            tuple(run_checks(Unit.of(seg, forms, locale, terms))) if locale != SOURCE_LOCALE else ()
        )
        before = _approved_before(seg, forms, approvals, on_page)
        english = translation = ""
        if before is not None:
            if before.msgid != seg.source:
                english = word_diff(before.msgid, seg.source)
            if locale != SOURCE_LOCALE and before.msgstr != forms:
                translation = word_diff(" / ".join(before.msgstr), " / ".join(forms))
        ready.append(PendingItem(seg, forms, lacking, findings, english, translation, before))
    return ready, unready


def approve(
    config: Config,
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    reviewer: str,
    role: Role,
    selection: Selection = Selection(),
) -> list[Decision]:
    """Approve what is ready among the selected segments, as one signed event per text, decided
    against the history as it is at the moment of writing (under the ledger's lock)."""
    why = standing(config.policy, reviewer, role, locale)
    if why:
        raise ReviewError(why)
    path = config.ledger_path(locale, page.slug)
    decisions: list[Decision] = []

    def plan(ledger: Ledger) -> list[Mapping[str, Any]]:
        decisions[:] = plan_approvals(
            page,
            locale,
            catalog,
            ledger,
            config.policy,
            reviewer,
            role,
            selection,
            config.do_not_translate,
            utc_now(),
        )
        return [d.event for d in decisions if d.event is not None]

    write_events(path, locale, page.slug, plan, config.rel(path))
    return decisions


def revoke(
    config: Config,
    page: Page,
    locale: str,
    reviewer: str,
    reason: str,
    selection: Selection,
    role: Role | None = None,
) -> list[str]:
    """Revoke the approvals in force of one text (one role's, or all), with who and why."""
    path = config.ledger_path(locale, page.slug)

    def plan(ledger: Ledger) -> list[dict[str, Any]]:
        return plan_revocations(
            page, locale, ledger, config.policy, reviewer, reason, selection, role, utc_now()
        )

    return write_events(path, locale, page.slug, plan, config.rel(path))
