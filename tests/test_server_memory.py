"""What the server keeps after its first build and publish (`service.web.server.AppFactory`):
that build's garbage is collected before everything made so far is frozen out of the cycle
collector's reach, where a garbage cycle would be kept for the life of the process."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from service.web.server import AppFactory


class _Cycle:
    """An object that refers to itself: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.itself = self


def test_garbage_left_before_the_app_is_made_is_not_frozen(tree: Path, tmp_path: Path) -> None:
    gc.disable()  # no automatic collection: only the factory's own can free the cycle
    try:
        garbage = _Cycle()
        gone = weakref.ref(garbage)
        del garbage
        assert gone() is not None  # a cycle: reference counting alone did not free it
        app = AppFactory(tree, poll=None, releases=tmp_path / "releases")()
        assert app is not None
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.enable()
