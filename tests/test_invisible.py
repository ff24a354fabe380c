"""What a reviewer cannot see never reaches a patient (issue 22, part 1): a translation holding a
bidi control or another invisible code point is refused by the `invisible` check, shown to the
reviewer with each such character named (⟨U+202E …⟩) in `review pending` and the workspace, and
never served, even with an approval written into its history by hand; no body the server sends
holds one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from fastapi.testclient import TestClient

from service.core.config import load_config
from service.site.prepared import Settings
from service.web.api import create_app
from service.web.fastpath import FastPath

from .conftest import REPO, Run, forge, replace_in
from .reviewing import (
    ES_PO,
    PAGE,
    ROBIN,
    SPRAYS,
    SPRAYS_ES_NEW,
    accounts,
    pending_tree,
    workspace_client,
)

# What the check and the scan below look for, read from Unicode's properties, not from our code.
HIDDEN = regex.compile(r"[\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]")
# "2 pulverizaciones" between RIGHT-TO-LEFT OVERRIDE and POP DIRECTIONAL FORMATTING: a patient
# would read "senoicazirevlup 2"
HOSTILE = "Aplique \u202e2 pulverizaciones\u202c en cada fosa nasal."
NAMED = "⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    found = pending_tree(tmp_path)
    replace_in(found / ES_PO, f'msgstr "{SPRAYS_ES_NEW}"', f'msgstr "{HOSTILE}"')
    return found


@pytest.fixture
def app_client(root: Path) -> Iterator[TestClient]:
    with workspace_client(root) as client:
        yield client


def _sprays(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    answer = client.get("/v1/reviews/pending", params={"locale": "es"}, headers=headers)
    assert answer.status_code == 200, answer.text
    return next(i for i in answer.json()["items"] if i["english"][0] == SPRAYS)


def test_review_pending_names_each_hidden_character(root: Path, run: Run) -> None:
    shown = run("review", "pending", "es", "--page", PAGE, root=root).output
    assert NAMED in shown and "⟨U+202C POP DIRECTIONAL FORMATTING⟩" in shown
    assert "error: invisible:" in shown
    assert not HIDDEN.search(shown)


def test_the_workspace_shows_it_by_name_and_refuses_to_approve_it(
    root: Path, app_client: TestClient
) -> None:
    headers = {"Authorization": f"Bearer {accounts(root).new_token(ROBIN)}"}
    item = _sprays(app_client, headers)
    assert item["translation"] == [HOSTILE]  # the exact text, which the hashes are of
    html = item["translation_html"]
    assert isinstance(html, list) and NAMED in html[0] and not HIDDEN.search(html[0])
    assert item["status"] == "failing"
    assert "invisible" in {f["check"] for f in item["findings"]}  # type: ignore[attr-defined]
    body = {
        "locale": "es",
        "page": PAGE,
        "id": item["id"],
        "role": "linguistic",
        "source_sha256": item["source_sha256"],
        "translation_sha256": item["translation_sha256"],
    }
    refused = app_client.post("/v1/reviews", json=body, headers=headers)
    assert refused.status_code == 403 and "check invisible" in refused.text


def _bodies(client: TestClient, root: Path) -> Iterator[tuple[str, str]]:
    """Every page's JSON, HTML document and fragment in every locale, and the lists."""
    config = load_config(root)
    slugs = [p.stem for p in sorted(config.pages_dir.glob("*.md"))]
    for locale in config.all_locales:
        for url in (f"/v1/pages?locale={locale}", f"/v1/locales?locale={locale}"):
            yield url, client.get(url).text
        for slug in slugs:
            for url in (
                f"/v1/pages/{slug}?locale={locale}",
                f"/pages/{slug}?locale={locale}",
                f"/pages/{slug}?locale={locale}&fragment=1",
            ):
                answer = client.get(url)
                assert answer.status_code == 200, url
                yield url, answer.text


def test_it_is_never_served_even_when_approved_by_hand(root: Path) -> None:
    forge(root, "es", PAGE, msgid=SPRAYS, msgstr=HOSTILE, reviewer=ROBIN, role="linguistic")
    with TestClient(FastPath(create_app(Settings(root=root)))) as client:
        page = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()
        sprays = next(s for s in page["segments"] if s.get("text") in (SPRAYS, HOSTILE))
        assert sprays["locale"] == "en" and sprays["text"] == SPRAYS
        leaked = [url for url, text in _bodies(client, root) if HIDDEN.search(text)]
    assert leaked == []


@pytest.mark.parametrize("tree_root", [REPO, REPO / "tests/data/tree"], ids=["shipped", "fixture"])
def test_no_body_holds_a_hidden_character(tree_root: Path, tmp_path: Path) -> None:
    with TestClient(FastPath(create_app(Settings(root=tree_root)))) as client:
        leaked = [url for url, text in _bodies(client, tree_root) if HIDDEN.search(text)]
    assert leaked == []


@pytest.mark.parametrize("tree_root", [REPO, REPO / "tests/data/tree"], ids=["shipped", "fixture"])
def test_no_exported_file_holds_a_hidden_character(
    tree_root: Path, tmp_path: Path, run: Run
) -> None:
    run("export", "--out", str(tmp_path / "site"), root=tree_root)
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in files)
    leaked = [p for p in files if HIDDEN.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert leaked == []


def test_an_export_leaves_out_a_translation_approved_by_hand(
    root: Path, run: Run, tmp_path: Path
) -> None:
    forge(root, "es", PAGE, msgid=SPRAYS, msgstr=HOSTILE, reviewer=ROBIN, role="linguistic")
    run("export", "--out", str(tmp_path / "site"), root=root)
    texts = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("index.*")]
    assert texts and not any(HIDDEN.search(t) for t in texts)
    es = json.loads((tmp_path / "site" / "es" / PAGE / "index.json").read_text(encoding="utf-8"))
    served = {s["text"]: s["locale"] for s in es["segments"] if not s["withheld"]}
    assert served.get(SPRAYS) == "en" and HOSTILE not in served  # English, not the forgery
