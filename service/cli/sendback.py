"""`clinic-l10n review send-back`: a translation sent back to its translator with a comment."""

from __future__ import annotations

import click

from service.cli.base import enabled_locale
from service.cli.review import named_page, refuse_broken, review_tree, selecting, selection_of
from service.review.sendback import send_back

__all__ = ["send_back_cmd"]


@click.command("send-back")
@click.argument("locale")
@click.option("--page", "slug", required=True, help="Page slug, or 'ui'.")
@selecting
@click.option("--reviewer", required=True, help="Who sends it back (declared for LOCALE).")
@click.option("--comment", required=True, help="What the translator should change; kept.")
@click.pass_context
def send_back_cmd(
    ctx: click.Context,
    locale: str,
    slug: str,
    msgid: str | None,
    segment_id: str | None,
    reviewer: str,
    comment: str,
) -> None:
    """Send one translation back to its translator with a comment: a return event (who, when,
    which exact text, the comment) is added to the page's history, and the comment is written
    into the catalog above the entry as a translator comment (`# Sent back by …`), where Poedit,
    Lokalize or Weblate shows it. That exact text leaves every reviewer's queue (`review pending`
    lists it as not ready, with the comment) until the translator changes it. An approved text
    is revoked first (`review revoke`)."""
    selection = selection_of(msgid, segment_id)
    tree = review_tree(ctx, slug)
    tag = enabled_locale(tree.config, locale, allow_source=True)
    page = named_page(tree, slug)
    refuse_broken(tree, tag, page.slug)
    catalog = tree.catalogs.get((tag, page.slug))
    event = send_back(tree.config, page, tag, catalog, reviewer, comment, selection)
    po = tree.config.rel(tree.config.catalog_path(tag, page.slug))
    click.echo(f"sent back {event['id']} to its translator; the comment is in {po}")
