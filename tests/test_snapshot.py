"""A page's snapshot (service/site/snapshot.py): the page as the serving rule resolved it, written to
the build cache and read back to make its bodies when first asked for. Read back, it must be the
very page resolved: every field of every segment, review and withheld part, on real trees."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from benchmarks.gen_tree import build_tree
from service.core.models import (
    SOURCE_LOCALE,
    Page,
    ResolvedPage,
    ReviewRecord,
    Segment,
    SegmentType,
    ServedSegment,
    Target,
)
from service.render.article import NOTICE_PARTS
from service.site.codec import Table
from service.site.documents import LocaleUi
from service.site.snapshot import (
    SNAPSHOT_VERSION,
    TABLES,
    Encoder,
    ReviewShown,
    Snapshot,
    decode,
    shown,
)
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
    config, out = tree.config, []
    shared = (config.demonstration, tuple(config.all_locales), config.policy.roles)
    in_english = LocaleUi.of(tree, SOURCE_LOCALE).strings
    notice = {k: v for k, v in in_english.items() if k in NOTICE_PARTS}
    for page in tree.pages.values():
        english = tree.resolve(page, SOURCE_LOCALE)
        for loc in config.all_locales:
            ui = LocaleUi.of(tree, loc).strings
            out.append(Snapshot(tree.resolve(page, loc), english, ui, *shared, notice))
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
        assert back.english_ui == snapshot.english_ui and snapshot.english_ui, where
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


def _encoded_fixture(tmp_path: Path) -> dict[str, Any]:
    snapshot = _snapshots(load_tree(_fixture(tmp_path)))[0]
    data: dict[str, Any] = json.loads(Encoder().encode(snapshot))
    decode(json.dumps(data).encode())  # as written, it reads
    return data


Mutation = Callable[[dict[str, Any]], None]  # a change to a snapshot (or a record) as JSON


def renamed(table: str, old: str, new: str) -> Mutation:
    """A snapshot whose table `table` names its field `old` `new`."""

    def rename(data: dict[str, Any]) -> None:
        names = data["tables"][table]
        names[names.index(old)] = new

    return rename


def dropped(table: str, name: str) -> Mutation:
    """A snapshot whose table `table` has no field `name` (nor, for segments, any row of it)."""

    def drop(data: dict[str, Any]) -> None:
        at = data["tables"][table].index(name)
        del data["tables"][table][at]
        if table == "Segment":
            for row in data["page"][data["tables"]["Page"].index("segments")]:
                del row[at]

    return drop


# (what differs from what this code writes, how to make it so)
OTHER: list[tuple[str, Mutation]] = [
    ("another version", lambda data: data.update(version=SNAPSHOT_VERSION + 1)),
    ("a segment's field renamed", renamed("Segment", "critical", "urgent")),
    ("a segment's fields in another order", lambda data: data["tables"]["Segment"].reverse()),
    ("a segment's last field missing, rows and all", dropped("Segment", "image")),
    ("a target's field renamed", renamed("Target", "href", "url")),
    ("a served segment's field renamed", renamed("ServedSegment", "fallback", "fell")),
    ("a review's field missing", dropped("ReviewShown", "translator")),
    ("a table more", lambda data: data["tables"].update(Extra=["x"])),
    ("a part missing", lambda data: data.pop("english_reviews")),
    ("a segment row short of a field", lambda data: data["page"][2][0].pop()),
]


@pytest.mark.parametrize("change,mutate", OTHER, ids=[o[0] for o in OTHER])
def test_a_snapshot_of_other_fields_is_refused(
    tmp_path: Path, change: str, mutate: Mutation
) -> None:
    data = _encoded_fixture(tmp_path)
    mutate(data)
    with pytest.raises(ValueError):
        decode(json.dumps(data).encode())


@pytest.mark.parametrize(
    "cls",
    [Page, Segment, Target, ResolvedPage, ServedSegment, ReviewShown],
    ids=lambda c: c.__name__,
)
def test_the_tables_name_the_fields_of_the_classes_themselves(cls: type) -> None:
    assert TABLES[cls.__name__] == tuple(f.name for f in fields(cls))


def test_what_a_snapshot_shows_of_a_review_is_named_as_in_the_review() -> None:
    review = ReviewRecord("m", "s", ("t",), "h", "Ana", "Ben", "2024-01-01T00:00:00Z", line=3)
    assert {f.name: getattr(shown(review), f.name) for f in fields(ReviewShown)} == {
        f.name: getattr(review, f.name) for f in fields(ReviewShown)
    }


class _Colour(Enum):  # not a str: written as its value
    RED = 1


class _Place(NamedTuple):
    name: str
    at: int


@dataclass(frozen=True)
class _Everything:
    """A field of every kind a table writes: a class gaining one needs no change in the codec."""

    text: str
    count: int
    share: float
    flag: bool
    maybe: str | None
    kind: SegmentType
    colour: _Colour
    forms: tuple[str, ...]
    target: Target | None
    targets: tuple[Target, ...]
    place: _Place


EVERYTHING = _Everything(
    "é",
    2,
    0.5,
    True,
    None,
    SegmentType.TITLE,
    _Colour.RED,
    ("a", "b"),
    Target("/x", "t"),
    (Target("/y"), Target("/z", label="z")),
    _Place("p", 3),
)


@pytest.mark.parametrize("named", [False, True], ids=["as rows", "by name"])
def test_a_table_reads_back_every_kind_of_field(named: bool) -> None:
    table = Table(_Everything, named=named)
    written = table.obj(EVERYTHING) if named else table.row(EVERYTHING)
    text = json.dumps(written)
    back = table.of_obj(json.loads(text)) if named else table.of_row(json.loads(text))
    assert back == EVERYTHING
    assert table.tables() == {
        "_Everything": tuple(f.name for f in fields(_Everything)),
        "Target": ("href", "title", "label"),
    }


def test_a_table_refuses_an_object_of_other_fields() -> None:
    table = Table(_Everything, named=True)
    written = json.loads(json.dumps(table.obj(EVERYTHING)))
    written["colour_name"] = written.pop("colour")
    with pytest.raises(ValueError):
        table.of_obj(written)
