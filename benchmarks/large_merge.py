"""One large catalog: `clinic-l10n po merge OLD NEW` against `msgmerge --previous OLD NEW`.

benchmarks/update.py prints this figure after its tree figures (or alone, with --large-only).
The pair is real: GNU git's German catalog of 2023-05 (5,515 messages) and a template of its
2025-05 messages (5,819), from tests/corpus/merge/git-5eaa0279/ (the corpus README says how the
template was made); Vim's pairs are beside it. Both sides run as a user runs them, one process
each (start-up included: msgmerge's is a few milliseconds, ours a Python interpreter's), in
interleaved rounds after one untimed run of each, so that drift in the machine hits both alike.
Shown: the median and the spread (fastest–slowest) of each, the ratio of the medians (the goal is
≤ 2), the CPU time, the load average, and whether both wrote the same catalog but for the
pairings the default matcher refuses (it is compared with msgmerge entry for entry in
tests/test_po_merge.py; here only the count of fuzzy entries is shown).
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PAIRS", "LargeMerge", "measure", "report"]

_CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "merge"
PAIRS = {
    "git-de": (
        _CORPUS / "git-5eaa0279" / "git-de-old.po",
        _CORPUS / "git-5eaa0279" / "git-de-new.pot",
    ),
    "git-fr": (
        _CORPUS / "git-5eaa0279" / "git-fr-old.po",
        _CORPUS / "git-5eaa0279" / "git-fr-new.pot",
    ),
    "vim-de": (
        _CORPUS / "vim-e978b453" / "vim-de-old.po",
        _CORPUS / "vim-e978b453" / "vim-new.pot",
    ),
    "vim-fr": (
        _CORPUS / "vim-e978b453" / "vim-fr-old.po",
        _CORPUS / "vim-e978b453" / "vim-new.pot",
    ),
}
_GNU_ENV = {"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


@dataclass(frozen=True)
class LargeMerge:
    name: str
    messages: int
    ours: list[float]  # wall-clock seconds per round
    gnu: list[float]
    ours_cpu: float  # CPU seconds over all rounds
    gnu_cpu: float
    ours_fuzzy: int
    gnu_fuzzy: int
    load: float

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.gnu)


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("clinic-l10n")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from service.cli.main import main; main()"]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run(args, check=True, capture_output=True, env=env)
    return time.perf_counter() - started, _cpu() - cpu


def measure(name: str, rounds: int) -> LargeMerge:
    old, template = PAIRS[name]
    with tempfile.TemporaryDirectory(prefix="bench-large-merge-") as tmp:
        ours_out, gnu_out = Path(tmp) / "ours.po", Path(tmp) / "gnu.po"
        ours_cmd = [*_cli(), "po", "merge", str(old), str(template), "-o", str(ours_out)]
        gnu_cmd = ["msgmerge", "--quiet", "--previous", "--width=79", str(old), str(template)]
        gnu_cmd += ["-o", str(gnu_out)]
        _run(ours_cmd)  # untimed: the page cache, Python's bytecode cache
        _run(gnu_cmd, _GNU_ENV)
        ours, gnu, ours_cpu, gnu_cpu = [], [], 0.0, 0.0
        for _ in range(rounds):
            seconds, cpu = _run(ours_cmd)
            ours.append(seconds)
            ours_cpu += cpu
            seconds, cpu = _run(gnu_cmd, _GNU_ENV)
            gnu.append(seconds)
            gnu_cpu += cpu
        fuzzy = [
            len(re.findall(rb"^#, .*\bfuzzy\b", path.read_bytes(), re.M))
            for path in (ours_out, gnu_out)
        ]
    messages = len(re.findall(rb"^msgid ", template.read_bytes(), re.M)) - 1
    return LargeMerge(
        name, messages, ours, gnu, ours_cpu, gnu_cpu, fuzzy[0], fuzzy[1], os.getloadavg()[0]
    )


def report(result: LargeMerge) -> str:
    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

    rounds = len(result.ours)
    return (
        f"large catalog {result.name} ({result.messages:,} messages), {rounds} interleaved "
        f"round(s), median (fastest–slowest):\n"
        f"  clinic-l10n po merge    {spread(result.ours)}, CPU {result.ours_cpu / rounds:.2f} s\n"
        f"  msgmerge --previous     {spread(result.gnu)}, CPU {result.gnu_cpu / rounds:.2f} s\n"
        f"  ratio ours ÷ msgmerge: {result.ratio:.2f} (goal ≤ 2); fuzzy entries: ours "
        f"{result.ours_fuzzy}, msgmerge {result.gnu_fuzzy}; load average {result.load:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
