"""A block's Markdown → the msgid a translator sees, and a translation → what a patient reads: tables
of (Markdown, segments) and (Markdown, translation, HTML)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.content.inline import render_text
from service.content.pages import parse_page
from service.content.parser import markdown
from service.core.models import Segment, SegmentType, Target

from .conftest import Run
from .pictures import hashed, write_png

Client = Callable[[Path], TestClient]

P, LI, CELL, IMG, H = (
    SegmentType.PARAGRAPH,
    SegmentType.LIST_ITEM,
    SegmentType.TABLE_CELL,
    SegmentType.IMAGE,
    SegmentType.HEADING,
)


def _body(markdown_text: str) -> list[Segment]:
    page = parse_page(f"---\nslug: t\ntitle: T\n---\n{markdown_text}", Path("t.md"))
    return [s for s in page.segments if s.type is not SegmentType.TITLE]


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        # white space: continuation lines join with one space; a hard break stays
        ("Take it\n   with water,\n\tdaily.\n", [(P, "Take it with water, daily.")]),
        ("Take it  \n   with water.\n", [(P, "Take it  \nwith water.")]),
        ("Take it \\\n  daily.\n", [(P, "Take it \\\ndaily.")]),
        ("- Take it\n  with water.\n", [(LI, "Take it with water.")]),
        ("Once.  Then wait.\n", [(P, "Once. Then wait.")]),
        ("Type `a  b`\n  now.\n", [(P, "Type `a  b` now.")]),  # code as written
        # reference links: the target stays in the definition, the label in full form
        ("See the [guide][1].\n\n[1]: https://example.org/g\n", [(P, "See the [guide][1].")]),
        ("See the [guide][].\n\n[guide]: /g\n", [(P, "See the [guide][guide].")]),
        ("See the [guide].\n\n[Guide]: /g\n", [(P, "See the [guide][guide].")]),
        ("See ![the chart].\n\n[the chart]: c.png\n", [(P, "See ![the chart][the chart].")]),
        ("See the [guide].\n", [(P, "See the [guide].")]),  # no definition: text, as written
        ("[a] [b]\n\n[b]: /b\n", [(P, "[a] [b][b]")]),
        # comments: never a message, never shown
        ("<!-- internal note -->\n\nTake it.\n", [(P, "Take it.")]),
        ("<!-- a\n\nlong note -->\nTake it.\n", [(P, "Take it.")]),
        ("Take it <!-- why? --> daily.\n", [(P, "Take it daily.")]),
        ("Take it daily. <!-- why? -->\n", [(P, "Take it daily.")]),
        ("`<!-- code -->` here\n", [(P, "`<!-- code -->` here")]),
        ("<!-- left open\n\nTake it.\n", [(P, "<!-- left open"), (P, "Take it.")]),
        # an image alone: its alt text is the message; in a sentence it stays inline, checked
        ("![A nasal spray](spray.png)\n", [(IMG, "A nasal spray")]),
        ('![A *nasal* spray](spray.png "Spray")\n', [(IMG, "A *nasal* spray")]),
        ("![A nasal\n  spray][s]\n\n[s]: spray.png\n", [(IMG, "A nasal spray")]),
        ("- ![A nasal spray](spray.png)\n", [(IMG, "A nasal spray")]),
        ("Use ![the spray](s.png) daily.\n", [(P, "Use ![the spray](s.png) daily.")]),
        ("![](spray.png)\n", []),  # no alt text: nothing to translate
        # numbers, symbols and code alone stay as in the English
        (
            "| Week | Dose | Flag |\n| - | - | - |\n| 1 | 56 mg | `--dry-run` |\n| 2–4 | 84 | ✓ |\n",
            [(CELL, "Week"), (CELL, "Dose"), (CELL, "Flag"), (CELL, "56 mg")],
        ),
        ("# 2024\n\n- `pip install x`\n- 10 %\n", []),
        ("## Step 2\n", [(H, "Step 2")]),
    ],
)
def test_block_to_msgid(body: str, segments: list[tuple[SegmentType, str]]) -> None:
    assert [(s.type, s.source) for s in _body(body)] == segments


def test_a_segment_keeps_the_definitions_its_links_use() -> None:
    [seg] = _body(
        'See the [guide][g] and the [FAQ].\n\n[g]: /guide "The guide"\n[faq]: /faq\n[x]: /unused\n'
    )
    assert seg.references == (Target("/guide", "The guide", "G"), Target("/faq", "", "FAQ"))
    assert seg.image is None


def test_an_image_alone_keeps_its_source_out_of_the_msgid() -> None:
    [seg] = _body('![A nasal spray](img/spray.png "Spray")\n')
    assert seg.image == Target("img/spray.png", "Spray")
    assert "spray.png" not in seg.source
    assert seg.comment.startswith("image description")


@pytest.mark.parametrize(
    ("body", "translation", "html"),
    [
        (
            "See the [guide][1].\n\n[1]: https://example.org/g\n",
            "Vea la [guía][1].",
            'Vea la <a href="https://example.org/g">guía</a>.',
        ),
        (
            "See the [guide].\n\n[guide]: /g 'Guide'\n",
            "Vea la [guía][guide].",
            'Vea la <a href="/g" title="Guide">guía</a>.',
        ),
        (
            '![A nasal spray](img/spray.png "Spray")\n',
            "Un *aerosol* nasal",
            '<img src="img/spray.png" alt="Un aerosol nasal" title="Spray" />',
        ),
        (  # what a translator writes into the alt text stays text: the source is the English's
            "![A nasal spray](img/spray.png)\n",
            '" onerror="alert(1)',
            '<img src="img/spray.png" alt="&quot; onerror=&quot;alert(1)" />',
        ),
    ],
)
def test_a_translation_is_read_with_the_english_targets(
    body: str, translation: str, html: str
) -> None:
    [seg] = _body(body)
    assert render_text(translation, seg.references, seg.image) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<!-- note -->\n\nText.\n", "<p>Text.</p>\n"),
        ("Text <!-- note --> here.\n", "<p>Text  here.</p>\n"),
        ("Text\n<!-- note -->\nhere.\n", "<p>Text</p>\n<p>here.</p>\n"),  # as a CommonMark block
        ("<!-- note -->*text*\n", "<p><em>text</em></p>\n"),  # text after it on its line is kept
        ("<!-- open\n\ntext\n", "<p>&lt;!-- open</p>\n<p>text</p>\n"),  # unclosed: shown
        ("    <!-- code -->\n", "<pre><code>&lt;!-- code --&gt;\n</code></pre>\n"),
        ("<div>raw</div>\n", "<p>&lt;div&gt;raw&lt;/div&gt;</p>\n"),  # other HTML: escaped
    ],
)
def test_the_parser_drops_closed_comments_and_escapes_other_html(text: str, html: str) -> None:
    assert markdown().render(text) == html


LINKED = """---
slug: linked
title: Linked page
---

<!-- internal note: ask pharmacy about the dose table -->

See the [leaflet][1] and the [FAQ].

![A nasal spray, held upright](img/spray.png)

| Week | Dose |
| ---- | ---- |
| 1    | 56   |

[1]: https://example.org/leaflet.pdf
[faq]: https://example.org/faq
"""
LINKS_EN = "See the [leaflet][1] and the [FAQ][FAQ]."
REVIEWER = "Dr. Robin Spare (fictional)"


def _translate(po: Path, msgid: str, msgstr: str) -> None:
    text = po.read_text(encoding="utf-8")
    text = text.replace(f'msgid "{msgid}"\nmsgstr ""', f'msgid "{msgid}"\nmsgstr "{msgstr}"')
    text = text.replace("FULL NAME <EMAIL@ADDRESS>", "Lucía Ficticia (fictional)", 1)
    po.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("links", "served"),
    [
        ("Vea el [folleto][1] y las [preguntas][FAQ].", True),
        ("Vea el [folleto][1] y las [preguntas frecuentes].", False),  # a label translated
        ("Vea el [folleto](https://evil.example) y las [preguntas][FAQ].", False),
    ],
)
def test_a_translated_page_links_and_shows_what_the_english_does(
    fixture_tree: Path, run: Run, client_for: Client, links: str, served: bool
) -> None:
    """Through the pipeline: extract, translate, approve, serve. The targets and the image source
    are the English's; the comment and the numbers are nobody's task; a translation that loses a
    reference's target is refused and never served."""
    (fixture_tree / "source_content/pages/linked.md").write_text(LINKED, encoding="utf-8")
    spray = write_png(fixture_tree / "source_content/assets/img/spray.png")
    run("extract")
    run("update")
    po = fixture_tree / "locales/es/LC_MESSAGES/linked.po"
    _translate(po, LINKS_EN, links)
    _translate(po, "A nasal spray, held upright", "Un aerosol nasal, en posición vertical")
    for msgid, msgstr in (("Linked page", "Página"), ("Week", "Semana"), ("Dose", "Dosis")):
        _translate(po, msgid, msgstr)
    approve = ("review", "approve", "--page", "linked", "--all", "--reviewer", REVIEWER)
    run(*approve[:2], "en", *approve[2:], "--role", "clinical")
    approved = run(*approve[:2], "es", *approve[2:], code=None)
    assert ("check links" in approved.output) is not served

    client = client_for(fixture_tree)
    html = client.get("/pages/linked", params={"locale": "es"}).text
    segments = client.get("/v1/pages/linked", params={"locale": "es"}).json()["segments"]
    by_type = {s["type"]: s for s in segments}
    assert set(by_type) == {"title", "paragraph", "image", "table-cell"}  # no comment, no number
    img = f'<img src="/assets/{hashed("img/spray.png", spray)}" alt="Un aerosol nasal, en posición vertical" />'
    assert by_type["image"]["html"] == img
    assert 'href="https://example.org/leaflet.pdf"' in by_type["paragraph"]["html"]
    assert "internal note" not in html and "&lt;!--" not in html
    assert img in html
    assert "<td>56</td>" in html
    if served:
        assert (
            'Vea el <a href="https://example.org/leaflet.pdf">folleto</a> y las '
            '<a href="https://example.org/faq">preguntas</a>.'
        ) in html
    else:
        assert 'See the <a href="https://example.org/leaflet.pdf">leaflet</a>' in html
        assert "evil" not in html and "[preguntas frecuentes]" not in html


def _corpus_texts() -> list[str]:
    """Every msgid and msgstr of the corpus's real UTF-8 catalogs (Sphinx, Babel, git) that has
    no markup character: the texts the plain-text shortcut answers without markdown-it. Read by
    Babel, which reads the comments above a header as UTF-8 (so no catalog in another charset)."""
    from babel.messages.pofile import read_po

    from service.content.inline import PLAIN

    from .gnu import corpus

    texts = set()
    for po in sorted(corpus().rglob("*.po")):
        if re.search(rb"charset=(?!UTF-8\\n)", po.read_bytes()[:4096], re.I):
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            for text in (message.id, message.string):
                for one in text if isinstance(text, tuple | list) else (text,):
                    if one and PLAIN.fullmatch(one):
                        texts.add(one)
    return sorted(texts)


_TRICKY_PLAIN = [
    "  leading and trailing  ",
    "1. not a list",
    "- not an item",
    "# not a heading",
    "| a | b |",
    "50% of 56 mg: take 2-3 times (daily) + water; done?",
    "Ärzte: 0,5 mL — ١٠ مل — 用量",
    "{count} parts, %(name)s and %s",
    "tabs\tinside",
]


def _markdown_it_tokens(text: str) -> list[tuple[str, str, str, object]]:
    tokens = markdown().parseInline(text, {"references": {}})[0].children or []
    return [(t.type, t.tag, t.content, t.attrs) for t in tokens]


def _ours(text: str) -> list[tuple[str, str, str, object]]:
    from service.content.inline import parse_text

    return [(t.type, t.tag, t.content, t.attrs) for t in parse_text(text)]


@pytest.mark.parametrize("text", _TRICKY_PLAIN)
def test_plain_text_shortcut_gives_what_markdown_it_gives(text: str) -> None:
    """`parse_text` skips markdown-it for a text with no markup character; markdown-it itself says
    what the tokens must be."""
    assert _ours(text) == _markdown_it_tokens(text)


def test_plain_text_shortcut_on_real_catalogs() -> None:
    texts = _corpus_texts()
    assert len(texts) > 1000
    wrong = [t for t in texts if _ours(t) != _markdown_it_tokens(t)]
    assert not wrong, wrong[:5]
