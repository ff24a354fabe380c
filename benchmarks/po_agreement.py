"""How often our PO checker agrees with `msgfmt -c`, per category: corpus files and mutations.

    python benchmarks/po_agreement.py [FILE ...]

Without arguments: every corpus catalog, then every mutation (tests/po_mutations.py) of the
representative files the tests use. Agreement means the same verdict (accept or reject) and,
where msgfmt names a line, the same first line. Disagreements are listed after the table.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.po.check import Problem, check_bytes
from tests import gnu
from tests.po_mutations import category, mutations
from tests.test_po_check import CORPUS_FILES, MUTATED_FILES


def verdict(problems: list[Problem]) -> tuple[bool, int]:
    """(accepted, first line named) as our checker says it."""
    accepted = not any(p.severity == "error" for p in problems)
    return accepted, next((p.line for p in problems if p.line), 0)


def agrees(data: bytes, path: Path) -> tuple[bool, str]:
    path.write_bytes(data)
    ours = verdict(check_bytes(data, str(path)))
    gnu_says = gnu.msgfmt_check(path)
    same = ours[0] == gnu_says.accepted and (gnu_says.line == 0 or ours[1] == gnu_says.line)
    first = gnu_says.output.splitlines()[0] if gnu_says.output else ""
    return same, f"ours {ours}, msgfmt {(gnu_says.accepted, gnu_says.line)}: {first}"


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or CORPUS_FILES
    counts: Counter[tuple[str, bool]] = Counter()
    wrong: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            same, how = agrees(path.read_bytes(), Path(tmp) / path.name)
            counts["corpus file", same] += 1
            if not same:
                wrong.append(f"{path}: {how}")
        for path in [] if argv else MUTATED_FILES:
            for name, data in mutations(path.read_bytes()):
                same, how = agrees(data, Path(tmp) / path.name)
                counts[category(name), same] += 1
                if not same:
                    wrong.append(f"{path.name} {name}: {how}")
    print(f"{'category':<14} {'agree':>6} {'differ':>6}")
    for cat in sorted({c for c, _ in counts}):
        print(f"{cat:<14} {counts[cat, True]:>6} {counts[cat, False]:>6}")
    total_same = sum(n for (_, same), n in counts.items() if same)
    print(f"{'total':<14} {total_same:>6} {sum(counts.values()) - total_same:>6}")
    for line in wrong:
        print("DIFFERS", line)
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
