"""`xliff export` and `xliff import`: the export is valid against OASIS's XLIFF 1.2 strict schema
(tests/corpus/xliff, validated offline), translate-toolkit reads every unit of it as the .po says,
GNU msgattrib agrees on what `--only new,changed` selects, and an import goes through the rules of
an edit of the .po: what the checks refuse is reported and left out, nothing is ever approved."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree
from translate.storage import poxliff, pypo, xliff

from benchmarks.gen_tree import build_tree
from service.catalogs.catalog import read_po
from service.catalogs.xliff import XliffFile, XliffUnit, write_xliff

from .conftest import REPO, Run, msgfmt, replace_in

CORPUS = REPO / "tests" / "corpus" / "xliff"
LOCALES = ("es", "pt-BR", "ar", "zh-Hans", "vi")
PAGE = "esketamine-overview"
TRANSLATOR = "Ana Agencia <ana@agency.example>"


class _LocalXml(etree.Resolver):
    """xml.xsd from the corpus, where the schema imports it from www.w3.org: no network."""

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        if url == "http://www.w3.org/2001/xml.xsd":
            return self.resolve_filename(str(CORPUS / "xml.xsd"), context)
        return None


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXml())
    return etree.XMLSchema(etree.parse(str(CORPUS / "xliff-core-1.2-strict.xsd"), parser))


def _po_path(root: Path, locale: str, domain: str = PAGE) -> Path:
    return root / "locales" / locale.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"


def _export(run: Run, root: Path, locale: str, *extra: str) -> Path:
    out = root.parent / f"{locale}.xlf"
    run("xliff", "export", locale, *extra, "-o", str(out), root=root)
    return out


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("only", [(), ("--only", "new,changed"), ("--page", "ui")])
def test_the_export_is_valid_xliff_1_2_strict(
    run: Run, tree: Path, schema: etree.XMLSchema, locale: str, only: tuple[str, ...]
) -> None:
    document = etree.parse(str(_export(run, tree, locale, *only)))
    assert schema.validate(document), schema.error_log


def test_a_generated_tree_exports_valid_xliff(
    run: Run, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    root = tmp_path / "gen"
    build_tree(root, 3)
    document = etree.parse(str(_export(run, root, "ar")))
    assert schema.validate(document), schema.error_log
    assert document.getroot().findall(".//{*}trans-unit")


def test_the_schema_rejects_what_is_not_xliff(schema: etree.XMLSchema) -> None:
    """The validation can fail: a unit without <source> and an unknown state are refused."""
    bad = (
        b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file original="x" '
        b'source-language="en" datatype="po"><body><trans-unit id="a"><target state="done">x'
        b"</target></trans-unit></body></file></xliff>"
    )
    assert not schema.validate(etree.fromstring(bad))


def _tt_units(path: Path) -> dict[str, poxliff.PoXliffUnit]:
    store = poxliff.PoXliffFile.parsestring(path.read_bytes())
    return {u.getid().split("\x04", 1)[1]: u for u in store.units}


@pytest.mark.parametrize("locale", LOCALES)
def test_translate_toolkit_reads_every_unit_as_the_po_has_it(
    run: Run, tree: Path, locale: str
) -> None:
    """Each unit, read by translate-toolkit's XLIFF reader, has the source, target, fuzziness,
    comments and references that translate-toolkit's PO reader finds in the catalog."""
    units = _tt_units(_export(run, tree, locale))
    expected = []
    for domain in (PAGE, "ui"):
        po = pypo.pofile.parsestring(_po_path(tree, locale, domain).read_bytes())
        expected += [u for u in po.units if not u.isheader() and not u.isobsolete()]
    assert len(units) == len(expected)
    # a plural group has a form's English per form (msgid, then msgid_plural), so a locale with
    # one form shows msgid_plural only in a note
    read = {(_strings(u.source)[0], _strings(u.target)): u for u in units.values()}
    for po_unit in expected:
        unit = read[(_strings(po_unit.source)[0], _strings(po_unit.target))]
        sources = _strings(po_unit.source)
        assert _strings(unit.source)[: len(_strings(po_unit.target))] == tuple(
            sources[min(i, len(sources) - 1)] for i in range(len(_strings(po_unit.target)))
        )
        # XLIFF 1.2 has no `approved` on a <group>: a plural's forms carry it
        first = unit.units[0] if unit.hasplural() else unit
        assert first.isfuzzy() == po_unit.isfuzzy()
        assert unit.getnotes("developer") == po_unit.getnotes("developer")
        assert unit.getnotes("translator") == po_unit.getnotes("translator")
        assert sorted(_locations(unit)) == sorted(po_unit.getlocations())


def _strings(value: object) -> tuple[str, ...]:
    """translate-toolkit's text or multistring (plural forms) as plain strings."""
    forms = getattr(value, "strings", None)
    return tuple(str(f) for f in forms) if forms else (str(value),)


def _locations(unit: poxliff.PoXliffUnit) -> list[str]:
    """References as plain XLIFF reads them (translate-toolkit's PO-flavoured reader looks for
    the profile's context-group name, which the schema does not let repeat in a <file>)."""
    return xliff.xliffunit.getlocations(unit)


def _states(path: Path) -> dict[str, str | None]:
    units = etree.parse(str(path)).getroot().iter("{*}trans-unit")
    return {u.get("id"): u.find("{*}target").get("state") for u in units}


def _first_unit_id(path: Path, source_start: str) -> str:
    for unit in etree.parse(str(path)).getroot().iter("{*}trans-unit"):
        if unit.find("{*}source").text.startswith(source_start):
            return str(unit.get("id"))
    raise AssertionError(source_start)


# (text of the es catalog, what it becomes, the XLIFF state of "What it is used for")
STATE_CASES = [
    ("", "", "signed-off"),  # approved, and served in es
    ('msgstr "Para qué se usa"', 'msgstr ""', "needs-translation"),
    (
        'msgid "What it is used for"',
        '#, fuzzy\nmsgid "What it is used for"',
        "needs-review-translation",
    ),
    # edited since its approval: the approval no longer binds it
    ('msgstr "Para qué se usa"', 'msgstr "Para qué sirve"', "translated"),
]


@pytest.mark.parametrize(("old", "new", "state"), STATE_CASES)
def test_each_entry_gets_the_state_of_where_it_stands(
    run: Run, tree: Path, old: str, new: str, state: str
) -> None:
    if old:
        replace_in(_po_path(tree, "es"), old, new)
    out = _export(run, tree, "es", "--page", PAGE)
    assert _states(out)[_first_unit_id(out, "What it is used for")] == state


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("only", "msgattrib"),
    [
        ("new", [["--untranslated"]]),
        ("changed", [["--only-fuzzy", "--translated"]]),
        ("new,changed", [["--untranslated"], ["--only-fuzzy", "--translated"]]),
    ],
)
def test_only_selects_what_msgattrib_selects(
    run: Run, tree: Path, locale: str, only: str, msgattrib: list[list[str]]
) -> None:
    """`--only new` is what `msgattrib --untranslated` keeps, `--only changed` what
    `msgattrib --only-fuzzy --translated` keeps (an empty entry is new, fuzzy or not), in
    catalogs with one entry emptied and one made fuzzy."""
    for domain in (PAGE, "ui"):
        po = pypo.pofile.parsestring(_po_path(tree, locale, domain).read_bytes())
        live = [u for u in po.units if not u.isheader() and not u.isobsolete()]
        live[1].target = ""
        live[2].markfuzzy(True)
        _po_path(tree, locale, domain).write_bytes(bytes(po))
    out = _export(run, tree, locale, "--only", only)
    got = sorted(str(u.find("{*}source").text) for u in _singular_sources(out))
    wanted: list[str] = []
    for options in msgattrib:
        for domain in (PAGE, "ui"):
            selected = subprocess.run(
                ["msgattrib", *options, "--no-obsolete", str(_po_path(tree, locale, domain))],
                capture_output=True,
                check=True,
            ).stdout
            po = pypo.pofile.parsestring(selected) if selected else None
            wanted += [u.source for u in po.units if not u.isheader()] if po else []
    assert got == sorted(wanted)


def _singular_sources(path: Path) -> list[etree._Element]:
    root = etree.parse(str(path)).getroot()
    found = []
    for unit in root.iter("{*}trans-unit"):
        uid = str(unit.get("id"))
        if uid.endswith("]") and not uid.endswith("[0]"):
            continue
        found.append(unit)
    return found


def test_safety_critical_text_carries_the_note_and_the_context(run: Run, tree: Path) -> None:
    out = _export(run, tree, "es", "--page", PAGE)
    root = etree.parse(str(out)).getroot()
    critical = [
        u for u in root.iter("{*}trans-unit") if u.find("{*}note[@from='clinic-l10n']") is not None
    ]
    flagged = [
        u
        for u in root.iter("{*}trans-unit")
        if u.find(".//{*}context[@context-type='x-safety-critical']") is not None
    ]
    po = read_po(_po_path(tree, "es"))
    marked = [e for e in po.messages() if any("SAFETY-CRITICAL" in c for c in e.extracted)]
    assert len(critical) == len(flagged) == len(marked) > 0
    assert all(
        n.get("priority") == "1"
        for u in critical
        for n in u.findall("{*}note[@from='clinic-l10n']")
    )


def _tt_save(path: Path, edits: dict[str, tuple[str, bool]]) -> Path:
    """A CAT tool's save, done by translate-toolkit: each edited unit's target and fuzziness."""
    store = poxliff.PoXliffFile.parsestring(path.read_bytes())
    for unit in store.units:
        uid = unit.getid().split("\x04", 1)[1]
        if uid in edits:
            unit.target, fuzzy = edits[uid][0], edits[uid][1]
            unit.markfuzzy(fuzzy)
    saved = path.with_suffix(".saved.xlf")
    saved.write_bytes(bytes(store))
    return saved


def _ledger_bytes(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.glob("locales/*/reviews/*"))}


def test_a_file_translate_toolkit_saved_imports(run: Run, tree: Path) -> None:
    out = _export(run, tree, "es", "--page", PAGE)
    heading = _first_unit_id(out, "What it is used for")
    title = _first_unit_id(out, "What S-isomer ketamine is")
    ledgers = _ledger_bytes(tree)
    saved = _tt_save(
        out, {heading: ("Para qué sirve", False), title: ("Qué es la ketamina isómero S", True)}
    )
    result = run("xliff", "import", str(saved), "--translator", TRANSLATOR)
    assert f"{heading} " in result.output and "took: translated" in result.output
    assert "took: fuzzy" in result.output
    po = read_po(_po_path(tree, "es"))
    assert po.get("What it is used for").msgstr == ("Para qué sirve",)
    assert not po.get("What it is used for").fuzzy
    assert po.get("What S-isomer ketamine is").fuzzy
    assert po.header_field("Last-Translator") == TRANSLATOR
    assert msgfmt(_po_path(tree, "es"))[0] == 0
    assert _ledger_bytes(tree) == ledgers  # never an approval


def _unit_xml(
    uid: str, source: str, target: str, state: str = "translated", inner: str = ""
) -> str:
    return (
        f'<trans-unit id="{uid}"><source>{source}</source>'
        f'<target state="{state}">{inner or target}</target></trans-unit>'
    )


def _document(
    body: str, original: str = f"locales/es/LC_MESSAGES/{PAGE}.po", lang: str = "es"
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">'
        f'<file original="{original}" source-language="en" target-language="{lang}" '
        f'datatype="po"><body>{body}</body></file></xliff>'
    ).encode()


# (what the tool sent, what the report says about it)
REFUSALS = [
    (_unit_xml("h-00000000", "What it is used for", "Para qué sirve"), "unknown id"),
    (
        _unit_xml("{heading}", "What is it used for?", "Para qué sirve"),
        "source changed since export",
    ),
    (
        _unit_xml("{heading}", "What it is used for", "", inner='Para <g id="1">qué</g> sirve'),
        "inline markup <g>",
    ),
    (_unit_xml("{term}", "{term_en}", "{term_bad}"), "check error: do-not-translate"),
]


@pytest.mark.parametrize(("unit", "reason"), REFUSALS)
def test_what_the_rules_refuse_is_reported_and_left_out(
    run: Run, tree: Path, unit: str, reason: str
) -> None:
    out = _export(run, tree, "es", "--page", PAGE)
    po_before = _po_path(tree, "es").read_bytes()
    # a protected term ("Keep as written: Spravato") translated: the do-not-translate check
    entry = next(e for e in read_po(_po_path(tree, "es")).messages() if "Spravato" in e.msgid)
    values = {
        "heading": _first_unit_id(out, "What it is used for"),
        "term": _first_unit_id(out, entry.msgid[:40]),
        "term_en": entry.msgid,
        "term_bad": entry.msgstr[0].replace("Spravato", "Esprávato"),
    }
    data = _document(unit.format(**values))
    (tree.parent / "in.xlf").write_bytes(data)
    result = run("xliff", "import", str(tree.parent / "in.xlf"), "--translator", TRANSLATOR, code=1)
    assert "refused: " + reason in result.output
    assert _po_path(tree, "es").read_bytes() == po_before


def test_a_plural_with_the_wrong_number_of_forms_is_refused(run: Run, tree: Path) -> None:
    out = _export(run, tree, "es", "--page", "ui")
    root = etree.parse(str(out)).getroot()
    group = next(root.iter("{*}group"))
    group.remove(group.findall("{*}trans-unit")[-1])
    saved = tree.parent / "plural.xlf"
    saved.write_bytes(etree.tostring(root))
    result = run("xliff", "import", str(saved), "--translator", TRANSLATOR, code=1)
    assert "refused: plural mismatch: 2 form(s), the catalog's Plural-Forms has 3" in result.output


@pytest.mark.parametrize(
    ("state", "fuzzy"),
    [
        ("needs-review-translation", True),
        ("needs-translation", True),
        ("new", True),
        ("translated", False),
        ("signed-off", False),
        ("final", False),
    ],
)
def test_the_state_decides_fuzzy_and_nothing_is_approved(
    run: Run, tree: Path, state: str, fuzzy: bool
) -> None:
    out = _export(run, tree, "es", "--page", PAGE)
    uid = _first_unit_id(out, "What it is used for")
    ledgers = _ledger_bytes(tree)
    saved = tree.parent / "state.xlf"
    saved.write_bytes(_document(_unit_xml(uid, "What it is used for", "Para qué sirve", state)))
    run("xliff", "import", str(saved), "--translator", TRANSLATOR)
    entry = read_po(_po_path(tree, "es")).get("What it is used for")
    assert (entry.msgstr, entry.fuzzy) == (("Para qué sirve",), fuzzy)
    assert _ledger_bytes(tree) == ledgers


def test_the_translator_comes_from_the_option_or_the_files_phase(run: Run, tree: Path) -> None:
    out = _export(run, tree, "es", "--page", PAGE)
    uid = _first_unit_id(out, "What it is used for")
    unit = _unit_xml(uid, "What it is used for", "Para qué sirve")
    saved = tree.parent / "who.xlf"
    saved.write_bytes(_document(unit))
    result = run("xliff", "import", str(saved), code=1)
    assert "no translator named" in result.output
    phase = (
        '<header><phase-group><phase phase-name="t1" process-name="translation" '
        'contact-name="Bea Büro" contact-email="bea@agency.example"/></phase-group></header>'
    )
    saved.write_bytes(_document(unit).replace(b"<body>", phase.encode() + b"<body>"))
    run("xliff", "import", str(saved))
    po = read_po(_po_path(tree, "es"))
    assert po.header_field("Last-Translator") == "Bea Büro <bea@agency.example>"
    result = run("xliff", "import", str(saved), "--translator", "Eve\nLanguage: fr", code=1)
    assert "holds a control character" in result.output
    assert read_po(_po_path(tree, "es")).header_field("Language") == "es"


@pytest.mark.parametrize(
    ("original", "lang", "reason"),
    [
        ("locales/es/LC_MESSAGES/../../../l10n.yaml", "es", "is not a catalog of this tree"),
        (f"locales/es/LC_MESSAGES/{PAGE}.po", "de", "is not a locale enabled"),
        (f"locales/pt_BR/LC_MESSAGES/{PAGE}.po", "es", "is not a catalog of this tree"),
    ],
)
def test_a_file_naming_no_catalog_of_the_tree_is_refused(
    run: Run, tree: Path, original: str, lang: str, reason: str
) -> None:
    saved = tree.parent / "where.xlf"
    saved.write_bytes(_document(_unit_xml("x", "a", "b"), original, lang))
    result = run("xliff", "import", str(saved), "--translator", TRANSLATOR, code=1)
    assert reason in result.output


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file://{secret}">]>',  # an entity from outside
        '<!DOCTYPE xliff [<!ENTITY a "SECRET-TEXT"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ],
)
def test_a_document_with_a_doctype_is_refused(
    run: Run, tree: Path, tmp_path: Path, doctype: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TEXT")
    out = _export(run, tree, "es", "--page", PAGE)
    uid = _first_unit_id(out, "What it is used for")
    entity = "&xxe;" if "xxe" in doctype else "&b;"
    data = _document(_unit_xml(uid, "What it is used for", entity)).replace(
        b"<xliff", doctype.format(secret=secret).encode() + b"<xliff", 1
    )
    saved = tree.parent / "doctype.xlf"
    saved.write_bytes(data)
    before = _po_path(tree, "es").read_bytes()
    result = run("xliff", "import", str(saved), "--translator", TRANSLATOR, code=1)
    assert "a DOCTYPE is not accepted" in result.output
    assert _po_path(tree, "es").read_bytes() == before


def test_an_id_twice_is_taken_once(run: Run, tree: Path) -> None:
    out = _export(run, tree, "es", "--page", PAGE)
    uid = _first_unit_id(out, "What it is used for")
    units = _unit_xml(uid, "What it is used for", "Para qué sirve") + _unit_xml(
        uid, "What it is used for", "Para qué se utiliza"
    )
    saved = tree.parent / "twice.xlf"
    saved.write_bytes(_document(units))
    result = run("xliff", "import", str(saved), "--translator", TRANSLATOR, code=1)
    assert "refused: the id comes twice" in result.output
    assert read_po(_po_path(tree, "es")).get("What it is used for").msgstr == ("Para qué sirve",)


def test_export_then_import_changes_nothing(run: Run, tree: Path) -> None:
    before = {p: p.read_bytes() for p in tree.glob("locales/*/LC_MESSAGES/*.po")}
    for locale in LOCALES:
        out = _export(run, tree, locale)
        result = run("xliff", "import", str(out), "--translator", TRANSLATOR)
        assert "took" not in result.output
    assert {p: p.read_bytes() for p in tree.glob("locales/*/LC_MESSAGES/*.po")} == before


@pytest.mark.parametrize(
    ("target", "verdict", "msgstr", "previous_kept"),
    [
        ("Para qué sirve", "took", "Para qué sirve", False),  # confirmed: no more `#|`
        ("", "skipped", "Para qué se usa", True),  # an empty target leaves the entry alone
        ('<mrk mtype="seg" mid="1">Para qué sirve</mrk>', "took", "Para qué sirve", False),
    ],
)
def test_a_fuzzy_entry_confirmed_loses_its_previous_english(
    run: Run, tree: Path, target: str, verdict: str, msgstr: str, previous_kept: bool
) -> None:
    """As a translator's save in Poedit does: the entry made translated drops `#, fuzzy` and the
    `#|` lines; a tool's segment marker (<mrk mtype="seg">) is read through."""
    po = _po_path(tree, "es")
    replace_in(
        po,
        'msgid "What it is used for"',
        '#, fuzzy\n#| msgid "What is it for"\nmsgid "What it is used for"',
    )
    out = _export(run, tree, "es", "--page", PAGE)
    uid = _first_unit_id(out, "What it is used for")
    saved = tree.parent / "confirm.xlf"
    saved.write_bytes(_document(_unit_xml(uid, "What it is used for", "", inner=target)))
    result = run("xliff", "import", str(saved), "--translator", TRANSLATOR)
    assert f"{uid} (line 2): {verdict}:" in result.output
    entry = read_po(po).get("What it is used for")
    assert entry.msgstr == (msgstr,)
    assert (entry.previous_msgid is not None, entry.fuzzy) == (previous_kept, previous_kept)


@pytest.mark.parametrize("locale", ["es", "ar", "zh-Hans"])
def test_a_generated_tree_round_trips_through_translate_toolkit(
    run: Run, tmp_path: Path, locale: str
) -> None:
    """Exported, read and written again by translate-toolkit (every target assigned anew, as a
    tool's save does), imported: every unit comes back unchanged and no file is touched."""
    root = tmp_path / "gen"
    build_tree(root, 3)
    before = {p: p.read_bytes() for p in sorted(root.glob("locales/**/*")) if p.is_file()}
    out = _export(run, root, locale)
    store = poxliff.PoXliffFile.parsestring(out.read_bytes())
    for unit in store.units:
        unit.target = unit.target
    out.write_bytes(bytes(store))
    result = run("xliff", "import", str(out), "--translator", TRANSLATOR, root=root)
    counts = [line for line in result.output.splitlines() if line.startswith("unchanged ")]
    assert len(counts) == 4  # a page's catalog each, and ui
    assert all(", 0 skipped, 0 refused" in line and ": 0 taken, " in line for line in counts)
    assert "(line " not in result.output
    assert {p: p.read_bytes() for p in before} == before


def test_a_reference_with_a_line_reads_back_as_file_and_line(schema: etree.XMLSchema) -> None:
    unit = XliffUnit(
        "p-1",
        ("Use 2 sprays.",),
        ("Use 2 pulverizaciones.",),
        state="translated",
        approved=True,
        references=(("source_content/pages/x.md", 12), ("source_content/pages/y.md", None)),
    )
    data = write_xliff([XliffFile("locales/es/LC_MESSAGES/x.po", "en", "es", (unit,))], "1")
    assert schema.validate(etree.fromstring(data)), schema.error_log
    read = xliff.xlifffile.parsestring(data).units[0]
    assert _locations(read) == ["source_content/pages/x.md:12", "source_content/pages/y.md"]


@pytest.mark.parametrize("only", ["fuzzy", "new,old", ","])
def test_only_takes_new_and_changed_alone(run: Run, tree: Path, only: str) -> None:
    result = run("xliff", "export", "es", "--only", only, "-o", str(tree.parent / "x.xlf"), code=2)
    assert "give new, changed or new,changed" in result.output
