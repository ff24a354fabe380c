"""Behind a proxy, one way (`serve --forwarded-allow-ips`): Debian's nginx terminating TLS with a
certificate the test makes (openssl), proxying to a real server as README's example does. The
server believes X-Forwarded-For and X-Forwarded-Proto from the proxy's address only: through
nginx, a sign-in gets a `Secure` cookie and the server sees the client's own address (what the
per-address sign-in limit counts), whatever X-Forwarded-For the client forged; straight to the
server, the same forged headers change nothing, and the sign-in limit per address counts the
client's own address however many addresses its X-Forwarded-For claims.

Loopback has many addresses: nginx connects to the server from 127.0.0.2 (`proxy_bind`), the only
address trusted, and the client connects from 127.0.0.3, so the two are told apart as a proxy and
a client on different hosts would be. The server's access log says which address it saw."""

from __future__ import annotations

import http.client
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.workspace.accounts import ADDRESS_LIMIT

from .conftest import free_port
from .reviewing import PASSWORD, ROBIN, pending_tree, with_passwords
from .test_export import nginx_running

PROXY = "127.0.0.2"  # nginx's address as the server sees it: the one trusted
CLIENT = "127.0.0.3"  # the browser's
FORGED = "203.0.113.9"  # TEST-NET-3 (RFC 5737): what a client claims to be


@dataclass
class Setup:
    server: int  # the Python server's port (plain HTTP)
    front: int  # nginx's port (TLS)
    log: Path  # the server's output: uvicorn's access log
    context: ssl.SSLContext  # trusts the test's certificate


@contextmanager
def python_server(root: Path, state: Path, log: Path, *options: str) -> Iterator[int]:
    port = free_port()
    exe = Path(sys.executable).parent / "clinic-l10n"
    command = [str(exe), "--root", str(root), "--state", str(state), "serve"]
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--access-log", *options],
            stdout=err,  # uvicorn's access log
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(log.read_text(errors="replace")) from None
            time.sleep(0.1)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def certificate(work: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    key, cert = work / "key.pem", work / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def nginx_site(front: int, ready: int, server: int, key: Path, cert: Path) -> str:
    """README's example (TLS, the two X-Forwarded headers), with `proxy_bind` for the test, and a
    plain listener that says nginx is up."""
    return f"""  server {{
    listen 127.0.0.1:{front} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{
      proxy_pass http://127.0.0.1:{server};
      proxy_bind {PROXY};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
  server {{
    listen 127.0.0.1:{ready};
    location / {{ return 204; }}
  }}"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    work = tmp_path_factory.mktemp("proxy")
    root = pending_tree(work)
    state = work / "state"
    with_passwords(root, ROBIN, state=state)
    key, cert = certificate(work)
    log = work / "server.log"
    with python_server(root, state, log, "--forwarded-allow-ips", PROXY) as server:
        front, ready = free_port(), free_port()
        site = nginx_site(front, ready, server, key, cert)
        with nginx_running(site, f"http://127.0.0.1:{ready}/", work / "nginx"):
            yield Setup(server, front, log, ssl.create_default_context(cafile=str(cert)))


# The sign-in form's pre-session token, as a browser that loaded the form holds it (in its cookie
# and in the form): any token of the right shape, the same in both.
_TOKEN = "t" * 43
PRESESSION_FIELD = {"signin_token": _TOKEN}
PRESESSION_COOKIE = {"Cookie": f"clinic_l10n_signin={_TOKEN}"}


def request(
    setup: Setup,
    via_nginx: bool,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str = "",
    source: str = CLIENT,
) -> http.client.HTTPResponse:
    """One request from `source`, through nginx (TLS) or straight to the server."""
    where = ("127.0.0.1", setup.front if via_nginx else setup.server)
    connection = (
        http.client.HTTPSConnection(*where, context=setup.context, source_address=(source, 0))
        if via_nginx
        else http.client.HTTPConnection(*where, source_address=(source, 0))
    )
    connection.request(method, path, body=body or None, headers=headers)
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def seen_as(setup: Setup, probe: str) -> str:
    """The client address the server logged for the request whose query was `probe`."""
    deadline = time.monotonic() + 5
    pattern = re.compile(rf'(\S+):\d+ - "GET /healthz\?probe={probe} ')
    while time.monotonic() < deadline:
        found = pattern.search(setup.log.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"probe {probe} not in the access log")


FORGERIES = {
    "none": {},
    "for": {"X-Forwarded-For": FORGED},
    "for and proto": {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"},
    "a chain": {"X-Forwarded-For": f"{FORGED}, {PROXY}"},
}


# 127.0.0.1 is uvicorn's own default list: a client on the server's host is not a proxy either.
@pytest.mark.parametrize("source", [CLIENT, "127.0.0.1"])
@pytest.mark.parametrize("via_nginx", [True, False], ids=["through nginx", "straight"])
@pytest.mark.parametrize("forged", FORGERIES)
def test_the_server_sees_the_clients_own_address(
    setup: Setup, via_nginx: bool, forged: str, source: str
) -> None:
    probe = f"{forged.replace(' ', '-')}-{via_nginx}-{source}"
    headers = FORGERIES[forged]
    answer = request(setup, via_nginx, "GET", f"/healthz?probe={probe}", headers, source=source)
    assert answer.status == 200
    assert seen_as(setup, probe) == source


@pytest.mark.parametrize(
    ("via_nginx", "forged", "secure"),
    [
        (True, "none", True),  # TLS at nginx: the cookie is Secure
        (True, "for and proto", True),
        (False, "none", False),  # plain HTTP: a Secure cookie would never come back
        (False, "for and proto", False),  # a forged `https` from outside the list is not believed
    ],
)
def test_a_sign_in_gets_a_secure_cookie_only_over_https(
    setup: Setup, via_nginx: bool, forged: str, secure: bool
) -> None:
    origin = f"https://127.0.0.1:{setup.front}" if via_nginx else f"http://127.0.0.1:{setup.server}"
    form = urllib.parse.urlencode({"name": ROBIN, "password": PASSWORD, **PRESESSION_FIELD})
    headers = {
        "Origin": origin,
        "Content-Type": "application/x-www-form-urlencoded",
        **PRESESSION_COOKIE,
        **FORGERIES[forged],
    }
    answer = request(setup, via_nginx, "POST", "/review/signin", headers, form)
    assert answer.status == 303, answer.status
    cookie = answer.getheader("set-cookie") or ""
    assert cookie.startswith("clinic_l10n_session=")
    assert ("; secure" in cookie.lower()) is secure, cookie


# Each case its own client address, so that the counts of one do not reach another's.
@pytest.mark.parametrize(
    ("via_nginx", "source"),
    [(True, "127.0.0.4"), (False, "127.0.0.5"), (False, "127.0.0.1")],
    ids=["through nginx", "straight", "straight from the server's host"],
)
def test_the_sign_in_limit_per_address_cannot_be_dodged_by_forging(
    setup: Setup, via_nginx: bool, source: str
) -> None:
    """ADDRESS_LIMIT wrong sign-ins from one client, each under another name and claiming
    another address in X-Forwarded-For: the next is refused (429), as the client's own address
    has used its tries."""
    origin = f"https://127.0.0.1:{setup.front}" if via_nginx else f"http://127.0.0.1:{setup.server}"
    statuses = []
    for n in range(ADDRESS_LIMIT + 1):
        form = urllib.parse.urlencode(
            {"name": f"Nobody {source} {n}", "password": "wrong" * 3, **PRESESSION_FIELD}
        )
        headers = {
            "Origin": origin,
            "Content-Type": "application/x-www-form-urlencoded",
            **PRESESSION_COOKIE,
            "X-Forwarded-For": f"198.51.100.{n + 1}",  # TEST-NET-2 (RFC 5737)
        }
        answer = request(setup, via_nginx, "POST", "/review/signin", headers, form, source)
        statuses.append(answer.status)
    assert statuses == [401] * ADDRESS_LIMIT + [429]
