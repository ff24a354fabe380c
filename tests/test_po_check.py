"""The parser and `msgfmt -c`'s checks against GNU msgfmt itself: every corpus catalog, every
one-defect mutation of a few representative ones, and one small file per rule in tests/data/po.

msgfmt is the judge of every case: a case passes when we accept what it accepts, reject what it
rejects, and name first the line it names first (when it names one).
"""

from __future__ import annotations

import random
import re
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


@pytest.mark.parametrize(
    "path",
    # ja.sjis.po is no catalog to count: msgfmt and the reader both stop at its first error; nor
    # are SearXNG's, each with a message defined twice (msgfmt counts on past it, the reader stops)
    [p for p in CORPUS_FILES if p.name != "ja.sjis.po" and p.parent.name != "searxng"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
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


# Tokens random format strings are made of: valid directives, near misses and plain text.
FORMAT_TOKENS = {
    "c": [
        "%d",
        "%s",
        "%lu",
        "%ld",
        "%u",
        "%x",
        "%1$s",
        "%2$d",
        "%3$s",
        "%%",
        "%5.2f",
        "%*d",
        "%.*s",
        "%p",
        "%n",
        "%c",
        "%lc",
        "%zu",
        "%<PRId64>",
        "%<PRIu32>",
        "%q",
        "%",
        "a",
        "%hhd",
        "%I",
        "%Id",
        "%m",
        "%2$*1$d",
        "%0$d",
    ],
    "objc": ["%d", "%s", "%@", "%1$@", "%2$d", "%%", "x", " "],
    "python": [
        "%s",
        "%d",
        "%(a)s",
        "%(b)d",
        "%(a)d",
        "%(c)r",
        "%%",
        "%5.0s",
        "%.0s",
        "%*d",
        "%(x",
        "%y",
        "%",
        "z",
        "%(a)%",
    ],
    "python-brace": [
        "{0}",
        "{1}",
        "{a}",
        "{a.b}",
        "{a[0]}",
        "{a:>10}",
        "{0:d}",
        "{{",
        "}}",
        "{",
        "}",
        "{a:{b}}",
        "{a!r}",
        "t",
        "{_x}",
        "{0[x]}",
        "{a.}",
    ],
}


def _random_format_catalog(language: str, seed: int = 1, count: int = 200) -> str:
    """A catalog of random format-string pairs (plural ones with Polish forms) in `language`."""
    rng = random.Random(seed)

    def text() -> str:
        picked = "".join(rng.choice(FORMAT_TOKENS[language]) for _ in range(rng.randint(0, 4)))
        return picked.replace("\\", "\\\\").replace('"', '\\"')

    entries = []
    for i in range(count):
        head = f'#, {language}-format\nmsgctxt "{i}"\nmsgid "{text()}"\n'
        if rng.random() < 0.3:
            forms = "".join(f'msgstr[{k}] "{text() or "x"}"\n' for k in range(3))
            entries.append(f'{head}msgid_plural "{text()}"\n{forms}')
        else:
            entries.append(f'{head}msgstr "{text() or "x"}"\n')
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && '
        '(n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n'
    )
    return header + "\n".join(entries)


@pytest.mark.parametrize("language", FORMAT_TOKENS)
def test_random_format_strings_fail_where_msgfmt_says(language: str, tmp_path: Path) -> None:
    path = tmp_path / f"{language}.po"
    path.write_text(_random_format_catalog(language))
    judge = gnu.msgfmt_check(path)
    # msgfmt prints one error per line, at the msgstr of the entry.
    theirs = {
        int(n)
        for n in re.findall(rf"^{re.escape(str(path))}:(\d+): (?!warning)", judge.output, re.M)
    }
    ours = {p.line for p in check_bytes(path.read_bytes(), str(path)) if p.severity == "error"}
    assert theirs, "the random catalog should hold some mismatches"
    assert ours == theirs


# Plural-Forms that test libintl's grammar and msgfmt's evaluation over n = 0..1000.
PLURAL_FORMS = [
    "nplurals=2; plural=n != 1;",
    "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;",  # ?: nests to the right
    "nplurals=2; plural=n > 1 ? 1 : 0 ? 5 : 0;",
    "nplurals=2; plural=!n == 0;",  # ! binds tighter than ==
    "nplurals=2; plural=n == 1 || n == 2 && n == 3;",
    "nplurals=2; plural=1 - n;",  # unsigned: wraps to a huge value
    "nplurals=2; plural=n > 2000 ? n / 0 : n % 2;",  # the division is never evaluated
    "nplurals=2; plural=n % (n - n);",
    "nplurals=2; plural=(n != 1)",
    "nplurals=2; plural=n != 1 )",
    "nplurals=2; plural=n =! 1;",
    "nplurals=2; plural=n\t!= 1;",
    "nplurals= 2; plural=n != 1;",
    "nplurals=2; plural=n & 1;",
    "nplurals=1; plural=0;",
    "nplurals=200; plural=n;",
]


@pytest.mark.parametrize("plural_forms", PLURAL_FORMS)
def test_plural_forms_are_judged_as_msgfmt_judges_them(plural_forms: str, tmp_path: Path) -> None:
    path = tmp_path / "plural.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Plural-Forms: {plural_forms}\\n"\n\nmsgid "a"\nmsgid_plural "as"\n'
        'msgstr[0] "b"\nmsgstr[1] "bs"\n'
    )
    _assert_judged_like_msgfmt(path.read_bytes(), path)
