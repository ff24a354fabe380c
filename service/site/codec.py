"""Frozen dataclasses as JSON, by their own fields: what the build cache keeps (the records of
`index`, the page snapshots of `snapshot`) is written and read through a `Table` per class, so that
a new field on one of those classes needs no change here or there.

A `Table` writes an object as a row of its field values in field order, the names written once
beside the rows (`names`), or as an object by name (`obj`). Each value is made JSON by its annotated
type: a scalar as it is, an enum as its value, a tuple as a list, a NamedTuple as its list, another
dataclass by its own table; `refs` may write a type as a pointer into something kept elsewhere (a
segment as its place in its page). Reading back refuses (ValueError) a row or object whose fields
are not the class's; a value of another kind fails as reading it does (ValueError, TypeError,
KeyError), which is the callers' to catch.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from operator import attrgetter
from typing import Any, Generic, TypeVar

__all__ = ["Convert", "Table"]

_T = TypeVar("_T")
# A value to JSON or back, with what the caller passed along (the table a pointer points into).
Convert = Callable[[Any, Any], Any]
_PLAIN = (str, int, float, bool, type(None))


class Table(Generic[_T]):
    """How objects of one dataclass are written as JSON and read back (see the module)."""

    def __init__(
        self,
        cls: type[_T],
        refs: Mapping[type, tuple[Convert, Convert]] | None = None,
        named: bool = False,
    ) -> None:
        self.cls = cls
        found = dataclasses.fields(cls)  # type: ignore[arg-type]
        self.names: tuple[str, ...] = tuple(f.name for f in found)
        self.nested: dict[str, Table[Any]] = {}  # the tables of its fields' dataclasses, by name
        hints = typing.get_type_hints(cls)
        pairs = [_converters(hints[name], refs or {}, named, self.nested) for name in self.names]
        # only the fields not written as they are: the rest of a row is copied at once
        self._writes = tuple((at, w) for at, (w, _) in enumerate(pairs) if w is not None)
        get = attrgetter(*self.names)
        self._values: Callable[[Any], tuple[Any, ...]] = (
            get if len(self.names) > 1 else lambda obj: (get(obj),)
        )
        reads = {n: r for n, (_, r) in zip(self.names, pairs, strict=True) if r is not None}
        # of_obj(data, context=None), of_row(row, context=None): an object read back, or ValueError
        self.of_obj: Callable[..., _T] = _reader(cls, self.names, reads, by_name=True)
        self.of_row: Callable[..., _T] = _reader(cls, self.names, reads, by_name=False)

    def tables(self) -> dict[str, tuple[str, ...]]:
        """The field names of this class and of every dataclass within it, by class name."""
        found = {self.cls.__name__: self.names}
        for table in self.nested.values():
            found.update(table.tables())
        return found

    def row(self, obj: _T, context: Any = None) -> list[Any]:
        return self.values_row(self._values(obj), context)

    def values_row(self, values: tuple[Any, ...], context: Any = None) -> list[Any]:
        """A row of field values taken already (in field order)."""
        row = list(values)
        for at, write in self._writes:
            row[at] = write(row[at], context)
        return row

    def obj(self, obj: _T, context: Any = None) -> dict[str, Any]:
        return dict(zip(self.names, self.row(obj, context), strict=True))


def _reader(
    cls: type[_T], names: tuple[str, ...], reads: Mapping[str, Convert], by_name: bool
) -> Callable[..., _T]:
    """A function reading an object of `cls` back from JSON, an object by name (`by_name`) or a
    row, written out for the class as dataclasses writes an __init__: each field taken where it
    stands and read as its type says (`reads`), then all set at once, as pickle restores an object
    (a frozen class's __init__ would set them one by one through object.__setattr__). A class
    with slots or a __post_init__ is made through its __init__."""
    env: dict[str, Any] = {"cls": cls, "new": object.__new__, "keys": frozenset(names)}
    env["ValueError"], env["n"] = ValueError, len(names)
    items = []
    for at, name in enumerate(names):
        take = f"data[{name!r}]" if by_name else f"data[{at}]"
        convert = reads.get(name)
        if convert is _as_tuple:
            take = f"tuple({take})"
        elif convert is not None:
            env[f"read_{at}"] = convert
            take = f"read_{at}({take}, context)"
        items.append(f"{name!r}: {take}")
    values = "{" + ", ".join(items) + "}"
    if by_name:
        check, what = "type(data) is not dict or data.keys() != keys", "an object"
    else:
        check, what = "type(data) is not list or len(data) != n", "a row"
    if hasattr(cls, "__slots__") or hasattr(cls, "__post_init__"):
        make = f"    return cls(**{values})"
    else:
        make = f"    obj = new(cls)\n    obj.__dict__.update({values})\n    return obj"
    source = (
        "def read(data, context=None):\n"
        f"    if {check}:\n"
        f"        raise ValueError('not {what} of the fields of {cls.__name__}')\n"
        f"{make}\n"
    )
    exec(source, env)  # made above of the class's field names and nothing else
    read: Callable[..., _T] = env["read"]
    return read


def _converters(
    hint: Any,
    refs: Mapping[type, tuple[Convert, Convert]],
    named: bool,
    nested: dict[str, Table[Any]],
) -> tuple[Convert | None, Convert | None]:
    """How a value of type `hint` is written and read (None: as it is)."""
    if hint in refs:
        return refs[hint]
    if hint in _PLAIN:
        return None, None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        each_write, each_read = _converters(args[0], refs, named, nested)
        return (
            None if each_write is None else lambda v, c: [each_write(x, c) for x in v],
            _as_tuple if each_read is None else lambda v, c: _tuple(v, each_read, c),
        )
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        write, read = _converters(inner, refs, named, nested)
        return (
            None if write is None else lambda v, c: None if v is None else write(v, c),
            None if read is None else lambda v, c: None if v is None else read(v, c),
        )
    if isinstance(hint, type) and issubclass(hint, Enum):
        members = hint._value2member_map_  # a value not among them: KeyError
        # json writes a str enum as its value already
        return (None if issubclass(hint, str) else lambda v, c: v.value), lambda v, c: members[v]
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
        make = hint._make  # type: ignore[attr-defined]  # TypeError for another length
        return None, lambda v, c: make(v)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        table = nested.setdefault(hint.__name__, Table(hint, refs, named))
        return (table.obj, table.of_obj) if named else (table.row, table.of_row)
    raise TypeError(f"no JSON form for {hint!r}")


def _as_tuple(value: Any, context: Any) -> tuple[Any, ...]:
    return tuple(value)


def _tuple(value: Any, read: Convert, context: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return tuple([read(x, context) for x in value]) if value else ()
