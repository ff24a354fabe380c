"""Password hashing in a bounded pool of its own, so that a flood of sign-ins never delays the
patients' reads, the review queue or `/healthz`.

argon2 is slow and memory-hard on purpose. Run in starlette's shared threadpool (as it once was),
a flood of sign-ins took every worker thread and a reviewer's queue waited behind all of them.
Here it runs in `workers` threads of its own at a lower CPU priority (nice +10: the threads argon2
starts inherit it), and at most `waiting` tries wait their turn; past that a try is refused at once
(`Busy`: 503 with Retry-After), except an urgent one (a browser that proved, with its known-device
cookie, that it signed in to that account before).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["Busy", "HashPool"]

T = TypeVar("T")


class Busy(Exception):
    """Too many sign-ins wait already: try again in a second."""


class HashPool:
    def __init__(self, workers: int = 1, waiting: int = 16, nice: int = 10):
        self.waiting = waiting
        self._nice = nice
        self._count = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            workers, thread_name_prefix="clinic-l10n-hash", initializer=self._lower
        )

    def _lower(self) -> None:
        # On Linux a thread's nice value is its own, and the threads it starts inherit it.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)

    async def run(self, call: Callable[[], T], urgent: bool = False) -> T:
        """`call()` in the pool; `Busy` when `waiting` tries are queued and this one is not
        urgent."""
        with self._lock:
            if not urgent and self._count >= self.waiting:
                raise Busy
            self._count += 1
        try:
            return await asyncio.wrap_future(self._pool.submit(call))
        finally:
            with self._lock:
                self._count -= 1
