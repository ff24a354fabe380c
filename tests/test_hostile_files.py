"""SPEC invariant 7 on hostile files: each is reported at `file:line: reason`, nothing crashes or hangs.

A broken l10n.yaml stops every command (and `serve`) with one line on stderr and exit 2. A broken
ui.yaml, page or catalog is an error that `check` lists (exit 1) while coverage still prints and the
server starts degraded, serving everything else. Files named for what is wrong are under
tests/data/hostile/; a directory, FIFO, unreadable or oversized file is made at test time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.files import CATALOG_MAX_BYTES, YAML_MAX_BYTES

from .conftest import DATA, REPO, Run, free_port

HOSTILE = DATA / "hostile"
CONFIG = "l10n.yaml"
UI = "source_content/ui.yaml"
PAGES = "source_content/pages"
CATALOG_ES = "locales/es/LC_MESSAGES/esketamine-overview.po"
LEDGER_ES = "locales/es/reviews/esketamine-overview.yaml"
PAGE = "esketamine-overview"
ROOT = os.geteuid() == 0


def _directory(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _unreadable(path: Path) -> None:
    path.write_text("locales: [es]\n", encoding="utf-8")
    path.chmod(0)


def _oversized(limit: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as fh:
            fh.truncate(limit + 1)  # sparse: costs no disk

    return make


@dataclass(frozen=True)
class Hostile:
    """What goes where, and what must be said about it (written by hand, not copied from a run)."""

    what: str  # a file under tests/data/hostile/, or a kind made at test time
    place: str  # path in the tree that it replaces or joins
    expected: str  # `file:line: reason`
    make: Callable[[Path], None] | None = None

    def put(self, tree: Path) -> None:
        target = tree / self.place
        if target.exists():
            target.unlink()
        if self.make is not None:
            self.make(target)
        else:
            shutil.copy(HOSTILE / self.what, target)

    @property
    def needs_non_root(self) -> bool:
        return self.make is _unreadable


def _cases(cases: list[Hostile]) -> list[object]:
    skip = pytest.mark.skipif(ROOT, reason="root reads a chmod 000 file; test_files mocks EACCES")
    return [pytest.param(c, id=c.what, marks=[skip] if c.needs_non_root else []) for c in cases]


CONFIG_CASES = _cases(
    [
        Hostile(
            "config-billion-laughs.yaml",
            CONFIG,
            "l10n.yaml:3: YAML aliases/anchors are not allowed",
        ),
        Hostile(
            "config-anchor-and-alias.yaml",
            CONFIG,
            "l10n.yaml:3: YAML aliases/anchors are not allowed",
        ),
        Hostile(
            "config-nested-400-deep-list.yaml", CONFIG, "l10n.yaml:2: nested deeper than 64 levels"
        ),
        Hostile(
            "config-duplicate-do-not-translate.yaml",
            CONFIG,
            "l10n.yaml:6: duplicate key 'do_not_translate' (first at line 2)",
        ),
        Hostile("config-not-utf8.yaml", CONFIG, "l10n.yaml:4: not UTF-8: byte 0xe9 at column 8"),
        Hostile("directory", CONFIG, "l10n.yaml:1: not a regular file (a directory)", _directory),
        Hostile("FIFO", CONFIG, "l10n.yaml:1: not a regular file (a FIFO)", _fifo),
        Hostile("unreadable", CONFIG, "l10n.yaml:1: permission denied", _unreadable),
        Hostile(
            "oversized",
            CONFIG,
            "l10n.yaml:1: file too large (5242881 bytes; the limit is 5242880 bytes)",
            _oversized(YAML_MAX_BYTES),
        ),
    ]
)

# Each of these leaves the page in `pt` (and the rest of the tree) serving.
ISOLATED_CASES = _cases(
    [
        Hostile(
            "ledger-billion-laughs.yaml",
            LEDGER_ES,
            f"{LEDGER_ES}:1: not a review event: each line is '- {{…}}', one JSON object",
        ),
        Hostile(
            "ledger-nested-100000-deep.yaml",
            LEDGER_ES,
            f"{LEDGER_ES}:2: not a review event: nested too deep",
        ),
        Hostile(
            "ledger-not-utf8.yaml", LEDGER_ES, f"{LEDGER_ES}:6: not UTF-8: byte 0xe9 at column 61"
        ),
        Hostile(
            "ledger-event-edited.yaml",
            LEDGER_ES,
            f"{LEDGER_ES}:5: event 2 was edited: it no longer matches the hash event 3 (line 6) "
            "recorded for it",
        ),
        Hostile(
            "directory", LEDGER_ES, f"{LEDGER_ES}:1: not a regular file (a directory)", _directory
        ),
        Hostile("FIFO", LEDGER_ES, f"{LEDGER_ES}:1: not a regular file (a FIFO)", _fifo),
        Hostile("unreadable", LEDGER_ES, f"{LEDGER_ES}:1: permission denied", _unreadable),
        Hostile(
            "oversized",
            LEDGER_ES,
            f"{LEDGER_ES}:1: file too large (52428801 bytes; the limit is 52428800 bytes)",
            _oversized(50 * 1024 * 1024),
        ),
        Hostile(
            "ui-alias-without-anchor.yaml", UI, f"{UI}:5: YAML aliases/anchors are not allowed"
        ),
        Hostile("ui-nested-400-deep-mapping.yaml", UI, f"{UI}:65: nested deeper than 64 levels"),
        Hostile(
            "ui-duplicate-message-key.yaml",
            UI,
            f"{UI}:6: duplicate key 'read-in-english' (first at line 2)",
        ),
        Hostile("ui-not-utf8.yaml", UI, f"{UI}:5: not UTF-8: byte 0xe7 at column 22"),
        Hostile("directory", UI, f"{UI}:1: not a regular file (a directory)", _directory),
        Hostile("FIFO", UI, f"{UI}:1: not a regular file (a FIFO)", _fifo),
        Hostile("unreadable", UI, f"{UI}:1: permission denied", _unreadable),
        Hostile(
            "page-duplicate-front-matter-key.md",
            f"{PAGES}/page-duplicate-front-matter-key.md",
            f"{PAGES}/page-duplicate-front-matter-key.md:4: duplicate key 'title' (first at line 3)",
        ),
        Hostile(
            "page-nested-400-deep-front-matter.md",
            f"{PAGES}/page-nested-400-deep-front-matter.md",
            f"{PAGES}/page-nested-400-deep-front-matter.md:3: nested deeper than 64 levels",
        ),
        Hostile(
            "page-not-utf8.md",
            f"{PAGES}/page-not-utf8.md",
            f"{PAGES}/page-not-utf8.md:7: not UTF-8: byte 0x97 at column 26",
        ),
        Hostile(
            "directory",
            f"{PAGES}/a-folder.md",
            f"{PAGES}/a-folder.md:1: not a regular file (a directory)",
            _directory,
        ),
        Hostile(
            "FIFO", f"{PAGES}/a-fifo.md", f"{PAGES}/a-fifo.md:1: not a regular file (a FIFO)", _fifo
        ),
        Hostile(
            "unreadable",
            f"{PAGES}/unreadable.md",
            f"{PAGES}/unreadable.md:1: permission denied",
            _unreadable,
        ),
        Hostile("catalog-not-utf8.po", CATALOG_ES, f"{CATALOG_ES}:14: invalid multibyte sequence"),
        Hostile(
            "directory", CATALOG_ES, f"{CATALOG_ES}:1: not a regular file (a directory)", _directory
        ),
        Hostile("FIFO", CATALOG_ES, f"{CATALOG_ES}:1: not a regular file (a FIFO)", _fifo),
        Hostile("unreadable", CATALOG_ES, f"{CATALOG_ES}:1: permission denied", _unreadable),
        Hostile(
            "oversized",
            CATALOG_ES,
            f"{CATALOG_ES}:1: file too large (52428801 bytes; the limit is 52428800 bytes)",
            _oversized(CATALOG_MAX_BYTES),
        ),
    ]
)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A read that blocks (a FIFO opened without O_NONBLOCK) fails the test instead of hanging it."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("blocked for 60 s: something opened a FIFO and waited")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


COMMANDS = [
    ("check",),
    ("coverage",),
    ("extract",),
    ("update",),
    ("compile",),
    ("review", "pending", "es"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("case", CONFIG_CASES)
def test_broken_config_stops_every_command_with_one_line(
    tree: Path, run: Run, case: Hostile, command: tuple[str, ...]
) -> None:
    case.put(tree)
    result = run(*command, code=2)
    assert (result.stdout, result.stderr) == (
        "",
        f"clinic-l10n: {case.expected}\n",
    )


def _cli(tree: Path, *args: str) -> list[str]:
    exe = Path(sys.executable).parent / "clinic-l10n"
    return [str(exe), "--root", str(tree), *args]


_ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_broken_config_stops_serve_with_one_line(tree: Path, case: Hostile) -> None:
    case.put(tree)
    done = subprocess.run(
        _cli(tree, "serve", "--port", str(free_port())),
        capture_output=True,
        text=True,
        env=_ENV,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (2, f"clinic-l10n: {case.expected}\n")


@pytest.mark.parametrize("case", ISOLATED_CASES)
def test_broken_file_is_reported_and_the_rest_serves(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient], case: Hostile
) -> None:
    case.put(tree)
    checked = run("check", code=1)
    assert f"{case.expected.replace(': ', ': error: load: ', 1)}" in checked.stdout.splitlines()

    coverage = run("coverage", "--format", "json")
    assert {row["locale"] for row in json.loads(coverage.stdout)["rows"]} >= {"es", "pt"}

    client = client_for(tree)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert case.expected in health["errors"]
    for locale in ("pt", "es"):  # another locale, and the broken one falling back
        assert client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).status_code == 200


# Through a real process: each command that reads the file, with a FIFO in its place. `coverage`
# prints its table whatever is broken (exit 0); the others name the FIFO and exit 1, or 2 for config.
TEMPLATE = "locales/templates/ui.pot"
FIFO_READERS = [
    *[(CONFIG, c, 2) for c in ("check", "coverage", "extract", "update")],
    *[(UI, c, 1) for c in ("check", "extract")],
    *[(f"{PAGES}/a-fifo.md", c, 1) for c in ("check", "extract")],
    *[(CATALOG_ES, c, 1) for c in ("check", "update", "compile")],
    *[(TEMPLATE, c, 1) for c in ("extract", "update")],
    *[(LEDGER_ES, c, 1) for c in ("check", "audit verify")],
    *[(place, "coverage", 0) for place in (UI, f"{PAGES}/a-fifo.md", CATALOG_ES, LEDGER_ES)],
]


@pytest.mark.parametrize(("place", "command", "code"), FIFO_READERS)
def test_a_fifo_never_makes_a_command_wait(tree: Path, place: str, command: str, code: int) -> None:
    target = tree / place
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    done = subprocess.run(
        _cli(tree, *command.split()),
        capture_output=True,
        text=True,
        env=_ENV,
        timeout=30,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code:
        said = (done.stdout + done.stderr).splitlines()
        assert any(
            line.startswith(f"{place}:1: ") or line.startswith(f"clinic-l10n: {place}:1: ")
            for line in said
            if line.endswith("not a regular file (a FIFO)")
        ), said
    else:
        assert PAGE in done.stdout


@pytest.mark.parametrize("place", [UI, f"{PAGES}/a-fifo.md", CATALOG_ES, LEDGER_ES])
def test_serve_starts_degraded_with_a_fifo_in_the_tree(tree: Path, place: str) -> None:
    target = tree / place
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    port = free_port()
    proc = subprocess.Popen(
        _cli(tree, "serve", "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_ENV,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    health = json.load(r)
                break
            except OSError:
                assert proc.poll() is None, "serve exited"
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
        assert health["status"] == "degraded"
        assert f"{place}:1: not a regular file (a FIFO)" in health["errors"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
