"""Shared fixtures: private copies of the test content tree (tests/data/tree) and of the shipped one,
the CLI runner, and an HTTP client."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from service.cli.main import cli
from service.web.api import Settings, create_app
from service.web.fastpath import FastPath

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHIPPED = ("l10n.yaml", "source_content", "locales")
FIXTURE_TREE = DATA / "tree"


@pytest.fixture(scope="session", autouse=True)
def nothing_published_into_the_repository() -> Iterator[None]:
    """Servers that session- and module-wide fixtures start on the repository's own trees are
    given a release store of their own (each test gets one too, `build_cache`); this fails the
    run if one was not."""
    yield
    stray = [p for p in (REPO / "releases", FIXTURE_TREE / "releases") if p.exists()]
    assert not stray, f"a test published into the repository: {stray}"


@pytest.fixture(autouse=True)
def build_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test builds with an empty build cache and publishes into an empty release store of its
    own (servers it starts inherit both): nothing is written into the repository."""
    folder = tmp_path_factory.mktemp("build-cache")
    monkeypatch.setenv("CLINIC_L10N_CACHE", str(folder))
    monkeypatch.setenv("CLINIC_L10N_RELEASES", str(tmp_path_factory.mktemp("releases")))
    return folder


@pytest.fixture
def fixture_tree(tmp_path: Path) -> Path:
    """A copy of tests/data/tree (see its README.md) that a test may break at will."""
    root = tmp_path / "fixture-tree"
    shutil.copytree(
        FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md", ".build-cache")
    )
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped content tree that a test may break at will, with two test reviewers
    declared (both roles) besides the shipped fictional ones."""
    root = tmp_path / "tree"
    root.mkdir()
    for name in SHIPPED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy2(src, root / name)
    config = root / "l10n.yaml"
    assert config.read_text().rstrip().splitlines()[-1].startswith("  Dr. "), (
        "reviewers: must come last"
    )
    with config.open("a") as fh:
        fh.write(
            "  Dr. Test Reviewer: [linguistic, clinical]\n  Dr. Other Reviewer: [linguistic, clinical]\n"
        )
    return root


class Run(Protocol):
    def __call__(self, *args: str, code: int | None = 0, root: Path | None = None) -> Result: ...


@pytest.fixture
def run(request: pytest.FixtureRequest) -> Run:
    """`run("review", "approve", ...)`: the CLI on the test's tree (`fixture_tree` when the test
    uses it, else `tree`). It asserts the exit code, 0 unless the caller says `code=1` (or
    `code=None`: any), with what the command printed in the message; returns click's Result."""
    runner = CliRunner()
    name = "fixture_tree" if "fixture_tree" in request.fixturenames else "tree"

    def invoke(*args: str, code: int | None = 0, root: Path | None = None) -> Result:
        where = root or request.getfixturevalue(name)
        result = runner.invoke(cli, ["--root", str(where), *args], catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (
                f"clinic-l10n {' '.join(args)} exited {result.exit_code}, not {code}:\n"
                f"{result.output}"
            )
        return result

    return invoke


def served_app(root: Path, releases: Path | None = None) -> FastPath:
    """The app as `clinic-l10n serve` runs it, the page reads answered in front of FastAPI, but
    with the tree read before it answers (`serve` on a store with a release answers at once:
    test_early_start); it publishes into `releases` (default: the test's own store,
    `build_cache`)."""
    return FastPath(create_app(Settings(root=root, releases=releases)))


@pytest.fixture
def client_for() -> Callable[[Path], TestClient]:
    def make(root: Path) -> TestClient:
        return TestClient(served_app(root))

    return make


@pytest.fixture(scope="session")
def shipped_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app on the repository's content, publishing into a release store of its own."""
    return TestClient(served_app(REPO, tmp_path_factory.mktemp("shipped-releases")))


@pytest.fixture(scope="session")
def fixture_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app on tests/data/tree itself (it reads the tree, and publishes into a release store of
    its own): for tests that change nothing."""
    return TestClient(served_app(FIXTURE_TREE, tmp_path_factory.mktemp("fixture-releases")))


def new_page(tree: Path, slug: str) -> None:
    """A page file no one has approved a word of: a draft, never published."""
    (tree / f"source_content/pages/{slug}.md").write_text(
        f"---\nslug: {slug}\ntitle: A new leaflet\nauthor: Someone (fictional)\n---\n\n"
        "Ask your pharmacist.\n",
        encoding="utf-8",
    )


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def msgfmt(path: Path) -> tuple[int, str]:
    """GNU msgfmt's verdict on a catalog: (exit code, what it printed)."""
    import subprocess

    done = subprocess.run(
        ["msgfmt", "-c", "--statistics", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def msgfmt_statistics(path: Path) -> dict[str, int]:
    """`msgfmt --statistics`, parsed: translated, fuzzy, untranslated."""
    import re

    code, out = msgfmt(path)
    assert code == 0, out
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", out):
        counts[kind] = int(number)
    return counts


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def served_shares(client: TestClient) -> dict[str, float]:
    """Each locale's reviewed share counted from the pages as served: of every published page
    (each is listed in English), its distinct English texts (by the English page, segment by
    segment; a withheld one by its id), those every use of which is served in the locale asked
    for, over all of them."""
    shares = {}
    slugs = [p["slug"] for p in client.get("/v1/pages?locale=en").json()["pages"]]
    english = {s: client.get(f"/v1/pages/{s}?locale=en").json()["segments"] for s in slugs}
    for tag in reviewed_shares(client):
        served, total = 0, 0
        for slug in slugs:
            shown = client.get(f"/v1/pages/{slug}", params={"locale": tag}).json()["segments"]
            assert [s["id"] for s in shown] == [s["id"] for s in english[slug]], (slug, tag)
            uses: dict[str, list[bool]] = {}
            for en, seg in zip(english[slug], shown, strict=True):
                uses.setdefault(en.get("text", en["id"]), []).append(seg.get("locale") == tag)
            served += sum(all(each) for each in uses.values())
            total += len(uses)
        shares[tag] = round(served / total, 4) if total else 0.0
    return shares


def reviewed_shares(client: TestClient) -> dict[str, float]:
    """`/v1/locales`' reviewed share of each locale."""
    locales = client.get("/v1/locales").json()["locales"]
    return {loc["tag"]: loc["reviewed_share"] for loc in locales}


def tree_read(base: str) -> bool:
    """Whether the server at `base` answers `/healthz` with its tree read (not `starting`)."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1) as health:
            return bool(json.load(health)["status"] != "starting")
    except OSError:
        return False


@contextmanager
def serving(root: Path, *options: str) -> Iterator[str]:
    """`clinic-l10n serve` on `root` as a real process (uvicorn) on a free loopback port, with
    `options` for `serve`; yields its base URL, once the tree is read (`/healthz` no longer says
    `starting`), and stops it after."""
    import os
    import subprocess
    import sys
    import time

    port = free_port()
    exe = Path(sys.executable).parent / "clinic-l10n"
    proc = subprocess.Popen(
        [
            str(exe),
            "--root",
            str(root),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not tree_read(base):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(
                f"server did not start: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`clinic-l10n serve` on tests/data/tree as a real process (uvicorn) on a free loopback port,
    with a release store of its own; yields its base URL."""
    releases = tmp_path_factory.mktemp("live-releases")
    with serving(FIXTURE_TREE, "--releases", str(releases)) as base:
        yield base


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def html_elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of an HTML document with its attributes, in document order."""
    parser = _Elements()
    parser.feed(html)
    return parser.found


def msgcat(path: Path) -> bytes:
    """The file as GNU gettext writes it (79 columns, like Poedit): what a translator's tool saves."""
    import subprocess

    return subprocess.run(
        ["msgcat", "--width=79", str(path)],
        capture_output=True,
        check=True,
        env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
    ).stdout


def declare(tree: Path, name: str, *roles: str) -> None:
    """Declare one more reviewer in the tree's l10n.yaml (reviewers: is its last block)."""
    with (tree / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"  {name}: [{', '.join(roles)}]\n")


def set_base_url(tree: Path, url: str | None) -> None:
    """`base_url: URL` at the top of the tree's l10n.yaml (None: none), where the release's static
    site is served: its hreflang alternates, sitemap and the JSON's links are absolute under it."""
    config = tree / "l10n.yaml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = "".join(line for line in lines if not line.startswith("base_url:"))
    config.write_text((f"base_url: {url}\n" if url else "") + kept, encoding="utf-8")


# The conformance suite's summary: how many cases agree with the tool each group is judged by (GNU
# gettext, markdown-it-py), counted from the parametrized tests themselves and printed after the run;
# a case expected to differ (xfail) counts as differing.
_AGREEMENT = {
    "po check = msgfmt -c (corpus files)": "test_po_check.py::test_corpus_file_is_judged",
    "po check = msgfmt -c (one-defect mutations)": "test_po_check.py::test_mutation_is_judged",
    "po check = msgfmt -c (regression files)": "test_po_check.py::test_regression_file_is_judged",
    "po stats = msgfmt --statistics": "test_po_check.py::test_statistics_are_msgfmts",
    "po format = msgcat --width=79 (corpus)": "test_po_format.py::test_corpus_file_is_written",
    "po format = msgcat --width=79 (shipped)": "test_po_format.py::test_shipped_catalog_is_written",
    "merge, GNU matching = msgmerge --previous": "test_po_merge.py::test_gnu_matching_is",
    "merge, default: differs only where translators agree": "test_po_merge.py::test_default_matching_differs",
    ".mo = msgfmt's .mo, per msgunfmt": "test_catalogs.py::test_compiled_mo_holds",
    "served page = markdown-it-py (Markdown corpus)": (
        "test_markdown_conformance.py::test_case_renders_as_markdown_it_py"
    ),
}
_agreement: dict[str, list[int]] = {label: [0, 0] for label in _AGREEMENT}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or (report.skipped and not hasattr(report, "wasxfail")):
        return
    for label, prefix in _AGREEMENT.items():
        if prefix in report.nodeid:
            _agreement[label][0 if report.passed else 1] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    ran = {label: counts for label, counts in _agreement.items() if sum(counts)}
    if not ran:
        return
    terminalreporter.section("agreement with GNU gettext 0.21 and markdown-it-py")
    for label, (agree, differ) in ran.items():
        terminalreporter.write_line(f"{label:<52} {agree:>4} agree, {differ} differ")


def forge(tree: Path, locale: str, page: str, **event: object) -> None:
    """Append an event to a ledger the way an attacker who computed the hash chain would (or an
    older version without today's checks): correctly chained, but not written by `review`.
    `event` gives approve fields (msgid, msgstr, reviewer, role…); hashes are filled in."""
    from service.core.locales import to_gettext
    from service.core.models import fingerprint
    from service.review.history import read_history
    from service.review.ledgers import render_events

    path = tree / "locales" / to_gettext(locale) / "reviews" / f"{page}.yaml"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    history = read_history(text, str(path), locale, page)
    assert not history.problems, history.problems
    msgstr = event.get("msgstr", event["msgid"])
    forms = msgstr if isinstance(msgstr, list) else [msgstr]
    full = {
        "at": "2026-11-27T00:00:00Z",
        "event": "approve",
        "locale": locale,
        "page": page,
        "msgstr": msgstr,
        "source_sha256": fingerprint(str(event["msgid"])),
        "translation_sha256": fingerprint(*map(str, forms)),
        "role": "linguistic",
        "meaning": "linguistic review: the translation is accurate and complete",
        **event,
    }
    lines, _ = render_events(history, [full])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + lines, encoding="utf-8")
