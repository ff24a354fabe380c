"""`clinic-l10n po`: the catalog layer on any gettext file, each command standing in for a GNU tool."""

from __future__ import annotations

import json
from pathlib import Path

import click

from service.catalogs import catalog as catalogs
from service.cli.base import Group
from service.cli.check import config_for
from service.core.workers import default_jobs
from service.core.yamlfile import edit_file
from service.quality.checks import Severity
from service.site.lone import check_file

__all__ = ["po_group"]


@click.group("po", cls=Group)
def po_group() -> None:
    """The catalog layer on any gettext file, agreeing with GNU gettext: check (msgfmt -c),
    stats (msgfmt --statistics), merge (msgmerge --previous), format (msgcat --width=79)."""


_FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


@po_group.command("check")
@_FILES
@click.option(
    "--clinical",
    is_flag=True,
    help="Also run the service's checks on each file alone, as `clinic-l10n check FILE` does.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="With --clinical: the l10n.yaml whose protected terms apply (default: the nearest one).",
)
@click.pass_context
def po_check_cmd(
    ctx: click.Context, files: tuple[Path, ...], clinical: bool, config_file: Path | None
) -> None:
    """Accept or reject each FILE as `msgfmt -c` does: print `path:line: severity: reason` for
    what it finds and exit 1 when any file has an error (warnings alone pass). With --clinical,
    also every check of the service on each file alone (`clinic-l10n check FILE`), and a file
    with an error-level finding is rejected too."""
    failed = 0
    for path in files:
        problems = catalogs.verify_file(path)
        for problem in problems:
            click.echo(str(problem))
        rejected = any(p.severity == "error" for p in problems)
        if clinical:
            found = check_file(path, config_for(path, config_file)).findings
            for finding in found:
                if finding.check not in ("msgfmt", "load"):  # msgfmt's, said above
                    click.echo(str(finding))
            rejected = rejected or any(f.severity is Severity.ERROR for f in found)
        failed += rejected
    if failed:
        click.echo(f"clinic-l10n: {failed} of {len(files)} file(s) rejected", err=True)
        ctx.exit(1)


@po_group.command("stats")
@_FILES
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def po_stats_cmd(files: tuple[Path, ...], fmt: str) -> None:
    """Count translated, fuzzy and untranslated messages of each FILE as `msgfmt --statistics`
    does (entries with a msgctxt and plural entries each count once; obsolete ones not at all)."""
    rows = []
    for path in files:
        counts = catalogs.statistics(path)
        rows.append(
            {
                "path": str(path),
                "translated": counts.translated,
                "fuzzy": counts.fuzzy,
                "untranslated": counts.untranslated,
                "total": counts.total,
            }
        )
        if fmt == "text":
            parts = [f"{counts.translated} translated"]
            parts += [f"{counts.fuzzy} fuzzy"] if counts.fuzzy else []
            parts += [f"{counts.untranslated} untranslated"] if counts.untranslated else []
            click.echo(f"{path}: {', '.join(parts)}")
    if fmt == "json":
        click.echo(json.dumps({"files": rows}, indent=2))


@po_group.command("merge")
@click.argument("old", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("template", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the merged catalog (may be OLD itself).",
)
@click.option(
    "--protect",
    multiple=True,
    help="A term a fuzzy guess may not change (repeatable), besides numbers and units.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes to spread a large catalog's fuzzy searches over (default: one per core).",
)
def po_merge_cmd(
    old: Path, template: Path, output: Path, protect: tuple[str, ...], jobs: int | None
) -> None:
    """Update OLD.po to TEMPLATE.pot as `msgmerge --previous` does: changed text turns fuzzy with
    its previous msgid, removed text becomes obsolete. A fuzzy guess never changes a number, a
    dose's unit or a protected term."""

    def edit() -> tuple[bytes | None, bytes, None]:
        read = output.read_bytes() if output.exists() else None
        return read, catalogs.merge_files(old, template, protect, jobs or default_jobs()), None

    changed, _ = edit_file(output, edit)  # a save of OUTPUT meanwhile: merged again
    click.echo(f"{'wrote' if changed else 'unchanged'} {output}")


@po_group.command("format")
@_FILES
@click.option("--in-place", "-i", is_flag=True, help="Rewrite each FILE instead of printing it.")
def po_format_cmd(files: tuple[Path, ...], in_place: bool) -> None:
    """Write each FILE as `msgcat --width=79` (and Poedit) write it, to standard output or, with
    --in-place, back to the file. Flags gettext does not know are kept, after the known ones."""
    for path in files:
        if not in_place:
            click.echo(catalogs.format_file(path), nl=False)
            continue

        def edit(path: Path = path) -> tuple[bytes, bytes, None]:
            read = catalogs.read_catalog_bytes(path, str(path))
            return read, catalogs.format_data(read, str(path)), None

        changed, _ = edit_file(path, edit)  # a save meanwhile: formatted again
        click.echo(f"{'formatted' if changed else 'unchanged'} {path}")
