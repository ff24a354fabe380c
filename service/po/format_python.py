"""Python `%` and Python brace format strings (gettext 0.21's format-python.c and
format-python-brace.c) for `msgfmt -c` (and, for `%`, the writer). `service.po.formats` dispatches
here: a string → its argument specification, and msgid's against msgstr's → msgfmt's problems.
"""

from __future__ import annotations

from dataclasses import dataclass

from .format_scan import InvalidFormat, Span, at, digits, digits_end, identifier_end, isdigit

__all__ = ["PythonSpec", "compare_brace", "compare_python", "parse_python", "parse_python_brace"]

# --- Python (format-python.c) -------------------------------------------------------------

_ANY, _PY_CHAR, _PY_STRING, _PY_INT, _PY_FLOAT = 1, 2, 3, 4, 5
_PY_TYPES = {"c": _PY_CHAR, "s": _PY_STRING, "r": _PY_STRING}
_PY_TYPES.update(dict.fromkeys("iduoxX", _PY_INT))
_PY_TYPES.update(dict.fromkeys("eEfgG", _PY_FLOAT))


@dataclass(frozen=True)
class PythonSpec:
    named: dict[str, int]  # name → type (0 for %(name)%)
    unnamed: tuple[int, ...]


def parse_python(s: str, spans: list[Span] | None = None) -> PythonSpec:
    """The arguments a Python format string takes. `spans`, when given, receives the extent of
    each directive read before the first error (gettext's writer asks this same parser)."""
    named: list[tuple[str, int]] = []
    unnamed: list[int] = []
    mixed = "the string refers to arguments both by name and by position"
    directives = 0
    first = s.find("%")
    while first >= 0:
        directives += 1
        i = first + 1
        name = None
        if at(s, i) == "(":
            depth, start = 0, i + 1
            i = start
            while i < len(s) and not (s[i] == ")" and depth == 0):
                depth += {"(": 1, ")": -1}.get(s[i], 0)
                i += 1
            if i >= len(s):
                raise InvalidFormat("the string ends in the middle of a directive")
            name = s[start:i]
            i += 1
        while at(s, i) in ("-", "+", " ", "#", "0") and at(s, i):
            i += 1
        zero_precision = False
        for part in ("width", "precision"):
            if part == "precision":
                if at(s, i) != ".":
                    break
                i += 1
            if at(s, i) == "*":
                i += 1
                if named:
                    raise InvalidFormat(mixed)
                unnamed.append(_PY_INT)
            elif isdigit(at(s, i)):
                start = i
                _, i = digits(s, i)
                zero_precision = part == "precision" and set(s[start:i]) == {"0"}
        if at(s, i) in ("h", "l", "L") and at(s, i):
            i += 1
        f = at(s, i)
        if f == "%":
            kind = 0
        elif f in ("s", "r") and f:
            kind = _ANY if zero_precision else _PY_STRING
        elif f and f in _PY_TYPES:
            kind = _PY_TYPES[f]
        elif f == "":
            raise InvalidFormat("the string ends in the middle of a directive")
        else:
            raise InvalidFormat(
                f"in directive number {directives}, {f!r} is not a valid conversion specifier"
            )
        if name is not None:
            if unnamed:
                raise InvalidFormat(mixed)
            named.append((name, kind))
        elif f != "%":
            if named:
                raise InvalidFormat(mixed)
            unnamed.append(kind)
        if spans is not None:
            spans.append((first, i))
        first = s.find("%", i + 1)
    merged: dict[str, int] = {}
    for name, kind in sorted(named, key=lambda arg: arg[0]):
        if name in merged:
            old = merged[name]
            if kind != old and _ANY not in (kind, old):
                raise InvalidFormat(
                    f"the string refers to the argument named {name!r} in incompatible ways"
                )
            kind = old if kind == _ANY else kind
        merged[name] = kind
    return PythonSpec(merged, tuple(unnamed))


def compare_python(
    a: PythonSpec, b: PythonSpec, strict: bool, msgid: str, msgstr: str
) -> list[str]:
    if a.named and b.unnamed:
        return [
            f"format specifications in '{msgid}' expect a mapping, those in '{msgstr}' "
            "expect a tuple"
        ]
    if a.unnamed and b.named:
        return [
            f"format specifications in '{msgid}' expect a tuple, those in '{msgstr}' "
            "expect a mapping"
        ]
    problems: list[str] = []
    missing = sorted(set(b.named) - set(a.named))
    absent = sorted(set(a.named) - set(b.named)) if strict else []
    # gettext walks both sorted name lists and reports the first difference it meets.
    first = min(missing[:1] + absent[:1], default=None)
    if first is not None:
        if first in missing:
            problems.append(
                f"a format specification for argument '{first}', as in '{msgstr}', "
                f"doesn't exist in '{msgid}'"
            )
        else:
            problems.append(
                f"a format specification for argument '{first}' doesn't exist in '{msgstr}'"
            )
    else:
        for name in sorted(b.named):
            ka, kb = a.named[name], b.named[name]
            if not (ka == kb or (not strict and _ANY in (ka, kb))):
                problems.append(
                    f"format specifications in '{msgid}' and '{msgstr}' for "
                    f"argument '{name}' are not the same"
                )
                break
    if a.unnamed or b.unnamed:
        if len(a.unnamed) != len(b.unnamed):
            problems.append(
                f"number of format specifications in '{msgid}' and '{msgstr}' does not match"
            )
        else:
            problems += [
                f"format specifications in '{msgid}' and '{msgstr}' for argument {i + 1} are "
                "not the same"
                for i, (ka, kb) in enumerate(zip(a.unnamed, b.unnamed, strict=True))
                if not (ka == kb or (not strict and _ANY in (ka, kb)))
            ]
    return problems


# --- Python brace (format-python-brace.c) -------------------------------------------------


def _brace_directive(s: str, i: int, top: bool, names: list[str]) -> int:
    """Parse the directive whose '{' is at s[i]; returns the index after it."""
    i += 1
    if at(s, i) == "{":
        return i + 1
    start = i
    i = identifier_end(s, i)
    if i == start:
        i = digits_end(s, i)
    if i == start:
        raise InvalidFormat(f"{at(s, i)!r} cannot start a field name")
    while True:
        c = at(s, i)
        if c == ".":
            j = identifier_end(s, i + 1)
            if j == i + 1:
                raise InvalidFormat(f"{at(s, j)!r} cannot start a getattr argument")
            i = j
        elif c == "[":
            j = identifier_end(s, i + 1)
            if j == i + 1:
                j = digits_end(s, i + 1)
            if j == i + 1:
                raise InvalidFormat(f"{at(s, j)!r} cannot start a getitem argument")
            if at(s, j) != "]":
                raise InvalidFormat("the string ends in the middle of a directive")
            i = j + 1
        else:
            break
    if c == ":":
        if not top:
            raise InvalidFormat("no more nesting is allowed in a format specifier")
        i += 1
        if at(s, i) == "{":
            i = _brace_directive(s, i, False, names)
        else:
            if at(s, i + 1) in ("<", ">", "=", "^") and at(s, i + 1):
                i += 2
            elif at(s, i) in ("<", ">", "=", "^") and at(s, i):
                i += 1
            for chars in ("+- ", "#", "0"):
                if at(s, i) and at(s, i) in chars:
                    i += 1
            i = digits_end(s, i)
            if at(s, i) == ".":
                i = digits_end(s, i + 1)
            if at(s, i) and at(s, i) in "bcdoxXneEfFgG%":
                i += 1
        if at(s, i) != "}":
            raise InvalidFormat("the string ends in the middle of a directive")
        c = "}"
    if c != "}":
        raise InvalidFormat("there is an unterminated format directive")
    if top:
        # The whole field, format specifier included, names the argument (as gettext has it).
        names.append(s[start:i])
    return i + 1


def parse_python_brace(s: str) -> frozenset[str]:
    names: list[str] = []
    i = 0
    while i < len(s):
        if s[i] == "{":
            i = _brace_directive(s, i, True, names)
        else:
            i += 1
    return frozenset(names)


def compare_brace(
    a: frozenset[str], b: frozenset[str], strict: bool, msgid: str, msgstr: str
) -> list[str]:
    if not strict or a == b:
        return []
    first = min(a ^ b)
    where = msgstr if first in a else msgid
    return [f"a format specification for argument '{first}' doesn't exist in '{where}'"]
