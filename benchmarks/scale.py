"""Scale benchmark: start-up, RSS, live reload, `coverage` and `check` beside msgfmt, same files, same run.

On benchmarks/gen_tree.py trees (every msgstr filled and approved), each figure of issue 8 is printed
beside the cost of reading the same files with GNU gettext, and the ratio:

  baseline  `msgfmt --statistics -o /dev/null PO`, one process per catalog of the tree, in sequence;
  start     `clinic-l10n serve` spawned on a free port until GET /healthz answers 200; its RSS then
            (VmRSS, and the peak VmHWM) from /proc. Run twice: first with an empty build cache
            (`CLINIC_L10N_CACHE` set to a new folder), then with the cache the first left;
  reload    with the server running (default `--poll` 0.5 s), one catalog's msgstr is changed, then
            one approval is revoked (`service.review.approvals.revoke`, what `review revoke` writes, without
            the command's own load of the whole tree): seconds from the file's write (its mtime) until
            /healthz's state hash has changed and the page's JSON differs, and the rebuild the server
            logs ("reloaded in X s"); the catalog's figure is beside msgfmt on that one file;
  coverage  `clinic-l10n coverage --format json`, and `clinic-l10n check`, one process each, each
            first with an empty build cache of its own, then with the server's.

Trees are copied first (every byte read back, so all runs start from the page cache) and the copies
changed, never the trees given. Wall-clock time is the figure; CPU time (of the commands, of the
server until /healthz answered) is beside it with its own ratio, since on a shared machine it moves
less with other load (msgfmt's thousands of short processes suffer most); the load average is
printed. The server is started through `python -c` with the `clinic_l10n` loggers at INFO on stderr
(`serve` leaves them unconfigured, so its "reloaded in" line is otherwise never shown); the code run
is the same.

    .venv/bin/python benchmarks/scale.py [--pages 10 1000] [--tree DIR ...] [--skip-slow] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gen_tree import GNU_ENV, LINGUISTS, build_tree

from service.content.pages import load_page
from service.core.config import load_config
from service.core.models import SegmentType
from service.review import Selection, revoke

# Runs the CLI's `serve` as the console script does, with the service's own log lines shown.
SERVE = """
import logging, sys
logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
logging.getLogger("clinic_l10n").setLevel(logging.INFO)
from service.cli.main import main
sys.argv[0] = "clinic-l10n"
main()
"""
RELOADED = re.compile(r"reloaded in ([0-9.]+) s")
GOALS = {
    "start": "≤ 1.0×",
    "start_warm": "≤ 1.0×",
    "rss": "≤ 300 MB",
    "reload_catalog": "≤ 2 s",
    "reload_ledger": "≤ 2 s",
    "rebuild": "≤ 1 s",
    "coverage": "≤ 1.0×",
    "check": "≤ 1.0×",
    "coverage_warm": "≤ 1.0×",
    "check_warm": "≤ 1.0×",
}


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # of the child processes, where the work ran in one


@dataclass
class Figure:
    """One row of the table: our figure, and the baseline it is set beside (if any)."""

    key: str
    label: str
    value: float | None  # None: not measured (see `note`)
    unit: str = "s"
    baseline: float | None = None
    note: str = ""
    cpu: float | None = None  # CPU seconds, beside msgfmt's: they move less with other load
    baseline_cpu: float | None = None

    @property
    def cpu_ratio(self) -> float | None:
        if self.cpu is None or not self.baseline_cpu:
            return None
        return self.cpu / self.baseline_cpu

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


@dataclass
class Result:
    pages: int
    catalogs: int
    messages: int
    megabytes: dict[str, float]
    figures: list[Figure] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(run: Callable[[], object]) -> Timing:
    started, cpu = time.perf_counter(), _cpu()
    run()
    return Timing(time.perf_counter() - started, _cpu() - cpu)


def catalogs(root: Path) -> list[Path]:
    return sorted(root.glob("locales/*/LC_MESSAGES/*.po"))


def msgfmt(files: Sequence[Path]) -> int:
    """msgfmt --statistics once per file, in sequence; returns the translated messages it counted."""
    translated = 0
    for po in files:
        done = subprocess.run(
            ["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
            env=GNU_ENV,
            check=True,
            capture_output=True,
            text=True,
        )
        m = re.match(r"(\d+) translated message", done.stderr)
        translated += int(m[1]) if m else 0
    return translated


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("clinic-l10n")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from service.cli.main import main; main()"]


def with_cache(cache: Path) -> dict[str, str]:
    """The environment of a command that builds with the build cache in `cache`."""
    return {**os.environ, "CLINIC_L10N_CACHE": str(cache)}


def run_cli(root: Path, cache: Path, *args: str) -> tuple[Timing, int]:
    """One `clinic-l10n` command with its build cache in `cache`, output discarded; (timing,
    exit code)."""
    code = 0

    def run() -> None:
        nonlocal code
        code = subprocess.run(
            [*_cli(), "--root", str(root), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=with_cache(cache),
            check=False,
        ).returncode

    return timed(run), code


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for path in dst.rglob("*"):  # read back: every byte the tools will read is in the page cache
        if path.is_file():
            path.read_bytes()
    os.sync()  # the copy on disk now, not written back while the first figure is measured
    return dst


def _megabytes(root: Path, pattern: str) -> float:
    return sum(p.stat().st_size for p in root.glob(pattern)) / 1e6


# --------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status(pid: int, key: str) -> float:
    """A memory figure of /proc/PID/status (VmRSS, VmHWM), in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m[1]) / 1024 if m else float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process so far and of its children it has waited
    for (a build's worker processes), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    started_in: float  # until /healthz answered with the tree read (not `starting`)
    cpu_at_start: float
    answered_in: float  # until /healthz first answered 200 (`starting`: the release served)

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
            return bytes(r.read())

    def state(self) -> str:
        return str(json.loads(self.get("/healthz"))["state"]["sha256"])

    def rebuilds(self) -> list[float]:
        return [float(s) for s in RELOADED.findall(self.log.read_text(errors="replace"))]


@contextmanager
def serving(root: Path, cache: Path, poll: float, timeout: float, log: Path) -> Iterator[Server]:
    """`clinic-l10n serve` with its build cache in `cache`, on a free port, timed from spawn
    until /healthz answers 200 (`answered_in`) and until it answers with the tree read
    (`started_in`: on a store that holds a release, the server answers at once, `starting`,
    and reads the tree meanwhile; else both are the same)."""
    port = free_port()
    with log.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVE,
                "--root",
                str(root),
                "serve",
                "--port",
                str(port),
                "--poll",
                str(poll),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=with_cache(cache),
        )
    answered = 0.0
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(
                    f"the server exited ({proc.returncode}):\n{log.read_text()[-2000:]}"
                )
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"the server did not answer /healthz within {timeout:.0f} s")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    answered = answered or time.perf_counter() - started
                    if json.load(r)["status"] != "starting":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        took = time.perf_counter() - started
        yield Server(proc, port, log, took, cpu_seconds(proc.pid), answered or took)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def until_visible(
    server: Server, path: str, before: tuple[str, bytes, int], changed: Path, timeout: float
) -> tuple[float, float]:
    """After a write to `changed`: (seconds from its mtime until both the state hash and the
    response at `path` differ from `before`, the rebuild time the server logged since, or NaN).
    `before` is (state hash, response, log lines) taken before the write."""
    state, body, logged = before
    written = changed.stat().st_mtime
    started = time.monotonic()
    while time.monotonic() < started + timeout:
        if server.state() != state and server.get(path) != body:
            seen = time.time() - written
            rebuilds = server.rebuilds()[logged:]
            return seen, (sum(rebuilds) if rebuilds else float("nan"))
        # 25 ms at first; less often in a long rebuild, whose GIL the requests would share
        time.sleep(min(0.2, 0.025 + (time.monotonic() - started) / 50))
    raise SystemExit(f"no change visible at {path} within {timeout:.0f} s of writing {changed}")


def change_catalog(po: Path) -> None:
    """Edit the first one-line msgstr (the header's is empty), written whole as an editor saves."""
    text = po.read_text(encoding="utf-8")
    m = re.search(r'^msgstr "(.+)"$', text, re.M)
    if m is None:
        raise SystemExit(f"{po}: no one-line msgstr to change")
    tmp = po.with_name(po.name + ".tmp")
    tmp.write_text(text[: m.end(1)] + " (changed)" + text[m.end(1) :], encoding="utf-8")
    os.replace(tmp, po)


def revoke_title(root: Path, slug: str, locale: str) -> Path:
    """Revoke the approvals of a page's title in `locale`, as `review revoke` writes it; returns
    the ledger written."""
    config = load_config(root)
    page = load_page(root / "source_content" / "pages" / f"{slug}.md", config.fallback)
    title = next(s for s in page.segments if s.type is SegmentType.TITLE)
    revoke(config, page, locale, LINGUISTS[locale], "scale benchmark", Selection(title.source))
    return config.ledger_path(locale, slug)


# --------------------------------------------------------------------------------------------
# One tree


def measure(src: Path, work: Path, poll: float, skip_slow: bool) -> Result:
    started_load = os.getloadavg()[0]
    root = copy_tree(src, work / "tree")
    files = catalogs(root)
    pages = len(list((root / "source_content" / "pages").glob("*.md")))
    megabytes = {
        "catalogs": _megabytes(root, "locales/*/LC_MESSAGES/*.po"),
        "ledgers": _megabytes(root, "locales/*/reviews/*.yaml"),
    }
    messages = 0

    def baseline() -> None:
        nonlocal messages
        messages = msgfmt(files)

    gnu = timed(baseline)
    result = Result(pages, len(files), messages, megabytes)
    figures = result.figures
    timeout = max(60.0, 1.0 * pages)

    slug = sorted((root / "source_content" / "pages").glob("*.md"))[0].stem
    cache = work / "cache"  # the server's; empty at the first start
    with serving(root, cache, poll, timeout, work / "serve-1.log") as server:
        rss, peak = proc_status(server.proc.pid, "VmRSS"), proc_status(server.proc.pid, "VmHWM")
        figures.append(
            Figure(
                "start",
                "cold start until /healthz (empty cache)",
                server.started_in,
                baseline=gnu.wall,
                note=f"poll {poll:g} s",
                cpu=server.cpu_at_start,
            )
        )
        figures.append(Figure("rss", "RSS after start", rss, unit="MB", note=f"peak {peak:.0f} MB"))

        po = root / "locales" / "es" / "LC_MESSAGES" / f"{slug}.po"
        one = timed(lambda: msgfmt([po]))
        path = f"/v1/pages/{slug}?locale=es"
        before = (server.state(), server.get(path), len(server.rebuilds()))
        change_catalog(po)
        seen, rebuilt = until_visible(server, path, before, po, timeout)
        figures.append(
            Figure(
                "reload_catalog",
                "one catalog changed: visible after write",
                seen,
                baseline=one.wall,
                note="÷ msgfmt of that file",
            )
        )
        figures.append(
            Figure("rebuild", "  of which rebuild (server log)", rebuilt, baseline=one.wall)
        )

        path = f"/v1/pages/{slug}?locale=vi"
        before = (server.state(), server.get(path), len(server.rebuilds()))
        ledger = revoke_title(root, slug, "vi")
        seen, rebuilt = until_visible(server, path, before, ledger, timeout)
        figures.append(Figure("reload_ledger", "one approval revoked: visible after write", seen))
        figures.append(Figure("rebuild_ledger", "  of which rebuild (server log)", rebuilt))
        rss_after = proc_status(server.proc.pid, "VmRSS")
        figures.append(
            Figure(
                "rss_after_reloads",
                "RSS after the two reloads",
                rss_after,
                unit="MB",
                note=f"peak {proc_status(server.proc.pid, 'VmHWM'):.0f} MB",
            )
        )

    if skip_slow:
        figures.append(Figure("start_warm", "start, warm cache", None, note="skipped"))
    else:
        with serving(root, cache, poll, timeout, work / "serve-2.log") as server:
            figures.append(
                Figure(
                    "start_warm",
                    "start, warm cache",
                    server.started_in,
                    baseline=gnu.wall,
                    note="the first start's cache, after its two reloads",
                    cpu=server.cpu_at_start,
                )
            )
    # coverage and check: each on an empty cache of its own, then both on the server's
    for name, command in (("coverage", ("coverage", "--format", "json")), ("check", ("check",))):
        label = f"clinic-l10n {' '.join(command)}"
        for warm in (False, True):
            key, row = (f"{name}_warm", f"  {name}, warm cache") if warm else (name, label)
            if skip_slow:
                figures.append(Figure(key, row, None, baseline=gnu.wall, note="skipped"))
                continue
            took, code = run_cli(root, cache if warm else work / f"cache-{name}", *command)
            note = f"exit {code}" if code else ("server's cache" if warm else "empty cache")
            figures.append(Figure(key, row, took.wall, baseline=gnu.wall, note=note, cpu=took.cpu))
    figures.insert(
        0,
        Figure(
            "msgfmt",
            f"msgfmt --statistics ({len(files)} processes)",
            gnu.wall,
            baseline=gnu.wall,
            cpu=gnu.cpu,
        ),
    )
    for f in figures:
        if f.cpu is not None:
            f.baseline_cpu = gnu.cpu
    result.load = (started_load, os.getloadavg()[0])
    return result


# --------------------------------------------------------------------------------------------
# Report


def _value(figure: Figure) -> str:
    if figure.value is None:
        return figure.note or "n/a"
    if figure.value != figure.value:  # NaN: nothing logged
        return "not logged"
    return f"{figure.value:.0f} MB" if figure.unit == "MB" else f"{figure.value:.2f}"


def report(result: Result) -> None:
    mb = ", ".join(f"{k} {v:.1f} MB" for k, v in result.megabytes.items())
    print(
        f"\n== {result.pages} pages: {result.catalogs} catalogs, {result.messages:,} translated "
        f"messages (msgfmt's count), {mb}; load average {result.load[0]:.1f} → "
        f"{result.load[1]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'figure':<46}{'seconds':>12}{'msgfmt s':>10}{'÷ msgfmt':>10}  {'goal':<10}"
        f"{'CPU s':>8}{'÷ msgfmt':>10}  note"
    )
    for f in result.figures:
        ratio = f.ratio
        value = _value(f)
        print(
            f"{f.label:<46}{value:>12}"
            f"{(f'{f.baseline:.2f}' if f.baseline is not None else '-'):>10}"
            f"{(f'{ratio:.2f}×' if ratio is not None and ratio == ratio else '-'):>10}  "
            f"{GOALS.get(f.key, ''):<10}"
            f"{(f'{f.cpu:.1f}' if f.cpu is not None else '-'):>8}"
            f"{(f'{f.cpu_ratio:.2f}×' if f.cpu_ratio is not None else '-'):>10}  "
            f"{f.note if f.value is not None else ''}"
        )
    print(
        json.dumps(
            {
                "pages": result.pages,
                "catalogs": result.catalogs,
                "messages": result.messages,
                "megabytes": {k: round(v, 1) for k, v in result.megabytes.items()},
                "load_average": list(result.load),
                "cpus": os.cpu_count(),
                "figures": {
                    f.key: {
                        # to the microsecond: a baseline of a few ms rounded to 1 ms is 10% off
                        "value": None
                        if f.value is None or f.value != f.value
                        else round(f.value, 6),
                        "unit": f.unit,
                        "baseline_s": None if f.baseline is None else round(f.baseline, 6),
                        "ratio": None
                        if f.ratio is None or f.ratio != f.ratio
                        else round(f.ratio, 3),
                        "cpu_s": None if f.cpu is None else round(f.cpu, 3),
                        "cpu_ratio": None if f.cpu_ratio is None else round(f.cpu_ratio, 3),
                        "goal": GOALS.get(f.key),
                        "note": f.note,
                    }
                    for f in result.figures
                },
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10, 1000])
    parser.add_argument(
        "--tree", type=Path, nargs="+", help="measure copies of these generated trees instead"
    )
    parser.add_argument(
        "--skip-slow",
        action="store_true",
        help="leave out what repeats a whole load: coverage, check and the second start",
    )
    parser.add_argument("--quick", action="store_true", help="one 3-page tree (a smoke test)")
    parser.add_argument("--poll", type=float, default=0.5, help="the server's --poll")
    args = parser.parse_args(argv)
    if not shutil.which("msgfmt"):
        raise SystemExit("GNU gettext (msgfmt) is needed: apt-get install gettext")
    if args.quick:
        args.pages, args.tree = [3], None

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        sources: list[Path] = [t.resolve() for t in args.tree or []]
        for pages in [] if args.tree else args.pages:
            out = work / f"gen-{pages}"
            started = time.perf_counter()
            print(f"generating a {pages}-page tree ...", file=sys.stderr, flush=True)
            build_tree(out, pages)
            print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            sources.append(out)
        print(
            "wall-clock seconds; ÷ msgfmt is ours ÷ msgfmt --statistics over the same catalogs "
            "(one process each, in sequence), same run"
        )
        # Each tree's copy and caches are deleted with the work folder, after the last tree: for
        # seconds after tens of thousands of files are deleted, creating files on this machine was
        # up to eight times slower, which the next tree's figures would have paid.
        for i, src in enumerate(sources):
            report(measure(src, work / f"run-{i}", args.poll, args.skip_slow))


if __name__ == "__main__":
    main()
