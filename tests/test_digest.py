"""The daily digest of waiting reviews, sent to a real SMTP server (aiosmtpd) started by the test:
one message per reviewer with an e-mail and texts waiting, with a link to each page; nobody with
nothing waiting or no address gets one; the SMTP sign-in takes its secrets from the environment."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .conftest import Run, free_port

PAGE = "esketamine-overview"
EMAILS = {
    "Dr. Rosa Revisora (fictional)": "rosa@clinic.example",
    "Dr. Carmen Clínica (fictional)": "carmen@clinic.example",
}
WORKSPACE = "https://reviews.clinic.example"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
) -> AuthResult:
    ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (b"digest", b"s3cret")
    return AuthResult(success=ok)


@pytest.fixture
def inbox() -> Iterator[tuple[_Inbox, int]]:
    box = _Inbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _configure(tree: Path, port: int, login: bool = False) -> None:
    config = tree / "l10n.yaml"
    text = config.read_text(encoding="utf-8")
    for name, email in EMAILS.items():
        text, n = re.subn(
            rf"^  {re.escape(name)}: \[([a-z, ]+)\]$",
            lambda m, e=email: (
                f"  {m.group(0).split(': [')[0].strip()}: {{roles: [{m.group(1)}], email: {e}}}"
            ),
            text,
            flags=re.M,
        )
        assert n == 1, name
    # declared with an address, in a locale with nothing translated: never anything waiting
    text = text.replace(
        "reviewers:\n",
        "reviewers:\n  Dr. Vi Idle (fictional): {roles: [linguistic], locales: [vi], "
        "email: vi@clinic.example}\n",
        1,
    )
    auth = "  username_env: DIGEST_USER\n  password_env: DIGEST_PASSWORD\n" if login else ""
    text += (
        f"notify:\n  smtp: 127.0.0.1:{port}\n  sender: reviews@clinic.example\n"
        f"  workspace: {WORKSPACE}/\n{auth}"
    )
    config.write_text(text, encoding="utf-8")


def _edit_description(tree: Path) -> None:
    po = tree / f"locales/es/LC_MESSAGES/{PAGE}.po"
    data = po.read_bytes()
    po.write_bytes(
        data.replace(b"Qu\xc3\xa9 es la ketamina", b"Qu\xc3\xa9 es, en breve, la ketamina", 1)
    )


def _waiting(message: Message, locale: str) -> int:
    body = message.get_content()  # type: ignore[attr-defined]
    link = f"{WORKSPACE}/review/?locale={locale}&page={PAGE}"
    found = re.search(rf"{PAGE} \({locale}\): (\d+) — (\S+)", body)
    assert found and found.group(2) == link, body
    return int(found.group(1))


def test_each_reviewer_with_texts_waiting_gets_one_message(
    tree: Path, run: Run, inbox: tuple[_Inbox, int]
) -> None:
    box, port = inbox
    _configure(tree, port)
    run("review", "digest", "--send")
    before = {m["To"].addresses[0].addr_spec: m for m in box.messages}
    box.messages.clear()
    _edit_description(tree)  # one more Spanish text for a linguistic and a clinical review
    out = run("review", "digest", "--send").output
    after = {m["To"].addresses[0].addr_spec: m for m in box.messages}
    rosa, carmen = EMAILS.values()
    # the others have no address, or nothing waiting (Dr. Vi Idle)
    assert set(after) == {rosa, carmen}, out
    for to in (rosa, carmen):
        assert after[to]["From"] == "reviews@clinic.example"
        had = _waiting(before[to], "es") if to in before else 0
        assert _waiting(after[to], "es") == had + 1
        name = next(n for n, e in EMAILS.items() if e == to)
        assert after[to]["To"].addresses[0].display_name == name
        assert f"sent to {name}" in out


def test_signs_in_with_secrets_from_the_environment(
    tree: Path, run: Run, inbox: tuple[_Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port = inbox
    _configure(tree, port, login=True)
    _edit_description(tree)
    monkeypatch.setenv("DIGEST_USER", "digest")
    monkeypatch.setenv("DIGEST_PASSWORD", "wrong")
    assert "the digest was not sent" in run("review", "digest", "--send", code=1).output
    assert not box.messages
    monkeypatch.setenv("DIGEST_PASSWORD", "s3cret")
    run("review", "digest", "--send")
    assert len(box.messages) == 2
    assert "s3cret" not in (tree / "l10n.yaml").read_text(encoding="utf-8")


def test_refusals(tree: Path, run: Run) -> None:
    assert "no 'notify:'" in run("review", "digest", code=2).output
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    _configure(tree, port)
    _edit_description(tree)
    assert "the digest was not sent" in run("review", "digest", "--send", code=1).output
    printed = run("review", "digest").output  # without --send: printed, not sent
    assert "Subject: " in printed and "rosa@clinic.example" in printed


NOTIFY_ERRORS = {
    "smtp: 'mail server'": "'smtp' must be host or host:port",
    "smtp: mail.example:70000": "the port must be from 1 to 65535",
    "sender: nobody": "'sender' must be an e-mail address",
    "workspace: reviews.example": "'workspace' must be the workspace's http(s) address",
    "username_env: USER": "give both username_env and password_env, or neither",
    "starttls: maybe": "'starttls' must be true or false",
    "port: 25": "unknown key 'port'",
}


@pytest.mark.parametrize("line", sorted(NOTIFY_ERRORS))
def test_notify_errors_name_their_line(tree: Path, run: Run, line: str) -> None:
    good = {
        "smtp": "smtp: mail.example:587",
        "sender": "sender: reviews@clinic.example",
        "workspace": "workspace: https://reviews.example",
    }
    good[line.split(":")[0]] = line
    config = tree / "l10n.yaml"
    text = (
        config.read_text(encoding="utf-8")
        + "notify:\n"
        + "".join(f"  {v}\n" for v in good.values())
    )
    config.write_text(text, encoding="utf-8")
    number = text.splitlines().index(f"  {line}") + 1
    out = run("review", "digest", code=2).output
    assert f"l10n.yaml:{number}: " in out and NOTIFY_ERRORS[line] in out, out
