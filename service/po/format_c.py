"""C and Objective C format strings (gettext 0.21's format-c.c, format-c-parse.h) for `msgfmt -c`
and the writer. `service.po.formats` dispatches here: a string → the argument types it consumes
(and its directives' extents), and msgid's types against msgstr's → the problems msgfmt reports.
"""

from __future__ import annotations

from .format_scan import InvalidFormat, Span, at, digits, isdigit

__all__ = ["compare_c", "parse_c"]

# Argument types: a basic type in the low bits, size and signedness flags above.
_INT, _DOUBLE, _CHAR, _STRING, _OBJECT, _POINTER, _COUNT = 1, 2, 3, 4, 5, 6, 7
_UNSIGNED = 1 << 3
_SHORT, _SCHAR, _LONG, _LONGLONG = 1 << 4, 2 << 4, 1 << 6, 2 << 6
_INTMAX, _SIZE, _PTRDIFF = 1 << 20, 1 << 22, 1 << 23
_C99_SIZES = {
    "8": 1 << 8,
    "16": 1 << 9,
    "32": 1 << 10,
    "64": 1 << 11,
    "LEAST8": 1 << 12,
    "LEAST16": 1 << 13,
    "LEAST32": 1 << 14,
    "LEAST64": 1 << 15,
    "FAST8": 1 << 16,
    "FAST16": 1 << 17,
    "FAST32": 1 << 18,
    "FAST64": 1 << 19,
    "MAX": _INTMAX,
    "PTR": 1 << 21,
}
_SIZE_FLAGS = {"q": _LONGLONG, "L": _LONGLONG, "j": _INTMAX, "z": _SIZE, "Z": _SIZE, "t": _PTRDIFF}


def parse_c(
    s: str, translated: bool, objc: bool = False, spans: list[Span] | None = None
) -> tuple[int, ...]:
    """The argument types a C format string consumes, in order. `spans`, when given, receives the
    extent of each directive read before the first error (gettext's writer asks this same parser)."""
    numbered: list[tuple[int, int]] = []
    unnumbered: list[int] = []
    directives = 0

    def add(number: int, kind: int) -> None:
        if number:
            if unnumbered:
                raise InvalidFormat("numbered and unnumbered argument specifications are mixed")
            numbered.append((number, kind))
        else:
            if numbered:
                raise InvalidFormat("numbered and unnumbered argument specifications are mixed")
            unnumbered.append(kind)

    def argno(i: int, what: str) -> tuple[int, int]:
        if isdigit(at(s, i)):
            m, j = digits(s, i)
            if at(s, j) == "$":
                if m == 0:
                    raise InvalidFormat(f"directive {directives} refers to {what} number 0")
                return m, j + 1
        return 0, i

    first = s.find("%")
    while first >= 0:
        directives += 1
        number, i = argno(first + 1, "argument")
        while at(s, i) in (" ", "+", "-", "#", "0", "'") or (translated and at(s, i) == "I"):
            i += 1
        for _part in ("width", "precision"):
            if _part == "precision":
                if at(s, i) != ".":
                    break
                i += 1
            if at(s, i) == "*":
                n, i = argno(i + 1, _part)
                add(n, _INT)
            elif isdigit(at(s, i)):
                _, i = digits(s, i)
        kind = 0
        if at(s, i) == "<":
            kind, i = _c99_macro(s, i + 1, directives)
        else:
            size = 0
            while True:
                f = at(s, i)
                if f == "h":
                    size = _SCHAR if size & (_SHORT | _SCHAR) else _SHORT
                elif f == "l":
                    size = _LONGLONG if size & (_LONG | _LONGLONG) else _LONG
                elif f and f in _SIZE_FLAGS:
                    size = _SIZE_FLAGS[f]
                else:
                    break
                i += 1
            wide = _LONG if size & (_LONG | _LONGLONG) else 0
            f = at(s, i)
            if f in ("%", "m"):
                kind = 0
            elif f == "c":
                kind = _CHAR | wide
            elif f == "C":
                kind = _CHAR | _LONG
            elif f == "s":
                kind = _STRING | wide
            elif f == "S":
                kind = _STRING | _LONG
            elif f in ("i", "d"):
                kind = _INT | size
            elif f in ("u", "o", "x", "X"):
                kind = _INT | _UNSIGNED | size
            elif f and f in "eEfFgGaA":
                kind = _DOUBLE | (size & _LONGLONG)
            elif f == "@" and objc:
                kind = _OBJECT
            elif f == "p":
                kind = _POINTER
            elif f == "n":
                kind = _COUNT | size
            elif f == "":
                raise InvalidFormat("the string ends in the middle of a directive")
            else:
                raise InvalidFormat(
                    f"in directive number {directives}, {f!r} is not a valid conversion specifier"
                )
        if kind:
            add(number, kind)
        if spans is not None:
            spans.append((first, i))
        first = s.find("%", i + 1)
    if not numbered:
        return tuple(unnumbered)
    numbered.sort(key=lambda arg: arg[0])
    merged: dict[int, int] = {}
    for number, kind in numbered:
        if merged.get(number, kind) != kind:
            raise InvalidFormat(
                f"the string refers to argument number {number} in incompatible ways"
            )
        merged[number] = kind
    for expected, number in enumerate(merged, 1):
        if number != expected:
            raise InvalidFormat(
                f"the string refers to argument number {number} but ignores "
                f"argument number {expected}"
            )
    return tuple(merged.values())


def _c99_macro(s: str, i: int, directive: int) -> tuple[int, int]:
    """A `<PRId64>` directive from just after the '<': (type, index of the '>')."""
    bad = f"in directive number {directive}, the token after '<' is not a <inttypes.h> macro"
    if s[i : i + 3] != "PRI":
        raise InvalidFormat(bad)
    i += 3
    f = at(s, i)
    if f in ("i", "d"):
        kind = _INT
    elif f and f in "uoxX":
        kind = _INT | _UNSIGNED
    else:
        raise InvalidFormat(bad)
    i += 1
    for name in ("MAX", "PTR", "LEAST", "FAST", ""):
        if s.startswith(name, i):
            j = i + len(name)
            if name in ("MAX", "PTR"):
                kind |= _C99_SIZES[name]
                i = j
                break
            width = next((w for w in ("8", "16", "32", "64") if s.startswith(w, j)), None)
            if width is None:
                raise InvalidFormat(bad)
            kind |= _C99_SIZES[name + width]
            i = j + len(width)
            break
    if at(s, i) != ">":
        raise InvalidFormat(
            f"in directive number {directive}, the token after '<' is not followed by '>'"
        )
    return kind, i


def compare_c(
    a: tuple[int, ...], b: tuple[int, ...], strict: bool, msgid: str, msgstr: str
) -> list[str]:
    if (len(a) != len(b)) if strict else (len(a) < len(b)):
        return [f"number of format specifications in '{msgid}' and '{msgstr}' does not match"]
    return [
        f"format specifications in '{msgid}' and '{msgstr}' for argument {i + 1} are not the same"
        for i in range(len(b))
        if a[i] != b[i]
    ]
