"""A tree for the document view's tests: the workspace's pending tree (texts waiting in es on
saline-spray) with a page `inhaler` that has a table with a header row, a reference link, an image
(its Spanish variant too) and a `::: critical` section, its English approved and two of its texts
translated into Spanish (waiting for review)."""

from __future__ import annotations

from pathlib import Path

from .conftest import replace_in
from .pictures import SPACERS, cli_in, hashed
from .reviewing import TRANSLATOR, pending_tree

__all__ = [
    "ADDRESS",
    "ADULTS_ES",
    "DOC",
    "IMAGE_ES",
    "PLAN_ES",
    "document_tree",
]

DOC = "inhaler"
ADDRESS = "https://example.org/asthma-action-plan"
PAGE_TEXT = f"""---
slug: {DOC}
title: Using an inhaler spacer
---

## Doses

| Who | Dose |
| --- | --- |
| Adults | 800 micrograms (8 puffs) |
| Children | 400 micrograms (4 puffs) |

See your [asthma action plan][plan] for more.

![A spacer fitted to an inhaler](spacer.png)

## Danger signs

::: critical
Call 911 if your lips turn blue.
:::

[plan]: {ADDRESS}
"""
ADULTS_ES = "Adultos"
PLAN_ES = "Consulte su [plan de acción para el asma][plan] para más información."
IMAGE_ES = hashed("spacer.es.png", SPACERS["spacer.es.png"])  # the es variant, as served
ENGLISH_REVIEWER = "Dr. Hana Mercer (fictional)"


def document_tree(tmp_path: Path) -> Path:
    root = pending_tree(tmp_path)
    (root / f"source_content/pages/{DOC}.md").write_text(PAGE_TEXT, encoding="utf-8")
    for name, data in SPACERS.items():
        (root / "source_content/assets" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "source_content/assets" / name).write_bytes(data)
    for args in (("extract",), ("update",)):
        assert cli_in(root, *args)[0] == 0
    approve = ("review", "approve", "en", "--page", DOC, "--all", "--role", "clinical")
    code, out = cli_in(root, *approve, "--reviewer", ENGLISH_REVIEWER)
    assert code == 0, out
    po = root / f"locales/es/LC_MESSAGES/{DOC}.po"
    replace_in(po, 'msgid "Adults"\nmsgstr ""', f'msgid "Adults"\nmsgstr "{ADULTS_ES}"')
    replace_in(po, "FULL NAME <EMAIL@ADDRESS>", f"{TRANSLATOR} <marta@translators.example>")
    english = "See your [asthma action plan][plan] for more."
    replace_in(po, f'msgid "{english}"\nmsgstr ""', f'msgid "{english}"\nmsgstr "{PLAN_ES}"')
    return root
