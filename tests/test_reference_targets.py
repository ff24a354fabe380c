"""Reference definitions are reviewed text (issue 22, item 9): the English approval of a segment
binds the targets of the definitions it uses, so changing `[faq]: https://…` withholds the
segments that use `[faq]` in every locale (SPEC invariant 2) until their English is approved
again; their translations then come back without a new review of their own. Text with no
reference link keeps the hash it always had, so the shipped approvals stand.

The end-to-end tests add linked paragraphs to a copy of tests/data/tree through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.content.pages import parse_page
from service.core.models import fingerprint, text_sha256

from .conftest import Run, replace_in
from .reviewing import accounts, approval, workspace_client

Client = Callable[[Path], TestClient]
PAGE = "saline-spray"
PAGE_MD = f"source_content/pages/{PAGE}.md"
LINGUIST_EN = "Dr. Lola Revisora (fictional)"
LINGUIST_ES = "Dr. Sofia Revisora (fictional)"
FAQ = "https://clinic.example/faq"
MOVED = "https://elsewhere.example/faq"
# Each added paragraph with its Spanish: two use [faq], one its own label, one no link at all.
ADDED = {
    "Read the [questions][faq] first.": "Lea primero las [preguntas][faq].",
    "The [answers][faq] are short.": "Las [respuestas][faq] son breves.",
    "Our [clinic][home] is open daily.": "Nuestra [clínica][home] abre a diario.",
    "Bring your card.": "Traiga su tarjeta.",
}
USES_FAQ = {"Read the [questions][faq] first.", "The [answers][faq] are short."}
DEFINITIONS = f"\n[faq]: {FAQ}\n[home]: https://clinic.example/\n"


def _parsed(definitions: str) -> dict[str, Any]:
    body = "\n\n".join(ADDED) + "\n" + definitions
    page = parse_page(f"---\nslug: x\ntitle: x\n---\n{body}", Path("x.md"))
    return {s.source: s for s in page.segments if s.source in ADDED}


@pytest.mark.parametrize(
    ("definitions", "changed"),
    [
        (DEFINITIONS.replace(FAQ, MOVED), USES_FAQ),  # another address
        (DEFINITIONS.replace(FAQ, f'{FAQ} "Questions"'), USES_FAQ),  # a title added
        (
            DEFINITIONS.replace("clinic.example/\n", "clinic.example/home\n"),
            {"Our [clinic][home] is open daily."},
        ),
        (DEFINITIONS + "[unused]: https://x.example/\n", set()),  # a definition no text uses
    ],
)
def test_the_english_hash_binds_the_targets_a_segment_uses(
    definitions: str, changed: set[str]
) -> None:
    before, after = _parsed(DEFINITIONS), _parsed(definitions)
    moved = {
        e
        for e in ADDED
        if text_sha256(before[e], "en", before[e].source_forms)
        != text_sha256(after[e], "en", after[e].source_forms)
    }
    assert moved == changed
    for english, spanish in ADDED.items():  # a translation's hash is its text alone
        assert text_sha256(after[english], "es", (spanish,)) == fingerprint(spanish)
    assert text_sha256(after["Bring your card."], "en", ("Bring your card.",)) == fingerprint(
        "Bring your card."
    )


def _linked_tree(root: Path, run: Run) -> None:
    with (root / PAGE_MD).open("a", encoding="utf-8") as fh:
        fh.write("\n## More\n\n" + "\n\n".join(ADDED) + "\n" + DEFINITIONS)
    run("extract", root=root)
    run("update", root=root)
    po = root / "locales/es/LC_MESSAGES" / f"{PAGE}.po"
    for english, spanish in ADDED.items():
        replace_in(po, f'msgid "{english}"\nmsgstr ""', f'msgid "{english}"\nmsgstr "{spanish}"')
    for locale, who in (("en", LINGUIST_EN), ("es", LINGUIST_ES)):
        run("review", "approve", locale, "--page", PAGE, "--all", "--role", "linguistic",
            "--reviewer", who, root=root)  # fmt: skip


def _added(client: TestClient, locale: str) -> dict[str, tuple[str, str] | None]:
    """Each added paragraph by its English: (text, locale) as served, None when withheld."""
    english = {s.id: e for e, s in _parsed(DEFINITIONS).items()}
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    return {
        english[s["id"]]: None if s["withheld"] else (s["text"], s["locale"])
        for s in page["segments"]
        if s["id"] in english
    }


def _hrefs(client: TestClient, locale: str) -> set[str]:
    html = client.get(f"/pages/{PAGE}", params={"locale": locale}).text
    return {h for h in (FAQ, MOVED) if f'href="{h}"' in html}


def test_a_moved_definition_is_not_served_until_reapproved(
    fixture_tree: Path, run: Run, client_for: Client
) -> None:
    _linked_tree(fixture_tree, run)
    spanish = {e: (s, "es") for e, s in ADDED.items()}
    client = client_for(fixture_tree)
    assert _added(client, "es") == spanish
    assert _hrefs(client, "es") == {FAQ}

    published = {loc: _added(client, loc) for loc in ("en", "es")}
    replace_in(fixture_tree / PAGE_MD, f"[faq]: {FAQ}", f"[faq]: {MOVED}")
    client = client_for(fixture_tree)
    for locale in ("en", "es"):  # the English is a draft: the published page stays, as it was
        assert _added(client, locale) == published[locale]
        assert _hrefs(client, locale) == {FAQ}  # the new address is on no page
    pending = run("review", "pending", "en", "--page", PAGE, root=fixture_tree).output
    assert "2 awaiting review" in pending
    assert pending.count(f"approved with it: [FAQ]: <{MOVED}>") == 2  # the reviewer sees where
    check = run("check", root=fixture_tree, code=None).output
    assert check.count("no longer applies: the link or image targets it uses are not the ones") == 2

    with workspace_client(fixture_tree) as app:  # the workspace binds what it shows, targets too
        headers = {"Authorization": f"Bearer {accounts(fixture_tree).new_token(LINGUIST_EN)}"}
        found = app.get(
            "/v1/reviews/pending", params={"locale": "en", "page": PAGE}, headers=headers
        ).json()["items"]
        for it in [i for i in found if i["english"][0] in USES_FAQ]:
            assert it["targets"] == [f'[FAQ]: <{MOVED}> ""']
            answer = app.post("/v1/reviews", json=approval(it), headers=headers)
            assert answer.status_code == 201, answer.text
    client = client_for(fixture_tree)
    assert _added(client, "es") == spanish  # the translations follow their English
    assert _hrefs(client, "es") == {MOVED}


def test_the_shipped_english_approvals_still_bind(shipped_client: TestClient) -> None:
    """The shipped page uses no reference link: its approvals, made before, all still count."""
    page = shipped_client.get("/v1/pages/esketamine-overview", params={"locale": "en"}).json()
    assert (page["withheld"], page["complete"]) == (0, True)


@pytest.mark.parametrize(
    ("before", "after", "moved"),
    [
        ("![A nasal spray](spray.png)", "![A nasal spray](other.png)", True),
        ("![Logo][logo]\n\n[logo]: logo.png", "![Logo][logo]\n\n[logo]: evil.png", True),
        ("![A nasal spray](spray.png)", "![A nasal spray](spray.png)", False),
    ],
)
def test_an_image_source_is_bound_like_a_definition(before: str, after: str, moved: bool) -> None:
    """An image alone: its alt text is the message, its source kept out of it, so bound here."""

    def image(body: str) -> Any:
        page = parse_page(f"---\nslug: x\ntitle: x\n---\n{body}\n", Path("x.md"))
        return next(s for s in page.segments if s.image is not None)

    old, new = image(before), image(after)
    assert old.source_forms == new.source_forms  # the text is the same either way
    changed = text_sha256(old, "en", old.source_forms) != text_sha256(new, "en", new.source_forms)
    assert changed is moved
