"""Worker processes: how many, and how they start (shared by every command that spreads work)."""

from __future__ import annotations

import os
import threading
from multiprocessing import get_context
from multiprocessing.context import BaseContext

__all__ = ["default_jobs", "fork_context"]


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fork_context() -> BaseContext:
    """fork (workers inherit the loaded code) unless threads run here, which a fork could
    deadlock (a server's): then forkserver."""
    return get_context("fork" if threading.active_count() == 1 else "forkserver")
