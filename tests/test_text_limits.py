"""Bounds on what a page and a catalog may hold, enforced when they are read: a translation over
10,000 characters (or 20 times its English, when that is more), a msgid over 10,000, a text of a
page over 10,000 and a page file over 1 MB are each a `check` error at their file and line; such a
translation is dropped at load, so its page serves the English there and nothing holds or shows the
text (a 10 MB msgstr was once approved, served, and made its page's queue take seconds)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from service.catalogs.catalog import read_catalog, too_long
from service.po import Entry

from .conftest import Run, replace_in
from .reviewing import (
    ES_PO,
    PAGE,
    PASSWORD,
    ROBIN,
    SPRAYS,
    pending_tree,
    post_signin,
    with_passwords,
    workspace_client,
)

BIG = 10 * 1024 * 1024
SPRAYS_ES = "Aplique 2 pulverizaciones en cada orificio nasal."  # as pending_tree leaves it

# (English, translation forms, refused?): the bound is 10,000 characters, or 20 times the English.
CASES = [
    ("Use 2 sprays.", ("x" * 10_000,), False),
    ("Use 2 sprays.", ("x" * 10_001,), True),
    ("e" * 600, ("x" * 12_000,), False),  # 20 × 600
    ("e" * 600, ("x" * 12_001,), True),
    ("e" * 10_000, ("x" * 200_000,), False),
    ("e" * 10_001, ("",), True),  # the msgid itself
    ("Use 2 sprays.", ("",), False),
]


@pytest.mark.parametrize(("english", "forms", "refused"), CASES)
def test_the_bound_of_a_translation(english: str, forms: tuple[str, ...], refused: bool) -> None:
    assert bool(too_long(Entry(english, forms))) is refused


def test_any_plural_form_over_the_bound_is_refused() -> None:
    entry = Entry("One spray.", ("Una.", "x" * 10_001), msgid_plural="{n} sprays.")
    assert too_long(entry).startswith("the translation is 10,001 characters long")


def _msgid_line(po: Path, msgid: str) -> int:
    lines = po.read_text("utf-8").splitlines()
    return lines.index(f'msgid "{msgid}"') + 1


@pytest.fixture
def huge(tmp_path: Path) -> Path:
    """The pending tree with a 10 MB translation of one list item in es."""
    root = pending_tree(tmp_path)
    replace_in(root / ES_PO, f'msgstr "{SPRAYS_ES}"', f'msgstr "{"a" * BIG}"')
    with_passwords(root, ROBIN)
    return root


def test_check_reports_a_huge_translation_at_its_line(huge: Path, run: Run) -> None:
    out = run("check", root=huge, code=1).output
    line = _msgid_line(huge / ES_PO, SPRAYS)
    expected = f"{ES_PO}:{line}: error: too-long: the translation is {BIG:,} characters long"
    assert any(found.startswith(expected) for found in out.splitlines()), out[-2000:]


def test_a_huge_translation_is_not_kept_served_or_queued(huge: Path) -> None:
    catalog = read_catalog(huge / ES_PO, PAGE, "es")
    assert max(len(f) for e in catalog.entries.values() for f in e.msgstr) < 10_000
    with workspace_client(huge) as client:
        page = client.get(f"/v1/pages/{PAGE}?locale=es")
        assert page.status_code == 200 and len(page.content) < 100_000
        sprays = [s for s in page.json()["segments"] if s.get("text") == SPRAYS]
        assert sprays and sprays[0]["locale"] == "en"  # the reviewed English, in its place
        html = client.get(f"/pages/{PAGE}?locale=es")
        assert SPRAYS in html.text and "aaaaaaaaaa" not in html.text
        form = {"name": ROBIN, "password": PASSWORD}
        assert post_signin(client, form, follow_redirects=False).status_code == 303
        cpu = time.process_time()  # CPU, not wall-clock time: it barely moves with the load
        queue = client.get(f"/review/?locale=es&page={PAGE}")
        cpu = time.process_time() - cpu
        assert queue.status_code == 200 and "aaaaaaaaaa" not in queue.text
        assert len(queue.content) < 1_000_000 and cpu < 2.0, (len(queue.content), cpu)


def test_a_long_text_of_a_page_is_a_load_error_at_its_line(tmp_path: Path, run: Run) -> None:
    root = pending_tree(tmp_path)
    page = root / "source_content/pages" / f"{PAGE}.md"
    text = page.read_text("utf-8")
    line = text.count("\n") + 2  # after a blank line
    paragraph = " ".join(["word"] * 2001)  # 10,004 characters
    page.write_text(f"{text}\n{paragraph}\n", "utf-8")
    out = run("check", root=root, code=1).output
    found = f"source_content/pages/{PAGE}.md:{line}: error: load: a text of {len(paragraph):,} characters"
    assert found in out, out[-2000:]


def test_a_page_file_over_one_megabyte_is_a_load_error(tmp_path: Path, run: Run) -> None:
    root = pending_tree(tmp_path)
    page = root / "source_content/pages" / f"{PAGE}.md"
    text = page.read_text("utf-8")
    paragraphs = "\n\n".join(["Short paragraph of a very long page."] * 30_000)  # 1.1 MB
    page.write_text(f"{text}\n{paragraphs}\n", "utf-8")
    assert page.stat().st_size > 1024 * 1024
    out = run("check", root=root, code=1).output
    assert f"source_content/pages/{PAGE}.md:1: error: load:" in out, out[-2000:]
