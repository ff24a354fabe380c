"""A value whose hash is computed once, for a large value that is part of many dictionary keys."""

from __future__ import annotations

from collections.abc import Hashable

__all__ = ["Hashed"]


class Hashed:
    """`value`, hashed once: fuzzy.py's catalog English (thousands of msgids) is part of the key
    of every answer it keeps, and a tuple computes its hash again at every lookup."""

    __slots__ = ("hash", "value")

    def __init__(self, value: Hashable) -> None:
        self.value, self.hash = value, hash(value)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hashed) and (
            self is other or (self.hash == other.hash and self.value == other.value)
        )
