"""A release store damaged on purpose: a `CURRENT` that is not JSON, a body whose bytes were edited,
a file deleted. Nothing damaged is ever sent to a patient; a running server keeps the release in
service and says `degraded` naming the file; the commands refuse with a one-line reason naming it;
`audit verify` names every damaged file of the release in service."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from service.release.store import ReleaseStore

from .conftest import Run, serving

PAGE = "esketamine-overview"


def _store() -> ReleaseStore:
    return ReleaseStore(Path(os.environ["CLINIC_L10N_RELEASES"]))


def _object(sha: str) -> Path:
    return _store().folder / "objects" / sha[:2] / sha[2:]


def _es_json() -> Path:
    release = _store().current()
    assert release is not None
    return _object(release.pages[PAGE]["es"].json)


def _edit(path: Path) -> None:
    """An edit that keeps the size (a put of the true bytes would not notice it)."""
    data = path.read_bytes()
    assert b"esketamina" in data
    path.write_bytes(data.replace(b"esketamina", b"ketamina  ", 1))


# What is damaged, and the words naming it that every report must carry.
DAMAGE: dict[str, tuple[Callable[[], Path], Callable[[Path], None], str]] = {
    "an edited body": (_es_json, _edit, "no longer match its name"),
    "a deleted body": (_es_json, lambda p: p.unlink(), "No such file"),
    "CURRENT not JSON": (
        lambda: _store().folder / "CURRENT",
        lambda p: p.write_text("{not json\n"),
        "cannot be read",
    ),
}


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _until(check: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_audit_verify_names_the_damaged_file(tree: Path, run: Run, damage: str) -> None:
    run("publish")
    run("audit", "verify")
    where, how, words = DAMAGE[damage]
    path = where()
    how(path)
    out = run("audit", "verify", code=1).output
    line = next(line for line in out.splitlines() if str(path) in line)
    assert words in line and ": error: " in line, out


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize(
    "command",
    [
        ("publish",),
        ("history", PAGE, "--locale", "es", "--at", "2999-01-01T00:00:00Z", "--body", "json"),
    ],
)
def test_commands_refuse_with_the_file_named(
    tree: Path, run: Run, damage: str, command: tuple[str, ...]
) -> None:
    """A publish or history that needs the damaged file stops with its name; one that does not need
    it (a publish reads no body of an unchanged page) works, and changes nothing it would need."""
    run("publish")
    where, how, words = DAMAGE[damage]
    path = where()
    head = _store().folder.joinpath("CURRENT").read_bytes()
    how(path)
    result = run(*command, code=None)
    if damage == "CURRENT not JSON" or command[0] == "history":
        assert result.exit_code == 1, result.output
        assert str(path) in result.output and words in result.output, result.output
    if damage == "CURRENT not JSON":  # never replaced: the evidence stays as found
        assert _store().folder.joinpath("CURRENT").read_text() == "{not json\n"
    elif command[0] == "publish":
        assert result.exit_code == 0, result.output
        assert _store().folder.joinpath("CURRENT").read_bytes() == head


def _degraded(base: str, path: Path, words: str) -> Callable[[], bool]:
    def check() -> bool:
        report = json.loads(_get(f"{base}/healthz")[1])
        return report["status"] == "degraded" and any(
            str(path) in e and words in e for e in report["errors"]
        )

    return check


def _ok(base: str) -> Callable[[], bool]:
    return lambda: json.loads(_get(f"{base}/healthz")[1])["status"] == "ok"


def test_a_running_server_keeps_its_release_when_current_is_damaged(tree: Path, run: Run) -> None:
    run("publish")
    where, how, words = DAMAGE["CURRENT not JSON"]
    with serving(tree, "--poll", "0.1") as base:
        pages = {loc: _get(f"{base}/v1/pages/{PAGE}?locale={loc}") for loc in ("en", "es")}
        assert all(status == 200 for status, _ in pages.values())
        path = where()
        kept = path.read_bytes()
        how(path)
        _until(_degraded(base, path, words), "healthz never named the damaged CURRENT")
        for loc, answer in pages.items():
            assert _get(f"{base}/v1/pages/{PAGE}?locale={loc}") == answer
        path.write_bytes(kept)
        _until(_ok(base), "healthz stayed degraded after CURRENT was mended")


def _es_static_html() -> Path:
    release = _store().current()
    assert release is not None
    return _object(dict(release.pages[PAGE]["es"].files)[f"es/{PAGE}/index.html"])


BODIES = {  # a body of the Spanish page: where it is found, and the URL that sends it
    "API JSON": (_es_json, f"/v1/pages/{PAGE}?locale=es"),
    "static HTML": (_es_static_html, f"/es/{PAGE}/"),
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("damage", ["a deleted body", "an edited body"])
def test_a_damaged_body_is_never_sent(tree: Path, run: Run, damage: str, body: str) -> None:
    """The server answers 503 for the page in the locale whose body is damaged, names the file in
    `/healthz`, serves every other locale as before, and serves the page again once mended."""
    run("publish")
    where, url = BODIES[body]
    with serving(tree) as base:
        good = _get(base + url)
        english = _get(f"{base}/v1/pages/{PAGE}?locale=en")
    assert good[0] == 200 and b"esketamina" in good[1]
    _, how, words = DAMAGE[damage]
    path = where()
    kept = path.read_bytes()
    how(path)
    with serving(tree, "--poll", "0.1") as base:
        status, body = _get(base + url)
        assert status == 503 and b"ketamina  " not in body, body[:200]
        assert _get(f"{base}/v1/pages/{PAGE}?locale=en") == english
        _until(_degraded(base, path, words), "healthz never named the damaged file")
        path.write_bytes(kept)
        assert _get(base + url) == good
        _until(_ok(base), "healthz stayed degraded after the file was mended")


@pytest.mark.parametrize(
    "command",
    [
        ("publish",),
        ("withdraw", PAGE, "--locale", "es", "--reason", "test", "--by", "Dr. Test Reviewer"),
        ("rollback", "1", "--reason", "test", "--by", "Dr. Test Reviewer"),
    ],
)
def test_a_damaged_current_is_left_as_found(tree: Path, run: Run, command: tuple[str, ...]) -> None:
    run("publish")
    where, how, words = DAMAGE["CURRENT not JSON"]
    path = where()
    how(path)
    damaged = path.read_bytes()
    result = run(*command, code=1)
    assert str(path) in result.output and words in result.output, result.output
    assert path.read_bytes() == damaged
