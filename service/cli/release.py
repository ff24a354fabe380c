"""`publish`, `withdraw`, `history` and `rollback`: the release store from the command line."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from service.cli.base import RELEASES, config_of, enabled_locale
from service.core.models import SOURCE_LOCALE, UI_DOMAIN
from service.release.basis import basis_file, read_basis, write_basis
from service.release.incremental import Done, publish_changed
from service.release.publish import apply_withdrawals, now, publish, rendered, with_lists
from service.release.rollback import rolled_back
from service.release.static import Static
from service.release.store import (
    BODIES,
    PageVersion,
    Release,
    ReleaseError,
    ReleaseStore,
    Withdrawal,
)
from service.release.withdraw import in_force
from service.site.bodies import Body, JsonBody
from service.site.prepared import Settings, Site, build_site
from service.site.snapshot import decode

__all__ = ["history_cmd", "named_release", "publish_cmd", "rollback_cmd", "withdraw_cmd"]


def _settings(ctx: click.Context, releases: Path | None) -> Settings:
    return Settings(root=ctx.obj, releases=releases)


def _store(ctx: click.Context, releases: Path | None) -> ReleaseStore:
    return ReleaseStore(_settings(ctx, releases).release_dir())


def _fail(ctx: click.Context, message: str) -> None:
    click.echo(f"clinic-l10n: {message}", err=True)
    ctx.exit(1)


@click.command("publish")
@RELEASES
@click.option("--reason", default="published from the command line", help="Recorded with it.")
@click.pass_context
def publish_cmd(ctx: click.Context, releases: Path | None, reason: str) -> None:
    """Make a release of what the tree allows now (a server does this itself on every change):
    pages whose English has a draft keep their published version; a page never published and
    still a draft stays unpublished. When only some pages' own files changed since the last
    publish from the command line, only those pages are read and decided. Prints the release and
    what changed."""
    settings, config, began = _settings(ctx, releases), config_of(ctx), time.time_ns()
    store = ReleaseStore(settings.release_dir())
    kept_at = basis_file(settings.cache_dir(), settings.release_dir())
    done = publish_changed(settings, config, store, read_basis(kept_at), reason=reason)
    if done is None:  # not only some pages' own files changed: the whole tree is read
        done = _published(build_site(settings, config=config), store, reason)
    if done.settled:
        write_basis(kept_at, done.id, done.files, began, done.slugs, done.kept, done.unpublished)
    if not done.new:
        click.echo(f"nothing new to publish: release {done.seq} ({done.id[:12]}) stays")
    else:
        click.echo(f"published release {done.seq} ({done.id[:12]}) at {done.created}")
        for slug, loc in done.changed:
            click.echo(f"  new version: {slug} in {loc}")
    for slug in done.kept:
        click.echo(f"  kept as published (its English has a draft): {slug}")
    for slug in done.unpublished:
        click.echo(f"  not published (a draft, never published): {slug}")


def _published(site: Site, store: ReleaseStore, reason: str) -> Done:
    """`publish` of the whole tree, as `publish_changed` reports a publish."""
    done = publish(site, store, reason=reason)
    release = done.release
    slugs = tuple(sorted({slug for slug, _ in site.records if slug != UI_DOMAIN}))
    return Done(
        release.seq,
        release.id,
        release.created,
        done.new,
        done.changed,
        done.kept,
        done.unpublished,
        site.inputs.files,
        slugs,
        not site.stale,
    )


@click.command("withdraw")
@click.argument("page")
@click.option("--locale", help="Only in this locale (the page, or the segment, then in English).")
@click.option("--segment", help="Only this segment (its id, as the page's JSON gives it).")
@click.option("--reason", required=True, help="Why: recorded with the withdrawal.")
@click.option("--by", "who", required=True, help="Who withdraws it: recorded.")
@click.option("--lift", type=int, help="Lift withdrawal number N instead (the tree then decides).")
@RELEASES
@click.pass_context
def withdraw_cmd(
    ctx: click.Context,
    page: str,
    locale: str | None,
    segment: str | None,
    reason: str,
    who: str,
    lift: int | None,
    releases: Path | None,
) -> None:
    """Stop published text at once, with a reason: a page (not served at all), a page in one
    locale (shown in English there), or one segment (withheld everywhere, or in one locale shown
    in English). Recorded, and a new release made at once; a running server serves it within its
    poll. A segment stays withdrawn for that wording; a page until `--lift N`."""
    store = _store(ctx, releases)
    tag = enabled_locale(config_of(ctx), locale, allow_source=True) if locale else None
    with store.lock():
        current = store.current()
        if current is None or page not in current.pages:
            return _fail(ctx, f"{page}: not published, nothing to withdraw")
        if segment is not None and not _has_segment(store, current, page, segment):
            return _fail(ctx, f"{page}: no segment {segment!r} in its published version")
        if tag == SOURCE_LOCALE and segment is None and lift is None:
            return _fail(
                ctx,
                f"{page}: its English cannot be withdrawn alone (every locale falls back to it); "
                "to stop the page, withdraw it with no --locale",
            )
        found = store.withdrawals()
        number = len(found) + 1
        if lift is not None and lift not in {w.number for w in in_force(found)}:
            return _fail(ctx, f"no withdrawal {lift} in force")
        withdrawal = Withdrawal(number, now(), who, reason, page, tag, segment, lift)
        store.record_withdrawal(withdrawal)
        if lift is None:
            static = Static.of(current, config_of(ctx).all_locales)
            withdrawn = in_force([*found, withdrawal])
            pages = apply_withdrawals(store, current.pages, withdrawn, now(), static)
            made = _next(current, pages, f"withdrawal {number}: {reason}", who, found)
            release = store.commit(with_lists(store, made, static))
            click.echo(f"withdrawal {number} recorded; release {release.seq} ({release.id[:12]})")
            return None
    # a lift: the page is decided by the tree again
    site = build_site(_settings(ctx, releases), config=config_of(ctx))
    done = publish(site, store, reason=f"withdrawal {lift} lifted: {reason}", by=who, again={page})
    click.echo(f"withdrawal {lift} lifted; release {done.release.seq} ({done.release.id[:12]})")
    return None


def _next(
    current: Release,
    pages: dict[str, dict[str, PageVersion]],
    reason: str,
    who: str,
    found: list[Withdrawal],
) -> Release:
    """The release after `current` that withdraws: `pages` with the withdrawals applied."""
    numbers = (*(w.number for w in in_force(found)), len(found) + 1)
    return replace(
        current,
        seq=current.seq + 1,
        created=now(),
        kind="withdraw",
        reason=reason,
        by=who,
        previous=current.id,
        pages=pages,
        withdrawals=numbers,
        id="",
    )


def _has_segment(store: ReleaseStore, release: Release, page: str, segment: str) -> bool:
    version = release.pages[page].get(SOURCE_LOCALE)
    if version is None:
        return False
    snapshot = decode(store.get(version.snapshot))
    return any(s.id == segment for s in snapshot.english.page.segments)


def _at(store: ReleaseStore, when: str | None) -> Release | None:
    """The release in service at `when` (ISO 8601, UTC; None: now)."""
    for release in store.chain():
        if when is None or release.created <= when:
            return release
    return None


@click.command("history")
@click.argument("page")
@click.option("--locale", required=True, help="The page in this locale.")
@click.option("--at", "when", help="A time (ISO 8601, UTC, e.g. 2026-11-28T10:00:00Z).")
@click.option(
    "--body",
    type=click.Choice(["json", "html", "fragment"]),
    default="html",
    show_default=True,
    help="Which body to print with --at.",
)
@RELEASES
@click.pass_context
def history_cmd(
    ctx: click.Context,
    page: str,
    locale: str,
    when: str | None,
    body: str,
    releases: Path | None,
) -> None:
    """Without --at: every release that changed PAGE in LOCALE. With --at: the exact bytes of
    the body served at that time on standard output (the JSON with `requested_locale` as LOCALE),
    and on standard error the release and who approved each text of it, when."""
    store = _store(ctx, releases)
    tag = enabled_locale(config_of(ctx), locale, allow_source=True)
    if when is None:
        last = None
        for release in reversed(list(store.chain())):
            version = release.pages.get(page, {}).get(tag)
            sha = version.json if version else None
            if sha != last:
                state = f"version since {version.since}" if version else "not served"
                click.echo(f"release {release.seq} {release.created} {release.kind}: {state}")
            last = sha
        return
    then = _at(store, when)
    version = then.pages.get(page, {}).get(tag) if then else None
    if then is None or version is None:
        return _fail(ctx, f"{page} in {tag} was not served at {when}")
    data = store.get(version.body(body))
    if body == "json":
        data = JsonBody(Body.of(data)).render(tag)[0]  # as the server fills it in
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    click.echo(f"release {then.seq} ({then.id[:12]}) published {then.created}", err=True)
    for segment, loc, reviewer, role, at in version.reviews:
        click.echo(f"  {segment} ({loc}): {role} review by {reviewer} at {at}", err=True)
    return None


@click.command("rollback")
@click.argument("release_ref", metavar="RELEASE")
@click.option("--reason", required=True, help="Why: recorded with the new release.")
@click.option("--by", "who", required=True, help="Who rolls back: recorded.")
@RELEASES
@click.pass_context
def rollback_cmd(
    ctx: click.Context, release_ref: str, reason: str, who: str, releases: Path | None
) -> None:
    """Make a new release that serves what RELEASE (its number, or its id's first digits)
    served; history is never rewritten, and withdrawals in force still apply."""
    store = _store(ctx, releases)
    with store.lock():
        chain = list(store.chain())
        target = named_release(chain, release_ref)
        if not chain or target is None:
            return _fail(
                ctx, f"no release {release_ref!r} (give its number, or 6+ digits of its id)"
            )
        back = rolled_back(chain[0], target, reason, who)
        static = Static.of(target, config_of(ctx).all_locales)
        pages = apply_withdrawals(store, back.pages, in_force(store.withdrawals()), now(), static)
        pages = rendered(store, pages, static)  # a release made before static files: made now
        made = with_lists(store, replace(back, pages=pages), static)
        done = store.commit(made)
    click.echo(f"release {done.seq} ({done.id[:12]}) serves release {target.seq} again")
    return None


def named_release(chain: list[Release], ref: str) -> Release | None:
    """The release numbered `ref`, else the one release whose id starts with `ref` (six hex
    digits at least: a shorter prefix could be a number, or name two releases)."""
    by_number = [r for r in chain if str(r.seq) == ref]
    if by_number:
        return by_number[0]
    found = [r for r in chain if len(ref) >= 6 and r.id.startswith(ref.lower())]
    return found[0] if len(found) == 1 else None


def _damaged(store: ReleaseStore, release: Release) -> list[str]:
    """Each file `release` names (its manifest and page objects were checked when read) that is
    missing, unreadable, or no longer matches its name."""
    names = {*release.files.values(), *release.static.values()}
    for locs in release.pages.values():
        for version in locs.values():
            names.update(version.body(kind) for kind in BODIES)
            names.add(version.snapshot)
            names.update(sha for _, _, sha in version.images)
            names.update(sha for _, sha in version.files)
    out = []
    for sha in sorted(names):
        try:
            store.get(sha)
        except ReleaseError as exc:
            out.append(str(exc))
    return out


def release_problems(root: Path, events: dict[str, tuple[str, int]]) -> list[str]:
    """What `audit verify` reports of the release in service: a file of it damaged (missing,
    or its bytes no longer matching its name), and the ledgers against the heads it recorded."""
    store = ReleaseStore(Settings(root=root).release_dir())
    try:
        release = store.current()
    except ReleaseError as exc:
        return [str(exc)]
    if release is None:
        return []
    out = _damaged(store, release)
    for path, (head, count) in sorted(events.items()):
        recorded = release.ledgers.get(path)
        if recorded is None:
            if count:
                out.append(f"{path}: {count} event(s), none in release {release.seq}")
            continue
        if count < recorded[1]:
            out.append(
                f"{path}: {recorded[1] - count} event(s) removed since release {release.seq}"
            )
        elif count == recorded[1] and head != recorded[0]:
            out.append(f"{path}: event {count} was edited after release {release.seq}")
        elif count > recorded[1]:
            out.append(
                f"{path}: {count - recorded[1]} event(s) after release {release.seq}, in no release"
            )
    return out
