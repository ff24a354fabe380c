"""lcs_many.PackedStrings against the textbook longest-common-subsequence table.

The judge is the plain dynamic programme (Wagner–Fischer for LCS), written here; the inputs are
real msgids from the corpus (Vim's template and an older German catalog, in bytes) and edge cases.
"""

from __future__ import annotations

from functools import cache

import pytest

from service.po.lcs_many import PackedStrings
from service.po.parse import read
from tests import gnu


def _table_lcs(a: bytes, b: bytes) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
        previous = row
    return previous[-1]


@cache
def _msgids() -> tuple[list[bytes], list[bytes]]:
    folder = gnu.corpus("merge", "vim-e978b453")
    old = [e.msgid.encode() for e in read(folder / "vim-de-old.po").entries if e.msgid][:150]
    new = [e.msgid.encode() for e in read(folder / "vim-new.pot").entries if e.msgid][::100]
    return sorted(old, key=len), new


EDGES = [b"", b"x", b"\\", b"\xff" * 40, b"a" * 300, b"ab" * 130, bytes(range(256))]


@pytest.mark.parametrize("query", [b"a", b"\\", b"ab" * 70, bytes(range(255, -1, -1)), b"zzz"])
def test_edge_cases_agree_with_the_table(query: bytes) -> None:
    packed = PackedStrings(EDGES)
    assert packed.lcs(query) == [_table_lcs(text, query) for text in EDGES]


@pytest.mark.parametrize("share", [0.0, 0.5, 0.6])
def test_real_msgids_agree_with_the_table(share: float) -> None:
    """Every LCS with 150 real msgids at once, and which of them reach `share`·(lengths)/2, for
    each of 32 queries from a later template; also on a window of the texts."""
    texts, queries = _msgids()
    packed = PackedStrings(texts)
    for query in queries:
        want = [(k, _table_lcs(t, query)) for k, t in enumerate(texts)]
        want = [(k, n) for k, n in want if 2 * n >= share * (len(texts[k]) + len(query))]
        assert packed.similar(query, share) == want
        assert packed.similar(query, share, 40, 90) == [(k, n) for k, n in want if 40 <= k < 90]
