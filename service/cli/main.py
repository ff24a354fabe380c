"""`clinic-l10n`: the command line. Each command is its docstring and a call into a stage; the `review`,
`reviewer` and `audit` groups are in `cli_review`, `po` in `cli_po`, what they share in `cli_base`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import click

from service import __version__
from service.catalogs import extract, update
from service.cli.base import RELEASES, STATE_KEY, Group, config_of, enabled_locale
from service.cli.check import check_cmd
from service.cli.digest import digest_cmd
from service.cli.export import export_cmd
from service.cli.memory import recall, tm_group
from service.cli.nginx import nginx_config_cmd
from service.cli.pending import pending_cmd
from service.cli.po import po_group
from service.cli.release import history_cmd, publish_cmd, rollback_cmd, withdraw_cmd
from service.cli.review import audit_group, review_group, reviewer_group
from service.cli.sendback import send_back_cmd
from service.cli.xliff import xliff_group
from service.content.pages import load_pages, load_ui
from service.core.config import find_root
from service.core.limits import Limits, Stack
from service.site.coverage import CoverageRow, rows_as_json
from service.site.prepared import Settings, Site, build_site
from service.workspace.accounts import STATE_ENV, state_dir

__all__ = ["cli", "main"]


def _built(ctx: click.Context) -> Site:
    """The tree as the server would serve it, from the build cache where it has it (and into it
    where it has not)."""
    return build_site(Settings(root=ctx.obj), config=config_of(ctx))


@click.group(cls=Group)
@click.version_option(__version__, prog_name="clinic-l10n", message="%(prog)s %(version)s")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLINIC_L10N_ROOT",
    help="Content tree (default: current directory or $CLINIC_L10N_ROOT).",
)
@click.option(
    "--state",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=STATE_ENV,
    help="The web workspace's accounts and sessions (default: ROOT/.clinic-l10n, which git "
    "ignores; or $CLINIC_L10N_STATE).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None, state: Path | None) -> None:
    """Localize reviewed patient pages: extract, translate, review, serve."""
    ctx.obj = find_root(root)
    ctx.meta[STATE_KEY] = state_dir(ctx.obj, state)


review_group.add_command(pending_cmd)
review_group.add_command(send_back_cmd)
review_group.add_command(digest_cmd)
for _group in (review_group, reviewer_group, audit_group, po_group, xliff_group, tm_group):
    cli.add_command(_group)
for _command in (
    check_cmd,
    publish_cmd,
    withdraw_cmd,
    history_cmd,
    rollback_cmd,
    nginx_config_cmd,
    export_cmd,
):
    cli.add_command(_command)


@cli.command("extract")
@click.pass_context
def extract_cmd(ctx: click.Context) -> None:
    """Extract every source page (and the ui strings) into locales/templates/<page>.pot."""
    config = config_of(ctx)
    pages, errors = load_pages(config.pages_dir, config.fallback)
    ui = (
        load_ui(config.ui_source, config.rel(config.ui_source))
        if config.ui_source.exists()
        else None
    )
    for path, changed in extract.extract_all(config, pages, ui):
        click.echo(f"{'wrote' if changed else 'unchanged'} {config.rel(path)}")
    for err in errors:
        err.path = config.rel(err.path) if err.path else err.path
        click.echo(f"clinic-l10n: {err}", err=True)
    if errors:
        ctx.exit(1)


def _report(ctx: click.Context, outcomes: Iterable[update.Outcome], undone: str) -> None:
    """Print each catalog's outcome; failures go to stderr and make the exit code 1."""
    failed = 0
    for outcome in outcomes:
        if outcome.error:
            failed += 1
            click.echo(f"clinic-l10n: {outcome.error}", err=True)
        else:
            click.echo(f"{outcome.verb} {outcome.path}")
    if failed:
        click.echo(f"clinic-l10n: {failed} catalog(s) not {undone}", err=True)
        ctx.exit(1)


_JOBS = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes to spread the pages over (default: one per core).",
)


@cli.command("init")
@click.argument("locale")
@_JOBS
@click.pass_context
def init_cmd(ctx: click.Context, locale: str, jobs: int | None) -> None:
    """Create the catalogs of a newly enabled LOCALE from the templates."""
    config = config_of(ctx)
    _report(ctx, update.init_locale(config, enabled_locale(config, locale), jobs), "updated")


@cli.command("update")
@_JOBS
@click.option(
    "--memory/--no-memory",
    default=True,
    show_default=True,
    help="Fill untranslated entries from translation memory (`tm`), as fuzzy guesses.",
)
@RELEASES
@click.pass_context
def update_cmd(ctx: click.Context, jobs: int | None, memory: bool, releases: Path | None) -> None:
    """Merge the templates into every enabled locale's catalogs as `msgmerge --update --previous`
    does: changed English turns fuzzy with the old English shown (`#|`), removed English becomes
    obsolete (`#~`), and a catalog that would change in nothing but POT-Creation-Date is left as
    it is. A fuzzy guess never changes a number, a dose, a placeholder, a negation or a
    protected term. A catalog that cannot be read is reported and the others are updated.

    With memory (the default), an untranslated entry whose English is exactly that of a
    translation the serving rule shows today, in the same locale, gets that translation as a
    fuzzy entry with a `# memory:` comment naming the page, reviewers and date (this page's own
    first, then the latest approved); it is served only once a translator clears the flag and a
    reviewer approves it here. Where merging offered nothing for a changed English, the
    translation approved for its earlier wording on this page is offered fuzzy (with `#|`) if the
    guard and the checks allow it, and otherwise shown in `# memory:` comments with the reason.
    Memory leaves out what the release store's withdrawals (`--releases`) take off a page."""
    config = config_of(ctx)
    if memory:
        outcomes = update.update_remembering(config, recall(ctx, config, releases, jobs), jobs)
    else:
        outcomes = list(update.update_all(config, jobs))
    _report(ctx, outcomes, "updated")
    exact = sum(o.filled.exact for o in outcomes)
    near = sum(o.filled.near for o in outcomes)
    noted = sum(o.filled.noted for o in outcomes)
    refused = sum(o.filled.refused for o in outcomes)
    if exact or near or noted or refused:
        click.echo(
            f"memory: pre-filled {exact} exact and {near} near match(es) as fuzzy; "
            f"{noted} earlier wording(s) shown in comments; "
            f"{refused} candidate(s) refused by a check"
        )


@cli.command("compile")
@click.pass_context
def compile_cmd(ctx: click.Context) -> None:
    """Compile every catalog to .mo beside it (build output: never committed), as msgfmt does;
    a catalog `msgfmt -c` rejects is reported and not compiled, and the others are."""
    _report(ctx, update.compile_all(config_of(ctx)), "compiled")


def _table(rows: list[CoverageRow], markdown: bool) -> str:
    head = [
        "locale",
        "page",
        "total",
        "translated",
        "fuzzy",
        "untranslated",
        "approved",
        "served",
        "held",
        "blocked",
        "words",
        "served %",
    ]
    body: list[list[object]] = [
        [
            r.locale,
            r.page,
            r.total,
            r.translated,
            r.fuzzy,
            r.untranslated,
            r.approved,
            r.served,
            r.held,
            r.blocked,
            r.words,
            f"{r.served_percent:.1f}" + (" (error)" if r.error else ""),
        ]
        for r in rows
    ]
    cells = [head] + [[str(c) for c in row] for row in body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join(" --- " for _ in head) + "|")
        return "\n".join(lines)
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


@cli.command("coverage")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table")
@click.pass_context
def coverage_cmd(ctx: click.Context, fmt: str) -> None:
    """Per locale and page: total, translated, fuzzy, untranslated, approved, served, held,
    blocked, and words.

    Approved: the ledger and the checks allow the translation. Served: what a patient asking
    for that locale gets in it (the serving rule's answer). Held: approved but shown from
    another locale, with its safety-critical section or, under `fallback: page`, with the whole
    page. Blocked: approved in the ledger, kept off the page by an error-level check."""
    rows = _built(ctx).rows
    if fmt == "json":
        click.echo(json.dumps(rows_as_json(rows), indent=2, ensure_ascii=False))
    else:
        click.echo(_table(rows, markdown=fmt == "markdown"))


def _prefix(value: str | None) -> str | None:
    """`--accel-redirect`'s PREFIX: an nginx location, /name/."""
    if value is not None and not re.fullmatch(r"/[A-Za-z0-9_-]+/", value):
        raise click.BadParameter(f"{value!r} is not /name/ (letters, digits, _ and -)")
    return value


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (costs about a fifth of throughput).",
)
@click.option(
    "--poll",
    default=0.5,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds between looks at the content tree for changes.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes sharing the port and the build cache (one per core).",
)
@click.option(
    "--http",
    "stack",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "httptools", "h11"]),
    help="HTTP parser: httptools (auto, when installed) or h11.",
)
@click.option(
    "--header-timeout",
    default=Limits.header_timeout,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a client has to send its request head before it is dropped.",
)
@click.option(
    "--body-timeout",
    default=Limits.body_timeout,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a client has to send a request body (from the request's start); past it, 408.",
)
@click.option(
    "--max-connections",
    default=Limits.max_connections,
    show_default=True,
    type=click.IntRange(min=1),
    help="Open connections per worker; past it, the one that has waited on its client longest "
    "(idle, or a request unfinished) is closed to make room, else the new one is answered 503.",
)
@click.option(
    "--forwarded-allow-ips",
    "forwarded",
    metavar="IPS",
    envvar="CLINIC_L10N_FORWARDED_ALLOW_IPS",
    help="Behind a proxy: the addresses (comma-separated; networks like 10.0.0.0/8, or *) whose "
    "X-Forwarded-For and X-Forwarded-Proto are believed, for the client's address (the "
    "sign-in limit, the access log) and scheme (Secure cookies). Default: no one's.",
)
@RELEASES
@click.option(
    "--follow",
    is_flag=True,
    help="Never publish: serve the store's current release, and each newer one (a second "
    "server, or one host of several, on one store).",
)
@click.option(
    "--accel-redirect",
    "accel",
    metavar="PREFIX",
    callback=lambda _ctx, _param, value: _prefix(value),
    help="Behind nginx (`clinic-l10n nginx-config`): answer the HTML pages, images and the "
    "stylesheet with X-Accel-Redirect: PREFIX/<object> and no body; nginx sends the file.",
)
@click.pass_context
def serve_cmd(
    ctx: click.Context,
    host: str,
    port: int,
    access_log: bool,
    poll: float,
    workers: int,
    stack: Stack,
    header_timeout: float,
    body_timeout: float,
    max_connections: int,
    forwarded: str | None,
    releases: Path | None,
    follow: bool,
    accel: str | None,
) -> None:
    """Serve the current release over HTTP (JSON API, HTML pages, coverage dashboard). On a
    store that holds a release, that release is served at once while the tree is read
    (/healthz says `starting`; coverage and the workspace answer 503 until it is read); on an
    empty one, the tree is read and published first. Changes to
    the tree are published as the serving rule allows once the next poll sees them (an approval,
    a revocation; a draft English wording keeps the page's published version until it is
    approved), without a restart; `kill -HUP` makes it look at once. A release another process
    made (`withdraw`, `rollback`, `publish`) is served at the next poll. A file that fails to
    load keeps its last good version in service, and /healthz says `degraded` with its line.
    A client that does not send its request head within --header-timeout is dropped, and a head
    over 16 KB is refused (431); a request body must arrive within --body-timeout (else 408) and
    hold at most 256 KB (else 413)."""
    from service.web.server import AppFactory, ServeOptions, serve

    limits = Limits(
        header_timeout=header_timeout, max_connections=max_connections, body_timeout=body_timeout
    )
    options = ServeOptions(
        host, port, workers, stack, limits, access_log=access_log, forwarded_allow_ips=forwarded
    )
    factory = AppFactory(ctx.obj, poll, ctx.meta[STATE_KEY], releases, not follow, accel, limits)
    serve(factory, options)


def main() -> None:
    cli(prog_name="clinic-l10n")
