"""The header's Plural-Forms, read and judged as `msgfmt -c` does (msgl-check.c, check_plural).

The expression language is libintl's (plural.y): C operators on unsigned 64-bit integers, `n`,
decimal numbers and parentheses, ending at `;`, a newline or the end of the header. Evaluation
follows plural-eval: wrap-around arithmetic, division by zero an error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "GERMANIC",
    "Distribution",
    "PluralFormsError",
    "compile_plural",
    "distribution",
    "form_for",
    "header_rule",
    "nplurals",
]

_MASK = (1 << 64) - 1
_SIGN = 1 << 63

Plural = Callable[[int], int]


class PluralFormsError(ValueError):
    """The expression does not parse, or evaluating it over 0..1000 goes wrong."""


# (token, operator precedence); ?: binds loosest and to the right, the rest to the left.
_BINARY: dict[str, tuple[int, Callable[[int, int], int]]] = {
    "||": (2, lambda a, b: 0),  # short-circuit: handled apart
    "&&": (3, lambda a, b: 0),
    "==": (4, lambda a, b: int(a == b)),
    "!=": (4, lambda a, b: int(a != b)),
    "<": (5, lambda a, b: int(a < b)),
    ">": (5, lambda a, b: int(a > b)),
    "<=": (5, lambda a, b: int(a <= b)),
    ">=": (5, lambda a, b: int(a >= b)),
    "+": (6, lambda a, b: (a + b) & _MASK),
    "-": (6, lambda a, b: (a - b) & _MASK),
    "*": (7, lambda a, b: (a * b) & _MASK),
    "/": (7, lambda a, b: a // b),
    "%": (7, lambda a, b: a % b),
}
_TOKEN = re.compile(
    r"[ \t]*(?:([0-9]+)|(==|!=|<=|>=|&&|\|\||[-+*/%<>!?:()n])|([;\n]|\Z)|(.))", re.S
)


def _tokens(text: str) -> list[str | int]:
    out: list[str | int] = []
    pos = 0
    while True:
        m = _TOKEN.match(text, pos)
        assert m is not None  # the last alternative takes any character
        number, op, end, bad = m.groups()
        if bad is not None:
            raise PluralFormsError(f"unexpected {bad!r} in the plural expression")
        if end is not None:
            return out
        out.append(int(number) & _MASK if number is not None else op)
        pos = m.end()


class _Parser:
    def __init__(self, tokens: list[str | int]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | int | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | int | None:
        tok = self.peek()
        self.pos += 1
        return tok

    def expression(self, min_prec: int = 1) -> Plural:
        left = self.operand()
        while True:
            tok = self.peek()
            if tok == "?" and min_prec <= 1:
                self.take()
                then = self.expression(1)
                if self.take() != ":":
                    raise PluralFormsError("'?' without ':' in the plural expression")
                other = self.expression(1)  # right-associative
                left = _conditional(left, then, other)
            elif isinstance(tok, str) and tok in _BINARY and _BINARY[tok][0] >= min_prec:
                self.take()
                prec, op = _BINARY[tok]
                right = self.expression(prec + 1)
                left = _binary(tok, op, left, right)
            else:
                return left

    def operand(self) -> Plural:
        tok = self.take()
        if tok == "!":
            inner = self.operand()
            return lambda n: int(not inner(n))
        if tok == "n":
            return lambda n: n
        if isinstance(tok, int):
            return lambda n: tok
        if tok == "(":
            inner = self.expression()
            if self.take() != ")":
                raise PluralFormsError("unbalanced parentheses in the plural expression")
            return inner
        raise PluralFormsError(
            "the plural expression ends too early" if tok is None else f"unexpected {tok!r}"
        )


def _conditional(cond: Plural, then: Plural, other: Plural) -> Plural:
    return lambda n: then(n) if cond(n) else other(n)


def _binary(tok: str, op: Callable[[int, int], int], left: Plural, right: Plural) -> Plural:
    if tok == "||":
        return lambda n: int(bool(left(n)) or bool(right(n)))
    if tok == "&&":
        return lambda n: int(bool(left(n)) and bool(right(n)))
    return lambda n: op(left(n), right(n))


_NPLURALS = re.compile(r"[ \t\n\v\f\r]*([0-9]+)")


def nplurals(header: str) -> int | None:
    """The number after the header's first `nplurals=`, white space skipped, as msgfmt and
    libintl read it (check_plural, extract_plural_expression); None when there is none.

    >>> nplurals("Plural-Forms: nplurals= 3; plural=n%3;\\n"), nplurals("nplurals=x")
    (3, None)
    """
    at = header.find("nplurals=")
    m = _NPLURALS.match(header, at + len("nplurals=")) if at >= 0 else None
    return None if m is None else int(m.group(1))


@functools.lru_cache(maxsize=256)  # a tree's catalogs share a few expressions
def compile_plural(text: str) -> Plural:
    """The plural= expression as a function of n, or PluralFormsError where libintl fails.

    >>> f = compile_plural("(n != 1);")
    >>> f(0), f(1), f(2)
    (1, 0, 1)
    >>> compile_plural("n = 1")
    Traceback (most recent call last):
    service.po.plural.PluralFormsError: unexpected '=' in the plural expression
    """
    return _compiled(tuple(_tokens(text)))


@functools.lru_cache(maxsize=256)
def _compiled(tokens: tuple[str | int, ...]) -> Plural:
    """One function per expression: catalogs of a locale share it, and so its distribution."""
    parser = _Parser(list(tokens))
    expr = parser.expression()
    if parser.peek() is not None:
        raise PluralFormsError(f"unexpected {parser.peek()!r} after the plural expression")
    return expr


@dataclass(frozen=True)
class Distribution:
    """Which plural forms the formula takes for infinitely many n (check_plural_eval's "often"),
    used to relax format checks for forms that serve only one n."""

    plural: Plural
    often: tuple[bool, ...] | None

    def histogram(self, low: int, high: int, form: int) -> int:
        """How many n in low..high (at most 1001 of them) select `form`."""
        low = max(low, 0)
        high = min(high, low + 1000)
        return sum(1 for n in range(low, high + 1) if self.plural(n) == form)


GERMANIC = Distribution(lambda n: int(n != 1), (False, True))


@functools.lru_cache(maxsize=256)  # 1,001 evaluations: once per expression, not per catalog
def distribution(plural: Plural, nplurals: int) -> Distribution:
    """Evaluate the formula for n = 0..1000 as msgfmt does, or raise PluralFormsError."""
    seen = [0] * nplurals if nplurals <= 100 else None
    for n in range(1001):
        try:
            value = plural(n)
        except ZeroDivisionError:
            raise PluralFormsError("plural expression can produce division by zero") from None
        if value & _SIGN:
            raise PluralFormsError("plural expression can produce negative values")
        if value >= nplurals:
            raise PluralFormsError(
                f"nplurals = {nplurals} but plural expression can produce values as large as "
                f"{value}"
            )
        if seen is not None:
            seen[value] += 1
    # A form the formula takes at least 5 times counts as taken infinitely often.
    return Distribution(plural, None if seen is None else tuple(c >= 5 for c in seen))


def form_for(header: str, n: int) -> int:
    """The msgstr index the header's Plural-Forms selects for `n`, as libintl's plural lookup
    picks it: 0 (gettext's default rule for n=1) when the header has no readable Plural-Forms,
    and 0 when the expression fails or names a form past nplurals.

    >>> ar = "Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : 3);\\n"
    >>> form_for(ar, 1), form_for(ar, 0), form_for("Language: ja\\n", 1)
    (1, 0, 0)
    """
    found = header_rule(header)
    if found is None:
        return 0
    count, expression = found
    try:
        index = compile_plural(expression)(n)
    except PluralFormsError:
        return 0
    return index if 0 <= index < count else 0


def header_rule(header: str) -> tuple[int, str] | None:
    """The header's nplurals and its plural= expression (up to ';' or the line's end), or None
    when either is missing.

    >>> header_rule("Plural-Forms: nplurals=2; plural=(n != 1);\\n")
    (2, '(n != 1)')
    """
    at, count = header.find("plural="), nplurals(header)
    if at < 0 or count is None:
        return None
    expression = re.match(r"[^;\n]*", header[at + len("plural=") :])
    assert expression is not None  # [^;\n]* matches the empty text
    return count, expression.group()
