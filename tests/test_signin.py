"""Accounts people use (issue 24, item 1 and part of 4): sign-in by a declared login or e-mail
address, login CSRF closed, a password change and a one-time reset link that end sessions and
revoke the API token, state files owner-only whatever the umask, no typed name in the log or on
disk, and sign-ins hashed in a pool of their own."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service.cli.main import cli
from service.core.config import load_config
from service.core.errors import ConfigError
from service.web.api import Settings, create_app
from service.workspace.accounts import RESET_VALID
from service.workspace.hashing import Busy, HashPool

from .conftest import replace_in
from .reviewing import (
    CHEAP,
    PASSWORD,
    QUINN,
    ROBIN,
    accounts,
    pending_tree,
    post_signin,
    signin_token,
    with_passwords,
)

NEW_PASSWORD = "a new and longer passphrase"
ROBIN_DECLARED = "{roles: [linguistic, clinical], login: Robin, email: robin@clinic.example}"


class Clock:
    """The server's clock, from now (the CLI makes reset links with the real one)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = pending_tree(tmp_path)
    replace_in(
        root / "l10n.yaml",
        f"  {ROBIN}: [linguistic, clinical]\n",
        f"  {ROBIN}: {ROBIN_DECLARED}\n",
    )
    return root


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(root: Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(Settings(root=root))
    app.state.workspace.accounts.hasher = CHEAP
    app.state.workspace.accounts.clock = clock
    with TestClient(app) as c:
        yield c


def csrf_of(client: TestClient) -> str:
    return client.get("/review/").text.split('name="csrf-token" content="')[1].split('"')[0]


# -- names to sign in with ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Robin",
        "robin",
        "ROBIN",
        "robin@clinic.example",
        "Robin@CLINIC.example",
        " robin@clinic.example ",
        ROBIN,  # the full name still signs in: see README (a name is not a secret)
        "dr. robin  SPARE (fictional)",
    ],
)
def test_a_declared_login_or_email_signs_in_and_the_declared_name_is_shown(
    client: TestClient, root: Path, typed: str
) -> None:
    with_passwords(root, ROBIN)
    answer = post_signin(client, {"name": typed, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303
    assert f"Signed in as <strong>{ROBIN}</strong>" in client.get("/review/").text


@pytest.mark.parametrize("typed", ["robin@clinic", "rob", "quinn", "robin@clinic.example.org"])
def test_a_near_miss_signs_nobody_in(client: TestClient, root: Path, typed: str) -> None:
    with_passwords(root, ROBIN, QUINN)
    answer = post_signin(client, {"name": typed, "password": PASSWORD})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("{roles: [clinical], login: 'lena lectora'}", "'login' must be a short name"),
        ("{roles: [clinical], login: 7lena}", "'login' must be a short name"),
        ("{roles: [clinical], login: [lena]}", "'login' must be a short name"),
        ("{roles: [clinical], login: ROBIN}", "'robin' already signs in 'Dr. Robin Spare"),
        (  # the same-person rule (people_config) says it first
            "{roles: [clinical], email: Robin@clinic.example}",
            "'Dr. Robin Spare (fictional)' and 'Dr. Lena Lectora (fictional)' are the same person",
        ),
        (
            "{roles: [clinical], login: dr.-quinn}",  # fine: nobody's
            None,
        ),
    ],
)
def test_sign_in_names_are_checked_in_the_config(
    root: Path, declared: str, message: str | None
) -> None:
    with (root / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"  Dr. Lena Lectora (fictional): {declared}\n")
    line = len((root / "l10n.yaml").read_text(encoding="utf-8").splitlines())
    if message is None:
        assert load_config(root).policy.signing_in("DR.-QUINN") is not None
        return
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert message in caught.value.message and caught.value.line == line


# -- login CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "token", "status"),
    [
        ("null", "right", 403),  # a sandboxed iframe on another site (the attack)
        ("https://evil.example", "right", 403),
        ("http://testserver", None, 403),  # no pre-session token
        ("http://testserver", "wrong", 403),
        (None, None, 403),
        ("http://testserver", "right", 303),
        (None, "right", 303),
    ],
)
def test_login_csrf_is_refused(
    client: TestClient, root: Path, origin: str | None, token: str | None, status: int
) -> None:
    with_passwords(root, ROBIN)
    form = {"name": "robin", "password": PASSWORD}
    right = signin_token(client)
    if token is not None:
        form["signin_token"] = right if token == "right" else "x" * 43
    headers = {"Origin": origin} if origin else {}
    answer = client.post("/review/signin", data=form, headers=headers, follow_redirects=False)
    assert answer.status_code == status
    assert ("clinic_l10n_session" in answer.headers.get("set-cookie", "")) == (status == 303)


def test_another_sites_page_cannot_know_the_token(client: TestClient, root: Path) -> None:
    """The token is the browser's own (a cookie another site can neither read nor send): a form
    with the token of the attacker's own browser is refused in the victim's."""
    with_passwords(root, ROBIN)
    attackers = signin_token(TestClient(client.app))
    signin_token(client)  # the victim's browser has a token of its own
    form = {"name": "robin", "password": PASSWORD, "signin_token": attackers}
    assert client.post("/review/signin", data=form).status_code == 403


# -- a new password -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "repeat", "status", "message"),
    [
        ("wrong password!", NEW_PASSWORD, NEW_PASSWORD, 403, "The current password is wrong."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", 422, "differ"),
        (PASSWORD, "short", "short", 422, "at least 12 characters"),
    ],
)
def test_a_password_change_is_refused(
    client: TestClient,
    root: Path,
    current: str,
    new: str,
    repeat: str,
    status: int,
    message: str,
) -> None:
    with_passwords(root, ROBIN)
    post_signin(client, {"name": "robin", "password": PASSWORD})
    form = {"csrf_token": csrf_of(client), "current": current, "new": new, "repeat": repeat}
    answer = client.post("/review/password", data=form)
    assert answer.status_code == status and message in answer.text
    assert accounts(root).verify(ROBIN, PASSWORD)


def test_a_password_change_ends_other_sessions_and_revokes_the_token(
    client: TestClient, root: Path
) -> None:
    with_passwords(root, ROBIN)
    token = accounts(root).new_token(ROBIN)
    bearer = {"Authorization": f"Bearer {token}"}
    other = TestClient(client.app)
    for browser in (client, other):
        post_signin(browser, {"name": "robin", "password": PASSWORD})
    assert client.get("/v1/reviews/pending", params={"locale": "es"}, headers=bearer).is_success
    no_csrf = {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    assert client.post("/review/password", data=no_csrf).status_code == 403
    answer = client.post("/review/password", data={**no_csrf, "csrf_token": csrf_of(client)})
    assert answer.status_code == 200 and "Your password is changed." in answer.text
    assert client.get("/review/", follow_redirects=False).status_code == 200  # this browser
    assert other.get("/review/", follow_redirects=False).status_code == 303  # signed out
    refused = client.get("/v1/reviews/pending", params={"locale": "es"}, headers=bearer)
    assert refused.status_code == 401
    assert accounts(root).verify(ROBIN, NEW_PASSWORD)
    assert not accounts(root).verify(ROBIN, PASSWORD)


def test_passwd_on_the_command_line_revokes_the_token(root: Path) -> None:
    token = accounts(root).new_token(ROBIN)
    done = CliRunner().invoke(
        cli, ["--root", str(root), "reviewer", "passwd", "robin", "--password-stdin"], PASSWORD
    )
    assert done.exit_code == 0, done.output
    assert accounts(root).token_owner(token) is None


# -- a one-time reset link ------------------------------------------------------------------------


def reset_link(root: Path, name: str = "robin@clinic.example") -> str:
    done = CliRunner().invoke(
        cli, ["--root", str(root), "reviewer", "reset", name, "--url", "https://l10n.example/"]
    )
    assert done.exit_code == 0, done.output
    link = done.output.strip()
    assert link.startswith("https://l10n.example/review/reset?token=reset_")
    return link.removeprefix("https://l10n.example")


def use_link(client: TestClient, path: str, new: str = NEW_PASSWORD) -> int:
    form = {"token": path.split("token=")[1], "new": new, "repeat": new}
    form["signin_token"] = signin_token(client, path)
    return client.post("/review/reset", data=form, follow_redirects=False).status_code


def test_a_reset_link_sets_a_password_once(client: TestClient, root: Path) -> None:
    with_passwords(root, ROBIN)
    token = accounts(root).new_token(ROBIN)
    other = TestClient(client.app)
    post_signin(other, {"name": "robin", "password": PASSWORD})
    path = reset_link(root)
    assert path.split("token=")[1] not in (root / ".clinic-l10n" / "accounts.json").read_text()
    page = client.get(path)
    assert page.status_code == 200 and f"For <strong>{ROBIN}</strong>" in page.text
    assert page.headers["referrer-policy"] == "strict-origin"  # no path, so no secret
    assert use_link(client, path) == 303
    assert accounts(root).verify(ROBIN, NEW_PASSWORD)
    assert other.get("/review/", follow_redirects=False).status_code == 303
    assert accounts(root).token_owner(token) is None
    assert use_link(client, path, "yet another passphrase") == 404  # used
    assert "does not work" in client.get(path).text
    assert accounts(root).verify(ROBIN, NEW_PASSWORD)


@pytest.mark.parametrize(
    "what", ["expired", "replaced by a newer link", "mistyped", "from another site"]
)
def test_a_reset_link_that_does_not_work(
    client: TestClient, root: Path, clock: Clock, what: str
) -> None:
    path = reset_link(root)
    if what == "expired":
        clock.now += RESET_VALID + 1
    elif what == "replaced by a newer link":
        reset_link(root)
    elif what == "mistyped":
        path = path[:-1] + ("A" if path[-1] != "A" else "B")
    if what == "from another site":
        form = {"token": path.split("token=")[1], "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
        form["signin_token"] = signin_token(client, path)
        status = client.post("/review/reset", data=form, headers={"Origin": "null"}).status_code
        assert status == 403
    else:
        assert use_link(client, path) == 404
    assert not accounts(root).verify(ROBIN, NEW_PASSWORD)


# -- the state folder -----------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000])
def test_state_files_are_owner_only_whatever_the_umask(
    tmp_path: Path, root: Path, umask: int
) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)  # an existing folder --state points at, readable by others
    old = os.umask(umask)
    try:
        app = create_app(Settings(root=root, state=state))
        app.state.workspace.accounts.hasher = CHEAP
        with_passwords(root, ROBIN, state=state)
        accounts(root, state).new_token(QUINN)
        accounts(root, state).new_reset(QUINN)
        with TestClient(app) as c:
            post_signin(c, {"name": "robin", "password": "wrong password!"})
            post_signin(c, {"name": "robin", "password": PASSWORD})
    finally:
        os.umask(old)
    written = {
        p.relative_to(state).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in state.rglob("*")
    }
    assert {"accounts.json", "throttle.json", "device.key", "sessions"} <= set(written)
    assert any(name.startswith("sessions/") for name in written)
    for name, mode in written.items():
        assert mode == (0o700 if (state / name).is_dir() else 0o600), name


def test_a_readable_file_left_by_an_older_version_is_made_owner_only(root: Path) -> None:
    with_passwords(root, ROBIN)
    path = root / ".clinic-l10n" / "accounts.json"
    os.chmod(path, 0o644)
    accounts(root).new_token(ROBIN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_typed_names_and_passwords_are_neither_logged_nor_stored(
    client: TestClient, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with_passwords(root, ROBIN)
    typed = [("my secret passphrase", "my secret passphrase"), ("robin", "robins wrong guess")]
    with caplog.at_level(logging.INFO, logger="clinic_l10n"):
        for name, password in typed:  # a password typed into the name field; a wrong one
            assert post_signin(client, {"name": name, "password": password}).status_code == 401
        post_signin(client, {"name": "robin", "password": PASSWORD})
    logged = caplog.text
    assert "an unknown name" in logged and "sign-in accepted for account" in logged
    stored = (root / ".clinic-l10n" / "throttle.json").read_text()
    for secret in ("my secret passphrase", "robins wrong guess", "robin", "Robin", PASSWORD):
        assert secret not in logged and secret not in stored


def test_an_older_versions_failures_kept_by_name_are_dropped(
    client: TestClient, root: Path
) -> None:
    folder = root / ".clinic-l10n"
    folder.mkdir(mode=0o700)
    older = '{"accounts": {"my secret passphrase": [1.0]}, "addresses": {"testclient": [1.0]}}'
    (folder / "throttle.json").write_text(older)
    post_signin(client, {"name": "nobody", "password": "wrong password!"})
    assert "my secret passphrase" not in (folder / "throttle.json").read_text()


# -- the hashing pool -----------------------------------------------------------------------------


def test_the_pool_refuses_past_its_bound_but_not_an_urgent_try() -> None:
    pool = HashPool(workers=1, waiting=2)
    gate = threading.Event()

    async def flood() -> list[str]:
        blocked = [asyncio.ensure_future(pool.run(gate.wait)) for _ in range(2)]
        await asyncio.sleep(0.05)
        outcomes = []
        try:
            await pool.run(lambda: True)
        except Busy:
            outcomes.append("busy")
        urgent = asyncio.ensure_future(pool.run(lambda: "urgent", urgent=True))
        await asyncio.sleep(0.05)
        gate.set()
        outcomes.append(await urgent)
        await asyncio.gather(*blocked)
        return outcomes

    assert asyncio.run(flood()) == ["busy", "urgent"]
    niceness = asyncio.run(_nice_of(pool))
    assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + 10  # below the server's threads


async def _nice_of(pool: HashPool) -> int:
    return await pool.run(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
