"""`clinic-l10n review digest`: what waits for each reviewer, by e-mail."""

from __future__ import annotations

import smtplib

import click

from service.cli.base import config_of
from service.core.errors import ReviewError
from service.workspace.digest import digests, send

__all__ = ["digest_cmd"]


@click.command("digest")
@click.option("--send", "sending", is_flag=True, help="Send them (without: print them).")
@click.option("--reviewer", help="Only this reviewer's digest.")
@click.pass_context
def digest_cmd(ctx: click.Context, sending: bool, reviewer: str | None) -> None:
    """The digest of waiting reviews: for each reviewer declared with an `email` who has texts
    waiting, how many and where, with a link to each page in the workspace (`notify: workspace`).
    Without --send the messages are printed; with it they are sent through the SMTP server
    `notify:` names in l10n.yaml. Run it once a day from cron or a systemd timer."""
    config = config_of(ctx)
    if reviewer is not None and config.policy.find(reviewer) is None:
        raise ReviewError(f"{reviewer!r} is not declared under 'reviewers:' in l10n.yaml")
    found = digests(config, reviewer)
    if not sending:
        for digest in found:
            click.echo(digest.message.as_string())
    else:
        try:
            send(config, found)
        except (OSError, smtplib.SMTPException) as exc:
            raise ReviewError(f"the digest was not sent: {exc}") from exc
        for digest in found:
            click.echo(f"sent to {digest.reviewer.name}: {digest.total} text(s) waiting")
    if not found:
        click.echo("nothing waits for any reviewer with an e-mail address")
