"""The review ledger: approvals bound to the exact English and the exact translation by SHA-256.

`locales/<locale>/reviews/<page>.yaml`; locale `en` holds source approvals. Planning an approval is pure;
`save_ledger` writes atomically (temp file + rename).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .checks import Unit, blocking
from .errors import LedgerError
from .models import (
    SOURCE_LOCALE,
    Key,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Role,
    Segment,
    fingerprint,
    same_person,
)
from .resolve import approvals_needed, sufficient_reviews
from .yamlfile import LineDict, atomic_write, dump_yaml, load_yaml

__all__ = [
    "Decision",
    "apply",
    "approvable",
    "load_ledger",
    "missing_roles",
    "parse_ledger",
    "pending",
    "plan_approvals",
    "render_ledger",
    "revoke",
    "save_ledger",
    "utc_now",
]

_HEX = re.compile(r"^[0-9a-f]{64}$")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field(raw: LineDict, key: str, path: str, pattern: re.Pattern[str] | None = None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value or (pattern and not pattern.match(value)):
        raise LedgerError(f"record needs a valid '{key}'", path, raw.line_of(key))
    return value


def _role(raw: LineDict, path: str) -> Role:
    try:
        return Role(str(raw.get("role")))
    except ValueError:
        roles = " or ".join(repr(r.value) for r in Role)
        raise LedgerError(f"record needs 'role': {roles}", path, raw.line_of("role")) from None


def _record(raw: Any, path: str) -> ReviewRecord:
    if not isinstance(raw, LineDict):
        raise LedgerError("each record must be a mapping", path)
    msgstr = raw.get("msgstr")
    forms = tuple(msgstr) if isinstance(msgstr, list) else (msgstr,)
    if not all(isinstance(f, str) for f in forms):
        raise LedgerError(
            "record needs 'msgstr' as text or a list of texts", path, raw.line_of("msgstr")
        )
    translator = raw.get("translator")
    if translator is not None and not isinstance(translator, str):
        raise LedgerError("'translator' must be text", path, raw.line_of("translator"))
    msgctxt = raw.get("msgctxt")
    if msgctxt is not None and not isinstance(msgctxt, str):
        raise LedgerError("'msgctxt' must be text", path, raw.line_of("msgctxt"))
    return ReviewRecord(
        msgctxt=msgctxt,
        msgid=_field(raw, "msgid", path),
        source_sha256=_field(raw, "source_sha256", path, _HEX),
        msgstr=forms,
        translation_sha256=_field(raw, "translation_sha256", path, _HEX),
        translator=translator,
        reviewer=_field(raw, "reviewer", path),
        reviewed_at=_field(raw, "reviewed_at", path, _TIME),
        role=_role(raw, path),
        line=raw.line,
    )


def parse_ledger(text: str, path: str, locale: str, domain: str) -> Ledger:
    data = load_yaml(text, path, LedgerError)
    if data is None:
        return Ledger(path, locale, domain, {})
    if not isinstance(data, LineDict) or not isinstance(data.get("records", []), list):
        raise LedgerError("expected a mapping with a 'records' list", path, 1)
    records: dict[tuple[Key, Role], ReviewRecord] = {}
    for raw in data.get("records") or []:
        record = _record(raw, path)
        key = (record.key, record.role)
        if key in records:
            first = records[key].line
            raise LedgerError(
                f"second record for the same msgctxt, msgid and role (first at line {first})",
                path,
                record.line,
            )
        records[key] = record
    return Ledger(path, locale, domain, records)


def load_ledger(path: Path, locale: str, domain: str, label: str = "") -> Ledger:
    shown = label or str(path)
    if not path.exists():
        return Ledger(shown, locale, domain, {})
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError(f"not UTF-8 ({exc.reason})", shown) from exc
    return parse_ledger(text, shown, locale, domain)


def render_ledger(ledger: Ledger, page: Page | None = None) -> str:
    """Records in page order (unknown ones after, as they were), so diffs stay small."""
    order = {s.key: i for i, s in enumerate(page.segments)} if page else {}
    records = sorted(
        ledger.records.values(),
        key=lambda r: (order.get(r.key, len(order)), list(Role).index(r.role), r.line),
    )
    rows = []
    for r in records:
        rows.append(
            {
                **({"msgctxt": r.msgctxt} if r.msgctxt is not None else {}),
                "msgid": r.msgid,
                "msgstr": r.msgstr[0] if len(r.msgstr) == 1 else list(r.msgstr),
                "source_sha256": r.source_sha256,
                "translation_sha256": r.translation_sha256,
                "translator": r.translator,
                "reviewer": r.reviewer,
                "role": r.role.value,
                "reviewed_at": r.reviewed_at,
            }
        )
    head = (
        f"# Review ledger: {ledger.domain} in {ledger.locale}. Written by `clinic-l10n review`.\n"
        "# Each record approves one exact text against one exact English text (SHA-256 of each);\n"
        "# editing either voids the record.\n"
    )
    return head + dump_yaml({"locale": ledger.locale, "page": ledger.domain, "records": rows})


def save_ledger(path: Path, ledger: Ledger, page: Page | None = None) -> bool:
    return atomic_write(path, render_ledger(ledger, page))


@dataclass(frozen=True)
class Decision:
    segment: Segment
    forms: tuple[str, ...]
    record: ReviewRecord | None
    reason: str = ""

    @property
    def approved(self) -> bool:
        return self.record is not None


def approvable(
    segment: Segment, locale: str, catalog: LoadedCatalog | None
) -> tuple[tuple[str, ...], str]:
    """The text a reviewer would approve for this segment, or why there is none."""
    if locale == SOURCE_LOCALE:
        return segment.source_forms, ""
    if catalog is None:
        return (), "no catalog for this locale; run `clinic-l10n update`"
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


def missing_roles(
    segment: Segment, locale: str, forms: tuple[str, ...], ledger: Ledger | None
) -> str:
    """What approval the text still lacks ("" when it is fully approved)."""
    current = ledger.approving(segment.key, segment.source_forms, forms) if ledger else ()
    needed = approvals_needed(segment, locale)
    if sufficient_reviews(current, needed):
        return ""
    if not needed:
        return "a review"
    lacking = [r.value for r in Role if r in needed and r not in {c.role for c in current}]
    return " and ".join(lacking) + " review" if lacking else "a second reviewer"


def pending(
    page: Page, locale: str, catalog: LoadedCatalog | None, ledger: Ledger | None
) -> tuple[list[tuple[Segment, tuple[str, ...], str]], list[tuple[Segment, str]]]:
    """What awaits a reviewer (segment, text, what it lacks), and what is not ready (and why)."""
    ready, unready = [], []
    for seg in {s.key: s for s in page.segments}.values():
        forms, why = approvable(seg, locale, catalog)
        if why:
            unready.append((seg, why))
        elif lacking := missing_roles(seg, locale, forms, ledger):
            ready.append((seg, forms, lacking))
    return ready, unready


def _refusal(
    seg: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger,
    reviewer: str,
    role: Role,
    translator: str | None,
) -> str:
    """Why this reviewer may not approve this text in this role ("" when they may)."""
    existing = ledger.records.get((seg.key, role))
    if existing and existing.approves(seg.source_forms, forms):
        return "already approved"
    if locale != SOURCE_LOCALE and translator is None:
        return "the catalog has no Last-Translator, so four eyes cannot be checked"
    if same_person(reviewer, translator):
        who = "author" if locale == SOURCE_LOCALE else "translator (Last-Translator)"
        return f"four eyes: {reviewer!r} is this text's {who}"
    if len(approvals_needed(seg, locale)) == 2:
        approving = ledger.approving(seg.key, seg.source_forms, forms)
        other = next((r for r in approving if r.role != role), None)
        if other and same_person(reviewer, other.reviewer):
            return f"safety-critical text needs two people: {reviewer!r} already approved it as {other.role.value}"
    return ""


def plan_approvals(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger,
    reviewer: str,
    msgid: str | None = None,
    now: str = "",
    terms: tuple[str, ...] = (),
    role: Role = Role.LINGUISTIC,
) -> list[Decision]:
    """What `review approve` would do, segment by segment; nothing is written here."""
    translator = (
        page.author if locale == SOURCE_LOCALE else (catalog.last_translator if catalog else None)
    )
    seen: set[Key] = set()
    decisions = []
    for seg in page.segments:
        if seg.key in seen or (msgid is not None and seg.source != msgid):
            continue
        seen.add(seg.key)
        forms, why = approvable(seg, locale, catalog)
        why = why or _refusal(seg, locale, forms, ledger, reviewer, role, translator)
        if not why and locale != SOURCE_LOCALE:
            findings = blocking(Unit(seg.source_forms, forms, locale, terms))
            why = "; ".join(f"check {f.check}: {f.message}" for f in findings)
        if why:
            decisions.append(Decision(seg, forms, None, why))
            continue
        record = ReviewRecord(
            msgctxt=seg.context,
            msgid=seg.source,
            source_sha256=fingerprint(*seg.source_forms),
            msgstr=forms,
            translation_sha256=fingerprint(*forms),
            translator=translator,
            reviewer=" ".join(reviewer.split()),
            reviewed_at=now or utc_now(),
            role=role,
        )
        decisions.append(Decision(seg, forms, record))
    return decisions


def apply(ledger: Ledger, decisions: Sequence[Decision]) -> Ledger:
    records = dict(ledger.records)
    for d in decisions:
        if d.record:
            records[(d.record.key, d.record.role)] = d.record
    return Ledger(ledger.path, ledger.locale, ledger.domain, records)


def revoke(
    ledger: Ledger, msgid: str, role: Role | None = None, msgctxt: str | None = None
) -> Ledger:
    """Remove the approvals of one entry (of one role, or all of them)."""
    gone = [k for k in ledger.records if k[0] == (msgctxt, msgid) and role in (None, k[1])]
    if not gone:
        raise LedgerError(f"no approval recorded for msgid {msgid[:60]!r}", ledger.path)
    records = {k: v for k, v in ledger.records.items() if k not in gone}
    return Ledger(ledger.path, ledger.locale, ledger.domain, records)
