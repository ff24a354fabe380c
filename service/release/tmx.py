"""Translation memory as TMX 1.4b, for agencies' CAT tools (Trados, memoQ, Phrase read it).

One `<tu>` per memory record: an English `<tuv>` (srclang `en`) and one in the record's locale.
The `<tu>`'s creationdate is when the translation was approved (TMX's `YYYYMMDDThhmmssZ`, UTC) and
creationid who approved it; `<prop>`s (TMX's user-defined `x-` types) say the page, segment, context,
reviewers, approval time and the English's SHA-256. A plural message's English plural and its
other forms are `x-msgid_plural` and `x-msgstr[N]` props: TMX has no plural forms, so the `<tuv>`s
hold the English singular and the form the catalog's Plural-Forms selects for n=1 (msgstr[1] in
Arabic, whose msgstr[0] is the zero form), and every other form is an `x-msgstr[N]` prop. A record with a character XML 1.0 cannot carry (a C0 control
other than tab and newline, U+FFFE, U+FFFF) is left out (`writable`) and counted by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from service import __version__
from service.catalogs.memory import Remembered
from service.core.models import SOURCE_LOCALE

__all__ = ["tmx", "tmx_date", "writable"]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_KEEP = {"\r": "&#13;"}  # a bare CR would be read back as LF


def writable(records: Sequence[Remembered]) -> tuple[list[Remembered], int]:
    """The records TMX (XML 1.0) can carry, and how many it cannot."""
    kept = [
        r
        for r in records
        if not any(
            _NOT_XML.search(t)
            for t in (r.msgid, r.msgid_plural or "", r.msgctxt or "", *r.msgstr, *r.reviewers)
        )
    ]
    return kept, len(records) - len(kept)


def tmx_date(iso: str) -> str:
    """An ISO 8601 time as TMX writes dates (UTC, `YYYYMMDDThhmmssZ`).

    >>> tmx_date("2026-12-07T16:48:39Z")
    '20261207T164839Z'
    >>> tmx_date("2026-12-07T17:48:39+01:00")
    '20261207T164839Z'
    """
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _prop(kind: str, value: str) -> str:
    return f"      <prop type={quoteattr(kind)}>{escape(value, _KEEP)}</prop>\n"


def _tuv(lang: str, text: str) -> str:
    return f"      <tuv xml:lang={quoteattr(lang)}><seg>{escape(text, _KEEP)}</seg></tuv>\n"


def _unit(r: Remembered) -> str:
    props = [
        ("x-page", r.page),
        ("x-segment", r.segment),
        *([("x-msgctxt", r.msgctxt)] if r.msgctxt is not None else []),
        *([("x-msgid_plural", r.msgid_plural)] if r.msgid_plural is not None else []),
        *((f"x-msgstr[{n}]", form) for n, form in enumerate(r.msgstr) if n != r.singular),
        *(("x-reviewer", who) for who in r.reviewers),
        ("x-approved", r.at),
        ("x-source-sha256", r.source_sha256),
    ]
    head = (
        f"    <tu tuid={quoteattr(f'{r.page}/{r.segment}/{r.locale}')}"
        f" creationdate={quoteattr(tmx_date(r.at))} creationid={quoteattr(r.reviewers[0])}>\n"
    )
    return (
        head
        + "".join(_prop(k, v) for k, v in props)
        + _tuv(SOURCE_LOCALE, r.msgid)
        + _tuv(r.locale, r.msgstr[r.singular])
        + "    </tu>\n"
    )


def tmx(records: Iterable[Remembered], now: str) -> str:
    """The TMX 1.4b document of `records`, made at `now` (ISO 8601)."""
    header = (
        '  <header creationtool="clinic-l10n"'
        f" creationtoolversion={quoteattr(__version__)}"
        ' segtype="block" o-tmf="PO" adminlang="en" srclang="en" datatype="plaintext"'
        f" creationdate={quoteattr(tmx_date(now))}/>\n"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
        '<tmx version="1.4">\n'
        + header
        + "  <body>\n"
        + "".join(_unit(r) for r in records)
        + "  </body>\n</tmx>\n"
    )
