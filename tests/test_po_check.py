"""The parser and `msgfmt -c`'s checks against GNU msgfmt itself: every corpus catalog, every
one-defect mutation of a few representative ones, and one small file per rule in tests/data/po.

msgfmt is the judge of every case: a case passes when we accept what it accepts, reject what it
rejects, and name first the line it names first (when it names one).
"""

from __future__ import annotations

from functools import cache
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
# formats, a template, Babel's small catalog with a translated plural entry, and ours in C.
MUTATED_FILES = [
    *(gnu.corpus("po", "sphinx", name) for name in ("fr.po", "ru.po", "ar.po", "ja.po")),
    gnu.corpus("po", "sphinx", "sphinx.pot"),
    gnu.corpus("po", "babel", "de_messages.po"),
    DATA / "c-format-catalog-valid.po",
]


@cache
def mutated(source: Path) -> dict[str, bytes]:
    """The mutations of one file, made once per session."""
    return dict(mutations(source.read_bytes()))


MUTATIONS = [
    pytest.param(path, name, id=f"{path.name}:{name}")
    for path in MUTATED_FILES
    for name in mutated(path)
]


def _ours(problems: list[Problem]) -> tuple[bool, int]:
    """(accepted, first line named): errors reject, the first problem with a line is the one
    msgfmt prints first, warnings included."""
    return not any(p.severity == "error" for p in problems), next(
        (p.line for p in problems if p.line), 0
    )


# Files where the verdicts agree but the first lines cannot, and why.
LINE_CANNOT_MATCH = {
    # msgfmt prints the first half of a two-part duplicate error whose halves fall on one line,
    # then counts no error (error_one_per_line); the parser accepts the file as msgfmt does but
    # keeps no note of the half-printed error.
    "duplicate-on-one-line.po": "a duplicate on the line of its first definition",
}


def _assert_judged_like_msgfmt(data: bytes, path: Path) -> None:
    accepted, line = _ours(check_bytes(data, str(path)))
    judge = gnu.msgfmt_check(path)
    assert accepted == judge.accepted, judge.output
    if judge.line and path.name not in LINE_CANNOT_MATCH:
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
    data = mutated(source)[name]
    path = tmp_path / source.name
    path.write_bytes(data)
    _assert_judged_like_msgfmt(data, path)


# One file per rule, named for what is special about it, with msgfmt's verdict: the table keeps
# each file meaningful (a file that stopped showing its defect would fail here first).
REGRESSIONS = [
    ("c-format-catalog-valid.po", True),
    ("c-format-mismatch.po", False),
    ("c-format-ignores-argument.po", False),
    ("c-format-positional-arguments.po", True),
    ("possible-c-format-mismatch.po", False),
    ("no-c-format-not-checked.po", True),
    ("fuzzy-entry-not-checked.po", True),
    ("fuzzy-flag-overridden-by-later-flags-line.po", False),
    ("python-format-mismatch.po", False),
    ("python-brace-format-mismatch.po", False),
    ("python-brace-format-spec-differs.po", False),
    ("newline-at-end-of-msgid-only.po", False),
    ("plain-msgstr-on-plural-entry.po", False),
    ("too-few-plural-forms.po", False),
    ("single-form-for-one-n-may-omit-directive.po", True),
    ("every-form-for-many-n-needs-directive.po", False),
    ("plural-forms-division-by-zero.po", False),
    ("revision-date-edt.po", True),
    ("revision-date-minus-0400.po", True),
    ("line-separator-in-string.po", True),
    ("nul-escape-truncates-string.po", True),
    ("context-separator-in-string.po", False),
    ("backslash-newline-splice.po", True),
    ("crlf-line-ends.po", True),
    ("invalid-utf8-in-string.po", False),
    ("invalid-utf8-in-comment.po", True),
    ("charset-undeclared.po", True),
    ("header-missing.po", False),
    ("domain-directive.po", False),
    ("obsolete-duplicate-of-live-entry.po", False),
    ("duplicate-on-one-line.po", True),
    ("previous-msgid-and-obsolete-entries.po", True),
]


@pytest.mark.parametrize(("name", "accepted"), REGRESSIONS)
def test_regression_file_is_judged_as_msgfmt_judges_it(name: str, accepted: bool) -> None:
    path = DATA / name
    assert gnu.msgfmt_check(path).accepted == accepted
    _assert_judged_like_msgfmt(path.read_bytes(), path)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.po")), ids=lambda p: p.name)
def test_every_test_catalog_is_judged_as_msgfmt_judges_it(path: Path) -> None:
    _assert_judged_like_msgfmt(path.read_bytes(), path)
