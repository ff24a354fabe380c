"""spread: tasks computed by forked processes come back in order, as computed here."""

from __future__ import annotations

import os

import pytest

from service.po.spread import spread


@pytest.mark.parametrize(("count", "jobs"), [(0, 2), (10, 2), (200, 1), (200, 2), (301, 3)])
def test_results_come_back_in_order(count: int, jobs: int) -> None:
    assert spread(lambda i: (i, i * i), count, jobs) == [(i, i * i) for i in range(count)]


@pytest.mark.parametrize(
    ("count", "jobs", "forked"), [(200, 2, True), (200, 1, False), (10, 4, False)]
)
def test_large_counts_run_in_other_processes_and_small_ones_here(
    count: int, jobs: int, forked: bool
) -> None:
    here = os.getpid()
    pids = set(spread(lambda i: os.getpid(), count, jobs))
    assert (pids != {here}) is forked
