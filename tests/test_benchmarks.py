"""The scale benchmark (benchmarks/scale.py) runs end to end on a 3-page tree and reports every figure
of issue 8 beside msgfmt, so the script cannot rot unseen. The numbers themselves are not judged."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .gnu import REPO

# The table's rows (the start of each label) and the JSON line's keys.
FIGURES = {
    "msgfmt --statistics (24 processes)": "msgfmt",
    "clinic-l10n coverage --format json": "coverage",
    "clinic-l10n check": "check",
    "cold start until /healthz (empty cache)": "start",
    "RSS after start": "rss",
    "one catalog changed: visible after write": "reload_catalog",
    "one approval revoked: visible after write": "reload_ledger",
    "start, warm cache": "start_warm",
    "  coverage, warm cache": "coverage_warm",
    "  check, warm cache": "check_warm",
}
AGAINST_MSGFMT = (
    "msgfmt",
    "coverage",
    "check",
    "coverage_warm",
    "check_warm",
    "start",
    "start_warm",
    "reload_catalog",
)


@pytest.fixture(scope="module")
def quick_run() -> str:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "scale.py"), "--quick"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_figure_is_a_row_with_a_value(quick_run: str) -> None:
    for label in FIGURES:
        row = next((line for line in quick_run.splitlines() if line.startswith(label)), None)
        assert row is not None, f"no row {label!r} in:\n{quick_run}"
        assert re.search(r"\s\d+\.\d\d\s|\s\d+ MB\s", row), row
    assert re.search(r"of which rebuild \(server log\)\s+\d+\.\d\d", quick_run), quick_run
    assert re.search(r"load average \d+\.\d → \d+\.\d on \d+ CPUs", quick_run), quick_run


def test_the_json_line_gives_each_figure_and_its_ratio_to_msgfmt(quick_run: str) -> None:
    line = next(line for line in quick_run.splitlines() if line.startswith("{"))
    report = json.loads(line)
    assert report["pages"] == 3 and report["catalogs"] == 6 * 4 and report["messages"] > 0
    figures = report["figures"]
    for key in FIGURES.values():
        assert figures[key]["value"] is not None and figures[key]["value"] > 0, key
    for key in AGAINST_MSGFMT:
        assert figures[key]["ratio"] == pytest.approx(
            figures[key]["value"] / figures[key]["baseline_s"], rel=0.1
        ), key
    assert figures["rebuild"]["value"] is not None  # the server's "reloaded in" line was read
