"""`clinic-l10n check`: the whole tree as the server would serve it, or catalogs alone."""

from __future__ import annotations

import json
from pathlib import Path

import click

from service.cli.base import config_of
from service.core.config import CONFIG_NAME, Config, load_config_file
from service.quality.checks import Severity
from service.site.findings import FileFinding
from service.site.lone import check_file, config_above
from service.site.prepared import Settings, build_site

__all__ = ["check_cmd", "config_for"]


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="With FILES: the l10n.yaml whose protected terms and terminology apply (default: the "
    "nearest one in or above each file's folder; none found, none apply).",
)
@click.pass_context
def check_cmd(
    ctx: click.Context, files: tuple[Path, ...], fmt: str, config_file: Path | None
) -> None:
    """Check every page, catalog and ledger; print `path:line: level: check: message`; exit 1 on errors.

    With FILES (.po catalogs), check those catalogs alone, with no content tree: every check on
    every translated entry (and msgfmt's errors), at the line of its msgstr, as a translator's
    pre-flight before delivering."""
    findings = (
        _lone(files, config_file)
        if files
        else build_site(Settings(root=ctx.obj), config=config_of(ctx)).problems()
    )
    if fmt == "json":
        click.echo(
            json.dumps(
                {"findings": [{**f.__dict__, "severity": f.severity.value} for f in findings]},
                indent=2,
            )
        )
    else:
        for f in findings:
            click.echo(str(f))
    errors = sum(f.severity is Severity.ERROR for f in findings)
    confirm = sum(f.severity is Severity.CONFIRM for f in findings)
    if fmt == "text":
        warnings = len(findings) - errors - confirm
        click.echo(f"{errors} error(s), {confirm} to confirm, {warnings} warning(s)", err=True)
    if errors:
        ctx.exit(1)


def config_for(path: Path, config_file: Path | None) -> Config | None:
    """The config whose protected terms apply to the catalog `path` checked alone: the one given,
    else the nearest l10n.yaml above it (none found: none apply, and stderr says so)."""
    named = config_file or config_above(path)
    if named is None:
        click.echo(f"clinic-l10n: {path}: no {CONFIG_NAME} found; no protected terms", err=True)
        return None
    return load_config_file(named)


def _lone(files: tuple[Path, ...], config_file: Path | None) -> list[FileFinding]:
    """`check FILES`: each catalog alone, with the config given or the nearest one above it."""
    found: list[FileFinding] = []
    for path in files:
        found += check_file(path, config_for(path, config_file)).findings
    return found
