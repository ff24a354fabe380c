"""Translation memory benchmark: how many segments `clinic-l10n update` pre-fills from approved text on
a generated tree where safety paragraphs repeat across pages, and how many of those the service's
tree-wide check would refuse were they taken as they are (the figure must be 0).

Builds a tree with benchmarks/gen_tree.py (`--shared`: every page's critical paragraph is one of
pages/10 safety paragraphs, at least 2), every page translated and approved. Then the second half of the pages
are made new: their catalogs (every locale) and their translations' ledgers are deleted, as if the
pages had just been written; their English stays approved. `clinic-l10n update` then creates their
catalogs, pre-filling from what the first half has approved. Counted on the result, with the
project's parser and checks:

  - pre-filled: entries of the new pages that are fuzzy with a `memory:` comment;
  - refused: on a copy of the tree, the fuzzy flag of every pre-filled entry is cleared (each
    becomes a plain translation, as a translator who accepts it makes it) and
    `clinic-l10n check --format json` runs on the whole tree (page context, references,
    terminology, msgfmt): how many of those entries get an error-level finding. This is not the
    gate `prefill` applies before filling (the candidate's checks against the new English alone),
    so it can disagree with it;
  - the time of `update` with memory, and with `--no-memory` on an identical copy.

No "served" figure: pre-filled entries are fuzzy and a fuzzy entry is never served (shown by
tests/test_memory.py::test_prefilled_text_is_served_only_once_cleared_and_approved), and the new
pages have no approvals, so counting it here would count 0 by construction.

    .venv/bin/python benchmarks/memory.py [--pages 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import bisect
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from gen_tree import FOLDERS, LOCALES, build_tree, clinic_l10n

from service.catalogs.prefill import MARK
from service.core.config import load_config
from service.po import Entry
from service.po.parse import read
from service.po.write import write
from service.site.store import load_tree


def _make_new(root: Path, slugs: list[str]) -> None:
    """The pages `slugs` as if just written: no catalogs, no ledgers of their translations."""
    for slug in slugs:
        for locale in LOCALES:
            folder = root / "locales" / FOLDERS[locale]
            (folder / "LC_MESSAGES" / f"{slug}.po").unlink()
            (folder / "reviews" / f"{slug}.yaml").unlink()


def _timed(root: Path, *args: str) -> tuple[float, str]:
    began = time.perf_counter()
    out = clinic_l10n(root, "update", *args)
    return time.perf_counter() - began, out


def _prefilled(entry: Entry) -> bool:
    return entry.fuzzy and any(c.startswith(MARK) for c in entry.comments)


def _count(root: Path, slugs: list[str]) -> dict[str, int]:
    """The figures but `refused`: segments of the new pages, pre-filled, safety-critical."""
    config = load_config(root)
    tree = load_tree(config, only=set(slugs))
    figures = {"segments": 0, "prefilled": 0, "critical": 0}
    for slug in slugs:
        by_key = {seg.key: seg for seg in tree.pages[slug].segments}
        for locale in LOCALES:
            path = config.catalog_path(locale, slug)
            for entry in read(path).messages():
                figures["segments"] += 1
                if _prefilled(entry):
                    figures["prefilled"] += 1
                    figures["critical"] += by_key[entry.key].critical
    return figures


def _refused(root: Path, slugs: list[str]) -> int:
    """Clear the fuzzy flag of every pre-filled entry of `slugs` in `root` (a copy), run the
    tree-wide `clinic-l10n check --format json`, and count those entries with an error finding."""
    config = load_config(root)
    starts: dict[str, tuple[list[int], list[bool]]] = {}  # catalog: msgid lines, pre-filled?
    for slug in slugs:
        for locale in LOCALES:
            path = config.catalog_path(locale, slug)
            po = read(path)
            marked = {e.key for e in po.messages() if _prefilled(e)}
            entries = tuple(
                e.with_flag("fuzzy", False) if not e.obsolete and e.key in marked else e
                for e in po.entries
            )
            path.write_bytes(write(replace(po, entries=entries)))
            live = sorted((e.line, e.key in marked) for e in read(path).entries if not e.obsolete)
            rel = path.relative_to(root).as_posix()
            starts[rel] = ([line for line, _ in live], [was for _, was in live])
    exe = Path(sys.executable).with_name("clinic-l10n")
    done = subprocess.run(
        [str(exe), "--root", str(root), "check", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    refused = set()
    for finding in json.loads(done.stdout)["findings"]:
        found = starts.get(finding["path"])
        if finding["severity"] != "error" or found is None:
            continue
        at = bisect.bisect_right(found[0], finding["line"]) - 1
        if at >= 0 and found[1][at]:
            refused.add((finding["path"], found[0][at]))
    return len(refused)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
        root = Path(tmp) / "tree"
        shared = max(2, args.pages // 10)
        build_tree(root, args.pages, args.seed, shared=shared, log=True)
        slugs = sorted(p.stem for p in (root / "source_content" / "pages").glob("*.md"))
        new = slugs[len(slugs) // 2 :]
        _make_new(root, new)
        plain = Path(tmp) / "plain"
        shutil.copytree(root, plain, symlinks=True)
        with_memory, said = _timed(root)
        without, _ = _timed(plain, "--no-memory")
        figures = _count(root, new)
        accepted = Path(tmp) / "accepted"
        shutil.copytree(root, accepted, symlinks=True)
        figures["refused"] = _refused(accepted, new)
    summary = said.strip().splitlines()[-1]
    print(f"{args.pages} pages, {shared} shared safety paragraphs, {len(new)} pages made new")
    print(f"update: {summary}")
    print(
        f"new pages' segments (all locales): {figures['segments']}; pre-filled from memory: "
        f"{figures['prefilled']} ({figures['critical']} of them safety-critical)"
    )
    print(
        f"with their fuzzy flags cleared, refused by `clinic-l10n check` (error findings): "
        f"{figures['refused']} (must be 0)"
    )
    print(
        "served before a review: none can be (pre-filled entries are fuzzy; fuzzy is never "
        "served: tests/test_memory.py::test_prefilled_text_is_served_only_once_cleared_and_approved)"
    )
    ratio = with_memory / without
    print(f"update with memory {with_memory:.2f} s, --no-memory {without:.2f} s: {ratio:.2f}×")
    print(json.dumps({**figures, "update_s": with_memory, "no_memory_s": without, "ratio": ratio}))
    if figures["refused"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
