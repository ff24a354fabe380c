"""A page's snapshot (service/site/snapshot.py): the page as the serving rule resolved it, written to
the build cache and read back to make its bodies when first asked for. Read back, it must be the
very page resolved: every field of every segment, review and withheld part, on real trees."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.gen_tree import build_tree
from service.core.models import SOURCE_LOCALE, ResolvedPage
from service.site.records import _Ui
from service.site.snapshot import Encoder, Snapshot, decode, shown
from service.site.store import Tree, load_tree

from .conftest import FIXTURE_TREE, REPO


def _shipped(tmp_path: Path) -> Path:
    return REPO


def _fixture(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", ".build-cache"))
    return root


def _withheld(tmp_path: Path) -> Path:
    """The test tree with one page's English approvals gone: its every segment withheld."""
    root = _fixture(tmp_path)
    (root / "locales/en/reviews/saline-spray.yaml").unlink()
    return root


def _generated(tmp_path: Path) -> Path:
    build_tree(tmp_path / "generated", 6)
    return tmp_path / "generated"


def _snapshots(tree: Tree) -> list[Snapshot]:
    out, demonstration, locales = [], tree.config.demonstration, tuple(tree.config.all_locales)
    for page in tree.pages.values():
        english = tree.resolve(page, SOURCE_LOCALE)
        for loc in tree.config.all_locales:
            ui = _Ui.of(tree, loc).strings
            out.append(Snapshot(tree.resolve(page, loc), english, ui, demonstration, locales))
    return out


TREES: list[tuple[str, Callable[[Path], Path]]] = [
    ("the shipped content", _shipped),
    ("the test tree", _fixture),
    ("English withheld", _withheld),
    ("a generated tree", _generated),
]


@pytest.mark.parametrize("name,make", TREES, ids=[t[0] for t in TREES])
def test_a_snapshot_reads_back_as_the_page_it_was_made_of(
    tmp_path: Path, name: str, make: Callable[[Path], Path]
) -> None:
    snapshots = _snapshots(load_tree(make(tmp_path)))
    assert snapshots, name
    encoder, reviews, withheld, held = Encoder(), 0, 0, 0
    for snapshot in snapshots:
        back = decode(encoder.encode(snapshot))
        where = (name, snapshot.resolved.page.slug, snapshot.resolved.target)
        assert back.ui == snapshot.ui and back.locales == snapshot.locales, where
        assert back.demonstration == snapshot.demonstration, where
        for was, now in ((snapshot.resolved, back.resolved), (snapshot.english, back.english)):
            assert as_shown(now) == as_shown(was), where
        reviews += sum(len(s.reviews) for s in back.resolved.served)
        withheld += len(back.resolved.withheld)
        held += len(back.resolved.held_sections)
    assert reviews, f"{name}: no review was carried"
    if name == "English withheld":
        assert withheld, "no withheld segment was carried"
    if name == "the test tree":
        assert held, "no section held in English was carried"


def as_shown(resolved: ResolvedPage) -> tuple[object, ...]:
    """Every field of a resolved page, each review cut to what a snapshot keeps of it."""
    served = [
        (s.segment, s.forms, s.locale, s.fallback, [shown(r) for r in s.reviews])
        for s in resolved.served
    ]
    page = resolved.page
    return (
        page,
        resolved.target,
        resolved.locale,
        served,
        resolved.withheld,
        resolved.held_sections,
    )


@pytest.mark.parametrize(
    "raw", [b"", b"{}", b"[]", b"[2, 0, 0, 0, 0, 0, 0, 0]", b"\xff", b"[1, 0]"]
)
def test_anything_else_is_not_read_as_a_snapshot(raw: bytes) -> None:
    with pytest.raises(ValueError):
        decode(raw)
