"""Tree-level findings for `check`: load errors, English awaiting approval, approvals gone stale.

Pure over a loaded tree. Per-translation quality checks (numbers, terms, links) plug in as a
registry in a later stage; approvals already refuse through `review.Checker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .models import SOURCE_LOCALE, fingerprint
from .store import Tree

__all__ = ["Finding", "Level", "tree_findings"]


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    level: Level
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level.value}: {self.check}: {self.message}"


def tree_findings(tree: Tree) -> list[Finding]:
    found = [
        Finding(e.path or "?", e.line or 0, Level.ERROR, "load", e.message) for e in tree.errors
    ]
    for domain in tree.domains:
        path = tree.rel(Path(domain.path))
        english = tree.resolve(domain, SOURCE_LOCALE)
        for seg in english.withheld:
            found.append(
                Finding(
                    path,
                    seg.line,
                    Level.ERROR,
                    "source-approval",
                    f"English {seg.type.value} {seg.source[:50]!r} is not approved; it is withheld",
                )
            )
        by_text = {s.source: s for s in domain.segments}
        for locale in tree.config.all_locales:
            ledger = tree.ledgers.get((locale, domain.slug))
            catalog = tree.catalogs.get((locale, domain.slug))
            for record in ledger.records.values() if ledger else []:
                current = by_text.get(record.msgid)
                if current is None or record.source_sha256 != fingerprint(*current.source_forms):
                    why = "its English changed or was removed"
                elif locale != SOURCE_LOCALE and catalog is not None:
                    entry = catalog.entries.get(record.msgid)
                    if entry is not None and record.translation_sha256 == fingerprint(
                        *entry.msgstr
                    ):
                        continue
                    why = "the translation was edited since"
                else:
                    continue
                found.append(
                    Finding(
                        ledger.path if ledger else "?",
                        record.line,
                        Level.WARNING,
                        "stale-approval",
                        f"approval of {record.msgid[:50]!r} no longer applies: {why}",
                    )
                )
            if catalog is not None:
                missing = [s for s in by_text if s not in catalog.entries]
                if missing:
                    found.append(
                        Finding(
                            catalog.path,
                            1,
                            Level.WARNING,
                            "outdated-catalog",
                            f"{len(missing)} English text(s) missing; run `clinic-l10n update`",
                        )
                    )
    return found
