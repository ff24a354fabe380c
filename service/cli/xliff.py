"""`clinic-l10n xliff`: catalogs out to a CAT tool and back, as XLIFF 1.2 (`site.xliff`)."""

from __future__ import annotations

from pathlib import Path

import click

from service.catalogs.catalog import read_catalog_bytes
from service.catalogs.handoff import ONLY
from service.cli.base import Group, config_of, enabled_locale
from service.core.yamlfile import atomic_write
from service.site.store import load_tree
from service.site.xliff import export_locale, import_document

__all__ = ["xliff_group"]


@click.group("xliff", cls=Group)
def xliff_group() -> None:
    """Hand catalogs to a CAT tool (Trados, memoQ, Phrase) as XLIFF 1.2, and take its work back."""


def _only(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    wrong = [v for v in chosen if v not in ONLY]
    if wrong or not chosen:
        raise click.BadParameter(f"give new, changed or new,changed (not {value!r})")
    return chosen


@xliff_group.command("export")
@click.argument("locale")
@click.option(
    "--only",
    callback=_only,
    metavar="new,changed",
    help="Only untranslated entries (new), fuzzy ones (changed: the English changed since the "
    "translation, or a guess awaits a look), or both. Default: every entry.",
)
@click.option("--page", "slug", help="Only this page's catalog (or ui).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def xliff_export_cmd(
    ctx: click.Context, locale: str, only: tuple[str, ...], slug: str | None, output: Path
) -> None:
    """Write LOCALE's catalogs to OUTPUT as XLIFF 1.2: one <file> per catalog (original: the
    .po's path), one trans-unit per entry with the segment's id, the English, the translation
    and its state (needs-translation, needs-review-translation when fuzzy, translated, or
    signed-off when the serving rule finds it approved), the extracted and translator comments
    as notes, a note from clinic-l10n on safety-critical text, the source reference, and the
    export's records that `xliff import` reads (x-source-sha256: the English then;
    x-exported-sha256: the msgstr and fuzzy flag then)."""
    config = config_of(ctx)
    found = enabled_locale(config, locale)
    tree = load_tree(config, only=None if slug is None else {slug})
    data, count = export_locale(tree, found, only, slug)
    atomic_write(output, data)
    click.echo(f"wrote {count} unit(s) to {output}")


@xliff_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--translator",
    metavar="'NAME <EMAIL>'",
    help="Who translated (the catalogs' Last-Translator). Default: the contact of the file's "
    '<phase process-name="translation">; one of the two is needed.',
)
@click.pass_context
def xliff_import_cmd(ctx: click.Context, file: Path, translator: str | None) -> None:
    """Take a CAT tool's XLIFF back into the catalogs its <file>s name, as an edit of the .po:
    each unit passes the checks or is refused; a state translated, signed-off or final makes it
    translated, any other (needs-review-translation, new, …) fuzzy, and nothing is ever
    approved (the review does that). Each catalog that takes something is written atomically, with
    Last-Translator and PO-Revision-Date. A unit whose English changed since the export is
    refused; one the catalog changed since the export is kept as the catalog has it if the tool
    left it as exported, refused if the tool changed it too. A unit without the export's record
    (x-exported-sha256, which some tools drop) is taken over whatever the catalog has. A
    translator note written in the tool is added as a # comment. Prints each unit it took,
    skipped or refused (and why) and each note it added, then each file's counts and how many
    units had no record; exits 1 if any was refused."""
    config = config_of(ctx)
    data = read_catalog_bytes(file)
    reports = import_document(config, data, str(file), translator)
    refused = 0
    for report in reports:
        if report.refused:
            refused += len(report.outcomes) or 1
            click.echo(f"{report.original}: refused: {report.refused}")
            continue
        counts = dict.fromkeys(("took", "unchanged", "skipped", "refused"), 0)
        for o in report.outcomes:
            counts[o.verdict] += 1
            where = f"{report.original}: {o.id} (line {o.line})"
            if o.verdict != "unchanged":
                click.echo(f"{where}: {o.verdict}: {o.message}")
            for note in o.notes:
                click.echo(f"{where}: note added as a translator comment: {note}")
        refused += counts["refused"]
        click.echo(
            f"{'wrote' if report.written else 'unchanged'} {report.original}: "
            f"{counts['took']} taken, {counts['unchanged']} unchanged, "
            f"{counts['skipped']} skipped, {counts['refused']} refused"
        )
        if report.unrecorded:
            click.echo(
                f"{report.original}: {report.unrecorded} unit(s) carried no export record "
                "(x-exported-sha256): for those the tool's text replaced whatever the catalog "
                "had, a change made in the catalog since the export included"
            )
    if refused:
        click.echo(f"clinic-l10n: {refused} unit(s) or file(s) refused", err=True)
        ctx.exit(1)
