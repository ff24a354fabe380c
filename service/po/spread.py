"""Independent computations of one large merge spread over processes (fork), as msgmerge spreads
its fuzzy searches over threads.

Each task must depend only on its index and on state the processes share at the fork; the answers
come back in order, so the merged catalog is the same whatever the number of processes.
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing import current_process, get_all_start_methods, get_context
from typing import TypeVar

__all__ = ["spread"]

_T = TypeVar("_T")

# Below this many tasks, a process's start costs more than it saves.
_WORTH = 64
# The task of the current `spread`, which the forked processes find here (never pickled).
_TASK: Callable[[int], object] | None = None


def _run(chunk: range) -> list[object]:
    assert _TASK is not None
    return [_TASK(i) for i in chunk]


def spread(task: Callable[[int], _T], count: int, jobs: int) -> list[_T]:
    """[task(0), …, task(count − 1)], computed by `jobs` forked processes when there are enough
    tasks and this process may fork (not a daemon, such as a pool's worker), else here."""
    global _TASK
    if (
        jobs < 2
        or count < _WORTH
        or "fork" not in get_all_start_methods()
        or current_process().daemon
    ):
        return [task(i) for i in range(count)]
    # interleaved chunks, handed out one at a time: long and short tasks even out
    chunks = [range(k, count, jobs * 8) for k in range(min(count, jobs * 8))]
    _TASK = task
    try:
        with get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_run, chunks, chunksize=1)
    finally:
        _TASK = None
    out: list[object] = [None] * count
    for chunk, part in zip(chunks, parts, strict=True):
        for i, value in zip(chunk, part, strict=True):
            out[i] = value
    return out  # type: ignore[return-value]
