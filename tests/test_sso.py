"""Single sign-on (OpenID Connect, code flow with PKCE) end to end against a real OpenID provider:
node-oidc-provider, certified by the OpenID Foundation, as tests/oidc/package-lock.json pins it
(`make test` installs it with `npm ci`), run by tests/oidc/provider.mjs on a loopback port. The
provider's own pages are driven by a real HTTP client (cookies, redirects, its sign-in form); the
workspace is the app in process, or in `clinic-l10n serve` with Chromium for the browser case.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient

from service.core.errors import ConfigError
from service.workspace import sso
from service.workspace.accounts import state_dir

from .browsers import chromium
from .conftest import free_port, replace_in, serving
from .reviewing import QUINN, ROBIN, pending_tree, workspace_client
from .test_accessibility import axe_violations, explain

OIDC = Path(__file__).resolve().parent / "oidc"
SECRET_ENV = "CLINIC_L10N_TEST_SSO_SECRET"
SECRET = "test-only client secret"
PASSWORD = "provider test password"  # every user's at tests/oidc/provider.mjs
LOCAL = "http://testserver"  # where TestClient's app is
# provider.mjs's users (fictional): login (their `sub`) and e-mail
ROBIN_SUB, ROBIN_EMAIL = "robin-0001", "robin.spare@clinic.example"
QUINN_SUB = "quinn-0002"
NOBODY_SUB, NOBODY_EMAIL = "pat-0003", "pat.nobody@clinic.example"  # declared nowhere
UNVERIFIED_SUB, UNVERIFIED_EMAIL = (
    "una-0004",
    "una.verified@clinic.example",
)  # email_verified: false
UNVERIFIED = "Dr. Una Verified (fictional)"


@contextmanager
def oidc_provider(*redirect_uris: str, port: int | None = None) -> Iterator[str]:
    """tests/oidc/provider.mjs on a loopback port; yields its issuer URL."""
    node = shutil.which("node")
    assert node and (OIDC / "node_modules" / "oidc-provider").is_dir(), (
        "node and tests/oidc/node_modules are required (make test runs npm ci in tests/oidc)"
    )
    port = port or free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_REDIRECT_URIS": " ".join(redirect_uris),
        "OIDC_CLIENT_SECRET": SECRET,
    }
    proc = subprocess.Popen(
        [node, str(OIDC / "provider.mjs")],
        cwd=OIDC,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "listening", f"the provider did not start: {line!r}"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider(f"{LOCAL}/review/sso/callback") as url:
        yield url


def sso_tree(
    tmp_path: Path, issuer: str, client_id: str = "clinic-review", claim: str = "email"
) -> Path:
    """The fixture tree with texts to review, Robin and Quinn declared with their e-mail address
    and provider subject, and an `sso:` block naming the provider."""
    root = pending_tree(tmp_path)
    config = root / "l10n.yaml"
    replace_in(
        config,
        f"  {ROBIN}: [linguistic, clinical]",
        f"  {ROBIN}: {{roles: [linguistic, clinical], email: {ROBIN_EMAIL}, sso_subject: {ROBIN_SUB}}}",
    )
    replace_in(
        config,
        f"  {QUINN}: [linguistic, clinical]",
        f"  {QUINN}: {{roles: [clinical], sso_subject: {QUINN_SUB}}}",
    )
    with config.open("a", encoding="utf-8") as fh:
        fh.write(f"  {UNVERIFIED}: {{roles: [linguistic], email: {UNVERIFIED_EMAIL}}}\n")
        fh.write(
            f"sso:\n  issuer: {issuer}\n  client_id: {client_id}\n"
            f"  client_secret_env: {SECRET_ENV}\n  claim: {claim}\n  label: Hospital sign-in\n"
        )
    return root


@pytest.fixture(autouse=True)
def client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def at_provider(url: str, login: str, password: str = PASSWORD) -> str:
    """Follow the provider's redirects from our authorization request, signing in on its form as
    `login` (its consent is given), up to the redirect back to us; returns that URL."""
    with httpx2.Client(follow_redirects=False, timeout=10) as browser:
        for _ in range(12):
            if url.startswith(LOCAL):
                return url
            answer = browser.get(url)
            if answer.status_code in (302, 303):
                url = str(answer.url.join(answer.headers["location"]))
                continue
            assert answer.status_code == 200, answer.text
            assert 'name="login"' in answer.text, answer.text
            form = answer.text.split('action="')[1].split('"')[0]
            posted = browser.post(
                str(answer.url.join(form)), data={"login": login, "password": password}
            )
            assert posted.status_code in (302, 303), posted.text
            url = str(posted.url.join(posted.headers["location"]))
    raise AssertionError(f"the provider never sent the browser back: {url}")


def start(client: TestClient) -> str:
    """Press "Sign in with …" in `client`; the provider's authorization URL it was sent to."""
    answer = client.get(
        "/review/sso/start", params={"next": "/review/?locale=es"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def back(client: TestClient, callback: str) -> Any:
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def signed_in_as(client: TestClient) -> str | None:
    page = client.get("/review/", follow_redirects=False)
    if page.status_code != 200:
        return None
    return page.text.split("Signed in as <strong>")[1].split("</strong>")[0]


def alert(html: str) -> str:
    """The sign-in page's error message, as a reader sees it."""
    found = re.search(
        r'<p class="message error" role="alert" id="signin-error">(.*?)</p>', html, re.S
    )
    assert found, html
    return unescape(found.group(1))


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def pending_records(root: Path) -> list[Path]:
    return sorted((state_dir(root) / "sso").glob("*.json"))


# Each case: how the sign-in goes (client id at the provider, claim, who signs in there, and what
# happens to the answer on its way back), then the status and words of the outcome.
def _as_is(root: Path, client: TestClient, callback: str) -> Any:
    return back(client, callback)


def _replayed(root: Path, client: TestClient, callback: str) -> Any:
    first = back(client, callback)
    assert first.status_code == 303, first.text
    client.cookies.clear()  # signed out again: the replay alone must not sign anyone in
    return back(client, callback)


def _state_changed(root: Path, client: TestClient, callback: str) -> Any:
    state = dict(parse_qsl(urlsplit(callback).query))["state"]
    return back(client, with_query(callback, state=state[:-4] + "AAAA"))


def _state_missing(root: Path, client: TestClient, callback: str) -> Any:
    return back(client, with_query(callback, state=None))


def _other_browser(root: Path, client: TestClient, callback: str) -> Any:
    client.cookies.clear()  # the answer arrives in a browser that did not ask for it
    return back(client, callback)


def _other_issuer(root: Path, client: TestClient, callback: str) -> Any:
    """An answer naming another provider (RFC 9207's `iss`: a mix-up of providers)."""
    return back(client, with_query(callback, iss="https://login.elsewhere.example"))


def _issuer_missing(root: Path, client: TestClient, callback: str) -> Any:
    """An answer without `iss` from a provider whose discovery says it sends one (RFC 9207)."""
    return back(client, with_query(callback, iss=None))


def _cancelled(root: Path, client: TestClient, callback: str) -> Any:
    """The provider's answer when the user cancels there (RFC 6749 §4.1.2.1)."""
    return back(client, with_query(callback, code=None, error="access_denied"))


def _nonce_changed(root: Path, client: TestClient, callback: str) -> Any:
    """The record of this sign-in expects another nonce than the token carries (as when an ID
    token of another sign-in is slipped in)."""
    (record,) = pending_records(root)
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "nonce": "another-sign-in-" + "n" * 30}))
    return back(client, callback)


def _verifier_changed(root: Path, client: TestClient, callback: str) -> Any:
    """A code injected into another sign-in: the provider checks it against that sign-in's PKCE
    verifier (code_verifier), which is not the one its challenge was made from."""
    (record,) = pending_records(root)
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "verifier": "v" * 64}))
    return back(client, callback)


CASES = {
    "success": ("clinic-review", "email", ROBIN_SUB, _as_is, 303, ""),
    "success by subject": ("clinic-review", "sub", QUINN_SUB, _as_is, 303, ""),
    "unknown user": (
        "clinic-review",
        "email",
        NOBODY_SUB,
        _as_is,
        403,
        f"no reviewer is declared with the e-mail address {NOBODY_EMAIL}",
    ),
    "unknown subject": (
        "clinic-review",
        "sub",
        NOBODY_SUB,
        _as_is,
        403,
        "no reviewer is declared with the subject pat-0003",
    ),
    "e-mail not verified": (
        "clinic-review",
        "email",
        UNVERIFIED_SUB,
        _as_is,
        403,
        f"the provider has not verified the address {UNVERIFIED_EMAIL}",
    ),
    "wrong audience": (
        "clinic-wrong-audience",
        "email",
        ROBIN_SUB,
        _as_is,
        401,
        "issued for another application (audience)",
    ),
    "expired ID token": (
        "clinic-expired",
        "email",
        ROBIN_SUB,
        _as_is,
        401,
        "the ID token has expired",
    ),
    "replayed state": ("clinic-review", "email", ROBIN_SUB, _replayed, 400, "already used"),
    "wrong state": ("clinic-review", "email", ROBIN_SUB, _state_changed, 400, "already used"),
    "missing state": ("clinic-review", "email", ROBIN_SUB, _state_missing, 400, "already used"),
    "another browser": (
        "clinic-review",
        "email",
        ROBIN_SUB,
        _other_browser,
        400,
        "started in another browser",
    ),
    "answer from another issuer": (
        "clinic-review",
        "email",
        ROBIN_SUB,
        _other_issuer,
        400,
        "the answer comes from another provider",
    ),
    "answer without its issuer": (
        "clinic-review",
        "email",
        ROBIN_SUB,
        _issuer_missing,
        400,
        "the answer does not say which provider it comes from",
    ),
    "cancelled at the provider": (
        "clinic-review",
        "email",
        ROBIN_SUB,
        _cancelled,
        401,
        "the provider refused (access_denied)",
    ),
    "wrong nonce": (
        "clinic-review",
        "email",
        ROBIN_SUB,
        _nonce_changed,
        401,
        "it belongs to another sign-in (nonce)",
    ),
    "wrong PKCE verifier": (
        "clinic-review",
        "email",
        ROBIN_SUB,
        _verifier_changed,
        401,
        "the provider refused the sign-in (invalid_grant)",
    ),
}


@pytest.mark.parametrize(
    ("client_id", "claim", "login", "deliver", "status", "words"), CASES.values(), ids=CASES.keys()
)
def test_single_sign_on_against_a_real_provider(
    tmp_path: Path,
    issuer: str,
    caplog: pytest.LogCaptureFixture,
    client_id: str,
    claim: str,
    login: str,
    deliver: Callable[[Path, TestClient, str], Any],
    status: int,
    words: str,
) -> None:
    root = sso_tree(tmp_path, issuer, client_id, claim)
    with workspace_client(root) as client, caplog.at_level(logging.INFO, "clinic_l10n.sso"):
        sign_in = client.get("/review/signin")
        assert "Sign in with Hospital sign-in" in sign_in.text
        authorize = start(client)
        query = dict(parse_qsl(urlsplit(authorize).query))
        assert authorize.startswith(f"{issuer}/auth?")
        assert query["code_challenge_method"] == "S256" and query["nonce"] and query["state"]
        callback = at_provider(authorize, login)
        answer = deliver(root, client, callback)
        assert answer.status_code == status, answer.text
        if status == 303:
            assert answer.headers["location"] == "/review/?locale=es"
            assert signed_in_as(client) == (ROBIN if login == ROBIN_SUB else QUINN)
            return
        said = alert(answer.text)
        assert said.startswith("Single sign-on did not sign you in: ") and words in said, said
        assert signed_in_as(client) is None
        logged = caplog.text
        assert "single sign-on refused from testclient: " in logged and words in logged, logged
        code = dict(parse_qsl(urlsplit(callback).query)).get("code", "")
        assert code and code not in logged  # the code (and so no token) is never logged
        assert not pending_records(root) or deliver is _state_changed or deliver is _state_missing


def test_the_session_is_the_password_sign_ins(tmp_path: Path, issuer: str) -> None:
    """The cookie single sign-on sets is a workspace session like a password sign-in's: the
    review API accepts it and signing out ends it."""
    root = sso_tree(tmp_path, issuer)
    with workspace_client(root) as client:
        assert back(client, at_provider(start(client), ROBIN_SUB)).status_code == 303
        assert client.get("/v1/reviews/pending", params={"locale": "es"}).status_code == 200
        page = client.get("/review/")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        assert client.post("/review/signout", data={"csrf_token": csrf}).status_code == 200
        assert signed_in_as(client) is None


def test_a_provider_that_names_another_issuer_is_refused(tmp_path: Path, issuer: str) -> None:
    """The discovery document must name the configured issuer (OpenID Connect Discovery §4.3):
    the same provider reached as `localhost` names itself 127.0.0.1."""
    root = sso_tree(tmp_path, issuer.replace("127.0.0.1", "localhost"))
    with workspace_client(root) as client:
        answer = client.get("/review/sso/start", follow_redirects=False)
        assert answer.status_code == 502
        assert "discovery document names another issuer" in alert(answer.text)


def test_sign_ins_under_way_are_bounded_and_expire(
    tmp_path: Path, issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each press of the button keeps a record until the answer comes back: at most
    PENDING_MAX of them, and one older than ten minutes is neither counted nor accepted."""
    root = sso_tree(tmp_path, issuer)
    monkeypatch.setattr(sso, "PENDING_MAX", 2)
    with workspace_client(root) as client:
        late = start(client)
        start(client)
        answer = client.get("/review/sso/start", follow_redirects=False)
        assert answer.status_code == 429
        assert "too many sign-ins are under way" in alert(answer.text)
        old = time.time() - 601
        for record in pending_records(root):
            os.utime(record, (old, old))
            record.write_text(json.dumps({**json.loads(record.read_text()), "created": old}))
            os.utime(record, (old, old))
        callback = at_provider(late, ROBIN_SUB)
        answer = back(client, callback)
        assert answer.status_code == 400
        assert "has expired" in alert(answer.text)
        assert start(client).startswith(issuer)  # the expired ones no longer count


def test_the_client_secret_comes_from_the_environment_only(
    tmp_path: Path, issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sso_tree(tmp_path, issuer)
    monkeypatch.setenv(SECRET_ENV, "not the secret")
    with workspace_client(root) as client:
        answer = back(client, at_provider(start(client), ROBIN_SUB))
        assert answer.status_code == 401
        assert "the provider refused the sign-in (invalid_client)" in alert(answer.text)
        monkeypatch.delenv(SECRET_ENV)
        answer = back(client, at_provider(start(client), ROBIN_SUB))
        assert answer.status_code == 503
        assert f"${SECRET_ENV} is empty" in alert(answer.text)


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ("{issuer: http://login.hospital.example, client_id: x}", "must be an https URL"),
        (
            "{issuer: https://login.hospital.example, client_id: x, client_secret_env: 's3cr3t!'}",
            "names an environment variable",
        ),
        (
            "{issuer: https://login.hospital.example, client_id: x, claim: name}",
            "'claim' must be one of",
        ),
        ("{issuer: https://login.hospital.example}", "'client_id' must be a non-empty string"),
        (
            "{issuer: https://login.hospital.example, client_id: x, secret: y}",
            "unknown key 'secret'",
        ),
    ],
)
def test_a_wrong_sso_block_is_a_config_error_at_its_line(
    tmp_path: Path, block: str, words: str
) -> None:
    from service.core.config import load_config

    root = pending_tree(tmp_path)
    with (root / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"sso: {block}\n")
    line = len((root / "l10n.yaml").read_text().splitlines())
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert words in str(caught.value) and f":{line}:" in str(caught.value)


def test_single_sign_on_in_chromium(tmp_path: Path) -> None:
    """Real Chromium: the sign-in page's button, the provider's form, and back in the workspace
    signed in (the session cookie, SameSite=Strict, is sent after the provider's redirect)."""
    provider_port = free_port()
    root = sso_tree(tmp_path, f"http://127.0.0.1:{provider_port}")
    with serving(root) as base, oidc_provider(f"{base}/review/sso/callback", port=provider_port):
        driver = chromium()
        try:
            driver.get(f"{base}/review/?locale=es")
            violations = axe_violations(driver)  # the sign-in page with its single sign-on link
            assert not violations, explain(violations)
            driver.find_element("id", "sso").click()
            deadline = time.monotonic() + 10
            while "/interaction/" not in driver.current_url and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "/interaction/" in driver.current_url, (driver.current_url, driver.page_source)
            driver.find_element("id", "login").send_keys(ROBIN_SUB)
            driver.find_element("id", "password").send_keys(PASSWORD)
            driver.find_element("id", "submit").click()
            while "Signed in as" not in driver.page_source and time.monotonic() < deadline:
                time.sleep(0.1)
            assert driver.current_url == f"{base}/review/?locale=es"
            assert f"Signed in as <strong>{ROBIN}</strong>" in driver.page_source
        finally:
            driver.quit()


def test_sign_ins_under_way_are_bounded_per_address(
    tmp_path: Path, issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One client address cannot fill the sign-ins under way for everyone: past
    PENDING_PER_ADDRESS of its own it is refused (429), and another address still begins one."""
    monkeypatch.setattr(sso, "PENDING_PER_ADDRESS", 2)
    pending = sso.Pending(tmp_path / "sso")
    states = [f"state-{n:02d}-" + "x" * 20 for n in range(4)]
    pending.put(states[0], {"n": 0}, "203.0.113.7")
    pending.put(states[1], {"n": 1}, "203.0.113.7")
    with pytest.raises(sso.oidc.SsoRefused) as refused:
        pending.put(states[2], {"n": 2}, "203.0.113.7")
    assert refused.value.status == 429
    pending.put(states[3], {"n": 3}, "198.51.100.9")
    assert pending.take(states[1]) == {"n": 1, "created": pytest.approx(time.time(), abs=60)}
    pending.put(states[2], {"n": 2}, "203.0.113.7")  # one was answered: room again
    root = sso_tree(tmp_path, issuer)
    with workspace_client(root) as client:
        start(client)
        start(client)
        answer = client.get("/review/sso/start", follow_redirects=False)
        assert answer.status_code == 429
        assert "too many sign-ins are under way" in alert(answer.text)
