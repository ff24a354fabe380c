"""`clinic-l10n review pending LOCALE`: what awaits review, side by side with the English, and then
every text of the locale that is not served in it, each named (page, segment) with why."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import click

from service import review
from service.cli.base import enabled_locale
from service.cli.review import named_page, review_tree, side_by_side
from service.core.models import SOURCE_LOCALE, Page, Segment, bound_targets
from service.quality.characters import reveal
from service.quality.checks import Severity, Unit, blocking
from service.review import ledgers
from service.site.store import Tree

__all__ = ["pending_cmd"]

Reasons = dict[str, list[str]]  # by segment id, in page order


def _ready_reason(item: review.PendingItem) -> str:
    errors = sorted({f.check for f in item.findings if f.severity is Severity.ERROR})
    if errors:
        return f"check error: {', '.join(errors)} (it cannot be approved until it is fixed)"
    confirm = sorted({f.check for f in item.findings if f.severity is Severity.CONFIRM})
    return f"waiting for {item.lacking}" + (f", confirming {', '.join(confirm)}" if confirm else "")


def _served_reasons(tree: Tree, domain: Page, tag: str, reasons: Reasons) -> None:
    """What keeps each remaining text of `domain` off the page in `tag`: its English not approved,
    or an approval an error-level check (or the review policy) does not let stand."""
    config = tree.config
    catalog = tree.catalogs.get((tag, domain.slug))
    for seg in {s.key: s for s in domain.segments}.values():
        if tag != SOURCE_LOCALE and not tree.reviewed(domain, seg, SOURCE_LOCALE):
            reasons.setdefault(seg.id, []).append("its English is not approved (nor shown) yet")
        if seg.id in reasons or tree.reviewed(domain, seg, tag):
            continue
        forms, _ = review.approvable(seg, tag, catalog)
        unit = Unit.of(seg, forms, tag, config.do_not_translate, config.terminology)
        errors = sorted({f.check for f in blocking(unit)}) if tag != SOURCE_LOCALE else []
        why = f"check error: {', '.join(errors)}" if errors else "see `clinic-l10n check`"
        reasons.setdefault(seg.id, []).append(f"approved, but not served: {why}")


def _show_ready(domain: Page, tag: str, item: review.PendingItem, tree: Tree, width: int) -> None:
    seg = item.segment
    flag = " [SAFETY-CRITICAL]" if tree.config.policy.critical(seg) else ""
    click.echo(f"\n{domain.slug} · {seg.id} · {seg.type.value}{flag} · needs {item.lacking}")
    english = " / ".join(map(reveal, seg.source_forms))
    translated = " / ".join(map(reveal, item.forms))
    click.echo(side_by_side(f"en: {english}", f"{tag}: {translated}", width))
    for target in bound_targets(seg) if tag == SOURCE_LOCALE else ():
        click.echo(f"  approved with it: {reveal(target)}")
    for f in item.findings:
        click.echo(f"  {f.severity.value}: {f.check}: {f.message}")
    if item.approved_before is not None:
        before = item.approved_before
        click.echo(f"  approved before by {before.reviewer} ({before.reviewed_at}):")
        if item.english_diff:
            click.echo(f"    en: {reveal(item.english_diff)}")
        if item.translation_diff:
            click.echo(f"    {tag}: {reveal(item.translation_diff)}")


def _show_unready(domain: Page, seg: Segment, why: str) -> None:
    click.echo(f"\n{domain.slug} · {seg.id} · {seg.type.value} · not ready: {why}")
    click.echo(f"  en: {reveal(' / '.join(seg.source_forms))}")


def _pending_of(
    tree: Tree, domain: Page, tag: str
) -> tuple[list[review.PendingItem], list[tuple[Segment, str]]]:
    path = tree.config.ledger_path(tag, domain.slug)
    return review.pending(
        domain,
        tag,
        tree.catalogs.get((tag, domain.slug)),
        tree.ledgers.get((tag, domain.slug)),
        tree.config.policy,
        tree.config.do_not_translate,
        ledgers.load_history(path, tag, domain.slug, tree.config.rel(path))
        if (tag, domain.slug) in tree.ledgers
        else None,
        tree.config.terminology,
    )


def _summary(tag: str, listed: Sequence[tuple[str, Segment, list[str]]]) -> None:
    if listed:
        click.echo(f"\nNot served in {tag} yet, and why ({len(listed)}):")
    for slug, seg, why in listed:
        english = reveal(seg.source if len(seg.source) <= 50 else seg.source[:49] + "…")
        click.echo(f"  {slug} · {seg.id} · {english!r} · {'; '.join(why)}")


@click.command("pending")
@click.argument("locale")
@click.option("--page", "slug", help="Only this page (default: every page and ui).")
@click.pass_context
def pending_cmd(ctx: click.Context, locale: str, slug: str | None) -> None:
    """Show what awaits review in LOCALE: English and translation side by side, every check
    finding, and for text approved before, a word diff against what was approved; then each
    text not ready for review and why (untranslated, fuzzy, sent back with its comment). Last,
    every text not served in LOCALE, by page and segment, with why: not ready (and why), a check
    error, waiting for a review in a role, its English not approved, or an approval a check
    keeps off the page."""
    tree = review_tree(ctx, slug)
    tag = enabled_locale(tree.config, locale, allow_source=True)
    width = shutil.get_terminal_size((100, 20)).columns
    waiting = not_ready = 0
    listed: list[tuple[str, Segment, list[str]]] = []
    for domain in [named_page(tree, slug)] if slug else tree.domains:
        ready, unready = _pending_of(tree, domain, tag)
        waiting, not_ready = waiting + len(ready), not_ready + len(unready)
        reasons: Reasons = {}
        for item in ready:
            _show_ready(domain, tag, item, tree, width)
            reasons[item.segment.id] = [_ready_reason(item)]
        for seg, why in unready:
            _show_unready(domain, seg, why)
            reasons[seg.id] = [f"not ready: {why}"]
        _served_reasons(tree, domain, tag, reasons)
        listed += [(domain.slug, s, reasons.pop(s.id)) for s in domain.segments if s.id in reasons]
    _summary(tag, listed)
    click.echo(
        f"\n{waiting} awaiting review; {not_ready} not ready "
        "(untranslated, fuzzy, sent back, or not in the catalog)"
    )
