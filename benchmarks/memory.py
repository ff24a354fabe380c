"""Translation memory benchmark: how many segments `clinic-l10n update` pre-fills from approved text on
a generated tree where safety paragraphs repeat across pages, and how many of those the service's
error-level checks would refuse (the figure must be 0).

Builds a tree with benchmarks/gen_tree.py (`--shared`: every page's critical paragraph is one of
pages/10 safety paragraphs), every page translated and approved. Then the second half of the pages
are made new: their catalogs (every locale) and their translations' ledgers are deleted, as if the
pages had just been written; their English stays approved. `clinic-l10n update` then creates their
catalogs, pre-filling from what the first half has approved. Counted on the result, with the
project's parser and checks:

  - pre-filled: entries of the new pages that are fuzzy with a `memory:` comment;
  - refused: of those, how many an error-level check refuses against the new page's English;
  - served: of those, how many the serving rule shows (must be 0: fuzzy, not approved here);
  - the time of `update` with memory, and with `--no-memory` on an identical copy.

    .venv/bin/python benchmarks/memory.py [--pages 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from gen_tree import FOLDERS, LOCALES, build_tree, clinic_l10n

from service.catalogs.prefill import MARK
from service.core.config import load_config
from service.po.parse import read
from service.quality.checks import Unit, blocking
from service.site.resolve import reviewed_text
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


def _count(root: Path, slugs: list[str]) -> dict[str, int]:
    config = load_config(root)
    tree = load_tree(config, only=set(slugs))
    figures = {"segments": 0, "prefilled": 0, "critical": 0, "refused": 0, "served": 0}
    for slug in slugs:
        page = tree.pages[slug]
        by_key = {seg.key: seg for seg in page.segments}
        for locale in LOCALES:
            po = read(config.catalog_path(locale, slug))
            for entry in po.messages():
                figures["segments"] += 1
                if not entry.fuzzy or not any(c.startswith(MARK) for c in entry.comments):
                    continue
                seg = by_key[entry.key]
                figures["prefilled"] += 1
                figures["critical"] += seg.critical
                unit = Unit.of(
                    seg, entry.msgstr, locale, config.do_not_translate, config.terminology
                )
                figures["refused"] += bool(blocking(unit))
                catalogs = {locale: tree.catalogs[(locale, slug)]}
                ledgers = {k[0]: v for k, v in tree.ledgers.items() if k[1] == slug}
                shown = reviewed_text(seg, locale, catalogs, ledgers, config.policy)
                figures["served"] += shown is not None
    return figures


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
    summary = said.strip().splitlines()[-1]
    print(f"{args.pages} pages, {shared} shared safety paragraphs, {len(new)} pages made new")
    print(f"update: {summary}")
    print(
        f"new pages' segments (all locales): {figures['segments']}; pre-filled from memory: "
        f"{figures['prefilled']} ({figures['critical']} of them safety-critical)"
    )
    print(f"refused by an error-level check: {figures['refused']} (must be 0)")
    print(f"served before a review on the new page: {figures['served']} (must be 0)")
    print(f"update with memory {with_memory:.2f} s, --no-memory {without:.2f} s")
    print(json.dumps({**figures, "update_s": with_memory, "no_memory_s": without}))
    if figures["refused"] or figures["served"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
