"""A server started on a store that holds a release serves that release at once, and reads the
tree meanwhile (`LiveSite.start(early=True)`, what `clinic-l10n serve` does): what is made of the
tree answers 503 until it is read, nothing is published before, a withdrawal is served meanwhile.

The tree read is held on an event here (`build_site` waits for it), so what is served before and
after the read is seen without a race."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.release import live as live_module
from service.release.live import LiveSite, TreeUnread
from service.release.store import ReleaseStore
from service.site.bodies import REQUESTED
from service.site.prepared import Settings, Site
from service.web.fastpath import FastPath
from service.web.server import AppFactory

from .conftest import Run

PAGE = "esketamine-overview"


class _Held:
    """`build_site` held until `release()`; counts the reads that began."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate, self.began = threading.Event(), 0
        real = live_module.build_site

        def held(settings: Settings, *args: object, **kwargs: object) -> Site:
            self.began += 1
            assert self.gate.wait(60), "the test never let the tree be read"
            return real(settings, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(live_module, "build_site", held)

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def published(tree: Path, run: Run) -> Path:
    """The shipped tree with its first release published, as a server restarting finds it."""
    run("publish")
    return tree


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Held]:
    found = _Held(monkeypatch)
    yield found
    found.release()  # a thread still waiting ends with the test


def _store() -> ReleaseStore:
    return ReleaseStore(Path(os.environ["CLINIC_L10N_RELEASES"]))


def _serve_app(root: Path) -> TestClient:
    """The app exactly as `clinic-l10n serve` makes it (`AppFactory`), with no polling."""
    return TestClient(AppFactory(root, poll=None)())


def _live(client: TestClient) -> LiveSite:
    app = client.app
    assert isinstance(app, FastPath)
    return app.live


def test_serve_answers_the_published_release_before_the_tree_is_read(
    published: Path, held: _Held
) -> None:
    client = _serve_app(published)
    live = _live(client)
    assert live.reading and held.began == 1
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "starting"
    assert health.json()["state"]["release"] == _store().head()[0]  # type: ignore[index]
    # the patient's page is the published bytes, exactly
    version = _store().current().pages[PAGE]["es"]  # type: ignore[union-attr]
    page = client.get(f"/v1/pages/{PAGE}?locale=es")
    stored = _store().get(version.json).replace(json.dumps(REQUESTED).encode(), b'"es"')
    assert page.status_code == 200 and page.content == stored
    html = client.get(f"/pages/{PAGE}?locale=es")
    assert html.status_code == 200 and html.content == _store().get(version.html)
    files = dict(version.files)
    document = client.get(f"/es/{PAGE}/")
    assert document.content == _store().get(files[f"es/{PAGE}/index.html"]), sorted(files)
    assert client.get("/v1/pages?locale=es").status_code == 200
    # what is made of the tree is not known yet: 503, to be asked again
    for path in ("/v1/coverage", "/coverage", "/v1/locales", "/review/", "/v1/reviews/pending"):
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.status_code)
        assert answer.headers["retry-after"] == "5", path
        assert "reading the content tree" in answer.json()["detail"], path
    with pytest.raises(TreeUnread):
        live.tree_site()
    assert live.reload() is False  # no reload of a tree not read yet

    held.release()
    assert live.wait_read(60)
    assert client.get("/healthz").json()["status"] == "ok"
    for path in ("/v1/coverage", "/coverage", "/v1/locales"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/v1/pages/{PAGE}?locale=es").content == page.content


def test_nothing_is_published_before_the_tree_is_read_and_a_change_is_published_after(
    published: Path, run: Run, held: _Held
) -> None:
    before = _store().head()
    source = published / f"source_content/pages/{PAGE}.md"
    client = _serve_app(published)
    live = _live(client)
    # a page removed from the tree while the server starts stays published until the read
    source.unlink()
    assert live.reading and _store().head() == before
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 200
    held.release()
    assert live.wait_read(60)
    assert _store().head()[0] == before[0] + 1  # type: ignore[index]
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 404


def test_a_withdrawal_made_while_the_tree_is_read_is_served_at_once(
    published: Path, run: Run, held: _Held
) -> None:
    client = _serve_app(published)
    live = _live(client)
    run("withdraw", PAGE, "--reason", "a wrong dose", "--by", "Dr. Test Reviewer")
    assert live.reading
    assert live.follow() is True  # what the watcher does at each poll, tree read or not
    assert client.get(f"/v1/pages/{PAGE}?locale=es").status_code == 404
    held.release()
    assert live.wait_read(60)
    assert client.get(f"/v1/pages/{PAGE}?locale=es").status_code == 404


def test_a_store_without_a_release_is_served_once_the_tree_is_read(tree: Path) -> None:
    """Nothing to serve early: the first start reads the tree and publishes before it answers."""
    client = _serve_app(tree)
    assert not _live(client).reading
    assert client.get("/healthz").json()["status"] == "ok"
    assert _store().head() is not None
    assert client.get(f"/v1/pages/{PAGE}?locale=es").status_code == 200
