"""GNU gettext as the judge: every expected answer of the catalog tests comes from these calls.

The real-world corpus is kept in the repository (`tests/corpus/`, its README names each source and
licence); CLINIC_L10N_CORPUS points at another copy. Its absence is an error, never a skip.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CORPUS",
    "GnuCheck",
    "corpus",
    "msgcat",
    "msgfmt_check",
    "msgfmt_compile",
    "msgfmt_reads",
    "msgfmt_statistics",
    "msgmerge",
    "msgunfmt",
]

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CLINIC_L10N_CORPUS", REPO / "tests" / "corpus"))
_ENV = {"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}


def corpus(*parts: str) -> Path:
    """A path inside the corpus; fails (not skips) when the corpus is missing."""
    if not CORPUS.is_dir():
        raise FileNotFoundError(
            f"the conformance corpus is missing at {CORPUS}; it is part of the repository "
            "(tests/corpus/), or set CLINIC_L10N_CORPUS"
        )
    return CORPUS.joinpath(*parts)


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, input=stdin, env=_ENV, check=False)


@dataclass(frozen=True)
class GnuCheck:
    """`msgfmt -c`'s verdict: exit code, first `file:line` it named (0 when none), all it said."""

    accepted: bool
    line: int
    output: str


def msgfmt_check(path: Path) -> GnuCheck:
    done = _run(["msgfmt", "-c", "-o", "/dev/null", str(path)])
    out = done.stderr.decode("utf-8", "replace")
    m = re.search(rf"^{re.escape(str(path))}:(\d+):", out, re.M)
    return GnuCheck(done.returncode == 0, int(m.group(1)) if m else 0, out)


def msgfmt_reads(path: Path) -> bool:
    """Whether plain `msgfmt` (no `-c`) compiles the file: exit code 0."""
    return _run(["msgfmt", "-o", "/dev/null", str(path)]).returncode == 0


def msgfmt_statistics(path: Path) -> tuple[int, int, int]:
    """(translated, fuzzy, untranslated) as `msgfmt --statistics` prints them."""
    done = _run(["msgfmt", "--statistics", "-o", "/dev/null", str(path)])
    out = done.stderr.decode("utf-8", "replace")
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", out):
        counts[kind] = int(number)
    return counts["translated"], counts["fuzzy"], counts["untranslated"]


def msgcat(path: Path, width: int = 79, force_po: bool = False) -> bytes:
    """The file as `msgcat --width=79` writes it (Poedit wraps the same way). `force_po` writes
    a catalog that is only a header too, where plain msgcat writes nothing."""
    force = ["--force-po"] if force_po else []
    done = _run(["msgcat", f"--width={width}", *force, str(path)])
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))
    return done.stdout


def msgmerge(old: Path, template: Path, width: int = 79) -> bytes:
    """`msgmerge --previous OLD TEMPLATE`, written with msgcat's width."""
    done = _run(["msgmerge", "--quiet", "--previous", f"--width={width}", str(old), str(template)])
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))
    return done.stdout


def msgfmt_compile(path: Path, out: Path) -> None:
    """`msgfmt -o OUT FILE`: the reference .mo."""
    done = _run(["msgfmt", "-o", str(out), str(path)])
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))


def msgunfmt(mo: Path) -> bytes:
    """A .mo file decompiled by GNU msgunfmt (sorted, so two compilers compare equal)."""
    done = _run(["msgunfmt", "--sort-output", str(mo)])
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))
    return done.stdout
