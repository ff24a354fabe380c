"""Cold benchmark: issue 22's two figures against msgfmt, in interleaved rounds.

benchmarks/scale.py measures each figure once; a baseline of thousands of short processes moves
with the machine's load more than one long command does, so one round's ratio can flatter or
wrong either. Here, on a copy of a benchmarks/gen_tree.py tree, each round runs back to back:

  baseline  `msgfmt --statistics -o /dev/null PO` once per catalog, in sequence (scale.py's);
  check     `clinic-l10n check` with a build cache of its own, empty;
  start     `clinic-l10n serve` with an empty build cache and an empty release store, from spawn
            until GET /healthz answers 200 (it publishes the first release before it serves);
  restart   `clinic-l10n serve` with an empty build cache on a release store that holds the
            tree's release (published once before the rounds, untimed): from spawn until GET
            /healthz answers 200 (`starting`: the release is served, the tree is being read),
            and until it answers with the tree read (`ok`); nothing new is published;

in another order each round (the baseline first, then last, then in the middle, and so on), each
round with caches and stores of its own, all deleted after the last round (see `rounds`; about
1.5 GB a round at 1,000 pages, in the temporary folder). The
table gives, for each figure, the median of its value and of the rounds' ratios (each ratio over
that round's baseline), the spread of the ratios, CPU seconds (of the command; of the server until
it answered) and the 1-minute load average at each round.

    .venv/bin/python benchmarks/cold.py --tree DIR [--rounds 3] [--poll 0.5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from gen_tree import build_tree
from scale import Server, Timing, catalogs, copy_tree, msgfmt, run_cli, serving, timed

GOAL = "≤ 1.0×"
LABELS = {
    "msgfmt": "msgfmt --statistics, every catalog",
    "check": "clinic-l10n check (empty cache)",
    "start": "cold start until /healthz (empty cache and store)",
    "restart": "restart until /healthz (empty cache; a release)",
    "restart-read": "restart until the tree is read (same start)",
}


def rounds(root: Path, work: Path, count: int, poll: float) -> dict[str, list[tuple[float, ...]]]:
    """Each figure's (wall, CPU, load) per round, in round order."""
    files = catalogs(root)
    timeout = max(60.0, 0.2 * len(files))
    found: dict[str, list[tuple[float, ...]]] = {key: [] for key in LABELS}

    def baseline() -> Timing:
        return timed(lambda: msgfmt(files))

    def check(n: int) -> Timing:
        took, code = run_cli(root, work / f"cache-check-{n}", "check")
        if code not in (0, 1):  # 1: findings; the figure is the time either way
            raise SystemExit(f"clinic-l10n check exited {code}")
        return took

    def start(n: int, store: Path, name: str) -> Server:
        os.environ["CLINIC_L10N_RELEASES"] = str(store)
        try:
            with serving(root, work / f"cache-{name}-{n}", poll, timeout, work / "serve.log") as s:
                return s
        finally:
            del os.environ["CLINIC_L10N_RELEASES"]

    def first(n: int) -> dict[str, Timing]:
        s = start(n, work / f"releases-{n}", "start")
        return {"start": Timing(s.started_in, s.cpu_at_start)}

    published = work / "releases-restart"
    _, code = run_cli(root, work / "cache-publish", "publish", "--releases", str(published))
    if code != 0:
        raise SystemExit(f"clinic-l10n publish exited {code}")

    def restart(n: int) -> dict[str, Timing]:
        s = start(n, published, "restart")
        # No CPU figure: the tree is read by workers a forkserver starts (threads run in the
        # server), which the server has not reaped when it answers, so their CPU is not counted.
        return {
            "restart": Timing(s.answered_in, float("nan")),
            "restart-read": Timing(s.started_in, float("nan")),
        }

    for n in range(count):
        runs: list[Callable[[], dict[str, Timing]]] = [
            lambda: {"msgfmt": baseline()},
            lambda n=n: {"check": check(n)},
            lambda n=n: first(n),
            lambda n=n: restart(n),
        ]
        shift = n % len(runs)
        for run in runs[shift:] + runs[:shift]:
            for key, took in run().items():
                found[key].append((took.wall, took.cpu, os.getloadavg()[0]))
    # The rounds' caches and stores (gigabytes at 1,000 pages) are deleted only now, with the
    # work folder: for seconds after a tree of tens of thousands of files is deleted, creating
    # files on this machine was up to eight times slower (0.4-0.5 ms, not 0.06 ms), which the
    # next round's publish would have paid.
    return found


def report(found: dict[str, list[tuple[float, ...]]], pages: int, catalog_count: int) -> None:
    base = [wall for wall, _, _ in found["msgfmt"]]
    print(
        f"== {pages} pages, {catalog_count} catalogs; {len(base)} round(s) on "
        f"{os.cpu_count()} CPUs; ratio: the median of the rounds' ours ÷ that round's msgfmt"
    )
    print(f"{'figure':<52}{'s':>8}{'ratio':>8}  {'goal':<8}{'rounds':>22}{'CPU s':>8}  load")
    out = {}
    for key, label in LABELS.items():
        walls = [wall for wall, _, _ in found[key]]
        ratios = [wall / b for wall, b in zip(walls, base, strict=True)]
        cpu = statistics.median(c for _, c, _ in found[key])
        loads = [load for _, _, load in found[key]]
        spread = ", ".join(f"{r:.2f}" for r in ratios)
        print(
            f"{label:<52}{statistics.median(walls):>8.2f}{statistics.median(ratios):>7.2f}×  "
            f"{GOAL if key != 'msgfmt' else '':<8}{spread:>22}{cpu:>8.1f}  "
            f"{min(loads):.1f}–{max(loads):.1f}"
        )
        out[key] = {"seconds": walls, "ratios": [round(r, 3) for r in ratios], "cpu_s": cpu}
    print(json.dumps({"pages": pages, "catalogs": catalog_count, "figures": out}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tree", type=Path, help="a generated tree (copied first)")
    parser.add_argument("--pages", type=int, default=1000, help="without --tree: generate one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.5, help="the server's --poll")
    parser.add_argument("--quick", action="store_true", help="a 3-page tree, 2 rounds")
    args = parser.parse_args()
    if not shutil.which("msgfmt"):
        raise SystemExit("GNU gettext (msgfmt) is needed: apt-get install gettext")
    if args.quick:
        args.tree, args.pages, args.rounds = None, 3, 2
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        work = Path(tmp)
        if args.tree is None:
            print(f"generating a {args.pages}-page tree ...", file=sys.stderr, flush=True)
            build_tree(work / "generated", args.pages)
            source = work / "generated"
        else:
            source = args.tree.resolve()
        root = copy_tree(source, work / "tree")
        pages = len(list((root / "source_content" / "pages").glob("*.md")))
        found = rounds(root, work, args.rounds, args.poll)
        report(found, pages, len(catalogs(root)))


if __name__ == "__main__":
    main()
