"""The digest of waiting reviews: for each declared reviewer with an `email`, what waits for them
(the texts of their queue, `queue.build`, as the workspace shows it), by locale and page, with a
link to each in the workspace; sent through the SMTP server `notify:` names in l10n.yaml. A
reviewer with nothing waiting gets nothing. Run it once a day (cron, a systemd timer).
"""

from __future__ import annotations

import os
import smtplib
from collections import Counter
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlencode

from service.core.config import Config
from service.core.errors import ConfigError
from service.core.notify import Notify
from service.core.policy import Reviewer
from service.workspace.pending import STATUS_LABELS, Status
from service.workspace.queue import QueueCache, build

__all__ = ["Digest", "digests", "send"]

_ALL = 1 << 30  # every item of a queue: a digest counts them all


@dataclass(frozen=True)
class Digest:
    reviewer: Reviewer
    total: int
    message: EmailMessage


def _body(config: Config, notify: Notify, who: Reviewer, cache: QueueCache) -> tuple[int, str]:
    queue = build(config, cache, who, limit=_ALL)
    if not queue.total:
        return 0, ""
    places = Counter((m.item.locale, m.item.page) for m in queue.items)
    lines = [
        f"{queue.total} text(s) wait for your review in the clinic-l10n workspace:",
        "",
        *(f"  {STATUS_LABELS[Status(status)]}: {n}" for status, n in sorted(queue.counts.items())),
        "",
    ]
    for (locale, page), n in sorted(places.items()):
        link = f"{notify.workspace}/review/?{urlencode({'locale': locale, 'page': page})}"
        lines.append(f"  {page} ({locale}): {n} — {link}")
    if queue.hidden:
        lines += ["", f"{queue.hidden} more in your locales need someone else (your own text)."]
    lines += ["", "Sign in to review them; this message is sent once a day while texts wait."]
    return queue.total, "\n".join(lines) + "\n"


def digests(config: Config, only: str | None = None) -> list[Digest]:
    """The messages to send now: one per declared reviewer with an e-mail and texts waiting
    (`only`: that reviewer's alone, by name)."""
    notify = config.notify
    if notify is None:
        raise ConfigError("no 'notify:' in l10n.yaml: where would the digest be sent from?")
    out = []
    cache = QueueCache()  # each page's queue worked out once, then cut for every reviewer
    for who in config.policy.reviewers.values():
        if not who.email or (only is not None and config.policy.find(only) is not who):
            continue
        total, body = _body(config, notify, who, cache)
        if not total:
            continue
        message = EmailMessage()
        message["From"] = notify.sender
        message["To"] = Address(display_name=who.name, addr_spec=who.email)
        message["Subject"] = f"{total} text(s) wait for your review"
        message["Message-ID"] = make_msgid(domain=notify.sender.rpartition("@")[2])
        message.set_content(body)
        out.append(Digest(who, total, message))
    return out


def send(config: Config, messages: list[Digest], timeout: float = 30) -> None:
    """Send `messages` through the `notify:` SMTP server, in one connection."""
    notify = config.notify
    if notify is None or not messages:
        return
    with smtplib.SMTP(notify.host, notify.port, timeout=timeout) as smtp:
        if notify.starttls:
            smtp.starttls()
        if notify.username_env and notify.password_env:
            user, password = (
                os.environ.get(notify.username_env),
                os.environ.get(notify.password_env),
            )
            if not user or not password:
                raise ConfigError(
                    f"notify: ${notify.username_env} and ${notify.password_env} must be set"
                )
            smtp.login(user, password)
        for digest in messages:
            smtp.send_message(digest.message)
