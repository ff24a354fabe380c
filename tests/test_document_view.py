"""The document view (`/review/document`): one page in one locale in its order, as Python's own
HTML parser reads it: tables with their header cells, reference links with their addresses,
images whose URLs answer, the safety section marked, each text's English beside its
translation with its state and controls; and a section's or page's approval asked for first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from fastapi.testclient import TestClient
from httpx2 import Response

from .document_tree import ADDRESS, ADULTS_ES, DOC, IMAGE_ES, PLAN_ES, document_tree
from .pictures import SPACERS, hashed
from .reviewing import (
    PAGE,
    PASSWORD,
    ROBIN,
    SCOPED,
    SPRAYS,
    SPRAYS_ES_NEW,
    post_signin,
    with_passwords,
)
from .reviewing import workspace_client as client_on


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return document_tree(tmp_path)


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with_passwords(root, ROBIN)
    with client_on(root) as c:
        answer = post_signin(c, {"name": ROBIN, "password": PASSWORD})
        assert answer.status_code == 200
        yield c


class _Cells(HTMLParser):
    """Each element's text, by tag, with its attributes: `found` lists (tag, attrs, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.found: list[tuple[str, dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "input", "br", "meta", "link"):
            self.found.append((tag, dict(attrs), ""))
            return
        self.open.append((tag, dict(attrs), []))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, attrs, text = self.open.pop()
            joined = " ".join("".join(text).split())
            self.found.append((name, attrs, joined))
            if self.open:
                self.open[-1][2].append("".join(text))
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1][2].append(data)


def elements(html: str, tag: str) -> list[tuple[dict[str, str | None], str]]:
    parser = _Cells()
    parser.feed(html)
    return [(attrs, text) for name, attrs, text in parser.found if name == tag]


def view(client: TestClient, page: str = DOC, locale: str = "es") -> str:
    answer = client.get(f"/review/document?locale={locale}&page={page}")
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize(
    ("tag", "starts"),
    [
        ("th", "Who"),
        ("th", "Dose"),
        ("td", f"Adults Español: {ADULTS_ES}"),
        ("td", "800 micrograms (8 puffs)"),
        ("td", "Children"),
    ],
)
def test_the_table_is_a_table_with_its_header_cells(
    client: TestClient, tag: str, starts: str
) -> None:
    cells = [text for _, text in elements(view(client), tag)]
    assert any(c.startswith(starts) or c.startswith(f"English: {starts}") for c in cells), cells


def test_the_header_row_is_in_the_tables_head(client: TestClient) -> None:
    html = view(client)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head is not None
    assert [t for _, t in elements(head.group(1), "th") if "Who" in t]


@pytest.mark.parametrize("label", ["asthma action plan", "plan de acción para el asma"])
def test_a_reference_link_shows_its_address(client: TestClient, label: str) -> None:
    html = view(client)
    links = [(a, t) for a, t in elements(html, "a") if t == label]
    assert links and all(a.get("href") == ADDRESS for a, _ in links)
    shown = [t for a, t in elements(html, "span") if a.get("class") == "address"]
    assert f"({ADDRESS})" in shown
    assert PLAN_ES.split("[")[0] in html


@pytest.mark.parametrize("locale", ["es", "pt", "en"])
def test_each_image_points_at_a_url_that_answers(client: TestClient, locale: str) -> None:
    images = [a for a, _ in elements(view(client, locale=locale), "img")]
    assert images
    for attrs in images:
        src = str(attrs.get("src"))
        assert src.startswith("/assets/")
        assert client.get(src).status_code == 200, src
        assert attrs.get("alt") == "A spacer fitted to an inhaler"


def test_the_english_image_is_the_english_file(client: TestClient) -> None:
    srcs = {a.get("src") for a, _ in elements(view(client, locale="en"), "img")}
    assert IMAGE_ES not in str(srcs)
    assert srcs == {f"/assets/{hashed('spacer.png', SPACERS['spacer.png'])}"}


def test_the_safety_section_is_marked(client: TestClient) -> None:
    sections = [t for a, t in elements(view(client), "div") if a.get("class") == "critical"]
    assert sections and sections[0].startswith("Safety-critical section")
    assert "Call 911 if your lips turn blue." in sections[0]


@pytest.mark.parametrize(
    ("page", "english", "translation", "status", "control"),
    [
        (DOC, "Adults", ADULTS_ES, "never approved", "Approve as linguistic reviewer"),
        (PAGE, SPRAYS, SPRAYS_ES_NEW, "changed since it was approved", "Approve as clinical"),
        (
            PAGE,
            "Blow your nose gently.",
            "Suénese",
            "approved (no review waits)",
            "Revoke linguistic",
        ),
        (DOC, "Children", "no translation", "not ready for review", "not translated"),
    ],
)
def test_each_text_shows_its_translation_status_and_controls(
    client: TestClient, page: str, english: str, translation: str, status: str, control: str
) -> None:
    html = view(client, page)
    pairs = [(a, t) for a, t in elements(html, "span") if a.get("class") == "pair"]
    (key,) = [a["data-key"] for a, t in pairs if t.startswith(f"English: {english}")]
    (pair,) = [t for a, t in pairs if a.get("data-key") == key]
    assert translation in pair
    (state,) = [t for a, t in elements(html, "div") if a.get("data-key") == key]
    assert status in state and control in state


def ledger(root: Path, page: str = DOC) -> list[dict[str, object]]:
    path = root / f"locales/es/reviews/{page}.yaml"
    return list(yaml.safe_load(path.read_text("utf-8")) or []) if path.exists() else []


def bulk_fields(html: str, role: str) -> list[tuple[str, str]]:
    form = re.search(r'<form class="sign bulk"[^>]*data-confirm="([^"]*)">(.*?)</form>', html, re.S)
    assert form is not None
    fields = re.findall(r'<input type="hidden" name="([^"]+)"[^>]*value="([^"]*)"', form.group(2))
    return [*fields, ("role", role)]


def post_form(client: TestClient, fields: list[tuple[str, str]]) -> Response:
    """A form as a browser sends it (a field may come several times)."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = urlencode(fields)
    return client.post("/review/approve", content=body, headers=form, follow_redirects=False)


def test_a_page_approval_asks_first_and_records_only_when_confirmed(
    client: TestClient, root: Path
) -> None:
    html = view(client)
    fields = bulk_fields(html, "clinical")
    count = sum(1 for name, _ in fields if name == "item")
    before = len(ledger(root))
    asked = post_form(client, fields)
    assert asked.status_code == 200
    question = f"Approve {count} texts as clinical reviewer?"
    assert [t for _, t in elements(asked.text, "h1")] == [question]
    assert len(ledger(root)) == before
    again = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', asked.text)
    done = post_form(client, [*again, ("role", "clinical")])
    assert done.status_code == 303
    assert count == 2 and len(ledger(root)) == before + count


def test_the_counts_show_the_state_after_an_approval(client: TestClient, root: Path) -> None:
    def served() -> str:
        (line,) = [t for a, t in elements(view(client), "p") if a.get("id") == "doc-served"]
        return line

    before = served()
    html = view(client)
    pairs = [(a, t) for a, t in elements(html, "span") if a.get("class") == "pair"]
    key = next(a["data-key"] for a, t in pairs if t.startswith("English: See your"))
    form = re.search(
        rf'<input type="hidden" name="item" data-item="{re.escape(str(key))}" value="([^"]+)"',
        html,
    )
    assert form is not None
    data = {"csrf_token": html.split('name="csrf-token" content="')[1].split('"')[0]}
    data |= {"locale": "es", "page": DOC, "item": form.group(1), "role": "linguistic"}
    data["back"] = f"/review/document?locale=es&page={DOC}"
    assert client.post("/review/approve", data=data, follow_redirects=False).status_code == 303
    assert before.startswith("0 of 12 served") and served().startswith("1 of 12 served")
    (state,) = [t for a, t in elements(view(client), "div") if a.get("data-key") == key]
    assert "approved (no review waits)" in state and "Revoke linguistic approval" in state


def test_the_ui_strings_have_a_document_view(client: TestClient, root: Path) -> None:
    keys = yaml.safe_load((root / "source_content/ui.yaml").read_text("utf-8"))["messages"]
    states = [a for a, _ in elements(view(client, "ui"), "div") if a.get("class") == "state"]
    assert [str(a["data-key"]).rsplit("|", 1)[1] for a in states] == list(keys)


@pytest.mark.parametrize(("locale", "buttons"), [("es", True), ("pt", False)])
def test_a_reviewer_scoped_to_a_locale_signs_only_there(
    root: Path, locale: str, buttons: bool
) -> None:
    with_passwords(root, SCOPED)
    (root / f"locales/{locale}/LC_MESSAGES/{DOC}.po").write_text(
        (root / f"locales/es/LC_MESSAGES/{DOC}.po")
        .read_text("utf-8")
        .replace("Language: es", f"Language: {locale}"),
        encoding="utf-8",
    )
    with client_on(root) as c:
        signed_in = post_signin(c, {"name": SCOPED, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        html = view(c, DOC, locale)
    assert 'id="doc-served"' in html and ADULTS_ES in html  # the document view, signed in
    assert ("Approve as linguistic reviewer" in html) is buttons
