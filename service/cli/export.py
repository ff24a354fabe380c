"""`clinic-l10n export`: a copy of a release's static site (`service.release.export`)."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.base import RELEASES, config_of
from service.cli.release import named_release
from service.core.errors import ExportError
from service.release.export import NO_BASE, plan, write_export
from service.release.publish import publish
from service.release.store import Release, ReleaseStore
from service.render.links import base_url
from service.site.prepared import Settings, build_site

__all__ = ["export_cmd"]


@click.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("export"),
    show_default=True,
)
@click.option(
    "--release",
    "ref",
    metavar="RELEASE",
    help="Export this release (its number, or its id's first digits, as `rollback` takes them) "
    "instead of the current one, without publishing first.",
)
@click.option(
    "--base-url",
    "base",
    metavar="URL",
    help="Check that the release was made for this URL (`base_url` in l10n.yaml): refused if not.",
)
@RELEASES
@click.pass_context
def export_cmd(
    ctx: click.Context, out: Path, ref: str | None, base: str | None, releases: Path | None
) -> None:
    """Copy a release's static site into --out: the very files the server serves at the same
    paths (reviewed text only), each page in each locale at <locale>/<slug>/ (index.html, and
    index.json as the API sends it, its links pointing into the copy), a list of pages per
    locale at <locale>/, the choice of language (index.html), the stylesheet and images under
    assets/ and, for a release made with a base_url (l10n.yaml), sitemap.xml; links between the
    files are relative. Without --release, what the
    tree allows is published first (as a server does once it has read the tree) and the current
    release copied.
    Files that a previous export into --out wrote and this one does not are removed (the list is
    in --out/.clinic-l10n-export); nothing else there is touched."""
    wanted = base_url(base) if base is not None else None
    settings = Settings(root=ctx.obj, releases=releases)
    store = ReleaseStore(settings.release_dir())
    release = _release(ctx, settings, store, ref)
    if wanted is not None and wanted != release.base_url:
        raise ExportError(
            f"--base-url {wanted} is not the URL release {release.seq} was made for "
            f"({release.base_url or 'none: relative links'}); set base_url in l10n.yaml and "
            "publish, or leave --base-url out"
        )
    done = write_export(out, plan(store, release), () if release.base_url else (NO_BASE,))
    for note in done.notes:
        click.echo(f"clinic-l10n: {note}", err=True)
    click.echo(
        f"wrote {len(done.files)} files of release {release.seq} under {out} "
        f"({done.changed} changed, {len(done.removed)} removed)"
    )


def _release(
    ctx: click.Context, settings: Settings, store: ReleaseStore, ref: str | None
) -> Release:
    if ref is not None:
        found = named_release(list(store.chain()), ref)
        if found is None:
            raise ExportError(f"no release {ref!r} (give its number, or 6+ digits of its id)")
        return found
    done = publish(build_site(settings, config=config_of(ctx)), store)
    return done.release
