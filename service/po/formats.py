"""Format-string checks of `msgfmt -c` for c, objc, python and python-brace (format-*.c).

Each language has a parser (a string → its argument specification, or InvalidFormat) and a
comparison (msgid's specification, msgstr's, strict or relaxed → the problems found). The other
format languages gettext knows are not checked here: `UNCHECKED` names them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHECKED", "LANGUAGES", "PRETTY", "UNCHECKED", "InvalidFormat", "compare", "parse"]

# gettext 0.21's format languages, in the order msgfmt checks them (message.c, format_language).
LANGUAGES = (
    "c",
    "objc",
    "python",
    "python-brace",
    "java",
    "java-printf",
    "csharp",
    "javascript",
    "scheme",
    "lisp",
    "elisp",
    "librep",
    "ruby",
    "sh",
    "awk",
    "lua",
    "object-pascal",
    "smalltalk",
    "qt",
    "qt-plural",
    "kde",
    "kde-kuit",
    "boost",
    "tcl",
    "perl",
    "perl-brace",
    "php",
    "gcc-internal",
    "gfc-internal",
    "ycp",
)
PRETTY = {"c": "C", "objc": "Objective C", "python": "Python", "python-brace": "Python brace"}
CHECKED = frozenset(PRETTY)
UNCHECKED = tuple(lang for lang in LANGUAGES if lang not in CHECKED)


class InvalidFormat(ValueError):
    """The string is not a valid format string of the language; the message says why."""


# --- C and Objective C (format-c-parse.h) -------------------------------------------------

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


def _isdigit(c: str) -> bool:
    return "0" <= c <= "9" and c != ""


def _digits(s: str, i: int) -> tuple[int, int]:
    """The number written at s[i:] (wrapping like C's unsigned int) and the index after it."""
    value = 0
    while i < len(s) and _isdigit(s[i]):
        value = (value * 10 + ord(s[i]) - 48) & 0xFFFFFFFF
        i += 1
    return value, i


def _at(s: str, i: int) -> str:
    return s[i] if i < len(s) else ""


def parse_c(s: str, translated: bool, objc: bool = False) -> tuple[int, ...]:
    """The argument types a C format string consumes, in order."""
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
        if _isdigit(_at(s, i)):
            m, j = _digits(s, i)
            if _at(s, j) == "$":
                if m == 0:
                    raise InvalidFormat(f"directive {directives} refers to {what} number 0")
                return m, j + 1
        return 0, i

    i = 0
    while i < len(s):
        c = s[i]
        i += 1
        if c != "%":
            continue
        directives += 1
        number, i = argno(i, "argument")
        while _at(s, i) in (" ", "+", "-", "#", "0", "'") or (translated and _at(s, i) == "I"):
            i += 1
        for _part in ("width", "precision"):
            if _part == "precision":
                if _at(s, i) != ".":
                    break
                i += 1
            if _at(s, i) == "*":
                n, i = argno(i + 1, _part)
                add(n, _INT)
            elif _isdigit(_at(s, i)):
                _, i = _digits(s, i)
        kind = 0
        if _at(s, i) == "<":
            kind, i = _c99_macro(s, i + 1, directives)
        else:
            size = 0
            while True:
                f = _at(s, i)
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
            f = _at(s, i)
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
        i += 1
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
    f = _at(s, i)
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
    if _at(s, i) != ">":
        raise InvalidFormat(
            f"in directive number {directive}, the token after '<' is not followed by '>'"
        )
    return kind, i


def _compare_c(
    a: tuple[int, ...], b: tuple[int, ...], strict: bool, msgid: str, msgstr: str
) -> list[str]:
    if (len(a) != len(b)) if strict else (len(a) < len(b)):
        return [f"number of format specifications in '{msgid}' and '{msgstr}' does not match"]
    return [
        f"format specifications in '{msgid}' and '{msgstr}' for argument {i + 1} are not the same"
        for i in range(len(b))
        if a[i] != b[i]
    ]


# --- Python (format-python.c) -------------------------------------------------------------

_ANY, _PY_CHAR, _PY_STRING, _PY_INT, _PY_FLOAT = 1, 2, 3, 4, 5
_PY_TYPES = {"c": _PY_CHAR, "s": _PY_STRING, "r": _PY_STRING}
_PY_TYPES.update(dict.fromkeys("iduoxX", _PY_INT))
_PY_TYPES.update(dict.fromkeys("eEfgG", _PY_FLOAT))


@dataclass(frozen=True)
class PythonSpec:
    named: dict[str, int]  # name → type (0 for %(name)%)
    unnamed: tuple[int, ...]


def parse_python(s: str) -> PythonSpec:
    named: list[tuple[str, int]] = []
    unnamed: list[int] = []
    mixed = "the string refers to arguments both by name and by position"
    i, directives = 0, 0
    while i < len(s):
        c = s[i]
        i += 1
        if c != "%":
            continue
        directives += 1
        name = None
        if _at(s, i) == "(":
            depth, start = 0, i + 1
            i = start
            while i < len(s) and not (s[i] == ")" and depth == 0):
                depth += {"(": 1, ")": -1}.get(s[i], 0)
                i += 1
            if i >= len(s):
                raise InvalidFormat("the string ends in the middle of a directive")
            name = s[start:i]
            i += 1
        while _at(s, i) in ("-", "+", " ", "#", "0") and _at(s, i):
            i += 1
        zero_precision = False
        for part in ("width", "precision"):
            if part == "precision":
                if _at(s, i) != ".":
                    break
                i += 1
            if _at(s, i) == "*":
                i += 1
                if named:
                    raise InvalidFormat(mixed)
                unnamed.append(_PY_INT)
            elif _isdigit(_at(s, i)):
                start = i
                _, i = _digits(s, i)
                zero_precision = part == "precision" and set(s[start:i]) == {"0"}
        if _at(s, i) in ("h", "l", "L") and _at(s, i):
            i += 1
        f = _at(s, i)
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
        i += 1
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


def _compare_python(
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


def _name(s: str, i: int) -> int:
    """The index after an identifier at s[i:], or i if there is none."""
    if _at(s, i) and (s[i] == "_" or (s[i].isascii() and s[i].isalpha())):
        i += 1
        while _at(s, i) and (s[i] == "_" or (s[i].isascii() and s[i].isalnum())):
            i += 1
    return i


def _number(s: str, i: int) -> int:
    while _isdigit(_at(s, i)):
        i += 1
    return i


def _brace_directive(s: str, i: int, top: bool, names: list[str]) -> int:
    """Parse the directive whose '{' is at s[i]; returns the index after it."""
    i += 1
    if _at(s, i) == "{":
        return i + 1
    start = i
    i = _name(s, i)
    if i == start:
        i = _number(s, i)
    if i == start:
        raise InvalidFormat(f"{_at(s, i)!r} cannot start a field name")
    while True:
        c = _at(s, i)
        if c == ".":
            j = _name(s, i + 1)
            if j == i + 1:
                raise InvalidFormat(f"{_at(s, j)!r} cannot start a getattr argument")
            i = j
        elif c == "[":
            j = _name(s, i + 1)
            if j == i + 1:
                j = _number(s, i + 1)
            if j == i + 1:
                raise InvalidFormat(f"{_at(s, j)!r} cannot start a getitem argument")
            if _at(s, j) != "]":
                raise InvalidFormat("the string ends in the middle of a directive")
            i = j + 1
        else:
            break
    if c == ":":
        if not top:
            raise InvalidFormat("no more nesting is allowed in a format specifier")
        i += 1
        if _at(s, i) == "{":
            i = _brace_directive(s, i, False, names)
        else:
            if _at(s, i + 1) in ("<", ">", "=", "^") and _at(s, i + 1):
                i += 2
            elif _at(s, i) in ("<", ">", "=", "^") and _at(s, i):
                i += 1
            for chars in ("+- ", "#", "0"):
                if _at(s, i) and _at(s, i) in chars:
                    i += 1
            i = _number(s, i)
            if _at(s, i) == ".":
                i = _number(s, i + 1)
            if _at(s, i) and _at(s, i) in "bcdoxXneEfFgG%":
                i += 1
        if _at(s, i) != "}":
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


def _compare_brace(
    a: frozenset[str], b: frozenset[str], strict: bool, msgid: str, msgstr: str
) -> list[str]:
    if not strict or a == b:
        return []
    first = min(a ^ b)
    where = msgstr if first in a else msgid
    return [f"a format specification for argument '{first}' doesn't exist in '{where}'"]


# --- one entry point ----------------------------------------------------------------------


def parse(language: str, s: str, translated: bool) -> object:
    """The specification of `s` as a format string of `language` (one of CHECKED)."""
    if language in ("c", "objc"):
        return parse_c(s, translated, objc=language == "objc")
    if language == "python":
        return parse_python(s)
    return parse_python_brace(s)


def compare(
    language: str, a: object, b: object, strict: bool, msgid: str, msgstr: str
) -> list[str]:
    """What msgfmt reports when msgstr's specification `b` does not fit msgid's `a`."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return _compare_c(a, b, strict, msgid, msgstr)
    if isinstance(a, PythonSpec) and isinstance(b, PythonSpec):
        return _compare_python(a, b, strict, msgid, msgstr)
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        return _compare_brace(a, b, strict, msgid, msgstr)
    raise TypeError(f"specifications of different languages: {language}")
