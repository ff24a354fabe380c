"""The rules that keep `service/` readable, read off the code itself (its imports, its sizes, its
public names), so that a change that breaks one fails here rather than in a review.

- Subpackages form layers, each importing only from itself and from the layers below it (the order
  is `LAYERS`; the README's map says what each holds). `po` is a standalone gettext library: it
  imports nothing of the rest.
- No import cycle between modules, counting imports made inside functions.
- No module over 400 lines, no function over 80, but for `LONG_FUNCTIONS`, each with its reason.
- One meaning per public name: a name in two modules' `__all__` is the same object (re-exported).
- Each subpackage's `__init__` exposes a small surface.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import REPO

SERVICE = REPO / "service"

# Lowest first: a subpackage may import from itself and from those before it, never after.
LAYERS = (
    "po",  # gettext catalogs on any file: model, parse, write, check, merge, .mo
    "core",  # data types, errors, config, language tags, the approval policy
    "content",  # Markdown pages to segments
    "quality",  # the checks on a translation, numbers and units
    "catalogs",  # the project's catalogs: extract, update, compile; the veto on fuzzy guesses
    "review",  # approvals, ledgers, histories, audit, provenance
    "render",  # resolved pages to HTML
    "site",  # loading a tree, the serving rule, coverage, the build cache
    "release",  # published releases: the store, publishing, withdrawal, history, live reload, export
    "workspace",  # the reviewers' web workspace and review API
    "web",  # the HTTP app and the server process
    "cli",  # the command line
)

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
MAX_SURFACE = 16  # names a subpackage's __init__ exports

# Functions kept longer than MAX_FUNCTION_LINES, and why.
LONG_FUNCTIONS: dict[str, str] = {
    "po/fastparse.py:fast_entries": (
        "the fast PO scanner, the hot loop of every catalog read: one loop over the entries with "
        "its state in locals, where a call per entry or per line would be added to every read"
    ),
    "po/format_c.py:parse_c": (
        "a transcription of gettext's format-c.c directive parser, kept in its order so that it "
        "can be read side by side with the C it must agree with"
    ),
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module (or package), dotted
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SERVICE.rglob("*.py"))}


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if MODULES[module].name != "__init__.py":
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of(module: str, source: str) -> Iterator[Import]:
    """Every import of a `service` module in `source`, at any depth (in functions too)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield Import(module, submodule if submodule in MODULES else target, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)


def _all_imports() -> list[Import]:
    return [
        i
        for name, path in MODULES.items()
        for i in imports_of(name, path.read_text(encoding="utf-8"))
        if i.target == "service" or i.target.startswith("service.")
    ]


def layer_of(module: str) -> str:
    """The subpackage a module belongs to ("" for the top package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layering_breaches(imports: list[Import]) -> list[str]:
    """Imports that go up the layers, or out of `po`."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    found = []
    for i in imports:
        mine, theirs = layer_of(i.source), layer_of(i.target)
        if mine == theirs or mine == "":
            continue
        if theirs == "":  # the top package holds the version only
            continue
        if rank[theirs] > rank[mine] or (mine == "po" and theirs != "po"):
            found.append(f"{i.source}:{i.line} imports {i.target} ({mine} < {theirs})")
    return found


def cycles(imports: list[Import]) -> list[list[str]]:
    """The import cycles between modules (each as the modules around it), by Tarjan's algorithm."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in imports:
        if i.target in graph and i.target != i.source:
            graph[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# A package's __init__ importing its own modules is how it exposes its surface, not a cycle.
def _without_own_init(imports: list[Import]) -> list[Import]:
    return [
        i
        for i in imports
        if not (MODULES[i.source].name == "__init__.py" and i.target.startswith(i.source + "."))
    ]


IMPORTS = _all_imports()


def test_every_subpackage_has_a_layer() -> None:
    folders = {p.name for p in SERVICE.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(LAYERS)


def test_no_layer_imports_a_higher_one_and_po_imports_nothing_else() -> None:
    assert layering_breaches(IMPORTS) == []


def test_no_import_cycle() -> None:
    assert cycles(_without_own_init(IMPORTS)) == []


# The rules themselves, on made-up imports: each breach is seen.
@pytest.mark.parametrize(
    ("source", "target", "breach"),
    [
        ("service.po.merge", "service.core.errors", True),
        ("service.po.merge", "service.po.model", False),
        ("service.core.models", "service.po.model", False),
        ("service.core.config", "service.site.store", True),
        ("service.site.store", "service.core.config", False),
        ("service.web.api", "service.workspace.routes", False),
        ("service.workspace.routes", "service.web.api", True),
        ("service.cli.main", "service.web.server", False),
    ],
)
def test_layering_rule_table(source: str, target: str, breach: bool) -> None:
    assert bool(layering_breaches([Import(source, target, 1)])) is breach


def test_cycle_rule_sees_a_cycle_through_a_function_level_import() -> None:
    a, b = "service.core.models", "service.core.policy"
    lazy = list(imports_of(a, f"def f():\n    from {b} import Policy\n"))
    assert cycles([*lazy, Import(b, a, 1)]) == [sorted([a, b])]
    assert cycles(lazy) == []


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(SERVICE)): n
        for p in MODULES.values()
        if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines_but_the_listed_ones() -> None:
    long = {}
    for path in MODULES.values():
        for fn in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            lines = (fn.end_lineno or fn.lineno) - fn.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                long[f"{path.relative_to(SERVICE)}:{fn.name}"] = lines
    assert sorted(long) == sorted(LONG_FUNCTIONS)


def test_one_meaning_per_public_name() -> None:
    """A name two modules export is one object, defined once and re-exported."""
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for name in MODULES:
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", ()):
            value = getattr(module, public)
            first = seen.setdefault(public, (name, value))
            if first[1] is not value:
                clashes.append(f"{public}: {first[0]} and {name}")
    assert clashes == []


def _defined(tree: ast.Module) -> Iterator[str]:
    """The public names a module defines at its top level (not those it imports)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Assign):
            yield from (t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            yield node.target.id


def test_no_public_name_is_defined_in_two_modules() -> None:
    """Exported or not, a public name has one definition: a second is a second meaning."""
    where: dict[str, list[str]] = {}
    for name, path in MODULES.items():
        for defined in _defined(ast.parse(path.read_text(encoding="utf-8"))):
            if not defined.startswith("_"):
                where.setdefault(defined, []).append(name)
    assert {n: places for n, places in where.items() if len(places) > 1} == {}


@pytest.mark.parametrize("package", LAYERS)
def test_each_subpackage_exposes_a_small_surface(package: str) -> None:
    module = importlib.import_module(f"service.{package}")
    surface = getattr(module, "__all__", None)
    assert surface is not None and 0 < len(surface) <= MAX_SURFACE
    assert all(hasattr(module, name) for name in surface)
    # A name that is also a submodule's would hide the module (`from service.po import merge`).
    submodules = {p.stem for p in (SERVICE / package).glob("*.py")}
    assert sorted(submodules & set(surface)) == []
