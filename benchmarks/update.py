"""Update benchmark: `clinic-l10n update` against a loop of `msgmerge --previous`, same tree, same run.

Builds a fully translated tree with benchmarks/gen_tree.py (or reuses one, `--tree DIR`), changes one
word (sometimes a number) in 5 % of its paragraphs, runs `clinic-l10n extract`, then times on
identical copies of that tree:

  (a) `clinic-l10n update`: one command, as a user runs it (it spreads the pages over the cores,
      so its CPU time, shown beside, is the figure to compare for one core);
  (b) `msgmerge --update --backup=none --previous --width=79 PO POT`, one process per catalog in
      sequence: what a Makefile loop or a translator's tooling does (it too writes only what changed);
  (c) `msgfmt --statistics -o /dev/null PO`, one process per catalog: a second baseline, the cost of
      reading every catalog once with GNU gettext.

Every copy is fresh, its files just written (so in the page cache), and by default each command runs
once untimed before the timed rounds; with `--repeat N` the best of N alternating rounds is shown.
Wall-clock time is the figure; the CPU time of the processes each command ran is shown beside it,
since on a shared machine it moves less with other load.
Review ledgers are left out of the copies: msgmerge reads none, and `update`'s translation memory,
which would, has nothing to fill in a translated tree (it reads no ledger then). Ratios are msgmerge ÷ ours (the
goal is ≥ 10) and msgfmt --statistics ÷ ours.

Then one large catalog (benchmarks/large_merge.py): `clinic-l10n po merge` of GNU git's German
catalog (5,819 messages) against `msgmerge --previous`, in --large-rounds interleaved rounds (0
leaves it out; --large-only runs nothing else; --large-pair git-fr, vim-de or vim-fr for another).

    .venv/bin/python benchmarks/update.py [--pages 1000] [--tree DIR] [--repeat 1] [--no-warmup]
        [--large-rounds 5] [--large-only] [--large-pair git-de]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from gen_tree import ADJECTIVES, ADVERBS, GNU_ENV, NOUNS, VERBS, build_tree, clinic_l10n
from large_merge import PAIRS, measure, report

_WORD = re.compile(r"(?<![\w/.#%*\[-])[a-z]{4,}(?![\w/.-])")
_INTEGER = re.compile(r"(?<= )\d+(?= )")
_CLASSES = (NOUNS, ADJECTIVES, VERBS, ADVERBS)


@dataclass(frozen=True)
class Edit:
    page: str
    before: str
    after: str


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each paragraph of a page's body, critical ones included."""
    body = text.index("\n---\n", 4) + 5
    found = []
    for m in re.finditer(r"(?:^.+\n)+", text[body:], re.M):
        block = m.group(0)
        start, end = body + m.start(), body + m.end()
        if block.startswith("::: "):
            first = block.index("\n") + 1
            start, end = start + first, end - len(":::\n")
        elif block.startswith(("#", "- ", "* ", "+ ", ">")):
            continue
        found.append((start, end))
    return found


def _change(block: str, rng: random.Random) -> tuple[str, str, str]:
    """One word of `block` swapped for another of its kind, or (one time in five) a number
    changed; returns (new block, what was there, what is there now)."""
    numbers = list(_INTEGER.finditer(block))
    if numbers and rng.random() < 0.2:
        m = rng.choice(numbers)
        new = str(int(m.group(0)) + rng.randrange(1, 9))
        return block[: m.start()] + new + block[m.end() :], m.group(0), new
    words = [m for m in _WORD.finditer(block) if any(m.group(0) in c for c in _CLASSES)]
    m = rng.choice(words)
    kind = next(c for c in _CLASSES if m.group(0) in c)
    new = rng.choice([w for w in kind if w != m.group(0) and len(w) >= 4])
    return block[: m.start()] + new + block[m.end() :], m.group(0), new


def edit_pages(root: Path, fraction: float = 0.05, seed: int = 7) -> tuple[list[Edit], int]:
    """Change `fraction` of all paragraphs of the tree's pages (deterministically); returns the
    edits and the number of paragraphs there were."""
    rng = random.Random(seed)
    pages = sorted((root / "source_content" / "pages").glob("*.md"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    every = [(p, i) for p in pages for i in range(len(_paragraphs(texts[p])))]
    chosen = sorted(rng.sample(every, max(1, round(fraction * len(every)))), reverse=True)
    edits = []
    for path, index in chosen:  # last paragraph of a page first, so earlier offsets hold
        text = texts[path]
        start, end = _paragraphs(text)[index]
        block, before, after = _change(text[start:end], rng)
        texts[path] = text[:start] + block + text[end:]
        edits.append(Edit(path.stem, before, after))
    for path in {p for p, _ in chosen}:
        path.write_text(texts[path], encoding="utf-8")
    return edits, len(every)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("reviews", "*.mo"))
    for path in dst.rglob("*"):  # read back: every byte the tools will read is in the page cache
        if path.is_file():
            path.read_bytes()
    return dst


def _catalog_pairs(root: Path) -> list[tuple[Path, Path]]:
    """(catalog, template) for every enabled locale and every template, as `update` walks them."""
    config = yaml.safe_load((root / "l10n.yaml").read_text(encoding="utf-8"))
    templates = sorted((root / "locales" / "templates").glob("*.pot"))
    return [
        (root / "locales" / tag.replace("-", "_") / "LC_MESSAGES" / f"{pot.stem}.po", pot)
        for tag in config["locales"]
        for pot in templates
    ]


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("clinic-l10n")
    return (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from service.cli.main import main; main()"]
    )


def run_ours(root: Path) -> int:
    """`clinic-l10n update`; returns how many catalogs it wrote."""
    done = subprocess.run(
        [*_cli(), "--root", str(root), "update"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"clinic-l10n update failed:\n{done.stderr[-2000:]}")
    return sum(line.startswith(("updated", "created")) for line in done.stdout.splitlines())


def run_msgmerge(root: Path) -> int:
    """msgmerge once per catalog, in sequence; returns how many catalogs it wrote."""
    written = 0
    for po, pot in _catalog_pairs(root):
        before = po.stat().st_mtime_ns
        subprocess.run(
            [
                "msgmerge",
                "--quiet",
                "--update",
                "--backup=none",
                "--previous",
                "--width=79",
                str(po),
                str(pot),
            ],
            env=GNU_ENV,
            check=True,
        )
        written += po.stat().st_mtime_ns != before
    return written


def run_msgfmt_statistics(root: Path) -> int:
    for po, _ in _catalog_pairs(root):
        subprocess.run(
            ["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
            env=GNU_ENV,
            check=True,
            capture_output=True,
        )
    return 0


def _fuzzy(root: Path) -> int:
    return sum(
        len(re.findall(r"^#, .*\bfuzzy\b", po.read_text(encoding="utf-8"), re.M))
        for po, _ in _catalog_pairs(root)
    )


def _entries(po: bytes) -> bytes:
    """A catalog without its header entry (msgmerge orders header fields its own way)."""
    return po.split(b"\n\n", 1)[-1]


def _previous(po: bytes) -> list[bytes]:
    """The previous English (`#|` lines) of each fuzzy entry, as written."""
    return re.findall(rb"(?:^#\| .*\n)+", po, re.M)


def _messages(root: Path) -> int:
    """Messages of every template (headers aside), once per enabled locale."""
    per_locale = sum(
        len(re.findall(r"^msgid ", pot.read_text(encoding="utf-8"), re.M)) - 1
        for pot in (root / "locales" / "templates").glob("*.pot")
    )
    config = yaml.safe_load((root / "l10n.yaml").read_text(encoding="utf-8"))
    return per_locale * len(config["locales"])


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(run: Callable[[Path], int], root: Path) -> tuple[float, float, int]:
    """(wall-clock seconds, CPU seconds of the processes it ran, catalogs written)."""
    started, cpu = time.perf_counter(), _cpu()
    written = run(root)
    return time.perf_counter() - started, _cpu() - cpu, written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument(
        "--tree", type=Path, help="reuse this generated tree (built there first if missing)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed rounds; the best is shown")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false")
    parser.add_argument("--fraction", type=float, default=0.05, help="share of paragraphs edited")
    parser.add_argument("--seed", type=int, default=7, help="which paragraphs are edited")
    parser.add_argument("--large-rounds", type=int, default=5, help="0: no large catalog")
    parser.add_argument("--large-only", action="store_true", help="only the large catalog")
    parser.add_argument("--large-pair", choices=sorted(PAIRS), default="git-de")
    args = parser.parse_args(argv)
    if not shutil.which("msgmerge") or not shutil.which("msgfmt"):
        raise SystemExit("GNU gettext (msgmerge, msgfmt) is needed: apt-get install gettext")
    if not args.large_only:
        _tree_figures(args)
    if args.large_rounds > 0:
        print(report(measure(args.large_pair, args.large_rounds)))


def _tree_figures(args: argparse.Namespace) -> None:

    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp:
        work = Path(tmp)
        base = args.tree.resolve() if args.tree else work / "base"
        if not (base / "l10n.yaml").exists():
            started = time.perf_counter()
            print(f"generating a {args.pages}-page tree in {base} ...", file=sys.stderr)
            build_tree(base, args.pages, log=True)
            print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        pages = len(list((base / "source_content" / "pages").glob("*.md")))

        edited = _copy(base, work / "edited")
        edits, paragraphs = edit_pages(edited, args.fraction, args.seed)
        extracted = clinic_l10n(edited, "extract")
        templates_changed = sum(line.startswith("wrote") for line in extracted.splitlines())
        pairs = _catalog_pairs(edited)
        messages = _messages(edited)

        sides: dict[str, Callable[[Path], int]] = {
            "ours": run_ours,
            "msgmerge": run_msgmerge,
            "msgfmt --statistics": run_msgfmt_statistics,
        }
        if args.warmup:
            for name, run in sides.items():
                copy = _copy(edited, work / f"warm-{name.split()[0]}")
                run(copy)
                shutil.rmtree(copy)
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in sides}
        last: dict[str, Path] = {}
        for round_ in range(args.repeat):  # alternate, so drift in the machine hits all alike
            for name, run in sides.items():
                copy = _copy(edited, work / f"r{round_}-{name.split()[0]}")
                results[name].append(_timed(run, copy))
                if name in last:
                    shutil.rmtree(last[name])
                last[name] = copy

        best = {name: min(runs) for name, runs in results.items()}
        ours, gnu = last["ours"], last["msgmerge"]
        outputs = [
            (
                (ours / po.relative_to(edited)).read_bytes(),
                (gnu / po.relative_to(edited)).read_bytes(),
            )
            for po, _ in pairs
        ]
        same = sum(a == b for a, b in outputs)
        same_entries = sum(_entries(a) == _entries(b) for a, b in outputs)
        with_fuzzy = [(a, b) for a, b in outputs if _previous(b)]
        same_previous = sum(_previous(a) == _previous(b) for a, b in with_fuzzy)
        expected = templates_changed * len({po.parent for po, _ in pairs})
        t_ours, c_ours, w_ours = best["ours"]
        t_gnu, c_gnu, w_gnu = best["msgmerge"]
        t_stat, c_stat, _ = best["msgfmt --statistics"]

        print(
            f"tree: {pages} pages, {len(pairs)} catalogs, {messages:,} messages; edited "
            f"{len(edits)} of {paragraphs:,} paragraphs ({args.fraction:.0%}): extract rewrote "
            f"{templates_changed} templates, so {expected} catalogs have changed English"
        )
        print(
            f"{'warm-up run of each, then ' if args.warmup else ''}"
            f"{args.repeat} timed round(s), best shown; wall-clock seconds, same machine, same run"
        )
        print(f"{'command':<50}{'seconds':>9}{'÷ ours':>8}{'CPU s':>9}{'÷ ours':>8}{'written':>9}")
        rows = [
            (
                f"(a) clinic-l10n update (1 command, {os.cpu_count()} cores)",
                t_ours,
                c_ours,
                str(w_ours),
            ),
            (f"(b) msgmerge --previous ({len(pairs)} processes)", t_gnu, c_gnu, str(w_gnu)),
            (f"(c) msgfmt --statistics ({len(pairs)} processes)", t_stat, c_stat, "-"),
        ]
        for label, seconds, cpu, written in rows:
            print(
                f"{label:<50}{seconds:>9.2f}{seconds / t_ours:>8.2f}{cpu:>9.2f}"
                f"{cpu / c_ours:>8.2f}{written:>9}"
            )
        print(
            f"ratio msgmerge ÷ ours: {t_gnu / t_ours:.2f} (goal ≥ 10); "
            f"msgfmt --statistics ÷ ours: {t_stat / t_ours:.2f} (CPU time: "
            f"{c_gnu / c_ours:.2f} and {c_stat / c_ours:.2f}; load average at the end "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        print(
            f"fuzzy entries after update: ours {_fuzzy(ours)}, msgmerge {_fuzzy(gnu)}; "
            f"byte-identical catalogs: {same} of {len(pairs)}, identical but for the header: "
            f"{same_entries}; previous English (#|) as msgmerge writes it: {same_previous} of "
            f"{len(with_fuzzy)} catalogs with fuzzy entries"
        )
        print(
            json.dumps(
                {
                    "pages": pages,
                    "catalogs": len(pairs),
                    "messages": messages,
                    "edited_paragraphs": len(edits),
                    "catalogs_with_changed_english": expected,
                    "ours_s": round(t_ours, 3),
                    "msgmerge_s": round(t_gnu, 3),
                    "msgfmt_statistics_s": round(t_stat, 3),
                    "ratio_msgmerge_over_ours": round(t_gnu / t_ours, 3),
                    "ratio_msgfmt_statistics_over_ours": round(t_stat / t_ours, 3),
                    "ours_cpu_s": round(c_ours, 3),
                    "msgmerge_cpu_s": round(c_gnu, 3),
                    "msgfmt_statistics_cpu_s": round(c_stat, 3),
                    "cpu_ratio_msgmerge_over_ours": round(c_gnu / c_ours, 3),
                    "ours_written": w_ours,
                    "msgmerge_written": w_gnu,
                    "identical_catalogs": same,
                    "identical_but_header": same_entries,
                    "same_previous_msgids": same_previous,
                    "catalogs_with_fuzzy": len(with_fuzzy),
                    "repeat": args.repeat,
                    "warmup": args.warmup,
                }
            )
        )


if __name__ == "__main__":
    main()
