"""`clinic-l10n tm`: the translation memory (what the serving rule shows today) for agencies, and
the memory `update` fills untranslated entries from."""

from __future__ import annotations

from pathlib import Path

import click

from service.catalogs.memory import Memory
from service.cli.base import RELEASES, Group, config_of, enabled_locale
from service.core.config import Config
from service.core.yamlfile import atomic_write
from service.release.memory import gather, wanted
from service.release.store import ReleaseStore
from service.release.tmx import tmx, writable
from service.review.ledgers import utc_now
from service.site.prepared import Settings
from service.site.store import load_tree

__all__ = ["remembered", "tm_group"]


def remembered(
    ctx: click.Context, config: Config, releases: Path | None, needed_only: bool = False
) -> Memory:
    """The memory of the tree the command runs in, less the release store's withdrawals; with
    `needed_only`, only of the English some catalog lacks a translation of (what `update` uses)."""
    if not any(
        any(config.ledger_path(locale, "-").parent.glob("*.yaml")) for locale in config.locales
    ):
        return Memory.of(())  # no translation was ever approved: no tree to read
    store = ReleaseStore(Settings(root=ctx.obj, releases=releases).release_dir())
    tree = load_tree(config)
    return gather(tree, store.withdrawals(), wanted(tree) if needed_only else None)


@click.group("tm", cls=Group)
def tm_group() -> None:
    """Translation memory: every translation the serving rule shows today (approved for exactly
    its English and its text, passing every error-level check, not withdrawn)."""


@tm_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["tmx"]), default="tmx", show_default=True)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write.",
)
@click.option("--locale", help="Only this locale's translations (default: every locale's).")
@RELEASES
@click.pass_context
def tm_export_cmd(
    ctx: click.Context, fmt: str, out: Path, locale: str | None, releases: Path | None
) -> None:
    """Write the memory as TMX 1.4b (source language en): one <tu> per translation the serving
    rule shows today (an approved translation of an English since reworded is not exported), with
    its page, segment, reviewers and approval time as <prop>s and the approval time as the unit's
    creationdate; a plural message's <tuv> holds the form its catalog's Plural-Forms selects for
    n=1, its other forms are props. A translation holding a character XML 1.0 cannot carry (a C0 control)
    is left out and counted."""
    config = config_of(ctx)
    wanted = enabled_locale(config, locale) if locale is not None else None
    records = [r for r in remembered(ctx, config, releases).served if wanted in (None, r.locale)]
    kept, left = writable(records)
    atomic_write(out, tmx(kept, utc_now()))
    click.echo(f"wrote {len(kept)} translation unit(s) to {out}")
    if left:
        click.echo(f"left out {left} with characters XML 1.0 cannot carry (C0 controls)", err=True)
