"""`nginx-config`: the nginx configuration of the production topology (`service.release.nginx`)."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.base import RELEASES
from service.core.yamlfile import atomic_write
from service.release.nginx import ACCEL_PREFIX, NginxSite, nginx_config
from service.site.prepared import Settings

__all__ = ["nginx_config_cmd"]


@click.command("nginx-config")
@RELEASES
@click.option(
    "--upstream",
    required=True,
    metavar="HOST:PORT",
    help="Where `clinic-l10n serve --accel-redirect` listens.",
)
@click.option("--listen", default="80", show_default=True, help="nginx's PORT or ADDRESS:PORT.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=NginxSite.cache,
    show_default=True,
    help="nginx's cache of answers and its release socket (nginx's workers write here).",
)
@click.option(
    "--prefix",
    default=ACCEL_PREFIX,
    show_default=True,
    help="The internal location (give the same to `serve --accel-redirect`).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the configuration here (default: print it).",
)
@click.pass_context
def nginx_config_cmd(
    ctx: click.Context,
    releases: Path | None,
    upstream: str,
    listen: str,
    cache_dir: Path,
    prefix: str,
    out: Path | None,
) -> None:
    """Write nginx's configuration for serving releases: nginx sends the patient's HTML pages,
    fragments, images, stylesheet and the release's static site (/<locale>/…, /index.html,
    /sitemap.xml) straight from the release store's files (and keeps each
    answer a second), the Python server at --upstream only chooses which (the locale), and
    everything else (JSON API, workspace, /healthz) is proxied to it. See the README's
    "Production topology"."""
    store = Settings(root=ctx.obj, releases=releases).release_dir().resolve()
    site = NginxSite(store, upstream, listen, cache_dir.resolve(), prefix)
    try:
        text = nginx_config(site)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if out is None:
        click.echo(text, nl=False)
    else:
        atomic_write(out, text.encode("utf-8"))
        click.echo(f"wrote {out}: serve with `clinic-l10n serve --accel-redirect {prefix}`")
