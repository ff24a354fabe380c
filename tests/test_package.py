"""The package as pip builds and installs it: the wheel holds every file under service/, and it
and an editable install build without a warning; installed from the wheel into a new virtual
environment outside the checkout, `clinic-l10n` serves the shipped content tree and exports it.
Each dependency is used.

The tests marked `package` build the wheel and install it with its dependencies (pip's cache
helps; `--system-site-packages` would hide a dependency the wheel forgets)."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from click.testing import CliRunner

from service import __version__
from service.cli.main import cli

from .conftest import REPO, SHIPPED, free_port, set_base_url, tree_read

PACKAGE = REPO / "service"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
BASE_URL = "https://clinic.example/learn/"
PAGE = "esketamine-overview"

# Dependencies that no `import` under service/ (or tests/) names, and what uses them.
USED_WITHOUT_IMPORT = {
    "httptools": "uvicorn's httptools protocol, which service.web.server subclasses",
    "uvloop": "uvicorn's event loop whenever it is installed (loop='auto')",
    "fastapi-offline": "its static folder, which service.web.api serves at /docs/assets",
    "httpx2": "starlette's TestClient, which the tests drive the app through",
    "ruff": "make lint",
    "mypy": "make lint",
    "types-pyyaml": "mypy's stubs for yaml",
    "types-regex": "mypy's stubs for regex",
    "types-authlib": "mypy's stubs for authlib",
}


def _run(
    args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`args` run to completion; what they printed is the message when they fail."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout[-4000:]}"
        f"\n{done.stderr[-4000:]}"
    )
    return done


def package_files(package: Path) -> set[str]:
    """Every file under `package`, bytecode aside, named as a wheel names it (service/…)."""
    return {
        path.relative_to(package.parent).as_posix()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if ".dist-info/" not in n}


@dataclass(frozen=True)
class Built:
    wheel: Path
    log: str  # what pip and setuptools printed, verbosely


def copy_sources(into: Path) -> Path:
    """What a build reads, copied: a build writes build/ and *.egg-info beside it."""
    into.mkdir(exist_ok=True)
    shutil.copy2(REPO / "pyproject.toml", into)
    shutil.copytree(
        PACKAGE, into / "service", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return into


def build_warnings(log: str) -> list[str]:
    """The warnings in a build's output: as Python shows them (`file.py:12: Category: text`;
    setuptools' notices are `InformationOnly`) or as pip relays them (`BuildBackendWarning`)."""
    shown = re.compile(r"\.py:\d+: [A-Z]\w*: |\b[A-Z]\w*Warning\b")
    return [line for line in log.splitlines() if shown.search(line)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`pip wheel` on a copy of the sources."""
    src = copy_sources(tmp_path_factory.mktemp("src"))
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    done = _run([*pip, "wheel", "--no-deps", "--verbose", "--wheel-dir", dist, src], cwd=src)
    (wheel,) = dist.glob("*.whl")
    return Built(wheel, done.stdout + done.stderr)


def own_env() -> dict[str, str]:
    """This process's environment, less what would point a new one at ours or at the checkout."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "CLINIC_L10N_")) and k != "VIRTUAL_ENV"
    }


@dataclass(frozen=True)
class Installed:
    bin: Path  # the new environment's scripts
    tree: Path  # a copy of the shipped content tree
    env: dict[str, str]  # the environment its commands run in: none of ours leaks in

    def command(self, *args: str | Path) -> list[str | Path]:
        return [self.bin / "clinic-l10n", "--root", self.tree, *args]


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel and its dependencies in a new virtual environment, with a copy of the shipped
    content tree to run on; nothing under the checkout is on its path."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", venv])
    bin_ = venv / "bin"
    _run(
        [
            bin_ / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            built.wheel,
        ]
    )
    tree = tmp_path_factory.mktemp("tree")
    for name in SHIPPED:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, tree / name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy2(REPO / name, tree / name)
    env = own_env()
    return Installed(bin_, tree, {**env, "PATH": f"{bin_}{os.pathsep}{env.get('PATH', '')}"})


def test_version_prints_the_packages_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"clinic-l10n {__version__}\n"


@pytest.mark.package
def test_the_wheel_holds_every_file_under_the_package_folder(built: Built) -> None:
    shipped, present = wheel_files(built.wheel), package_files(PACKAGE)
    missing, extra = sorted(present - shipped), sorted(shipped - present)
    assert not missing, f"left out of the wheel (package-data in pyproject.toml): {missing}"
    assert not extra, f"in the wheel but not under service/: {extra}"


@pytest.mark.package
def test_the_wheel_builds_without_a_warning(built: Built) -> None:
    assert not build_warnings(built.log)


@pytest.mark.package
def test_an_editable_install_warns_of_nothing(tmp_path: Path) -> None:
    """What `make install` does, less the dependencies."""
    src = copy_sources(tmp_path / "src")
    python = tmp_path / "venv" / "bin" / "python"
    _run([sys.executable, "-m", "venv", python.parent.parent])
    pip = [python, "-m", "pip", "--disable-pip-version-check", "install", "--verbose"]
    done = _run([*pip, "--no-deps", "--editable", src], cwd=tmp_path, env=own_env())
    assert not build_warnings(done.stdout + done.stderr)
    where = _run([python, "-c", "import service; print(service.__file__)"], tmp_path, own_env())
    assert Path(where.stdout.strip()).resolve() == (src / "service" / "__init__.py").resolve()


@pytest.mark.package
def test_the_wheels_version_is_the_packages(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        headers = archive.read(metadata).decode()
    assert f"\nVersion: {__version__}\n" in headers
    assert built.wheel.name.startswith(f"clinic_l10n-{__version__}-")


@pytest.mark.package
def test_the_installed_command_runs_the_wheels_package(installed: Installed) -> None:
    where = _run(
        [installed.bin / "python", "-c", "import service; print(service.__file__)"],
        cwd=installed.tree,
        env=installed.env,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed.bin.parent)
    version = _run([installed.bin / "clinic-l10n", "--version"], env=installed.env)
    assert version.stdout == f"clinic-l10n {__version__}\n"


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@contextmanager
def serving(installed: Installed) -> Iterator[str]:
    """The installed `clinic-l10n serve` on a free loopback port: its base URL once the tree is
    read (`/healthz` no longer `starting`), stopped after."""
    port = free_port()
    proc = subprocess.Popen(
        [str(a) for a in installed.command("serve", "--port", str(port))],
        cwd=installed.tree,
        env=installed.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while not tree_read(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                _, err = proc.communicate()
                raise AssertionError(f"clinic-l10n serve did not start:\n{err}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.mark.package
def test_the_installed_command_serves_the_shipped_content(installed: Installed) -> None:
    catalog = (installed.tree / "locales/es/LC_MESSAGES" / f"{PAGE}.po").read_text("utf-8")
    with serving(installed) as base:
        status, _, body = _get(f"{base}/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"

        status, headers, body = _get(f"{base}/v1/pages/{PAGE}?locale=es")
        assert status == 200 and headers["content-language"] == "es"
        page = json.loads(body)
        # one section waits for a reviewer's confirmation (README) and is shown in English
        shown = Counter(s["locale"] for s in page["segments"])
        assert page["locale"] == "es" and set(shown) == {"es", "en"} and shown["es"] > shown["en"]
        assert f'msgstr "{page["title"]}"' in catalog

        status, _, body = _get(f"{base}/pages/{PAGE}?locale=es")
        assert status == 200 and '<html lang="es"' in body.decode()
        (sheet,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', body.decode())
        status, headers, body = _get(base + sheet)
        static = PACKAGE / "static"
        assert status == 200 and headers["content-type"].startswith("text/css")
        assert (
            body
            == (static / "clinic-l10n.css").read_bytes()
            + (static / "clinic-l10n-article.css").read_bytes()
        )

        status, _, body = _get(f"{base}/review/assets/review.js")
        assert status == 200 and body == (static / "review.js").read_bytes()


@pytest.mark.package
def test_the_installed_command_exports_the_shipped_content(
    installed: Installed, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    set_base_url(installed.tree, BASE_URL)  # the release's static site is made for it
    _run(
        installed.command("export", "--out", out, "--base-url", BASE_URL),
        cwd=tmp_path,
        env=installed.env,
    )
    html = (out / "es" / PAGE / "index.html").read_text("utf-8")
    assert '<html lang="es"' in html
    assert json.loads((out / "es" / PAGE / "index.json").read_bytes())["locale"] == "es"
    assert f"<loc>{BASE_URL}es/{PAGE}/</loc>" in (out / "sitemap.xml").read_text("utf-8")
    assert [p.name for p in (out / "assets").glob("clinic-l10n.*.css")]


def _imported(folder: Path) -> set[str]:
    """The top-level names that `import` statements under `folder` name."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return _normal(match[0])


def _modules_of() -> dict[str, set[str]]:
    """Each installed distribution's top-level modules, by its normalized name."""
    found: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            found.setdefault(_normal(dist), set()).add(module)
    return found


@pytest.mark.parametrize(
    ("requirements", "folders"),
    [
        pytest.param(PYPROJECT["project"]["dependencies"], ("service",), id="runtime"),
        pytest.param(
            PYPROJECT["project"]["optional-dependencies"]["test"],
            ("service", "tests", "benchmarks"),
            id="test",
        ),
    ],
)
def test_every_dependency_is_used(requirements: list[str], folders: tuple[str, ...]) -> None:
    imported = set().union(*(_imported(REPO / f) for f in folders))
    modules = _modules_of()
    unused = [
        r
        for r in requirements
        if not modules.get(_name(r), set()) & imported and _name(r) not in USED_WITHOUT_IMPORT
    ]
    assert not unused, "nothing imports these: drop them, or say what uses them"
    said = {_normal(r) for r in USED_WITHOUT_IMPORT}
    listed = {_name(r) for r in PYPROJECT["project"]["dependencies"]} | {
        _name(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]
    }
    assert said <= listed, "USED_WITHOUT_IMPORT names a dependency pyproject.toml no longer has"


def test_every_mypy_override_names_a_module_the_package_imports() -> None:
    imported = _imported(PACKAGE)
    stale = [
        module
        for override in PYPROJECT["tool"]["mypy"]["overrides"]
        for module in override["module"]
        if module.split(".")[0] not in imported
    ]
    assert not stale
