"""`clinic-l10n review`, `reviewer` and `audit`: approvals and revocations, reviewers' sign-in, and
the ledgers' histories, each a call into `review`, `accounts` or `audit`."""

from __future__ import annotations

import re
import sys
import textwrap
from typing import Any

import click

from service import review
from service.cli.base import STATE_KEY, Group, config_of, enabled_locale
from service.cli.release import release_problems
from service.content.pages import page_slugs
from service.core.errors import AccountError, ReviewError
from service.core.models import SOURCE_LOCALE, Page
from service.review import audit, ledgers
from service.site.store import Tree, load_tree
from service.workspace.accounts import Accounts

__all__ = [
    "audit_group",
    "named_page",
    "refuse_broken",
    "review_group",
    "review_tree",
    "reviewer_group",
    "selecting",
    "selection_of",
    "side_by_side",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")


@click.group("review", cls=Group)
def review_group() -> None:
    """Approve English and translations into the ledger, or revoke an approval."""


def named_page(tree: Tree, slug: str) -> Page:
    """The page (or the ui strings) `slug` of `tree`; a `ReviewError` naming the pages if none."""
    if tree.ui and slug == tree.ui.slug:
        return tree.ui
    if slug not in tree.pages:
        every = page_slugs(tree.config.pages_dir)
        raise ReviewError(f"no page {slug!r}; pages: {', '.join(sorted(every)) or 'none'}")
    return tree.pages[slug]


def review_tree(ctx: click.Context, slug: str | None = None) -> Tree:
    """The tree, with only the page `slug` of it loaded when one is named (with the ui strings):
    one approval on a thousand pages reads one page's files, not every file of the tree."""
    return load_tree(config_of(ctx), only=None if slug is None else {slug})


def refuse_broken(tree: Tree, locale: str, slug: str) -> None:
    """Review commands refuse to work on a broken catalog or ledger rather than guess."""
    broken = tree.broken.get((locale, slug)) or tree.broken.get((SOURCE_LOCALE, slug))
    if broken:
        raise ReviewError(f"cannot review while this is broken: {broken}")


def side_by_side(left: str, right: str, width: int) -> str:
    """Two texts wrapped into two columns of a terminal `width` wide, ` | ` between them."""
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


def selection_of(msgid: str | None, segment_id: str | None, all_: bool = False) -> review.Selection:
    """What a review command's options select: exactly one of --all, --msgid and --id."""
    if sum((msgid is not None, segment_id is not None, all_)) != 1:
        raise ReviewError("give exactly one of --all, --msgid TEXT or --id SEGMENT-ID")
    return review.Selection(msgid, segment_id)


def selecting(command: Any) -> Any:
    """A command with the --msgid and --id options."""
    for option in reversed(_SELECT):
        command = option(command)
    return command


@review_group.command("approve")
@click.argument("locale")
@click.option("--page", "slug", required=True, help="Page slug, or 'ui' for the site's strings.")
@click.option(
    "--reviewer", required=True, help="Your name as declared under reviewers: in l10n.yaml."
)
@click.option("--all", "all_", is_flag=True, help="Approve everything that is ready.")
@selecting
@click.option(
    "--role",
    help="What you vouch for: a role declared in l10n.yaml (default: the first role "
    "safety-critical text needs; as shipped, linguistic, and clinical for en).",
)
@click.option(
    "--shown",
    metavar="SOURCE_SHA256:TRANSLATION_SHA256",
    help="With --id: approve only if the English and the translation are still the texts with "
    "these SHA-256s (as GET /v1/reviews/pending gives them); else nothing is written.",
)
@click.option(
    "--confirm-meaning",
    is_flag=True,
    help="With --id or --msgid: you confirm the translation keeps the English's meaning, which "
    "a text with confirm findings (negation, sentence-count, unchanged-translation; see "
    "`review pending`) needs; recorded in the approval.",
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
    confirm_meaning: bool,
) -> None:
    """Approve what is translated, not fuzzy, passes the checks and is not yet approved in your
    role (LOCALE may be `en`); each approval is a signed event in the page's review history.
    Your roles and locales are declared under `reviewers:` in l10n.yaml."""
    selection = selection_of(msgid, segment_id, all_)
    if confirm_meaning and not selection.one:
        raise ReviewError("--confirm-meaning is said of one text: give --id or --msgid, not --all")
    tree = review_tree(ctx, slug)
    tag = enabled_locale(tree.config, locale, allow_source=True)
    vouch = role or tree.config.policy.default_role(tag)
    page = named_page(tree, slug)
    refuse_broken(tree, tag, page.slug)
    catalog = tree.catalogs.get((tag, page.slug))
    bound = []
    if shown is not None:
        source, _, translation = shown.partition(":")
        if segment_id is None or not (_SHA256.fullmatch(source) and _SHA256.fullmatch(translation)):
            raise ReviewError("--shown takes SOURCE_SHA256:TRANSLATION_SHA256, with --id")
        bound = [review.Shown(segment_id, source, translation)]
    decisions = review.approve(
        tree.config, page, tag, catalog, reviewer, vouch, selection, bound, confirm_meaning
    )
    approved = [d for d in decisions if d.approved]
    untranslated = [d for d in decisions if d.waiting_for_translation]
    for d in decisions:
        if d.approved:
            said = d.event.get("confirmed") if d.event else None
            note = f" [meaning confirmed: {', '.join(said)}]" if said else ""
            click.echo(f"approved {d.segment.id} ({vouch}){note}: {d.forms[0][:70]}")
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
@selecting
@click.option("--reviewer", required=True, help="Who revokes (a reviewer declared for LOCALE).")
@click.option("--reason", required=True, help="Why; kept in the history.")
@click.option("--role", help="Only this role's approval.")
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
    selection = selection_of(msgid, segment_id)
    tree = review_tree(ctx, slug)
    tag = enabled_locale(tree.config, locale, allow_source=True)
    page = named_page(tree, slug)
    refuse_broken(tree, tag, page.slug)
    written = review.revoke(tree.config, page, tag, reviewer, reason, selection, role)
    path = tree.config.rel(tree.config.ledger_path(tag, page.slug))
    click.echo(f"revoked {len(written)} approval(s) of {selection.describe()} in {path}")


@click.group("reviewer", cls=Group)
def reviewer_group() -> None:
    """Reviewers' accounts for the web workspace (/review/): passwords, reset links and API
    tokens, kept in the state folder (--state). NAME is a reviewer's login, e-mail address or
    full name as declared under `reviewers:`."""


def _declared(ctx: click.Context, name: str) -> str:
    who = config_of(ctx).policy.signing_in(name)
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
    must be declared under `reviewers:`; only an argon2 hash is kept. NAME's open sessions end
    and their API token stops working."""
    declared = _declared(ctx, name)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    state = ctx.meta[STATE_KEY]
    Accounts(state).set_password(declared, password)
    click.echo(
        f"password set for {declared} (in {state}); their sessions ended, any API token revoked"
    )


@reviewer_group.command("reset")
@click.argument("name")
@click.option(
    "--url",
    default="",
    metavar="BASE",
    help="The workspace's address as reviewers reach it (https://l10n.clinic.example): "
    "the link is printed in full. Without it, the path on that server.",
)
@click.pass_context
def reset_cmd(ctx: click.Context, name: str, url: str) -> None:
    """Print a one-time link where NAME sets a new password in the workspace. It works once,
    within 24 hours, and replaces any earlier link; only its SHA-256 is kept. Using it ends
    NAME's sessions and revokes their API token."""
    declared = _declared(ctx, name)
    secret = Accounts(ctx.meta[STATE_KEY]).new_reset(declared)
    click.echo(f"{url.rstrip('/')}/review/reset?token={secret}")


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
    accounts = Accounts(ctx.meta[STATE_KEY])
    if revoke:
        had = accounts.revoke_token(declared)
        click.echo(f"token of {declared} revoked" if had else f"{declared} had no token")
        return
    click.echo(accounts.new_token(declared))


@click.group("audit", cls=Group)
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
    reordered or inserted, and the chain head each history ends on; then compare each with the
    head the latest release recorded of it, which shows an event edited or appended since (an
    approval is published within seconds by a running server, or by `publish`), and check every
    file of that release against its name (missing or altered); exit 1 on any error."""
    failed = 0
    verified = audit.verify(config_of(ctx), since)
    for released in release_problems(ctx.obj, {f.path: (f.head, f.events) for f in verified}):
        path, message = released.split(": ", 1)
        click.echo(f"{path}:1: error: {message}")
        failed += 1
    for found in verified:
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
    config = config_of(ctx)
    tag = enabled_locale(config, locale, allow_source=True)
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
    config = config_of(ctx)
    now = ledgers.utc_now()
    for path, locale, page in audit.ledger_files(config):
        count = audit.import_ledger(config, path, locale, page, now)
        if count:
            click.echo(f"imported {count} approval(s) into {config.rel(path)}")
