"""One catalog entry used by two segments of a page that bind different targets (a title that is
also an image's alt text, two images with one description): one English approval covers every use,
so the page can be published; changing either target voids it for both."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from service.release.store import ReleaseStore

from .pictures import GIF, cli_in, make_tree, png

# page body -> the text used twice
CASES = {
    "title is an image's alt text": (
        "---\nslug: inhaler\ntitle: Spacer\n---\n\n![Spacer](spacer.png)\n",
        "Spacer",
    ),
    "heading is an image's alt text": (
        "---\nslug: inhaler\ntitle: Using a spacer\n---\n\n## The mask\n\n![The mask](mask.gif)\n",
        "The mask",
    ),
    "two images, one description": (
        "---\nslug: inhaler\ntitle: Using a spacer\n---\n\n![Spacer](spacer.png)\n\n"
        "Then:\n\n![Spacer](mask.gif)\n",
        "Spacer",
    ),
}
FILES = {"spacer.png": png(), "mask.gif": GIF, "other.png": png(2, 2)}


def _published_english(root: Path) -> list[dict[str, object]]:
    code, out = cli_in(root, "publish")
    assert code == 0, out
    release = ReleaseStore(Path(os.environ["CLINIC_L10N_RELEASES"])).current()
    assert release is not None and "inhaler" in release.pages, out
    snapshot = ReleaseStore(Path(os.environ["CLINIC_L10N_RELEASES"])).get(
        release.pages["inhaler"]["en"].json
    )
    return json.loads(snapshot)["segments"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_entry_used_twice_is_approved_once_for_both_uses(tmp_path: Path, case: str) -> None:
    page, text = CASES[case]
    root = make_tree(tmp_path / "tree", page, FILES)  # its English approved, --all
    segments = _published_english(root)
    uses = [s for s in segments if s.get("text") == text or s.get("alt") == text]
    assert len(uses) == 2 and not any(s.get("withheld") for s in segments), segments

    source = root / "source_content/pages/inhaler.md"
    target = "spacer.png" if "spacer.png" in page else "mask.gif"
    source.write_text(page.replace(target, "other.png", 1), encoding="utf-8")
    assert cli_in(root, "extract")[0] == 0
    code, out = cli_in(root, "review", "pending", "en", "--page", "inhaler")
    assert code == 0, out
    assert text in out, f"a changed target left an approval of {text!r} standing:\n{out}"
