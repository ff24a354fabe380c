"""Sending a translation back to its translator, with a comment: a `return` event in the page's
review history (who, when, which exact text, the comment), and the comment written into the
catalog above the entry as a translator comment, where the translator's tool shows it. That
exact text cannot be approved (it is not in any reviewer's queue) until the translator changes
it; the history keeps the comment for good.
"""

from __future__ import annotations

from typing import Any

from service.catalogs.catalog import read_catalog_bytes
from service.catalogs.notes import with_translator_comment
from service.core.config import Config
from service.core.errors import ReviewError
from service.core.models import SOURCE_LOCALE, Ledger, LoadedCatalog, Page, fingerprint
from service.core.yamlfile import edit_file
from service.review.approvals import Refused
from service.review.ledgers import utc_now, write_events
from service.review.readiness import Selection, approvable, select

__all__ = ["send_back"]


def _event(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger,
    name: str,
    comment: str,
    selection: Selection,
) -> dict[str, Any]:
    (seg,) = select(page, selection)
    forms, why = approvable(seg, locale, catalog)
    if why:
        raise ReviewError(f"{seg.id}: nothing to send back: {why}")
    if ledger.sent_back(seg.key, forms):
        raise ReviewError(f"{seg.id}: already {ledger.sent_back(seg.key, forms)}")
    sha = fingerprint(*forms)
    approved = [r for r in ledger.for_key(seg.key) if r.translation_sha256 == sha]
    if approved:
        who = ", ".join(f"{r.reviewer} ({r.role})" for r in approved)
        raise ReviewError(
            f"{seg.id}: approved by {who}: revoke it first "
            "(`clinic-l10n review revoke --reason …`), then send it back"
        )
    return {
        "at": utc_now(),
        "event": "return",
        "locale": locale,
        "page": page.slug,
        "id": seg.id,
        **({"msgctxt": seg.context} if seg.context is not None else {}),
        "msgid": seg.source,
        "msgstr": forms[0] if len(forms) == 1 else list(forms),
        "source_sha256": fingerprint(*seg.source_forms),
        "translation_sha256": sha,
        "reviewer": name,
        "reason": comment,
    }


def send_back(
    config: Config,
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    reviewer: str,
    comment: str,
    selection: Selection,
) -> dict[str, Any]:
    """Send one translation back (`selection` names one text): record it, then write the comment
    into the catalog. Returns the event as written. Any reviewer declared for the locale may."""
    if locale == SOURCE_LOCALE:
        raise ReviewError("English is the author's text: only a translation is sent back")
    if not selection.one:
        raise ReviewError("send back one text at a time (--id or --msgid)")
    who = config.policy.find(reviewer)
    if who is None or not who.covers(locale):
        raise Refused(f"{reviewer!r} is not declared under 'reviewers:' for {locale}")
    comment = " ".join(comment.split())
    if not comment:
        raise ReviewError("sending a text back needs a --comment for the translator")
    path = config.ledger_path(locale, page.slug)
    written: list[dict[str, Any]] = []

    def plan(ledger: Ledger) -> list[dict[str, Any]]:
        written[:] = [_event(page, locale, catalog, ledger, who.name, comment, selection)]
        return written

    write_events(path, locale, page.slug, plan, config.rel(path))
    event = written[0]
    po = config.catalog_path(locale, page.slug)
    note = f"Sent back by {who.name} on {event['at'][:10]}: {comment}"
    key = (event.get("msgctxt"), event["msgid"])

    def edit() -> tuple[bytes, bytes, None]:
        data = read_catalog_bytes(po, config.rel(po))
        return data, with_translator_comment(data, config.rel(po), key, note), None

    edit_file(po, edit)  # a translator's save meanwhile: the note goes into what they saved
    return event
