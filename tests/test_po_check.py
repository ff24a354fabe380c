"""The parser and `msgfmt -c`'s checks against GNU msgfmt itself: every corpus catalog, every
one-defect mutation of a few representative ones, and one small file per rule in tests/data/po.

msgfmt is the judge of every case: a case passes when we accept what it accepts, reject what it
rejects, and name first the line it names first (when it names one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.po.check import Problem, check_bytes
from service.po.parse import read
from tests import gnu
from tests.po_mutations import mutations

DATA = Path(__file__).resolve().parent / "data" / "po"

CORPUS_FILES = sorted(gnu.corpus("po").glob("*/*.po*")) + sorted(
    gnu.corpus("merge").glob("*/*.po*")
)

# Representative files for the mutations: 3, 4, 6 and 1 plural forms, python and python-brace
# formats, a template, and Babel's small catalog with a translated plural entry.
MUTATED_FILES = [
    gnu.corpus("po", "sphinx", name) for name in ("fr.po", "ru.po", "ar.po", "ja.po", "sphinx.pot")
] + [gnu.corpus("po", "babel", "de_messages.po")]

MUTATIONS = [
    pytest.param(path, name, id=f"{path.name}:{name}")
    for path in MUTATED_FILES
    for name, _ in mutations(path.read_bytes())
]


def _ours(problems: list[Problem]) -> tuple[bool, int]:
    """(accepted, first line named): errors reject, the first problem with a line is the one
    msgfmt prints first, warnings included."""
    return not any(p.severity == "error" for p in problems), next(
        (p.line for p in problems if p.line), 0
    )


def _assert_judged_like_msgfmt(data: bytes, path: Path) -> None:
    accepted, line = _ours(check_bytes(data, str(path)))
    judge = gnu.msgfmt_check(path)
    assert accepted == judge.accepted, judge.output
    if judge.line:
        assert line == judge.line, judge.output


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_is_judged_as_msgfmt_judges_it(path: Path) -> None:
    _assert_judged_like_msgfmt(path.read_bytes(), path)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_statistics_are_msgfmts(path: Path) -> None:
    # msgfmt --statistics counts without -c's checks, so el.po and fa.po count too.
    stats = read(path).statistics()
    assert (stats.translated, stats.fuzzy, stats.untranslated) == gnu.msgfmt_statistics(path)


@pytest.mark.slow
@pytest.mark.parametrize(("source", "name"), MUTATIONS)
def test_mutation_is_judged_as_msgfmt_judges_it(source: Path, name: str, tmp_path: Path) -> None:
    data = dict(mutations(source.read_bytes()))[name]
    path = tmp_path / source.name
    path.write_bytes(data)
    _assert_judged_like_msgfmt(data, path)
