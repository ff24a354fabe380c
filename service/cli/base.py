"""What every `clinic-l10n` command group shares: errors as one line and an exit code, the config
of the tree the command runs in, and a locale it names checked against the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from service.core.config import Config, load_config
from service.core.errors import L10nError, LocaleError
from service.core.locales import canonical_tag
from service.core.models import SOURCE_LOCALE

__all__ = ["RELEASES", "STATE_KEY", "Group", "config_of", "enabled_locale"]

# In ctx.meta: the workspace's state folder, as the root command worked it out.
STATE_KEY = "clinic_l10n.state"

# The release store, for every command that reads or writes one.
RELEASES = click.option(
    "--releases",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLINIC_L10N_RELEASES",
    help="The release store (default: ROOT/releases, or $CLINIC_L10N_RELEASES).",
)


class Group(click.Group):
    """Turns the project's errors into a one-line reason on stderr and the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except L10nError as exc:
            click.echo(f"clinic-l10n: {exc}", err=True)
            ctx.exit(exc.exit_code)


def config_of(ctx: click.Context) -> Config:
    return load_config(ctx.obj)


def enabled_locale(config: Config, tag: str, allow_source: bool = False) -> str:
    found = config.enabled(tag)
    if found == SOURCE_LOCALE and allow_source:
        return found
    if found is None or found == SOURCE_LOCALE:
        canonical = canonical_tag(tag)
        raise LocaleError(
            f"locale {canonical!r} is not enabled; add it under 'locales:' in l10n.yaml"
        )
    return found
