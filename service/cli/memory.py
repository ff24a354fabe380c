"""`clinic-l10n tm`: the translation memory (what the serving rule shows today) for agencies, and
the memory `update` fills untranslated entries from."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import click

from service.catalogs.memory import Memory
from service.catalogs.update import Recall, Wanted
from service.cli.base import RELEASES, Group, config_of, enabled_locale
from service.core.config import Config
from service.core.yamlfile import atomic_write
from service.release.memory import gather, gather_pages
from service.release.store import ReleaseStore, Withdrawal
from service.release.tmx import tmx, writable
from service.review.ledgers import utc_now
from service.site.prepared import Settings
from service.site.store import load_tree

__all__ = ["recall", "remembered", "tm_group"]


def _ever_approved(config: Config) -> bool:
    """Whether any ledger of a translation exists (if none, memory is empty: no tree to read)."""
    return any(
        any(config.ledger_path(locale, "-").parent.glob("*.yaml")) for locale in config.locales
    )


def _withdrawals(ctx: click.Context, releases: Path | None) -> list[Withdrawal]:
    return ReleaseStore(Settings(root=ctx.obj, releases=releases).release_dir()).withdrawals()


def remembered(ctx: click.Context, config: Config, releases: Path | None) -> Memory:
    """The memory of the tree the command runs in, less the release store's withdrawals."""
    if not _ever_approved(config):
        return Memory.of(())
    return gather(load_tree(config), _withdrawals(ctx, releases))


def recall(
    ctx: click.Context, config: Config, releases: Path | None, jobs: int | None = None
) -> Recall:
    """What `update` asks memory: the translations of the English `wanted`, from `pages` only
    (loaded with their catalogs and ledgers, in `jobs` processes when they are many), less the
    release store's withdrawals."""

    def memory_of(wanted: Wanted, pages: Collection[str]) -> Memory:
        if not _ever_approved(config):
            return Memory.of(())
        return gather_pages(config, pages, _withdrawals(ctx, releases), wanted, jobs)

    return memory_of


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
    n=1, its other forms are props. A translation holding a character XML 1.0 cannot carry (a C0 control
    other than tab, LF and CR, U+FFFE or U+FFFF) is left out and counted."""
    config = config_of(ctx)
    wanted = enabled_locale(config, locale) if locale is not None else None
    records = [r for r in remembered(ctx, config, releases).served if wanted in (None, r.locale)]
    kept, left = writable(records)
    atomic_write(out, tmx(kept, utc_now()))
    click.echo(f"wrote {len(kept)} translation unit(s) to {out}")
    if left:
        click.echo(
            f"left out {left} with characters XML 1.0 cannot carry (C0 controls, U+FFFE, U+FFFF)",
            err=True,
        )
