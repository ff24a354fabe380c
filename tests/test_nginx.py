"""The production topology (`clinic-l10n nginx-config`, `serve --accel-redirect`): Debian's nginx
sends the release store's files and Python only chooses which. Through real nginx and real
servers: every answer through nginx is, byte for byte and header for header, the server's alone
(the first time, and again from nginx's cache); an approval is served through nginx within 2 s;
with the Python server stopped, answers nginx keeps are still sent and nothing else is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.release.nginx import ACCEL_PREFIX, FRESH
from service.render.assets import stylesheet

from .conftest import REPO, SHIPPED, declare, free_port, replace_in
from .pictures import PAGE as IMAGES_PAGE
from .pictures import SPACERS, cli_in, hashed
from .test_export import nginx_running

PAGE = "esketamine-overview"
WARNING = "qualified healthcare professional."  # as tests/test_releases.py changes it
CLAUSE = "qualified healthcare professional, in a certified treatment centre."
REVIEWERS = (("Dr. Test Reviewer", "clinical"), ("Dr. Other Reviewer", "linguistic"))
ORIGIN = "https://clinic.example"
# Headers only the process that sent them decides, not the answer: nginx's are nginx's own.
TRANSPORT = {"date", "server", "connection", "keep-alive"}


@dataclass
class Got:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Got:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return Got(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as exc:
        return Got(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


@contextmanager
def server(root: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`clinic-l10n serve` on `root` on a free port until /healthz answers; yields its base URL
    and its process (stop it at will)."""
    port = free_port()
    exe = Path(sys.executable).parent / "clinic-l10n"
    command = [str(exe), "--root", str(root), "serve", "--port", str(port), *options]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "") from None
            time.sleep(0.1)
    try:
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


@dataclass
class Topology:
    front: str  # nginx
    alone: str  # `serve --follow` on the same store, without nginx
    accel: subprocess.Popen[bytes]  # `serve --accel-redirect`, behind nginx
    store: Path


def _release(base: str) -> int:
    return int(json.loads(fetch(f"{base}/healthz").body)["state"]["release"])


@contextmanager
def topology(root: Path, work: Path, accel_follows: bool = False) -> Iterator[Topology]:
    """The server nginx asks (`--accel-redirect`), nginx with the configuration `nginx-config`
    writes, and a second server on the same store to compare with. One of the two publishes:
    the server nginx asks, or, with `accel_follows`, the other (the one nginx asks then only
    follows the store: `serve --follow --accel-redirect`)."""
    store = work / "releases"
    polling = ("--releases", str(store), "--poll", "0.2")
    follow = ("--follow",)
    cache = Path(tempfile.mkdtemp(prefix="ngx-"))  # short: the release socket is in it
    try:
        with ExitStack() as stack:
            first = (*polling, *(() if accel_follows else ("--accel-redirect", ACCEL_PREFIX)))
            started = stack.enter_context(server(root, *first))  # it publishes
            second = (*polling, *follow, *(("--accel-redirect", ACCEL_PREFIX) * accel_follows))
            other = stack.enter_context(server(root, *second))
            (accel, proc), (alone, _) = (other, started) if accel_follows else (started, other)
            port = free_port()
            conf = work / "clinic-l10n.conf"
            args = ("--releases", str(store), "--upstream", accel.removeprefix("http://"))
            listen = ("--listen", f"127.0.0.1:{port}", "--cache-dir", str(cache))
            code, out = cli_in(root, "nginx-config", *args, *listen, "--out", str(conf))
            assert code == 0, out
            front = f"http://127.0.0.1:{port}"
            stack.enter_context(
                nginx_running(f"  include {conf};", f"{front}/healthz", work / "nginx")
            )
            deadline = time.monotonic() + 10
            while _release(alone) != _release(accel):
                assert time.monotonic() < deadline, "the follower did not follow"
                time.sleep(0.05)
            yield Topology(front, alone, proc, store)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _tree(root: Path) -> Path:
    """A copy of the shipped tree, with CORS for one origin, two test reviewers, and a page that
    shows images (tests/pictures.py) with its English approved."""
    root.mkdir()
    for name in SHIPPED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy2(src, root / name)
    text = (root / "l10n.yaml").read_text(encoding="utf-8")
    config = f"cors_origins: [{ORIGIN}]\nbase_url: {ORIGIN}/\n{text}"  # base_url: a sitemap
    (root / "l10n.yaml").write_text(config, encoding="utf-8")
    for name, _ in REVIEWERS:
        declare(root, name, "clinical", "linguistic")
    (root / "source_content/pages/inhaler.md").write_text(IMAGES_PAGE, encoding="utf-8")
    for name, data in SPACERS.items():
        (root / "source_content/assets").mkdir(parents=True, exist_ok=True)
        (root / "source_content/assets" / name).write_bytes(data)
    for args in (("extract",), ("update",)):
        assert cli_in(root, *args)[0] == 0
    approve = ("review", "approve", "en", "--page", "inhaler", "--all", "--role", "clinical")
    code, out = cli_in(root, *approve, "--reviewer", REVIEWERS[0][0])
    assert code == 0, out
    return root


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    work = tmp_path_factory.mktemp("nginx-topology")
    env = {k: os.environ.pop(k, None) for k in ("CLINIC_L10N_CACHE", "CLINIC_L10N_RELEASES")}
    os.environ["CLINIC_L10N_CACHE"] = str(work / "build-cache")
    try:
        # nginx asks a follower (`serve --follow --accel-redirect`); the other server publishes
        with topology(_tree(work / "tree"), work, accel_follows=True) as found:
            yield found
    finally:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


P = f"/pages/{PAGE}"
SHEET = f"/assets/{stylesheet().name}"
IMAGE = f"/assets/{hashed('spacer.png', SPACERS['spacer.png'])}"
GIF = f"/assets/{hashed('mask.gif', SPACERS['mask.gif'])}"
REQUESTS = [
    ("GET", f"{P}?locale=es", {}, 200),
    ("GET", P, {"Accept-Language": "es-MX"}, 200),
    ("GET", P, {"Accept-Language": "de;q=0.9, es-MX;q=0.8, en;q=0.1"}, 200),  # de not enabled
    ("GET", P, {"Accept-Language": "pt-BR;q=0.2, ar;q=0.3"}, 200),  # ar has the higher q
    ("GET", f"{P}?locale=pt-BR", {"Accept-Language": "es"}, 200),  # ?locale= wins
    ("GET", f"{P}?locale=vi", {}, 200),  # nothing reviewed: the English page, lang="en"
    ("GET", f"{P}?locale=zh-Hans&fragment=1", {}, 200),
    ("GET", f"{P}?fragment=true", {"Accept-Language": "pt"}, 200),
    ("GET", f"{P}?fragment=yes", {}, 200),  # FastAPI's spelling, answered by FastAPI
    ("GET", f"{P}?locale=es_!!", {}, 400),
    ("GET", f"{P}?locale=es&other=1", {}, 200),  # an unknown parameter is ignored, as FastAPI does
    ("GET", "/pages/no-such-page?locale=es", {}, 404),
    ("GET", "/pages/inhaler?locale=es", {}, 200),
    ("GET", IMAGE, {}, 200),
    ("GET", GIF, {}, 200),
    ("GET", "/assets/spacer.000000000000.png", {}, 404),
    ("GET", SHEET, {}, 200),
    ("GET", f"{P}?locale=es", {"Origin": ORIGIN}, 200),  # CORS: an allowed origin is echoed
    ("GET", f"{P}?locale=es", {"Origin": "https://evil.example"}, 200),  # ... no other
    ("GET", f"{P}?locale=ar", {"If-None-Match": "{etag}"}, 304),
    ("GET", f"{P}?locale=ar", {"If-None-Match": "W/{etag}"}, 304),  # compared weakly
    ("GET", f"{P}?locale=ar", {"If-None-Match": '"other", {etag}'}, 304),
    ("GET", f"{P}?locale=ar", {"If-None-Match": "*"}, 304),
    ("GET", f"{P}?locale=ar", {"If-None-Match": '"other"'}, 200),
    ("HEAD", f"{P}?locale=es", {"Accept-Language": "es"}, 200),
    ("HEAD", IMAGE, {}, 200),
    ("GET", f"{P}?locale=es", {"Range": "bytes=0-9"}, 200),  # no byte ranges: the whole page
    ("GET", IMAGE, {"Range": "bytes=0-9"}, 200),
    ("GET", f"/v1/pages/{PAGE}", {"Accept-Language": "es-MX;q=0.5, pt-BR"}, 200),  # proxied
    ("GET", "/v1/pages?locale=es", {}, 200),
    ("GET", "/", {}, 200),
    # the release's static site, the files `clinic-l10n export` copies (tests/test_export.py)
    ("GET", f"/es/{PAGE}/", {}, 200),
    ("GET", f"/es/{PAGE}/index.html", {}, 200),
    ("GET", f"/zh-Hans/{PAGE}/index.json", {}, 200),
    ("GET", f"/es/{PAGE}/index.json", {"Origin": ORIGIN}, 200),
    ("GET", f"/vi/{PAGE}/", {"Accept-Language": "es"}, 200),  # a file: the same whoever asks
    ("GET", f"/es/{PAGE}/", {"If-None-Match": "W/{etag}"}, 304),
    ("HEAD", f"/ar/{PAGE}/", {}, 200),
    ("GET", "/pt-BR/", {}, 200),
    ("GET", "/es/index.json", {}, 200),
    ("GET", "/index.html", {}, 200),
    ("GET", "/sitemap.xml", {}, 200),
    ("GET", "/es/no-such-page/", {}, 404),
    ("GET", "/xx/", {}, 404),
]


@pytest.mark.parametrize(("method", "path", "headers", "status"), REQUESTS)
def test_through_nginx_every_answer_is_the_servers_alone(
    served: Topology, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    if "{etag}" in "".join(headers.values()):
        etag = fetch(served.alone + path).headers["etag"]
        headers = {k: v.format(etag=etag) for k, v in headers.items()}
    alone = fetch(served.alone + path, headers, method)
    assert alone.status == status
    for attempt in ("first", "again (nginx's cache)"):
        got = fetch(served.front + path, headers, method)
        assert (got.status, got.body) == (alone.status, alone.body), attempt
        assert {k: v for k, v in got.headers.items() if k not in TRANSPORT} == {
            k: v for k, v in alone.headers.items() if k not in TRANSPORT
        }, attempt
    if method == "HEAD":  # the length of what a GET sends (http.client reads no HEAD body)
        whole = fetch(served.alone + path, headers)
        assert int(got.headers["content-length"]) == len(whole.body) > 0


@pytest.mark.parametrize(
    "path",
    [f"{P}?locale=es", IMAGE, SHEET, f"/es/{PAGE}/", f"/ar/{PAGE}/index.json", "/sitemap.xml"],
)
def test_the_python_server_sends_no_body_nginx_sends_the_release_file(
    served: Topology, path: str
) -> None:
    """What nginx sends is the store's file the server names, not bytes the server sent."""
    accel = f"http://127.0.0.1:{_port_of(served.accel)}"
    named = fetch(accel + path)
    assert named.body == b""
    where = named.headers["x-accel-redirect"].removeprefix(ACCEL_PREFIX)
    assert fetch(served.front + path).body == (served.store / "objects" / where).read_bytes()


def _port_of(proc: subprocess.Popen[bytes]) -> str:
    args = [str(a) for a in proc.args]  # type: ignore[union-attr]
    return args[args.index("--port") + 1]


def _shows(front: str, text: str) -> bool:
    return text in fetch(f"{front}{P}?locale=en").body.decode()


def test_an_approval_is_served_through_nginx_within_two_seconds_and_its_kept_second(
    tmp_path: Path,
) -> None:
    root = _tree(tmp_path / "tree")
    source = root / f"source_content/pages/{PAGE}.md"
    with topology(root, tmp_path) as served:
        assert _shows(served.front, WARNING)  # and nginx keeps this answer
        server = f"http://127.0.0.1:{_port_of(served.accel)}/healthz"
        before = json.loads(fetch(server).body)["state"]["sha256"]
        replace_in(source, WARNING, CLAUSE)
        seen = time.monotonic() + 30  # the draft is seen (and kept as a draft) by a poll
        while json.loads(fetch(server).body)["state"]["sha256"] == before:
            assert time.monotonic() < seen, "the server did not see the edit"
            time.sleep(0.05)
        assert _shows(served.front, WARNING) and not _shows(served.front, CLAUSE)
        for name, role in REVIEWERS:
            approve = ("review", "approve", "en", "--page", PAGE, "--all", "--role", role)
            code, out = cli_in(root, *approve, "--reviewer", name)
            assert code == 0, out
        approved = time.monotonic()
        # the server's 2 s (the figure), then up to the FRESH second nginx keeps the
        # answer it sent before: its documented staleness
        bound = 2.0 + FRESH
        while not _shows(served.front, CLAUSE):
            assert time.monotonic() - approved < bound, f"not served through nginx in {bound} s"
            time.sleep(0.05)


def test_with_the_python_server_stopped_nginx_sends_what_it_keeps_and_nothing_else(
    served: Topology,
) -> None:
    """Runs last in this module (it stops the server): an answer nginx keeps is sent, stale, for
    up to `KEPT`; a negotiation it has not seen, the JSON API, /healthz are 502."""
    kept = fetch(f"{served.front}{P}", {"Accept-Language": "pt-BR"})
    assert kept.status == 200
    files = [f"/es/{PAGE}/", f"/es/{PAGE}/index.json", "/es/", "/sitemap.xml", "/index.html"]
    kept_files = {path: fetch(served.front + path) for path in files}  # the static site's
    assert {got.status for got in kept_files.values()} == {200}
    served.accel.terminate()
    served.accel.wait(timeout=10)
    time.sleep(1.5)  # past the second an answer is fresh
    again = fetch(f"{served.front}{P}", {"Accept-Language": "pt-BR"})
    assert (again.status, again.body, again.headers["etag"]) == (
        200,
        kept.body,
        kept.headers["etag"],
    )
    for path, got in kept_files.items():  # kept by nginx: its location is the cached one
        assert fetch(served.front + path).body == got.body, path
    for path, headers in (
        (P, {"Accept-Language": "pt-BR;q=0.9"}),  # the same locale, asked as never before
        (f"/v1/pages/{PAGE}?locale=es", {}),
        ("/healthz", {}),
    ):
        assert fetch(served.front + path, headers).status == 502, path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--upstream", "localhost"), "HOST:PORT"),
        (("--upstream", "127.0.0.1:80; evil"), "HOST:PORT"),
        (("--upstream", "127.0.0.1:8000", "--listen", "80 default_server"), "listen must be"),
        (("--upstream", "127.0.0.1:8000", "--prefix", "/a/../b/"), "/name/"),
        (("--upstream", "127.0.0.1:8000", "--cache-dir", "/var/cache/a b"), "absolute path"),
        (("--upstream", "127.0.0.1:8000", "--cache-dir", "/" + "c" * 100), "too long"),
    ],
)
def test_nginx_config_refuses_what_nginx_would_read_otherwise(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, out = cli_in(tmp_path, "nginx-config", "--releases", str(tmp_path / "r"), *args)
    assert code == 2 and message in out, out


@pytest.mark.parametrize("prefix", ["_r/", "/_r", "/a/b/", "/a b/", "/../"])
def test_serve_refuses_a_redirect_prefix_that_is_not_a_location(
    tmp_path: Path, prefix: str
) -> None:
    code, out = cli_in(tmp_path, "serve", "--accel-redirect", prefix)
    assert code == 2 and "is not /name/" in out, out
