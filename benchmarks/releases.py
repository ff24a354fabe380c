"""Release benchmark: publishing and serving releases (issue 23), each figure beside a baseline of
the same run.

On a benchmarks/gen_tree.py tree (every msgstr filled and approved), copied first (every byte read
back, so every run starts from the page cache) and changed only in the copy:

  first      `clinic-l10n publish` with an empty release store and an empty build cache, beside
             `msgfmt --statistics -o /dev/null PO` once per catalog of the tree, in sequence;
  one page   one catalog msgstr changed (an `es` heading of one page) and approved by
             `clinic-l10n review approve`, then `clinic-l10n publish` timed (the build cache
             and store of the first publish, warm), beside msgfmt of that catalog; before the
             change, a publish that finds nothing new (what loading the tree costs);
  bytes      what that release added to the store (the sizes of the files it created), beside
             the page's bytes in every locale (the sum of every file the release holds for it:
             its published bodies, JSON, HTML and fragment, and its files of the static site,
             <locale>/<slug>/index.html and index.json; the stylesheet they link, one file for
             every page, is not the page's); the new files are told apart in the note;
  approval   a running `clinic-l10n serve --releases STORE` (it publishes what the tree allows,
             polling every 0.5 s): one catalog msgstr changed and left to be published as a
             draft (English shown in its place), then `clinic-l10n review approve` started:
             seconds from that start until the page's JSON serves the new msgstr, and the parts:
             the command until its ledger write (the file's mtime), the write until served, and
             the rebuild and publish the server logs ("reloaded in X s").

Each first publish has a new store and cache of its own (about 1 GB at 1,000 pages), all kept in
the temporary folder until the run ends. Each figure is measured `--rounds` times, a different page
each round, the baseline and our command back to back, each first in turn; the table gives medians
(ratios: the median of each round's ratio), the spread over the rounds, and the 1-minute load
average at the measurements (the machine may be shared). CPU time of the commands is beside the
wall-clock time where they ran in processes of their own.

With `--serve-against CHECKOUT` (a checkout of the code before releases, with its .venv), it also
runs benchmarks/serve.py of that checkout and of this one in turn (`--serve-runs` times each,
alternating which goes first) and sets their figures side by side: `serve` alone, no nginx.

    .venv/bin/python benchmarks/releases.py [--pages 1000] [--tree DIR] [--rounds 3] [--quick]
                                            [--serve-against DIR --serve-runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
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

from gen_tree import FOLDERS, LINGUISTS, build_tree
from scale import SERVE, catalogs, copy_tree, free_port, msgfmt, timed, with_cache

from service.release import ReleaseStore
from service.release.store import BODIES

REPO = Path(__file__).resolve().parent.parent
LOCALE = "es"
RELOADED = re.compile(r"reloaded in ([0-9.]+) s")
GOALS = {
    "approve_served": "≤ 2 s",
    "publish_one": "≤ 1 s",
    "first_publish": "≤ 1.0×",
    "bytes_one": "≤ 1.0×",
}
# A heading's one-line msgstr in a catalog gen_tree.py wrote (`#. heading (level 2)`): never
# safety-critical (one linguistic approval publishes it) and never a title (the lists stay).
HEADING = re.compile(r'^#\. heading[^\n]*\n(?:#[^\n]*\n)*msgid "[^\n]+"\nmsgstr "(.+)"$', re.M)


@dataclass
class Figure:
    """One row: our value each round, the baseline beside it that round (if any), and the load
    average when it was measured."""

    key: str
    label: str
    unit: str = "s"
    values: list[float] = field(default_factory=list)
    baselines: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self, value: float, baseline: float | None = None, cpu: float | None = None, note: str = ""
    ) -> None:
        self.values.append(value)
        if baseline is not None:
            self.baselines.append(baseline)
        if cpu is not None:
            self.cpus.append(cpu)
        if note:
            self.notes.append(note)
        self.loads.append(os.getloadavg()[0])

    @property
    def value(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def baseline(self) -> float | None:
        return statistics.median(self.baselines) if self.baselines else None

    @property
    def ratio(self) -> float | None:
        pairs = [v / b for v, b in zip(self.values, self.baselines, strict=False) if b]
        return statistics.median(pairs) if pairs else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.cpus else None

    @property
    def load(self) -> float | None:
        return statistics.median(self.loads) if self.loads else None


@dataclass
class Result:
    pages: int
    catalogs: int
    messages: int
    rounds: int
    figures: dict[str, Figure]
    store: dict[str, float] = field(default_factory=dict)  # the first release's size
    load: tuple[float, float] = (0.0, 0.0)


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("clinic-l10n")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "service.cli.main"]


def cli(root: Path, cache: Path, *args: str) -> str:
    """One `clinic-l10n` command on `root` with its build cache in `cache`; its output. Fails the
    benchmark if it fails."""
    done = subprocess.run(
        [*_cli(), "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=with_cache(cache),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"clinic-l10n {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done.stdout


def change_heading(po: Path, marker: str) -> str:
    """Append `marker` to the last heading's msgstr, written whole as an editor saves; returns
    the new msgstr."""
    text = po.read_text(encoding="utf-8")
    found = list(HEADING.finditer(text))
    if not found:
        raise SystemExit(f"{po}: no heading msgstr to change")
    m = found[-1]
    tmp = po.with_name(po.name + ".tmp")
    tmp.write_text(text[: m.end(1)] + marker + text[m.end(1) :], encoding="utf-8")
    os.replace(tmp, po)
    return m[1] + marker


def approve(root: Path, cache: Path, slug: str) -> Callable[[], subprocess.Popen[str]]:
    """A function starting `review approve` of everything ready in the page's `es` catalog."""
    command = [*_cli(), "--root", str(root), "review", "approve", LOCALE]
    command += ["--page", slug, "--reviewer", LINGUISTS[LOCALE], "--all"]

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=with_cache(cache),
        )

    return start


def approved(proc: subprocess.Popen[str]) -> None:
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0 or not re.search(r"^1 approved", out, re.M):
        raise SystemExit(
            f"review approve did not approve one text ({proc.returncode}):\n{out}{err}"
        )


def catalog_of(root: Path, slug: str) -> Path:
    return root / "locales" / FOLDERS[LOCALE] / "LC_MESSAGES" / f"{slug}.po"


def markers() -> Iterator[str]:
    """Letters only: a digit added to a translation would be a number the English lacks."""
    n = 0
    while True:
        n += 1
        word, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            word = chr(97 + r) + word
        yield f" (changed {word})"


def interleaved(round_: int, ours: Callable[[], None], baseline: Callable[[], None]) -> None:
    """Both, back to back, each first in turn."""
    for run in (ours, baseline) if round_ % 2 else (baseline, ours):
        run()


# --------------------------------------------------------------------------------------------
# The store


def objects(store: Path) -> dict[str, int]:
    """Every file of the store's objects, by name, with its size."""
    return {
        p.parent.name + p.name: p.stat().st_size
        for p in (store / "objects").glob("*/*")
        if p.is_file()
    }


def added_bytes(store: Path, before: dict[str, int], slug: str) -> tuple[int, int, str]:
    """(bytes of the files the last release added, the page's bodies in every locale in the
    store, what the added files are)."""
    after = objects(store)
    new = {sha: size for sha, size in after.items() if sha not in before}
    kept = ReleaseStore(store)
    head = kept.head()
    assert head is not None
    release = kept.release(head[1])
    versions = release.pages[slug]
    own = {  # the page's files of the static site, not the stylesheet every page links
        sha for loc, v in versions.items() for path, sha in v.files if path.startswith(f"{loc}/")
    }
    page = sum(after[v.body(kind)] for v in versions.values() for kind in BODIES)
    page += sum(after[sha] for sha in own)
    manifest = json.loads(kept.get(head[1]))
    kinds = {
        "bodies": {v.body(kind) for v in versions.values() for kind in BODIES},
        "static files": own,
        "snapshots": {v.snapshot for v in versions.values()},
        "page object": {manifest["domains"][slug]},
        "manifest": {head[1]},
        "lists": set(release.files.values()),
        "static lists": set(release.static.values()),
    }
    parts = []
    for kind, names in kinds.items():
        size = sum(new.pop(sha) for sha in names if sha in new)
        parts.append(f"{kind} {size / 1e3:.1f} kB")
    if new:
        parts.append(f"other {sum(new.values()) / 1e3:.1f} kB")
    return sum(after[sha] for sha in after if sha not in before), page, ", ".join(parts)


# --------------------------------------------------------------------------------------------
# The server


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
            return bytes(r.read())

    def release(self) -> int:
        return int(json.loads(self.get("/healthz"))["state"]["release"])

    def rebuilds(self) -> list[float]:
        return [float(s) for s in RELOADED.findall(self.log.read_text(errors="replace"))]


@contextmanager
def serving(root: Path, cache: Path, store: Path, timeout: float, log: Path) -> Iterator[Server]:
    """`clinic-l10n serve --releases STORE` (publishing) on a free port, with the service's log
    lines on `log`, once /healthz answers with the tree read (not `starting`)."""
    port = free_port()
    command = [sys.executable, "-c", SERVE, "--root", str(root), "serve", "--port", str(port)]
    command += ["--poll", "0.5", "--releases", str(store)]
    with log.open("wb") as err:
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env=with_cache(cache)
        )
    server = Server(proc, port, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise SystemExit(
                    f"the server exited ({proc.returncode}):\n{log.read_text()[-2000:]}"
                )
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer /healthz within {timeout:.0f} s")
            try:
                if json.loads(server.get("/healthz"))["status"] != "starting":
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def until(check: Callable[[], bool], timeout: float, what: str, pause: float = 0.02) -> float:
    """Poll `check` until true; returns time.time() then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.time()
        time.sleep(pause)
    raise SystemExit(f"not within {timeout:.0f} s: {what}")


# --------------------------------------------------------------------------------------------
# One tree


def measure(src: Path, work: Path, rounds: int) -> Result:
    load_before = os.getloadavg()[0]
    root = copy_tree(src, work / "tree")
    files = catalogs(root)
    slugs = sorted(p.stem for p in (root / "source_content" / "pages").glob("*.md"))
    rows = [
        ("msgfmt", f"msgfmt --statistics ({len(files)} processes)", "s"),
        ("first_publish", "first full publish (empty store and cache)", "s"),
        ("publish_nothing", "publish, nothing changed (warm cache)", "s"),
        ("publish_one", "publish after one page changed", "s"),
        ("bytes_one", "bytes added by that release", "B"),
        ("approve_served", "approval → published and served", "s"),
        ("approve_command", "  of which review approve until its write", "s"),
        ("write_served", "  of which its write until served", "s"),
        ("rebuild", "  of which rebuild and publish (server log)", "s"),
    ]
    figures = {key: Figure(key, label, unit) for key, label, unit in rows}
    messages = 0
    timeout = max(120.0, 0.5 * len(slugs))

    # 1. The first full publish, a new empty store and cache each round; the last round's are
    # used next. None is deleted before the run ends: for seconds after a tree of tens of
    # thousands of files is deleted, creating files on this machine was up to eight times slower,
    # which the next round's publish would have paid.
    for i in range(rounds):
        store, cache = work / f"store-{i}", work / f"cache-{i}"
        gnu = ours = timed(lambda: None)

        def baseline() -> None:
            nonlocal gnu, messages

            def run() -> None:
                nonlocal messages
                messages = msgfmt(files)

            gnu = timed(run)

        def first() -> None:
            nonlocal ours
            ours = timed(lambda: cli(root, cache, "publish", "--releases", str(store)))  # noqa: B023

        interleaved(i, first, baseline)
        figures["msgfmt"].add(gnu.wall, gnu.wall, gnu.cpu)
        figures["first_publish"].add(ours.wall, gnu.wall, ours.cpu)
    sizes = objects(store)
    stored = {"objects": len(sizes), "megabytes": sum(sizes.values()) / 1e6}

    # 2. One page changed and approved, then published.
    marks = markers()
    for i in range(rounds):
        slug = slugs[(1 + i) % len(slugs)]
        po = catalog_of(root, slug)
        nothing = timed(lambda: cli(root, cache, "publish", "--releases", str(store)))
        change_heading(po, next(marks))
        approved(approve(root, cache, slug)())
        before = objects(store)
        one = ours = timed(lambda: None)

        def baseline_one() -> None:
            nonlocal one
            one = timed(lambda: msgfmt([po]))  # noqa: B023 (called within the round)

        def publish_one() -> None:
            nonlocal ours
            ours = timed(lambda: cli(root, cache, "publish", "--releases", str(store)))

        interleaved(i, publish_one, baseline_one)
        figures["publish_nothing"].add(nothing.wall, one.wall, nothing.cpu)
        figures["publish_one"].add(ours.wall, one.wall, ours.cpu)
        added, page, parts = added_bytes(store, before, slug)
        figures["bytes_one"].add(added, page, note=parts)

    # 3. Approval → published and served, by a running server.
    with serving(root, cache, store, timeout, work / "serve.log") as server:
        for i in range(rounds):
            slug = slugs[(1 + rounds + i) % len(slugs)]
            po, path = catalog_of(root, slug), f"/v1/pages/{slug}?locale={LOCALE}"
            one = timed(lambda: msgfmt([po]))  # noqa: B023 (called at once)
            published, drafts = server.release(), len(server.rebuilds())
            msgstr = change_heading(po, next(marks))
            until(lambda: server.release() > published, timeout, "the draft published")  # noqa: B023
            # the server logs a rebuild after swapping it in: the draft's line first, then count
            until(lambda: len(server.rebuilds()) > drafts, 10, "the draft's rebuild logged")  # noqa: B023
            logged = len(server.rebuilds())
            start = approve(root, cache, slug)
            started = time.time()
            proc = start()
            needle = json.dumps(msgstr, ensure_ascii=False)[1:-1].encode()
            seen = until(lambda: needle in server.get(path), timeout, f"{slug} served")  # noqa: B023
            approved(proc)
            written = (root / "locales" / FOLDERS[LOCALE] / "reviews" / f"{slug}.yaml").stat()
            # and the approval's line, which may come after its page is seen
            until(lambda: len(server.rebuilds()) > logged, 10, "the rebuild logged")  # noqa: B023
            rebuilt = server.rebuilds()[logged:]
            figures["approve_served"].add(seen - started, one.wall)
            figures["approve_command"].add(written.st_mtime - started)
            figures["write_served"].add(seen - written.st_mtime)
            figures["rebuild"].add(sum(rebuilt) if rebuilt else float("nan"))

    return Result(
        len(slugs), len(files), messages, rounds, figures, stored, (load_before, os.getloadavg()[0])
    )


# --------------------------------------------------------------------------------------------
# serve.py, this checkout beside the one before releases


def serve_runs(old: Path, runs: int, seconds: int) -> dict[str, list[dict[str, object]]]:
    """benchmarks/serve.py of each checkout (with its own .venv), `runs` times each, in turn;
    each run's JSON report with the load average before it."""
    found: dict[str, list[dict[str, object]]] = {"before": [], "releases": []}
    checkouts = {"before": old.resolve(), "releases": REPO}
    for i in range(runs):
        for name in ("before", "releases") if i % 2 == 0 else ("releases", "before"):
            where = checkouts[name]
            print(f"serve.py of {name} ({where}), run {i + 1}", file=sys.stderr, flush=True)
            load = os.getloadavg()[0]
            options = ("--seconds", str(seconds), "--rounds", "2")
            done = subprocess.run(
                [str(where / ".venv" / "bin" / "python"), "benchmarks/serve.py", *options],
                cwd=where,
                env={**os.environ, "PYTHONPATH": str(where)},
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"serve.py of {name} failed:\n{done.stderr[-3000:]}")
            report = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("{")))
            found[name].append({"load": load, **report})
    return found


def serve_report(found: dict[str, list[dict[str, object]]]) -> list[dict[str, object]]:
    def rows(name: str) -> dict[tuple[str, int], list[dict[str, float]]]:
        out: dict[tuple[str, int], list[dict[str, float]]] = {}
        for run in found[name]:
            for row in run["rows"]:  # type: ignore[attr-defined]
                out.setdefault((row["mix"], row["workers"]), []).append(row)
        return out

    before, after = rows("before"), rows("releases")
    loads = {n: [float(r["load"]) for r in found[n]] for n in found}  # type: ignore[arg-type]
    print(
        "\n== serve alone (benchmarks/serve.py, no nginx): before releases (b6d661f) and now, "
        f"{len(found['before'])} run(s) each, in turn; load average before each run: before "
        f"{', '.join(f'{x:.1f}' for x in loads['before'])}; now "
        f"{', '.join(f'{x:.1f}' for x in loads['releases'])}"
    )
    print(
        f"{'mix':<16}{'workers':>8}{'rps before':>12}{'rps now':>10}{'now÷bef':>9}"
        f"{'÷bare bef':>11}{'÷bare now':>11}{'p99 bef':>9}{'p99 now':>9}{'p99÷bare':>10}{'now':>6}"
        f"{'CPU µs bef':>12}{'CPU µs now':>12}  spread of ÷bare (now)"
    )
    out = []
    for (mix, workers), olds in before.items():
        news = after.get((mix, workers), [])
        if not news:
            continue

        def med(rs: list[dict[str, float]], key: str) -> float:
            return float(statistics.median(float(r[key]) for r in rs))

        row = {
            "mix": mix,
            "workers": workers,
            "rps_before": med(olds, "ours_rps"),
            "rps_now": med(news, "ours_rps"),
            "bare_ratio_before": med(olds, "rps_ratio"),
            "bare_ratio_now": med(news, "rps_ratio"),
            "p99_before_ms": med(olds, "ours_p99_ms"),
            "p99_now_ms": med(news, "ours_p99_ms"),
            "p99_bare_ratio_before": med(olds, "p99_ratio"),
            "p99_bare_ratio_now": med(news, "p99_ratio"),
            "cpu_us_before": med(olds, "ours_cpu_us_per_request"),
            "cpu_us_now": med(news, "ours_cpu_us_per_request"),
            "bare_ratios_now": [r["rps_ratio"] for r in news],
            "bare_ratios_before": [r["rps_ratio"] for r in olds],
            "errors": sum(int(r["errors"]) for r in olds + news),
        }
        out.append(row)
        spread = [float(x) for x in row["bare_ratios_now"]]  # type: ignore[attr-defined]
        print(
            f"{mix:<16}{workers:>8}{row['rps_before']:>12.0f}{row['rps_now']:>10.0f}"
            f"{float(row['rps_now']) / float(row['rps_before']):>8.2f}×"  # type: ignore[arg-type]
            f"{row['bare_ratio_before']:>11.2f}{row['bare_ratio_now']:>11.2f}"
            f"{row['p99_before_ms']:>9.2f}{row['p99_now_ms']:>9.2f}"
            f"{row['p99_bare_ratio_before']:>10.2f}{row['p99_bare_ratio_now']:>6.2f}"
            f"{row['cpu_us_before']:>12.0f}{row['cpu_us_now']:>12.0f}  "
            f"{min(spread):.2f}–{max(spread):.2f}"
        )
    return out


# --------------------------------------------------------------------------------------------
# Report


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if value != value:  # NaN: nothing logged
        return "not logged"
    return f"{value / 1e3:.1f} kB" if unit == "B" else f"{value:.2f}"


def report(result: Result, serve: list[dict[str, object]] | None) -> None:
    print(
        f"\n== {result.pages} pages: {result.catalogs} catalogs, {result.messages:,} translated "
        f"messages (msgfmt's count); first release {result.store['objects']:.0f} files, "
        f"{result.store['megabytes']:.1f} MB; {result.rounds} round(s); load average "
        f"{result.load[0]:.1f} → {result.load[1]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'figure':<46}{'value':>10}{'baseline':>10}{'ratio':>10}  {'goal':<8}{'spread':>18}"
        f"{'CPU s':>7}{'load':>6}  baseline; note"
    )
    baselines = {
        "first_publish": "msgfmt, every catalog",
        "msgfmt": "",
        "publish_nothing": "msgfmt, that catalog",
        "publish_one": "msgfmt, that catalog",
        "bytes_one": "the page's bodies and files, every locale",
        "approve_served": "msgfmt, that catalog",
    }
    for f in result.figures.values():
        spread = (
            f"{_shown(min(f.values), f.unit)}–{_shown(max(f.values), f.unit)}"
            if len(f.values) > 1
            else ""
        )
        note = f"last round: {f.notes[-1]}" if f.notes else ""
        print(
            f"{f.label:<46}{_shown(f.value, f.unit):>10}{_shown(f.baseline, f.unit):>10}"
            f"{(f'{f.ratio:.2f}×' if f.ratio is not None else '-'):>10}  "
            f"{GOALS.get(f.key, ''):<8}{spread:>18}"
            f"{(f'{f.cpu:.1f}' if f.cpu is not None else '-'):>7}"
            f"{(f'{f.load:.1f}' if f.load is not None else '-'):>6}  "
            f"{baselines.get(f.key, '')}{'; ' + note if note else ''}"
        )

    def num(x: float | None, digits: int = 6) -> float | None:
        return None if x is None or x != x else round(x, digits)

    print(
        json.dumps(
            {
                "pages": result.pages,
                "catalogs": result.catalogs,
                "messages": result.messages,
                "rounds": result.rounds,
                "first_release": result.store,
                "load_average": list(result.load),
                "cpus": os.cpu_count(),
                "figures": {
                    f.key: {
                        "value": num(f.value),
                        "unit": f.unit,
                        "baseline": num(f.baseline),
                        "ratio": num(f.ratio, 3),
                        "values": [num(v) for v in f.values],
                        "baselines": [num(b) for b in f.baselines],
                        "cpu_s": num(f.cpu, 3),
                        "load": num(f.load, 2),
                        "loads": f.loads,
                        "goal": GOALS.get(f.key),
                        "notes": f.notes,
                    }
                    for f in result.figures.values()
                },
                "serve": serve,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--tree", type=Path, help="measure a copy of this generated tree instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="a 3-page tree, 2 rounds (a smoke test)"
    )
    parser.add_argument(
        "--serve-against",
        type=Path,
        metavar="CHECKOUT",
        help="also run benchmarks/serve.py of this checkout (before releases) and of this one",
    )
    parser.add_argument("--serve-runs", type=int, default=2)
    parser.add_argument("--serve-seconds", type=int, default=5)
    parser.add_argument(
        "--serve-only",
        action="store_true",
        help="only the serve.py comparison (with --serve-against)",
    )
    args = parser.parse_args(argv)
    if not shutil.which("msgfmt"):
        raise SystemExit("GNU gettext (msgfmt) is needed: apt-get install gettext")
    if args.quick:
        args.pages, args.tree, args.rounds = 3, None, 2
    print(
        "wall-clock seconds; medians over the rounds; ratio: the median of each round's ours ÷ "
        "baseline; load: the 1-minute load average at the measurements"
    )
    result = None
    with tempfile.TemporaryDirectory(prefix="bench-releases-") as tmp:
        work = Path(tmp)
        if not args.serve_only:
            src = args.tree.resolve() if args.tree else work / "gen"
            if not args.tree:
                print(f"generating a {args.pages}-page tree ...", file=sys.stderr, flush=True)
                build_tree(src, args.pages)
            result = measure(src, work / "run", args.rounds)
    serve = None
    if args.serve_against:
        serve = serve_report(serve_runs(args.serve_against, args.serve_runs, args.serve_seconds))
    if result is not None:
        report(result, serve)
    elif serve is not None:
        print(json.dumps({"serve": serve}, ensure_ascii=False))


if __name__ == "__main__":
    main()
