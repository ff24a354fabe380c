"""The benchmarks run end to end in their quick modes, so the scripts cannot rot unseen: the scale
benchmark (benchmarks/scale.py) on a 3-page tree reports every figure of issue 8 beside msgfmt, and
the serving benchmark (benchmarks/serve.py) every mix beside the bare app. The numbers themselves
are not judged."""

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


def _quick(script: str) -> str:
    """`benchmarks/SCRIPT --quick` run as a user runs it; its output (it must exit 0)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--quick"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def quick_run() -> str:
    return _quick("scale.py")


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


@pytest.fixture(scope="module")
def serve_quick_run() -> str:
    """benchmarks/serve.py end to end, 1 s per load: the servers start with one and two workers,
    the mixes run, and every figure is printed (the figures themselves are not judged)."""
    return _quick("serve.py")


def test_serve_prints_each_mix_for_one_and_two_workers(serve_quick_run: str) -> None:
    mixes = ("one header ", "6,000 headers ")
    rows = [line.split() for line in serve_quick_run.splitlines() if line.startswith(mixes)]
    assert all(len(row) == 12 and row[-1] == "0" for row in rows), serve_quick_run  # no errors
    found = {(" ".join(row[:2]), int(row[2])) for row in rows}
    assert found == {
        ("one header", 1),
        ("6,000 headers", 1),
        ("one header", 2),
        ("6,000 headers", 2),
    }, serve_quick_run
    assert re.search(r"load average \d+\.\d → \d+\.\d on \d+ CPUs", serve_quick_run)


def test_serve_json_gives_ratios_negotiation_costs_and_no_errors(serve_quick_run: str) -> None:
    report = json.loads(next(line for line in serve_quick_run.splitlines() if line.startswith("{")))
    assert len(report["rows"]) == 4
    for row in report["rows"]:
        assert row["errors"] == 0, row
        assert row["bare_rps"] > 0 and row["ours_rps"] > 0, row
        # one round in the quick mode: the median of one pair's ratio is that ratio
        assert row["rps_ratios"] == [row["rps_ratio"]] and row["p99_ratios"] == [row["p99_ratio"]]
        assert row["rps_ratio"] == pytest.approx(row["ours_rps"] / row["bare_rps"], abs=0.001)
        assert row["p99_ratio"] == pytest.approx(row["ours_p99_ms"] / row["bare_p99_ms"], abs=0.001)
    costs = report["negotiation_us"]
    assert set(costs) == {"held", "not_held", "never_seen"} and min(costs.values()) > 0
    assert sum(report["served_locales"].values()) == 600  # each answered 200
    assert {"en", "es"} <= set(report["served_locales"])


# The release benchmark's rows (the start of each label) and the JSON line's keys.
RELEASE_FIGURES = {
    "msgfmt --statistics (24 processes)": "msgfmt",
    "first full publish (empty store and cache)": "first_publish",
    "publish, nothing changed (warm cache)": "publish_nothing",
    "publish after one page changed": "publish_one",
    "bytes added by that release": "bytes_one",
    "approval → published and served": "approve_served",
    "  of which review approve until its write": "approve_command",
    "  of which its write until served": "write_served",
    "  of which rebuild and publish (server log)": "rebuild",
}


@pytest.fixture(scope="module")
def releases_quick_run() -> str:
    """benchmarks/releases.py end to end on a 3-page tree, two rounds: it publishes, changes and
    approves pages, and has a running server publish an approval (the figures are not judged)."""
    return _quick("releases.py")


def test_releases_prints_every_figure_with_its_spread_and_load(releases_quick_run: str) -> None:
    for label in RELEASE_FIGURES:
        row = next((x for x in releases_quick_run.splitlines() if x.startswith(label)), None)
        assert row is not None, f"no row {label!r} in:\n{releases_quick_run}"
        # the value, then (two rounds) its spread, then the load average
        number = r"\d+\.\d+(?: kB)?"
        assert re.search(rf"\s{number}\s.*\s{number}–{number}\s.*\s\d+\.\d\s", row), row
    assert re.search(r"load average \d+\.\d → \d+\.\d on \d+ CPUs", releases_quick_run)


def test_releases_json_gives_each_figure_per_round_beside_its_baseline(
    releases_quick_run: str,
) -> None:
    line = next(x for x in releases_quick_run.splitlines() if x.startswith("{"))
    report = json.loads(line)
    assert report["pages"] == 3 and report["catalogs"] == 6 * 4 and report["rounds"] == 2
    figures = report["figures"]
    for key in RELEASE_FIGURES.values():
        got = figures[key]
        assert len(got["values"]) == 2 and all(v > 0 for v in got["values"]), key
        assert len(got["loads"]) == 2, key
    for key in ("first_publish", "publish_one", "publish_nothing", "bytes_one", "approve_served"):
        got = figures[key]
        ratios = sorted(v / b for v, b in zip(got["values"], got["baselines"], strict=True))
        assert got["ratio"] == pytest.approx(sum(ratios) / 2, rel=0.01), key  # median of two
    # the parts of the approval add up to it, round by round
    parts = zip(
        figures["approve_command"]["values"], figures["write_served"]["values"], strict=True
    )
    assert [a + b for a, b in parts] == pytest.approx(figures["approve_served"]["values"], abs=0.01)
    # the bytes a release added: its files told apart, the page's bodies among them
    assert all("bodies" in n and "manifest" in n for n in figures["bytes_one"]["notes"])


def test_cold_gives_each_round_beside_that_rounds_msgfmt() -> None:
    """benchmarks/cold.py end to end on a 3-page tree, two rounds: `check`, a cold start and a
    restart on a store with a release (until /healthz answers, and until the tree is read), each
    round's ratio over the msgfmt run of the same round, the median of them in the table."""
    out = _quick("cold.py")
    report = json.loads(next(x for x in out.splitlines() if x.startswith("{")))
    assert report["pages"] == 3 and report["catalogs"] == 6 * 4
    figures = report["figures"]
    baseline = figures["msgfmt"]["seconds"]
    assert len(baseline) == 2 and all(s > 0 for s in baseline)
    labels = (
        ("check", "clinic-l10n check"),
        ("start", "cold start until /healthz"),
        ("restart", "restart until /healthz"),
        ("restart-read", "restart until the tree is read"),
    )
    answered, read = figures["restart"]["seconds"], figures["restart-read"]["seconds"]
    assert all(0 < a <= r for a, r in zip(answered, read, strict=True))  # the same starts
    for key, label in labels:
        got = figures[key]
        ratios = [s / b for s, b in zip(got["seconds"], baseline, strict=True)]
        assert got["ratios"] == pytest.approx(ratios, rel=0.01), key
        row = next(x for x in out.splitlines() if x.startswith(label))
        median = sum(ratios) / 2  # of two rounds
        assert f"{median:.2f}×" in row, row
