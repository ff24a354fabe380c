"""Every HTML document the server sends has a Content-Security-Policy with `frame-ancestors`: a
patient's page, its fragment and the list of pages may be framed by the config's `embed_origins`
only (by nothing without them); the coverage dashboard, /docs and every workspace page by nothing.
Through the app, signed in where the workspace needs it. (In Chromium: tests/test_csp_browser.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.site.prepared import Settings
from service.web.api import create_app
from service.web.fastpath import FastPath

from .reviewing import (
    PAGE,
    PASSWORD,
    ROBIN,
    pending_tree,
    post_signin,
    with_passwords,
    workspace_client,
)

EMBEDDER = "https://clinic.example"
OTHER = "https://partner.example:8443"
NONE = "'none'"

# path -> who may frame it, with `embed_origins: [EMBEDDER, OTHER]` in the config
DOCUMENTS = {
    f"/pages/{PAGE}?locale=es": f"{EMBEDDER} {OTHER}",
    f"/pages/{PAGE}?locale=ar": f"{EMBEDDER} {OTHER}",
    f"/pages/{PAGE}?locale=es&fragment=1": f"{EMBEDDER} {OTHER}",
    f"/pages/{PAGE}": f"{EMBEDDER} {OTHER}",
    "/": f"{EMBEDDER} {OTHER}",
    "/coverage": NONE,
    "/docs": NONE,
    "/review/signin": NONE,
    "/review/": NONE,
    "/review/?locale=es": NONE,
    f"/review/history?locale=es&page={PAGE}": NONE,
}


def frame_ancestors(policy: str) -> str:
    found = [d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors ")]
    assert len(found) == 1, policy
    return found[0].removeprefix("frame-ancestors ")


def embedding_tree(tmp_path: Path, origins: list[str]) -> Path:
    root = pending_tree(tmp_path)
    config = root / "l10n.yaml"
    listed = ", ".join(origins)
    config.write_text(f"embed_origins: [{listed}]\n{config.read_text('utf-8')}", "utf-8")
    with_passwords(root, ROBIN)
    return root


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = embedding_tree(tmp_path_factory.mktemp("csp"), [OTHER, EMBEDDER])
    with workspace_client(root) as c:
        form = {"name": ROBIN, "password": PASSWORD}
        assert post_signin(c, form, follow_redirects=False).status_code == 303
        yield c


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_html_document_says_who_may_frame_it(client: TestClient, path: str) -> None:
    got = client.get(path)
    assert got.status_code == 200, got.text[:200]
    assert got.headers["content-type"].startswith("text/html")
    policy = got.headers["content-security-policy"]
    assert frame_ancestors(policy) == DOCUMENTS[path]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["default-src"] == [NONE]
    assert directives["base-uri"] == [NONE]
    if not path.startswith(("/docs", "/review")):
        assert "script-src" not in directives  # no script at all on the patients' side


def test_without_embed_origins_no_one_may_frame_a_page(tmp_path: Path) -> None:
    with workspace_client(pending_tree(tmp_path)) as c:
        for path in (f"/pages/{PAGE}?locale=es", f"/pages/{PAGE}?fragment=1", "/"):
            assert frame_ancestors(c.get(path).headers["content-security-policy"]) == NONE


def test_a_304_keeps_the_policy(client: TestClient) -> None:
    path = f"/pages/{PAGE}?locale=es"
    etag = client.get(path).headers["etag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert frame_ancestors(again.headers["content-security-policy"]) == DOCUMENTS[path]


def test_docs_names_each_of_its_inline_scripts_by_hash(client: TestClient) -> None:
    import base64
    import hashlib

    got = client.get("/docs")
    scripts = re.findall(r"<script>(.*?)</script>", got.text, re.S)
    assert scripts, "Swagger UI's page has an inline script"
    policy = got.headers["content-security-policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    for code in scripts:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src.split()
    assert "'unsafe-inline'" not in script_src


@pytest.mark.parametrize("path", [f"/es/{PAGE}/", f"/es/{PAGE}/index.html", "/es/", "/index.html"])
def test_the_release_static_pages_carry_the_policy(tmp_path: Path, path: str) -> None:
    """The static site's HTML files, as `serve` sends them (the fast path in front of the app)."""
    root = embedding_tree(tmp_path, [EMBEDDER])
    with TestClient(FastPath(create_app(Settings(root=root)))) as client:
        got = client.get(path)
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/html")
        assert frame_ancestors(got.headers["content-security-policy"]) == EMBEDDER
