"""Dangerous translations (issue 22): a table of what a careless or a malicious translator could
write into a dosing page in es, pt-BR, zh-Hans and ar (tests/data/dangerous/rows.yaml), each with
the verdict the service must give it, checked end to end on a real tree built by the CLI:

- the workspace's pending queue gives the row's check at the row's severity;
- an `error` row is refused at approval, and not served even when approvals in every role it needs
  are written into its ledger by hand;
- a `confirm` row is refused without the reviewer's tick that the meaning is kept, and not served on
  approvals without it; approved with the tick in every role it needs, it is served;
- a faithful translation (`benign:`) gets neither, is approved and served.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service.cli.main import cli

from .conftest import DATA, FIXTURE_TREE, forge, served_app
from .reviewing import accounts, approval, workspace_client

HERE = DATA / "dangerous"
PAGE = "dosing"
TRANSLATOR = "Marta Traductora (fictional) <marta@translators.example>"
LINGUIST = "Dr. Lola Revisora (fictional)"
CLINICIAN = "Dr. Pablo Clínico (fictional)"
BOTH = "Dr. Hana Mercer (fictional)"


@dataclass(frozen=True)
class Row:
    locale: str
    english: str
    translation: str
    verdict: str = "ok"  # error, confirm, or ok for a faithful translation
    check: str = ""
    cls: str = "benign"
    number: int = 0  # its place in rows.yaml, for the test's id
    translator: str = TRANSLATOR  # the catalog's Last-Translator

    @property
    def id(self) -> str:
        return f"{self.cls}-{self.locale}-{self.number}"


def _rows() -> tuple[list[Row], list[Row], list[Row]]:
    data = yaml.safe_load((HERE / "rows.yaml").read_text(encoding="utf-8"))
    dangerous = [Row(cls=r.pop("class"), number=n, **r) for n, r in enumerate(data["dangerous"])]
    by_whom = [Row(cls=r.pop("class"), number=n, **r) for n, r in enumerate(data["approvals"])]
    return dangerous, [Row(number=n, **r) for n, r in enumerate(data["benign"])], by_whom


DANGEROUS, BENIGN, BY_WHOM = _rows()
ALL = DANGEROUS + BENIGN


def _batches(rows: list[Row]) -> list[list[Row]]:
    """Rows grouped so that no batch holds two translations of one English in one locale."""
    batches: list[list[Row]] = []
    for row in rows:
        for batch in batches:
            if all((r.locale, r.english) != (row.locale, row.english) for r in batch):
                batch.append(row)
                break
        else:
            batches.append([row])
    return batches


def _cli(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    assert result.exit_code == code, f"clinic-l10n {' '.join(args)}:\n{result.output}"
    return result.output


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dosing page extracted, its catalogs made by `init`, its English approved."""
    root = tmp_path_factory.mktemp("dangerous") / "tree"
    shutil.copytree(HERE, root, ignore=shutil.ignore_patterns("rows.yaml"))
    shutil.copy(FIXTURE_TREE / "source_content/ui.yaml", root / "source_content/ui.yaml")
    _cli(root, "extract")
    for locale in ("es", "pt-BR", "zh-Hans", "ar"):
        _cli(root, "init", locale)
    for page in (PAGE, "ui"):
        _cli(root, "review", "approve", "en", "--page", page, "--reviewer", BOTH, "--all")
    return root


def _fill(root: Path, rows: list[Row]) -> None:
    """Write each row's translation into its catalog, as a translator saving it would."""
    by_locale: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_locale[row.locale].append(row)
    for locale, found in by_locale.items():
        path = root / "locales" / locale.replace("-", "_") / "LC_MESSAGES" / f"{PAGE}.po"
        with path.open("rb") as fh:
            catalog = read_po(fh)
        for row in found:
            message = catalog.get(row.english)
            assert message is not None, row.english
            message.string = row.translation
            message.flags.discard("fuzzy")
        catalog.last_translator = found[0].translator
        with path.open("wb") as fh:
            write_po(fh, catalog, width=79)


@dataclass
class Batch:
    root: Path
    rows: list[Row]
    pending: dict[Row, dict[str, Any]]  # the row's item in GET /v1/reviews/pending
    refused: dict[Row, tuple[int, str]]  # POST /v1/reviews of it, untouched: status and text
    served: frozenset[Row] = frozenset()  # with approvals forged in every role it needs
    confirmed: frozenset[Row] = frozenset()  # approved in both roles with the meaning confirmed


def _pending(client: TestClient, headers: dict[str, str], row: Row) -> dict[str, Any]:
    answer = client.get("/v1/reviews/pending", params={"locale": row.locale}, headers=headers)
    assert answer.status_code == 200, answer.text
    found = [
        i
        for i in answer.json()["items"]
        if i["english"][0] == row.english and i["translation"] == [row.translation]
    ]
    assert found, f"{row.translation!r} is not pending"
    return found[0]


@pytest.fixture(scope="module")
def batches(base: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Batch]:
    made = []
    for number, rows in enumerate(_batches(ALL)):
        root = tmp_path_factory.mktemp(f"batch{number}") / "tree"
        shutil.copytree(base, root)
        _fill(root, rows)
        with workspace_client(root) as client:
            headers = {"Authorization": f"Bearer {accounts(root).new_token(BOTH)}"}
            pending = {row: _pending(client, headers, row) for row in rows}
            refused = {}
            for row in rows:
                if row.verdict != "ok":
                    answer = client.post(
                        "/v1/reviews", json=approval(pending[row]), headers=headers
                    )
                    refused[row] = (answer.status_code, answer.text)
        made.append(Batch(root, rows, pending, refused))
    for batch in made:
        batch.served = _served_when_forged(batch, tmp_path_factory)
        batch.confirmed = _served_when_confirmed(batch, tmp_path_factory)
    return made


def _served_when_confirmed(
    batch: Batch, tmp_path_factory: pytest.TempPathFactory
) -> frozenset[Row]:
    """Which `confirm` rows a copy of the batch serves once a linguist and a clinician each
    approved them in the workspace, ticking that the meaning is kept."""
    rows = [r for r in batch.rows if r.verdict == "confirm"]
    if not rows:
        return frozenset()
    root = tmp_path_factory.mktemp("confirmed") / "tree"
    shutil.copytree(batch.root, root)
    with workspace_client(root) as client:
        for reviewer, role in ((LINGUIST, "linguistic"), (CLINICIAN, "clinical")):
            headers = {"Authorization": f"Bearer {accounts(root).new_token(reviewer)}"}
            for row in rows:
                body = {**approval(batch.pending[row], role), "confirm_meaning": True}
                answer = client.post("/v1/reviews", json=body, headers=headers)
                assert answer.status_code in (200, 201), (row, answer.text)
    return _served_rows(root, rows)


def _served_rows(root: Path, rows: list[Row]) -> frozenset[Row]:
    with TestClient(served_app(root)) as client:
        served = set()
        for locale in {r.locale for r in rows}:
            page = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
            texts = {s.get("text") for s in page["segments"]}
            served |= {r for r in rows if r.locale == locale and r.translation in texts}
    return frozenset(served)


def _served_when_forged(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> frozenset[Row]:
    """Which rows a copy of the batch serves once each row's translation holds, in its ledger, an
    approval in both roles by two declared reviewers (neither its translator): written by hand, as
    an attacker or an older version would, past every check."""
    root = tmp_path_factory.mktemp("forged") / "tree"
    shutil.copytree(batch.root, root)
    for row in batch.rows:
        for reviewer, role in ((LINGUIST, "linguistic"), (CLINICIAN, "clinical")):
            forge(
                root,
                row.locale,
                PAGE,
                msgid=row.english,
                msgstr=row.translation,
                reviewer=reviewer,
                role=role,
            )
    return _served_rows(root, batch.rows)


def _batch_of(batches: list[Batch], row: Row) -> Batch:
    return next(b for b in batches if row in b.rows)


def _served(root: Path, row: Row) -> bool:
    with TestClient(served_app(root)) as client:
        page = client.get(f"/v1/pages/{PAGE}", params={"locale": row.locale}).json()
    return any(s.get("text") == row.translation for s in page["segments"])


def test_the_table_covers_every_class_in_every_locale() -> None:
    classes = Counter(r.cls for r in DANGEROUS + BY_WHOM)
    locales = {(r.cls, r.locale) for r in DANGEROUS + BY_WHOM}
    assert len(DANGEROUS + BY_WHOM) >= 80
    for cls in classes:
        assert {loc for c, loc in locales if c == cls} == {"es", "pt-BR", "zh-Hans", "ar"}, cls


@pytest.mark.parametrize("row", DANGEROUS, ids=lambda r: r.id)
def test_the_verdict_is_given(row: Row, batches: list[Batch]) -> None:
    item = _batch_of(batches, row).pending[row]
    findings = {(f["check"], f["severity"]) for f in item["findings"]}
    assert (row.check, row.verdict) in findings, findings


@pytest.mark.parametrize("row", BENIGN, ids=lambda r: r.id)
def test_a_faithful_translation_is_quiet(row: Row, batches: list[Batch]) -> None:
    item = _batch_of(batches, row).pending[row]
    loud = [f for f in item["findings"] if f["severity"] in ("error", "confirm")]
    assert loud == []


@pytest.mark.parametrize("row", DANGEROUS, ids=lambda r: r.id)
def test_it_is_refused_at_approval(row: Row, batches: list[Batch]) -> None:
    status, text = _batch_of(batches, row).refused[row]
    assert status == 403 and row.check in text, (status, text)


@pytest.mark.parametrize("row", DANGEROUS, ids=lambda r: r.id)
def test_it_is_not_served_on_forged_approvals(row: Row, batches: list[Batch]) -> None:
    assert row not in _batch_of(batches, row).served


@pytest.mark.parametrize("row", BENIGN, ids=lambda r: r.id)
def test_a_faithful_translation_is_served_on_the_same_approvals(
    row: Row, batches: list[Batch]
) -> None:
    assert row in _batch_of(batches, row).served


CONFIRM = [r for r in DANGEROUS if r.verdict == "confirm"]


@pytest.mark.parametrize("row", CONFIRM, ids=lambda r: r.id)
def test_it_is_served_once_its_meaning_is_confirmed(row: Row, batches: list[Batch]) -> None:
    assert row in _batch_of(batches, row).confirmed


# --- who approved: doses, the translator herself, a moved reference, a stale translation ---


def _of(cls: str) -> list[Row]:
    return [r for r in BY_WHOM if r.cls == cls]


def _forged(root: Path, rows: list[Row], *who: tuple[str, str]) -> None:
    for row in rows:
        for reviewer, role in who:
            forge(
                root,
                row.locale,
                PAGE,
                msgid=row.english,
                msgstr=row.translation,
                reviewer=reviewer,
                role=role,
            )


def _copy(base: Path, tmp_path: Path, rows: list[Row]) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(base, root)
    _fill(root, rows)
    return root


def test_a_dose_needs_a_clinician(base: Path, tmp_path: Path) -> None:
    """Every cell of a dose table outside a `::: critical` block: a linguist's approval alone
    serves none of them; with a clinician's too, each is served."""
    rows = _of("dose")
    root = _copy(base, tmp_path, rows)
    _forged(root, rows, (LINGUIST, "linguistic"))
    assert {r.translation for r in _served_rows(root, rows)} == set()
    _forged(root, rows, (CLINICIAN, "clinical"))
    assert _served_rows(root, rows) == frozenset(rows)


@pytest.mark.parametrize("row", _of("self"), ids=lambda r: r.id)
def test_the_translator_cannot_approve_her_own_text(row: Row, base: Path, tmp_path: Path) -> None:
    """Her name in Last-Translator spelled another way (decomposed, a Cyrillic а, a zero-width
    space, capitals, full-width, no remark, her e-mail only): refused at approval, and not served
    on her approval written by hand; a linguist's serves it (the control)."""
    root = _copy(base, tmp_path, [row])
    with workspace_client(root) as client:
        other = {"Authorization": f"Bearer {accounts(root).new_token(BOTH)}"}
        item = _pending(client, other, row)  # her own queue does not offer it
        headers = {"Authorization": f"Bearer {accounts(root).new_token(CLINICIAN)}"}
        answer = client.post("/v1/reviews", json=approval(item, "clinical"), headers=headers)
    assert answer.status_code == 403 and "translator" in answer.text, answer.text
    _forged(root, [row], (CLINICIAN, "clinical"))
    assert _served_rows(root, [row]) == frozenset()
    _forged(root, [row], (LINGUIST, "linguistic"))
    assert _served_rows(root, [row]) == frozenset({row})


def test_a_moved_reference_needs_the_english_approved_again(base: Path, tmp_path: Path) -> None:
    """`[faq]: …` given another address after every locale's text was approved: the text with
    the new address is served nowhere (nor the English) until the English is approved again; the
    published version, with the address that was approved, stays in service meanwhile."""
    rows = _of("reference")
    root = _copy(base, tmp_path, rows)
    _forged(root, rows, (LINGUIST, "linguistic"), (CLINICIAN, "clinical"))
    assert _served_rows(root, rows) == frozenset(rows)
    page = root / "source_content/pages/dosing.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "[faq]: https://clinic.example/faq", "[faq]: https://pharmacy.example/faq"
        ),
        encoding="utf-8",
    )
    assert _served_rows(root, rows) == frozenset(rows)  # as published
    assert _addresses(root, {r.locale for r in rows} | {"en"}) == {"https://clinic.example/faq"}
    _cli(root, "review", "approve", "en", "--page", PAGE, "--reviewer", BOTH, "--all")
    assert _served_rows(root, rows) == frozenset(rows)
    assert _addresses(root, {r.locale for r in rows} | {"en"}) == {"https://pharmacy.example/faq"}


def _addresses(root: Path, locales: set[str]) -> set[str]:
    """The FAQ addresses the page links to, in every one of `locales`."""
    found = set()
    with TestClient(served_app(root)) as client:
        for locale in locales:
            html = client.get(f"/pages/{PAGE}", params={"locale": locale}).text
            found |= {a for a in FAQS if f'href="{a}"' in html}
    return found


FAQS = ("https://clinic.example/faq", "https://pharmacy.example/faq")


GROWN = "Write to the care team with your questions, and never change your dose on your own."


def test_a_translation_kept_while_its_english_grew_needs_confirming(
    base: Path, tmp_path: Path
) -> None:
    """The English grows a warning; the translator clears `fuzzy` and keeps the old text. It is
    held for confirmation: refused without the tick, not served on approvals without it."""
    rows = _of("stale")
    root = _copy(base, tmp_path, rows)
    _forged(root, rows, (LINGUIST, "linguistic"))
    assert _served_rows(root, rows) == frozenset(rows)
    page = root / "source_content/pages/dosing.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(rows[0].english, GROWN), encoding="utf-8"
    )
    _cli(root, "extract")
    _cli(root, "update")
    _cli(root, "review", "approve", "en", "--page", PAGE, "--reviewer", BOTH, "--all")
    grown = [Row(r.locale, GROWN, r.translation, "confirm", "unchanged-translation") for r in rows]
    _fill(root, grown)  # the fuzzy flag cleared, the text kept
    with workspace_client(root) as client:
        headers = {"Authorization": f"Bearer {accounts(root).new_token(LINGUIST)}"}
        for row in grown:
            item = _pending(client, headers, row)
            assert ("unchanged-translation", "confirm") in {
                (f["check"], f["severity"]) for f in item["findings"]
            }
            answer = client.post("/v1/reviews", json=approval(item), headers=headers)
            assert answer.status_code == 403 and "unchanged-translation" in answer.text
    _forged(root, grown, (LINGUIST, "linguistic"), (CLINICIAN, "clinical"))
    assert _served_rows(root, grown) == frozenset()
