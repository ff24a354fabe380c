"""`clinic-l10n`: the command line. Each command is its docstring and a call into a stage."""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from . import audit, catalogs, extract, ledgers, review, update
from .accounts import STATE_ENV, Accounts, state_dir
from .checks import Severity
from .config import Config, find_root, load_config
from .content import load_pages, load_ui
from .coverage import CoverageRow, rows_as_json
from .errors import AccountError, L10nError, LocaleError, ReviewError
from .limits import Limits, Stack
from .locales import canonical_tag
from .models import SOURCE_LOCALE, Page, Role
from .site import Settings, Site, build_site
from .store import Tree, load_tree
from .yamlfile import atomic_write

__all__ = ["cli", "main"]


class _Cli(click.Group):
    """Turns the project's errors into a one-line reason on stderr and the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except L10nError as exc:
            click.echo(f"clinic-l10n: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj)


def _built(ctx: click.Context) -> Site:
    """The tree as the server would serve it, from the build cache where it has it (and into it
    where it has not)."""
    return build_site(Settings(root=ctx.obj), config=_config(ctx))


def _locale(config: Config, tag: str, allow_source: bool = False) -> str:
    found = config.enabled(tag)
    if found == SOURCE_LOCALE and allow_source:
        return found
    if found is None or found == SOURCE_LOCALE:
        canonical = canonical_tag(tag)
        raise LocaleError(
            f"locale {canonical!r} is not enabled; add it under 'locales:' in l10n.yaml"
        )
    return found


@click.group(cls=_Cli)
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
    ctx.meta[_STATE] = state_dir(ctx.obj, state)


_STATE = "clinic_l10n.state"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@cli.command("extract")
@click.pass_context
def extract_cmd(ctx: click.Context) -> None:
    """Extract every source page (and the ui strings) into locales/templates/<page>.pot."""
    config = _config(ctx)
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
    config = _config(ctx)
    _report(ctx, update.init_locale(config, _locale(config, locale), jobs), "updated")


@cli.command("update")
@_JOBS
@click.pass_context
def update_cmd(ctx: click.Context, jobs: int | None) -> None:
    """Merge the templates into every enabled locale's catalogs as `msgmerge --update --previous`
    does: changed English turns fuzzy with the old English shown (`#|`), removed English becomes
    obsolete (`#~`), and a catalog that would change in nothing but POT-Creation-Date is left as
    it is. A fuzzy guess never changes a number, a dose, a placeholder, a negation or a
    protected term. A catalog that cannot be read is reported and the others are updated."""
    _report(ctx, update.update_all(_config(ctx), jobs), "updated")


@cli.command("compile")
@click.pass_context
def compile_cmd(ctx: click.Context) -> None:
    """Compile every catalog to .mo beside it (build output: never committed), as msgfmt does;
    a catalog `msgfmt -c` rejects is reported and not compiled, and the others are."""
    _report(ctx, update.compile_all(_config(ctx)), "compiled")


@cli.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def check_cmd(ctx: click.Context, fmt: str) -> None:
    """Check every page, catalog and ledger; print `path:line: level: check: message`; exit 1 on errors."""
    findings = _built(ctx).problems()
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
    if fmt == "text":
        click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if errors:
        ctx.exit(1)


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


@cli.group("review", cls=_Cli)
def review_group() -> None:
    """Approve English and translations into the ledger, or revoke an approval."""


def _page(tree: Tree, slug: str) -> Page:
    if tree.ui and slug == tree.ui.slug:
        return tree.ui
    if slug not in tree.pages:
        raise ReviewError(f"no page {slug!r}; pages: {', '.join(sorted(tree.pages)) or 'none'}")
    return tree.pages[slug]


def _strict(tree: Tree, locale: str, slug: str) -> None:
    """Review commands refuse to work on a broken catalog or ledger rather than guess."""
    broken = tree.broken.get((locale, slug)) or tree.broken.get((SOURCE_LOCALE, slug))
    if broken:
        raise ReviewError(f"cannot review while this is broken: {broken}")


def _side_by_side(left: str, right: str, width: int) -> str:
    col = max(20, (width - 3) // 2)
    a, b = textwrap.wrap(left, col) or [""], textwrap.wrap(right, col) or [""]
    rows = [
        (a[i] if i < len(a) else "", b[i] if i < len(b) else "") for i in range(max(len(a), len(b)))
    ]
    return "\n".join(f"{x.ljust(col)} | {y}".rstrip() for x, y in rows)


_SELECT = [
    click.option("--msgid", help="One message, given by its English text."),
    click.option("--id", "segment_id", help="One segment, given by its id (as the API shows it)."),
]


def _selection(msgid: str | None, segment_id: str | None, all_: bool = False) -> review.Selection:
    if sum((msgid is not None, segment_id is not None, all_)) != 1:
        raise ReviewError("give exactly one of --all, --msgid TEXT or --id SEGMENT-ID")
    return review.Selection(msgid, segment_id)


def _selecting(command: Any) -> Any:
    for option in reversed(_SELECT):
        command = option(command)
    return command


@review_group.command("pending")
@click.argument("locale")
@click.option("--page", "slug", help="Only this page (default: every page and ui).")
@click.pass_context
def pending_cmd(ctx: click.Context, locale: str, slug: str | None) -> None:
    """Show what awaits review in LOCALE: English and translation side by side, every check
    finding, and for text approved before, a word diff against what was approved."""
    tree = load_tree(_config(ctx))
    tag = _locale(tree.config, locale, allow_source=True)
    width = shutil.get_terminal_size((100, 20)).columns
    domains = [_page(tree, slug)] if slug else tree.domains
    waiting = not_ready = 0
    for domain in domains:
        path = tree.config.ledger_path(tag, domain.slug)
        ready, unready = review.pending(
            domain,
            tag,
            tree.catalogs.get((tag, domain.slug)),
            tree.ledgers.get((tag, domain.slug)),
            tree.config.policy,
            tree.config.do_not_translate,
            ledgers.load_history(path, tag, domain.slug, tree.config.rel(path))
            if (tag, domain.slug) in tree.ledgers
            else None,
        )
        waiting, not_ready = waiting + len(ready), not_ready + len(unready)
        for item in ready:
            seg = item.segment
            flag = " [SAFETY-CRITICAL]" if seg.critical else ""
            click.echo(
                f"\n{domain.slug} · {seg.id} · {seg.type.value}{flag} · needs {item.lacking}"
            )
            english, translated = " / ".join(seg.source_forms), " / ".join(item.forms)
            click.echo(_side_by_side(f"en: {english}", f"{tag}: {translated}", width))
            for f in item.findings:
                click.echo(f"  {f.severity.value}: {f.check}: {f.message}")
            if item.approved_before is not None:
                before = item.approved_before
                click.echo(f"  approved before by {before.reviewer} ({before.reviewed_at}):")
                if item.english_diff:
                    click.echo(f"    en: {item.english_diff}")
                if item.translation_diff:
                    click.echo(f"    {tag}: {item.translation_diff}")
    click.echo(f"\n{waiting} awaiting review; {not_ready} not ready (untranslated or fuzzy)")


@review_group.command("approve")
@click.argument("locale")
@click.option("--page", "slug", required=True, help="Page slug, or 'ui' for the site's strings.")
@click.option(
    "--reviewer", required=True, help="Your name as declared under reviewers: in l10n.yaml."
)
@click.option("--all", "all_", is_flag=True, help="Approve everything that is ready.")
@_selecting
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    help="What you vouch for (default: linguistic; clinical for en). Safety-critical text needs both.",
)
@click.option(
    "--shown",
    metavar="SOURCE_SHA256:TRANSLATION_SHA256",
    help="With --id: approve only if the English and the translation are still the texts with "
    "these SHA-256s (as GET /v1/reviews/pending gives them); else nothing is written.",
)
@click.pass_context
def approve_cmd(
    ctx: click.Context,
    locale: str,
    slug: str,
    reviewer: str,
    all_: bool,
    msgid: str | None,
    segment_id: str | None,
    role: str | None,
    shown: str | None,
) -> None:
    """Approve what is translated, not fuzzy, passes the checks and is not yet approved in your
    role (LOCALE may be `en`); each approval is a signed event in the page's review history.
    Your roles and locales are declared under `reviewers:` in l10n.yaml."""
    selection = _selection(msgid, segment_id, all_)
    tree = load_tree(_config(ctx))
    tag = _locale(tree.config, locale, allow_source=True)
    vouch = Role(role) if role else (Role.CLINICAL if tag == SOURCE_LOCALE else Role.LINGUISTIC)
    page = _page(tree, slug)
    _strict(tree, tag, page.slug)
    catalog = tree.catalogs.get((tag, page.slug))
    bound = []
    if shown is not None:
        source, _, translation = shown.partition(":")
        if segment_id is None or not (_SHA256.fullmatch(source) and _SHA256.fullmatch(translation)):
            raise ReviewError("--shown takes SOURCE_SHA256:TRANSLATION_SHA256, with --id")
        bound = [review.Shown(segment_id, source, translation)]
    decisions = review.approve(
        tree.config, page, tag, catalog, reviewer, vouch, selection, shown=bound
    )
    approved = [d for d in decisions if d.approved]
    untranslated = [d for d in decisions if d.waiting_for_translation]
    for d in decisions:
        if d.approved:
            click.echo(f"approved {d.segment.id} ({vouch.value}): {d.forms[0][:70]}")
        elif selection.one or not (d.already or d.waiting_for_translation):
            click.echo(f"refused  {d.segment.id}: {d.reason}")
    refused = len(decisions) - len(approved) - len(untranslated)
    path = tree.config.rel(tree.config.ledger_path(tag, page.slug))
    summary = f"{len(approved)} approved" + (f", written to {path}" if approved else "")
    if not selection.one:
        already = sum(d.already for d in decisions)
        summary += f"; {refused - already} refused; {already} already approved"
        summary += f"; {len(untranslated)} not translated yet"
    click.echo(summary)
    if selection.one and not approved:
        ctx.exit(1)


@review_group.command("revoke")
@click.argument("locale")
@click.option("--page", "slug", required=True, help="Page slug, or 'ui'.")
@_selecting
@click.option("--reviewer", required=True, help="Who revokes (a reviewer declared for LOCALE).")
@click.option("--reason", required=True, help="Why; kept in the history.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), help="Only this role's approval."
)
@click.pass_context
def revoke_cmd(
    ctx: click.Context,
    locale: str,
    slug: str,
    msgid: str | None,
    segment_id: str | None,
    reviewer: str,
    reason: str,
    role: str | None,
) -> None:
    """Revoke the approvals of one text: a revoke event (who, when, why) is added to the page's
    history, and a running `serve` stops serving the text at its next look at the tree (every
    --poll seconds)."""
    selection = _selection(msgid, segment_id)
    tree = load_tree(_config(ctx))
    tag = _locale(tree.config, locale, allow_source=True)
    page = _page(tree, slug)
    _strict(tree, tag, page.slug)
    written = review.revoke(
        tree.config, page, tag, reviewer, reason, selection, Role(role) if role else None
    )
    path = tree.config.rel(tree.config.ledger_path(tag, page.slug))
    click.echo(f"revoked {len(written)} approval(s) of {selection.describe()} in {path}")


@cli.group("reviewer", cls=_Cli)
def reviewer_group() -> None:
    """Reviewers' accounts for the web workspace (/review/): passwords and API tokens, kept in
    the state folder (--state)."""


def _declared(ctx: click.Context, name: str) -> str:
    who = _config(ctx).policy.find(name)
    if who is None:
        raise AccountError(f"{name!r} is not declared under 'reviewers:' in l10n.yaml")
    return who.name


@reviewer_group.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking twice.",
)
@click.pass_context
def passwd_cmd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set the password NAME signs in to the web workspace with (at least 12 characters). NAME
    must be declared under `reviewers:`; only an argon2 hash is kept. NAME's open sessions end."""
    declared = _declared(ctx, name)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    state = ctx.meta[_STATE]
    Accounts(state).set_password(declared, password)
    click.echo(f"password set for {declared} (in {state})")


@reviewer_group.command("token")
@click.argument("name")
@click.option(
    "--revoke", is_flag=True, help="Remove NAME's token instead: it stops working at once."
)
@click.pass_context
def token_cmd(ctx: click.Context, name: str, revoke: bool) -> None:
    """Print a new API token for NAME (replacing any earlier one), for scripts that call the
    review API with `Authorization: Bearer TOKEN`. It is shown once; only its SHA-256 is kept."""
    declared = _declared(ctx, name)
    accounts = Accounts(ctx.meta[_STATE])
    if revoke:
        had = accounts.revoke_token(declared)
        click.echo(f"token of {declared} revoked" if had else f"{declared} had no token")
        return
    click.echo(accounts.new_token(declared))


@cli.group("audit", cls=_Cli)
def audit_group() -> None:
    """The review histories: verify them, read one, or start one for an earlier ledger."""


@audit_group.command("verify")
@click.option(
    "--since",
    metavar="REV",
    help="Also check against git revision REV that every event then is still there, unchanged.",
)
@click.pass_context
def audit_verify_cmd(ctx: click.Context, since: str | None) -> None:
    """Verify every ledger's history: print `path:line: error: …` for any event edited, removed,
    reordered or inserted, and the chain head each history ends on; exit 1 on any error."""
    failed = 0
    for found in audit.verify(_config(ctx), since):
        for problem in found.problems:
            click.echo(f"{problem.path}:{problem.line or 1}: error: {problem.message}")
        failed += bool(found.problems)
        if not found.problems:
            click.echo(f"{found.path}: {found.events} event(s), head {found.head or '-'}")
    if failed:
        click.echo(f"clinic-l10n: {failed} history(ies) do not verify", err=True)
        ctx.exit(1)


@audit_group.command("log")
@click.argument("locale")
@click.option("--page", "slug", required=True, help="Page slug, or 'ui'.")
@click.pass_context
def audit_log_cmd(ctx: click.Context, locale: str, slug: str) -> None:
    """Print one page's review history in LOCALE: when, who, what, role, meaning or reason."""
    config = _config(ctx)
    tag = _locale(config, locale, allow_source=True)
    path = config.ledger_path(tag, slug)
    history = ledgers.load_history(path, tag, slug, config.rel(path))
    for line in audit.log_lines(history):
        click.echo(line)
    for problem in history.problems:
        click.echo(f"clinic-l10n: {problem}", err=True)
    if history.problems:
        ctx.exit(1)


@audit_group.command("import")
@click.pass_context
def audit_import_cmd(ctx: click.Context) -> None:
    """Give every ledger of the earlier format (a `records:` list) a history: an import event,
    then one approve event per record with its original time, reviewer and hashes."""
    config = _config(ctx)
    now = ledgers.utc_now()
    for path, locale, page in audit.ledger_files(config):
        count = audit.import_ledger(config, path, locale, page, now)
        if count:
            click.echo(f"imported {count} approval(s) into {config.rel(path)}")


@cli.group("po", cls=_Cli)
def po_group() -> None:
    """The catalog layer on any gettext file, agreeing with GNU gettext: check (msgfmt -c),
    stats (msgfmt --statistics), merge (msgmerge --previous), format (msgcat --width=79)."""


_FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


@po_group.command("check")
@_FILES
@click.pass_context
def po_check_cmd(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Accept or reject each FILE as `msgfmt -c` does: print `path:line: severity: reason` for
    what it finds and exit 1 when any file has an error (warnings alone pass)."""
    failed = 0
    for path in files:
        problems = catalogs.verify_file(path)
        for problem in problems:
            click.echo(str(problem))
        failed += any(p.severity == "error" for p in problems)
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
def po_merge_cmd(old: Path, template: Path, output: Path, protect: tuple[str, ...]) -> None:
    """Update OLD.po to TEMPLATE.pot as `msgmerge --previous` does: changed text turns fuzzy with
    its previous msgid, removed text becomes obsolete. A fuzzy guess never changes a number, a
    dose's unit or a protected term."""
    changed = atomic_write(output, catalogs.merge_files(old, template, protect))
    click.echo(f"{'wrote' if changed else 'unchanged'} {output}")


@po_group.command("format")
@_FILES
@click.option("--in-place", "-i", is_flag=True, help="Rewrite each FILE instead of printing it.")
def po_format_cmd(files: tuple[Path, ...], in_place: bool) -> None:
    """Write each FILE as `msgcat --width=79` (and Poedit) write it, to standard output or, with
    --in-place, back to the file. Flags gettext does not know are kept, after the known ones."""
    for path in files:
        data = catalogs.format_file(path)
        if in_place:
            changed = atomic_write(path, data)
            click.echo(f"{'formatted' if changed else 'unchanged'} {path}")
        else:
            click.echo(data, nl=False)


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
    "--max-connections",
    default=Limits.max_connections,
    show_default=True,
    type=click.IntRange(min=1),
    help="Open connections per worker; more are answered 503 at once.",
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
    max_connections: int,
) -> None:
    """Serve the reviewed pages over HTTP (JSON API, HTML pages, coverage dashboard). Changes to
    the tree (an approval, a revocation, a catalog, a page, the config) are served once the next
    poll sees them, without a restart; `kill -HUP` makes it look at once. A file that fails to
    load keeps its last good version in service, and /healthz says `degraded` with its line.
    A client that does not send its request head within --header-timeout is dropped, and a head
    over 16 KB is refused (431)."""
    from .server import AppFactory, ServeOptions, serve

    limits = Limits(header_timeout=header_timeout, max_connections=max_connections)
    options = ServeOptions(host, port, workers, stack, limits, access_log=access_log)
    serve(AppFactory(ctx.obj, poll, ctx.meta[_STATE]), options)


@cli.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("export"),
    show_default=True,
)
@click.option(
    "--base-url",
    "base",
    metavar="URL",
    help="Where the export will be served (https://clinic.example/learn/): hreflang alternates "
    "and sitemap.xml are written with absolute URLs under it, and so are the JSON's links. "
    "Without it, both are left out and the JSON's links are relative.",
)
@click.pass_context
def export_cmd(ctx: click.Context, out: Path, base: str | None) -> None:
    """Write the site as files any web server serves as they are (reviewed text only): each page
    in each locale at <locale>/<slug>/ (index.html, and index.json as the API sends it), a list
    of pages per locale at <locale>/, the choice of language at /, the stylesheet under a name
    made from its content, coverage.json and, with --base-url, sitemap.xml. Links between the
    files are relative.
    Files that a previous export into --out wrote and this one does not are removed (the list is
    in --out/.clinic-l10n-export); nothing else there is touched."""
    from .export import export_site
    from .links import base_url

    done = export_site(Settings(root=ctx.obj), out, base_url(base) if base is not None else None)
    for note in done.notes:
        click.echo(f"clinic-l10n: {note}", err=True)
    click.echo(
        f"wrote {len(done.files)} files under {out} "
        f"({done.changed} changed, {len(done.removed)} removed)"
    )


def main() -> None:
    cli(prog_name="clinic-l10n")
