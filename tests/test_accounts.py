"""Reviewers' accounts: `reviewer passwd|token`, the state folder (outside the content, ignored by
git, argon2 hashes and token hashes only), sign-in throttled per account and per address,
sessions that expire and end, and cookies as the issue asks."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service.cli.main import cli
from service.web.api import Settings, create_app
from service.workspace.accounts import (
    ADDRESS_LIMIT,
    PAIR_LIMIT,
    SESSION_IDLE,
    SESSION_MAX,
    WINDOW,
    Accounts,
)
from service.workspace.throttle import DEVICE_AGE, DEVICE_LIMIT

from .conftest import Run, replace_in
from .reviewing import (
    CHEAP,
    PASSWORD,
    QUINN,
    ROBIN,
    accounts,
    pending_tree,
    post_signin,
    with_passwords,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The pending tree, Robin declared with a login and an e-mail address to sign in with."""
    root = pending_tree(tmp_path)
    replace_in(
        root / "l10n.yaml",
        f"  {ROBIN}: [linguistic, clinical]\n",
        f"  {ROBIN}: {{roles: [linguistic, clinical], login: Robin, email: robin@clinic.example}}\n",
    )
    return root


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


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


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    answer = post_signin(client, {"name": name, "password": password}, follow_redirects=False)
    return answer.status_code


def browser_at(client: TestClient, address: str) -> TestClient:
    """Another browser on the same app, whose requests come from `address`."""
    other = TestClient(client.app, client=(address, 50000))
    other.__enter__()
    return other


# -- the CLI --------------------------------------------------------------------------------------


def test_passwd_keeps_an_argon2_hash_in_a_state_folder_git_ignores(run: Run, root: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        cli,
        [
            "--root",
            str(root),
            "reviewer",
            "passwd",
            "dr. robin  SPARE (fictional)",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )
    assert done.exit_code == 0, done.output
    assert done.output == (
        f"password set for {ROBIN} (in {root / '.clinic-l10n'}); "
        "their sessions ended, any API token revoked\n"
    )
    state = root / ".clinic-l10n"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert (state / ".gitignore").read_text().splitlines()[-1] == "*"
    stored = (state / "accounts.json").read_text()
    assert "$argon2id$" in stored and PASSWORD not in stored
    assert Accounts(state).verify(ROBIN, PASSWORD)
    assert not Accounts(state).verify(ROBIN, PASSWORD + "!")


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("Nobody (fictional)", PASSWORD, "'Nobody (fictional)' is not declared under 'reviewers:'"),
        (ROBIN, "short", "a password needs at least 12 characters"),
    ],
)
def test_passwd_refuses(root: Path, name: str, password: str, message: str) -> None:
    done = CliRunner().invoke(
        cli, ["--root", str(root), "reviewer", "passwd", name, "--password-stdin"], input=password
    )
    assert done.exit_code == 1 and message in done.output
    assert not (root / ".clinic-l10n" / "accounts.json").exists()


def test_passwd_asks_twice_without_stdin(root: Path) -> None:
    done = CliRunner().invoke(
        cli, ["--root", str(root), "reviewer", "passwd", ROBIN], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert done.exit_code == 0, done.output
    assert "Repeat for confirmation" in done.output and PASSWORD not in done.output


def test_state_moves_with_the_option_or_the_environment(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere, env = tmp_path / "state-opt", tmp_path / "state-env"
    args = ["reviewer", "token", ROBIN]
    assert (
        CliRunner().invoke(cli, ["--root", str(root), "--state", str(elsewhere), *args]).exit_code
        == 0
    )
    monkeypatch.setenv("CLINIC_L10N_STATE", str(env))
    assert CliRunner().invoke(cli, ["--root", str(root), *args]).exit_code == 0
    assert (elsewhere / "accounts.json").exists() and (env / "accounts.json").exists()
    assert not (root / ".clinic-l10n").exists()


def test_a_token_is_shown_once_kept_hashed_and_revocable(run: Run, root: Path) -> None:
    token = run("reviewer", "token", ROBIN, root=root).output.strip()
    assert token.startswith("cl10n_") and len(token) > 40
    state = Accounts(root / ".clinic-l10n")
    assert token not in (root / ".clinic-l10n" / "accounts.json").read_text()
    assert state.token_owner(token) == ROBIN
    newer = run("reviewer", "token", ROBIN, root=root).output.strip()
    assert state.token_owner(token) is None and state.token_owner(newer) == ROBIN
    assert (
        run("reviewer", "token", ROBIN, "--revoke", root=root).output
        == f"token of {ROBIN} revoked\n"
    )
    assert state.token_owner(newer) is None
    assert (
        run("reviewer", "token", ROBIN, "--revoke", root=root).output == f"{ROBIN} had no token\n"
    )


def test_concurrent_writers_of_the_state_lose_nothing(tmp_path: Path) -> None:
    state = Accounts(tmp_path / "state", hasher=CHEAP)
    names = [f"Reviewer {n}" for n in range(40)]
    tokens: dict[str, str] = {}

    def work(name: str) -> None:
        state.set_password(name, PASSWORD)  # (a new password revokes an earlier token)
        tokens[name] = state.new_token(name)

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh = Accounts(tmp_path / "state", hasher=CHEAP)
    assert all(fresh.token_owner(tokens[n]) == n and fresh.verify(n, PASSWORD) for n in names)
    assert not list((tmp_path / "state").glob(".*.tmp"))


# -- signing in -----------------------------------------------------------------------------------


def test_sign_in_sets_a_strict_http_only_cookie(client: TestClient, root: Path) -> None:
    with_passwords(root, ROBIN)
    answer = post_signin(
        client,
        {"name": ROBIN, "password": PASSWORD, "next": "/review/?locale=es"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/review/?locale=es"
    cookie = answer.headers.get_list("set-cookie")[0]
    assert cookie.startswith("clinic_l10n_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    assert answer.headers["cache-control"] == "no-store"


def test_over_https_the_cookie_is_secure(root: Path) -> None:
    app = create_app(Settings(root=root))
    app.state.workspace.accounts.hasher = CHEAP
    with_passwords(root, ROBIN)
    with TestClient(app, base_url="https://testserver") as c:
        answer = post_signin(c, {"name": ROBIN, "password": PASSWORD}, follow_redirects=False)
    cookies = answer.headers.get_list("set-cookie")
    assert len(cookies) == 2 and all("Secure" in c for c in cookies)  # session, known device


def test_a_wrong_password_or_name_says_the_same(client: TestClient, root: Path) -> None:
    with_passwords(root, ROBIN)
    wrong = post_signin(client, {"name": ROBIN, "password": "x" * 12})
    unknown = post_signin(client, {"name": "Nobody", "password": "x" * 12})
    no_password = post_signin(client, {"name": QUINN, "password": "x" * 12})
    for answer in (wrong, unknown, no_password):
        assert answer.status_code == 401
        assert "The name or the password is wrong." in answer.text


def test_a_strangers_50_wrong_passwords_never_keep_the_reviewer_out(
    client: TestClient, root: Path
) -> None:
    """The issue's lock-out: 5 wrong passwords kept the right one out for 15 minutes."""
    with_passwords(root, ROBIN)
    own = browser_at(client, "10.0.0.7")
    assert sign_in(own, ROBIN) == 303  # her browser, known from now on
    own.cookies.delete("clinic_l10n_session")
    attacker = browser_at(client, "203.0.113.66")
    tries = [sign_in(attacker, ROBIN, f"guess number {n}") for n in range(50)]
    assert tries == [401] * PAIR_LIMIT + [429] * (50 - PAIR_LIMIT)  # the stranger is slowed
    assert sign_in(own, ROBIN) == 303  # her browser: at once
    assert sign_in(browser_at(client, "198.51.100.9"), ROBIN) == 303  # a new browser elsewhere too


@pytest.mark.parametrize(
    "spelling",
    [ROBIN, ROBIN.upper(), "robin", "ROBIN", "robin@clinic.example", "Robin@Clinic.EXAMPLE"],
)
def test_failures_count_per_account_and_address_however_the_name_is_spelt(
    client: TestClient, root: Path, clock: Clock, spelling: str
) -> None:
    with_passwords(root, ROBIN, QUINN)
    here = browser_at(client, "192.0.2.10")
    for _ in range(PAIR_LIMIT):
        assert sign_in(here, spelling, "wrong password!") == 401
    for typed in (ROBIN, "robin", "robin@clinic.example"):  # every name of that account
        answer = post_signin(here, {"name": typed, "password": PASSWORD})
        assert answer.status_code == 429 and "Too many failed sign-ins" in answer.text
        assert 0 < int(answer.headers["retry-after"]) <= WINDOW + 1
    assert sign_in(here, QUINN) == 303  # another account from this address is not held up
    assert sign_in(browser_at(client, "192.0.2.11"), ROBIN) == 303  # nor this one from elsewhere
    clock.now += WINDOW
    assert sign_in(here, ROBIN) == 303


def test_wrong_passwords_are_limited_per_address(
    client: TestClient, root: Path, clock: Clock
) -> None:
    with_passwords(root, ROBIN)
    for n in range(ADDRESS_LIMIT):  # a different name each time: no pair reaches its limit
        assert sign_in(client, f"Guess {n}", "wrong password!") == 401
    assert sign_in(client, ROBIN) == 429  # this address, whatever the name
    clock.now += WINDOW
    assert sign_in(client, ROBIN) == 303


@pytest.mark.parametrize(
    ("cookie", "exempt"),
    [
        ("its own", True),
        ("another account's", False),  # a device cookie names its account
        ("tampered", False),
        ("expired", False),
    ],
)
def test_only_a_valid_device_cookie_of_that_account_is_exempt(
    client: TestClient, root: Path, clock: Clock, cookie: str, exempt: bool
) -> None:
    with_passwords(root, ROBIN, QUINN)
    own = browser_at(client, "10.0.0.7")
    assert sign_in(own, QUINN if cookie == "another account's" else ROBIN) == 303
    device = own.cookies.get("clinic_l10n_device") or ""
    if cookie == "tampered":
        device = device[:-1] + ("0" if device[-1] != "0" else "1")
    if cookie == "expired":
        clock.now += DEVICE_AGE
    attacker = browser_at(client, "10.0.0.7")  # the same address (a hospital's NAT)
    for _ in range(ADDRESS_LIMIT):
        sign_in(attacker, ROBIN, "wrong password!")
    fresh = browser_at(client, "10.0.0.7")
    fresh.cookies.set("clinic_l10n_device", device, path="/review/signin")
    assert sign_in(fresh, ROBIN) == (303 if exempt else 429)


def test_a_known_device_is_itself_limited(client: TestClient, root: Path) -> None:
    """A stolen device cookie does not buy unlimited guesses."""
    with_passwords(root, ROBIN)
    own = browser_at(client, "10.0.0.7")
    assert sign_in(own, ROBIN) == 303
    tries = [sign_in(own, ROBIN, "wrong password!") for _ in range(DEVICE_LIMIT + 1)]
    assert tries == [401] * DEVICE_LIMIT + [429]


def test_a_right_password_forgets_the_pairs_failures(client: TestClient, root: Path) -> None:
    with_passwords(root, ROBIN)
    for _ in range(PAIR_LIMIT - 1):
        assert sign_in(client, ROBIN, "wrong password!") == 401
    assert sign_in(client, ROBIN) == 303
    client.cookies.clear()  # no device cookie: the pair counts again
    for _ in range(PAIR_LIMIT - 1):
        assert sign_in(client, ROBIN, "wrong password!") == 401
    assert sign_in(client, ROBIN) == 303


def test_concurrent_wrong_passwords_cannot_pass_the_limit(root: Path) -> None:
    state = accounts(root)
    with_passwords(root, ROBIN)
    from service.core.config import load_config

    policy = load_config(root).policy
    outcomes: list[str] = []

    def guess() -> None:
        outcomes.append(state.sign_in(policy, ROBIN, "wrong password!", "192.0.2.1").refused)

    threads = [threading.Thread(target=guess) for _ in range(PAIR_LIMIT * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [o for o in outcomes if o == "The name or the password is wrong."]
    assert len(checked) == PAIR_LIMIT  # the rest were throttled before any hash was checked


# -- sessions -------------------------------------------------------------------------------------


def test_a_session_ends_when_idle_and_after_a_working_day(
    client: TestClient, root: Path, clock: Clock
) -> None:
    with_passwords(root, ROBIN)
    assert sign_in(client, ROBIN) == 303
    assert client.get("/review/", follow_redirects=False).status_code == 200
    clock.now += SESSION_IDLE - 60
    assert client.get("/review/", follow_redirects=False).status_code == 200  # used: not idle
    clock.now += SESSION_IDLE + 1
    expired = client.get("/review/", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"].startswith("/review/signin")
    api = client.get("/v1/reviews/pending", params={"locale": "es"})
    assert api.status_code == 401 and "sign in again" in api.json()["detail"]
    assert sign_in(client, ROBIN) == 303
    for _ in range(SESSION_MAX // (SESSION_IDLE - 60) + 1):  # used all along
        clock.now += SESSION_IDLE - 60
        client.get("/review/", follow_redirects=False)
    assert client.get("/review/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(client: TestClient, root: Path) -> None:
    with_passwords(root, ROBIN)
    assert sign_in(client, ROBIN) == 303
    cookie = client.cookies.get("clinic_l10n_session")
    page = client.get("/review/").text
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    refused = client.post("/review/signout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    out = client.post("/review/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/review/signin?out=1"
    assert 'clinic_l10n_session=""' in out.headers["set-cookie"]
    client.cookies.set("clinic_l10n_session", cookie or "")  # an old cookie kept by hand
    assert client.get("/review/", follow_redirects=False).status_code == 303
    assert not list((root / ".clinic-l10n" / "sessions").glob("*.json"))


def test_a_new_password_ends_the_old_sessions(client: TestClient, root: Path) -> None:
    with_passwords(root, ROBIN)
    assert sign_in(client, ROBIN) == 303
    accounts(root).set_password(ROBIN, "another long password")
    assert client.get("/review/", follow_redirects=False).status_code == 303


def test_a_reviewer_taken_out_of_the_config_is_refused_at_once(
    client: TestClient, root: Path
) -> None:
    token = accounts(root).new_token(ROBIN)
    config = root / "l10n.yaml"
    config.write_text("\n".join(ln for ln in config.read_text().splitlines() if ROBIN not in ln))
    client.app.state.live.reload()  # type: ignore[attr-defined]
    answer = client.get(
        "/v1/reviews/pending", params={"locale": "es"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 403 and "no longer declared" in answer.json()["detail"]


def test_a_cookie_that_is_not_one_of_ours_touches_no_file(client: TestClient, root: Path) -> None:
    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    before = files()
    assert root / "l10n.yaml" in before
    for value in ("../../l10n.yaml", "x" * 43 + "/", "", "a" * 2000):
        client.cookies.set("clinic_l10n_session", value)
        assert client.get("/review/", follow_redirects=False).status_code == 303
    assert files() == before
