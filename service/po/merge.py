"""`update`'s core: an old catalog brought up to a new template, as `msgmerge --previous` does it.

GNU gettext 0.21's msgmerge.c is the specification, entry for entry: template order, then the
obsolete entries; translations, translator comments and fuzziness from the old catalog; msgid,
extracted comments, references and format flags from the template; `#|` previous msgids on fuzzy
entries. Only the choice of fuzzy candidate differs by default (see fuzzy.py). Pure: no file I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from . import formats, plural
from .flags import Flags, read_flags, write_flags
from .fuzzy import FuzzyIndex, Matching
from .model import Entry, Key, PoFile

__all__ = ["Matching", "merge", "merge_header"]

# ---- the header (message_merge's header branch) ------------------------------------------------

_KNOWN_FIELDS = (
    "Project-Id-Version",
    "Report-Msgid-Bugs-To",
    "POT-Creation-Date",
    "PO-Revision-Date",
    "Last-Translator",
    "Language-Team",
    "Language",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
)
_LANGUAGE_TEAM, _LANGUAGE = 5, 6
# English language names → codes, as gettext's lang-table.c has them (variants first), for the
# Language field msgmerge derives from Language-Team in catalogs older than gettext 0.18.
_LANGUAGE_TABLE = (
    "de_AT=Austrian|en_GB=English (British)|es_AR=Argentinian|es_IC=Spanish (Canary Islands)|"
    "pt_BR=Brazilian Portuguese|zh_CN=Chinese (simplified)|zh_HK=Chinese (Hong Kong)|"
    "zh_TW=Chinese (traditional)|aa=Afar|ab=Abkhazian|ace=Achinese|ae=Avestan|af=Afrikaans|"
    "ak=Akan|am=Amharic|an=Aragonese|ang=Old English|ar=Arabic|arn=Mapudungun|as=Assamese|"
    "ast=Asturian|av=Avaric|awa=Awadhi|ay=Aymara|az=Azerbaijani|ba=Bashkir|bal=Baluchi|"
    "ban=Balinese|be=Belarusian|bej=Beja|bem=Bemba|bg=Bulgarian|bh=Bihari|bho=Bhojpuri|"
    "bi=Bislama|bik=Bikol|bin=Bini|bm=Bambara|bn=Bengali|bo=Tibetan|br=Breton|bs=Bosnian|"
    "bug=Buginese|ca=Catalan|ce=Chechen|ceb=Cebuano|ch=Chamorro|co=Corsican|cr=Cree|"
    "crh=Crimean Tatar|cs=Czech|csb=Kashubian|cu=Church Slavic|cv=Chuvash|cy=Welsh|da=Danish|"
    "de=German|din=Dinka|doi=Dogri|dsb=Lower Sorbian|dv=Divehi|dz=Dzongkha|ee=Ewe|el=Greek|"
    "en=English|eo=Esperanto|es=Spanish|et=Estonian|eu=Basque|fa=Persian|ff=Fulah|fi=Finnish|"
    "fil=Filipino|fj=Fijian|fo=Faroese|fon=Fon|fr=French|fur=Friulian|fy=Western Frisian|"
    "ga=Irish|gd=Scottish Gaelic|gl=Galician|gn=Guarani|gon=Gondi|gsw=Swiss German|gu=Gujarati|"
    "gv=Manx|ha=Hausa|he=Hebrew|hi=Hindi|hil=Hiligaynon|hmn=Hmong|ho=Hiri Motu|hr=Croatian|"
    "hsb=Upper Sorbian|ht=Haitian|hu=Hungarian|hy=Armenian|hz=Herero|ia=Interlingua|"
    "id=Indonesian|ie=Interlingue|ig=Igbo|ii=Sichuan Yi|ik=Inupiak|ilo=Iloko|is=Icelandic|"
    "it=Italian|iu=Inuktitut|ja=Japanese|jab=Hyam|jv=Javanese|ka=Georgian|kab=Kabyle|kaj=Jju|"
    "kam=Kamba|kbd=Kabardian|kcg=Tyap|kdm=Kagoma|kg=Kongo|ki=Kikuyu|kj=Kuanyama|kk=Kazakh|"
    "kl=Kalaallisut|km=Central Khmer|kmb=Kimbundu|kn=Kannada|ko=Korean|kr=Kanuri|kru=Kurukh|"
    "ks=Kashmiri|ku=Kurdish|kv=Komi|kw=Cornish|ky=Kirghiz|kok=Konkani|la=Latin|"
    "lb=Letzeburgesch|lg=Ganda|li=Limburgish|ln=Lingala|lo=Laotian|lt=Lithuanian|"
    "lu=Luba-Katanga|lua=Luba-Lulua|luo=Luo|lv=Latvian|mad=Madurese|mag=Magahi|mai=Maithili|"
    "mak=Makasar|man=Mandingo|men=Mende|mg=Malagasy|mh=Marshallese|mi=Maori|min=Minangkabau|"
    "mk=Macedonian|ml=Malayalam|mn=Mongolian|mni=Manipuri|mo=Moldavian|moh=Mohawk|mos=Mossi|"
    "mr=Marathi|ms=Malay|mt=Maltese|mwr=Marwari|my=Burmese|myn=Mayan|na=Nauru|nap=Neapolitan|"
    "nah=Nahuatl|nb=Norwegian Bokmal|nd=North Ndebele|nds=Low Saxon|ne=Nepali|ng=Ndonga|"
    "nl=Dutch|nn=Norwegian Nynorsk|no=Norwegian|nr=South Ndebele|nso=Northern Sotho|nv=Navajo|"
    "ny=Nyanja|nym=Nyamwezi|nyn=Nyankole|oc=Occitan|oj=Ojibwa|om=(Afan) Oromo|or=Oriya|"
    "os=Ossetian|pa=Punjabi|pag=Pangasinan|pam=Pampanga|pap=Papiamento|pbb=Páez|pi=Pali|"
    "pl=Polish|ps=Pashto|pt=Portuguese|qu=Quechua|raj=Rajasthani|rm=Romansh|rn=Kirundi|"
    "ro=Romanian|ru=Russian|rw=Kinyarwanda|sa=Sanskrit|sah=Yakut|sas=Sasak|sat=Santali|"
    "sc=Sardinian|scn=Sicilian|sd=Sindhi|se=Northern Sami|sg=Sango|shn=Shan|si=Sinhala|"
    "sid=Sidamo|sk=Slovak|sl=Slovenian|sm=Samoan|sma=Southern Sami|smj=Lule Sami|"
    "smn=Inari Sami|sms=Skolt Sami|sn=Shona|so=Somali|sq=Albanian|sr=Serbian|srr=Serer|"
    "ss=Siswati|st=Sesotho|su=Sundanese|suk=Sukuma|sus=Susu|sv=Swedish|sw=Swahili|ta=Tamil|"
    "te=Telugu|tem=Timne|tet=Tetum|tg=Tajik|th=Thai|ti=Tigrinya|tiv=Tiv|tk=Turkmen|tl=Tagalog|"
    "tn=Setswana|to=Tonga|tr=Turkish|ts=Tsonga|tt=Tatar|tum=Tumbuka|tw=Twi|ty=Tahitian|"
    "ug=Uighur|uk=Ukrainian|umb=Umbundu|ur=Urdu|uz=Uzbek|ve=Venda|vi=Vietnamese|vo=Volapuk|"
    "wal=Walamo|war=Waray|wen=Sorbian|wo=Wolof|xh=Xhosa|yao=Yao|yi=Yiddish|yo=Yoruba|za=Zhuang|"
    "zh=Chinese|zu=Zulu|zap=Zapotec"
)
_LANGUAGE_NAMES = dict(pair.split("=")[::-1] for pair in _LANGUAGE_TABLE.split("|"))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    """Lower case as C's strncasecmp sees it: A-Z only, whatever the locale."""
    return text.translate(_ASCII_LOWER)


def _language_from_team(team: str) -> str:
    """Language-Team's value → the Language value msgmerge derives from it (" de\\n"), or " \\n".

    The value keeps its newline, as in msgmerge, so only a team named with an address or URL
    after it ("German <de@li.org>") is found in the table.
    """
    name = team.strip(" \t")
    last = len(name)
    while last > 0 and name[last - 1] not in " \t":
        last -= 1
    if last < len(name) and (name[last] == "<" or name[-1] == ">" or "@" in name or "/" in name):
        name = name[:last].rstrip(" \t")
    code = _LANGUAGE_NAMES.get(name)
    return f" {code}\n" if code else " \n"


def _field_from(template: str, name: str) -> str | None:
    """A field's value as msgmerge takes it from the template: after the first "Name:" anywhere."""
    at = template.find(name + ":")
    if at < 0:
        return None
    rest = template[at + len(name) + 1 :]
    end = rest.find("\n")
    return rest + "\n" if end < 0 else rest[: end + 1]


def merge_header(old: str, template: str) -> str:
    """The header msgstr msgmerge writes: the old fields, known ones in gettext's order with
    gettext's spelling, Report-Msgid-Bugs-To and POT-Creation-Date from the template, unknown
    fields after them in their order, and a Language field when the old header had none.

    >>> merge_header("Language: es\\nX-Tool: a\\nPOT-Creation-Date: 1\\n", "POT-Creation-Date: 2\\n")
    'POT-Creation-Date: 2\\nLanguage: es\\nX-Tool: a\\n'
    """
    fields: dict[int, str] = {}
    unknown = []
    lowered = [_ascii_lower(name + ":") for name in _KNOWN_FIELDS]
    for line in _lines(old):
        head = _ascii_lower(line[:27])
        index = next((i for i, name in enumerate(lowered) if head.startswith(name)), None)
        if index is None:
            unknown.append(line)
        else:
            fields[index] = line[len(lowered[index]) :]
    if _LANGUAGE not in fields and _LANGUAGE_TEAM in fields:
        fields[_LANGUAGE] = _language_from_team(fields[_LANGUAGE_TEAM])
    for index in (1, 2):
        value = _field_from(template, _KNOWN_FIELDS[index])
        if value is not None:
            fields[index] = value
    known = (f"{_KNOWN_FIELDS[i]}:{fields[i]}" for i in range(len(_KNOWN_FIELDS)) if i in fields)
    return "".join(known) + "".join(unknown)


def _lines(text: str) -> list[str]:
    """Lines with their newline; a last line without one gets one, as msgmerge adds it."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return [*lines, parts[-1] + "\n"] if parts[-1] else lines


# ---- plural forms and format strings ----------------------------------------------------------


@dataclass(frozen=True)
class _Plurals:
    """What msgmerge knows of the old catalog's plural forms: extract_plural_expression's count
    (2 when the header has no valid Plural-Forms) and the formula."""

    nplurals: int
    formula: plural.Plural

    @cached_property
    def distribution(self) -> plural.Distribution | None:
        """check_plural_eval's distribution, for format checks only (1001 evaluations, so only
        on demand); None when the formula fails over 0..1000, which relaxes those checks."""
        try:
            return plural.distribution(self.formula, self.nplurals)
        except plural.PluralFormsError:
            return None


_GERMANIC = _Plurals(2, plural.GERMANIC.plural)


def _plurals(header: str | None) -> _Plurals:
    """
    >>> _plurals("Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);\\n").nplurals
    3
    >>> _plurals("Plural-Forms: nplurals=3; plural=n >> 1;\\n").nplurals
    2
    """
    if header is None:
        return _GERMANIC
    at_plural, at_count = header.find("plural="), header.find("nplurals=")
    count = re.match(r"[ \t\n\v\f\r]*([0-9]+)", header[at_count + 9 :]) if at_count >= 0 else None
    if at_plural < 0 or count is None:
        return _GERMANIC
    # The expression ends at ';' or a newline: only that much is compiled, and remembered.
    expression = re.match(r"[^;\n]*", header[at_plural + 7 :])
    assert expression is not None
    return _compiled(int(count.group(1)), expression.group())


@lru_cache(maxsize=256)
def _compiled(nplurals: int, expression: str) -> _Plurals:
    try:
        return _Plurals(nplurals, plural.compile_plural(expression))
    except plural.PluralFormsError:
        return _GERMANIC


def _format_breaks(language: str, new: Entry, msgstr: tuple[str, ...], rules: _Plurals) -> bool:
    """Would `msgfmt -c` reject `msgstr` now that the template calls `new` a `language` format
    string? msgmerge then makes the entry fuzzy. For the languages formats.py does not check the
    answer is yes: the entry becomes fuzzy rather than let an unchecked translation through."""
    if language not in formats.CHECKED:
        return True
    source = new.msgid_plural if new.msgid_plural is not None else new.msgid
    try:
        wanted = formats.parse(language, source, translated=False)
    except formats.InvalidFormat:
        return False  # msgfmt does not check a msgid that is no format string
    span = read_flags(new.flags).range
    often = rules.distribution.often if rules.distribution is not None else None
    for form, text in enumerate(msgstr):
        strict = (
            new.msgid_plural is None
            or len(msgstr) == 1
            or (
                often is not None
                and form < len(often)
                and often[form]
                and not (
                    span is not None
                    and rules.distribution is not None
                    and rules.distribution.histogram(*span, form) <= 1
                )
            )
        )
        try:
            got = formats.parse(language, text, translated=True)
        except formats.InvalidFormat:
            return True
        if formats.compare(language, wanted, got, strict, "msgid", "msgstr"):
            return True
    return False


# ---- messages (match_domain, message_merge) ----------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """An entry of the result while msgmerge's later passes may still change it."""

    entry: Entry
    flags: Flags
    singular_to_plural: bool = False  # template has msgid_plural, the old entry did not
    plural_to_singular: bool = False


def _charset_in(header: str) -> tuple[int, int] | None:
    """Where the value of the header's first `charset=` is (start, end)."""
    at = header.find("charset=")
    if at < 0:
        return None
    start = end = at + len("charset=")
    while end < len(header) and header[end] not in " \t\n":
        end += 1
    return start, end


def _merged(old: Entry, new: Entry, force_fuzzy: bool, rules: _Plurals) -> _Draft:
    """message_merge: one template entry filled from one old entry."""
    have, want = read_flags(old.flags), read_flags(new.flags)
    msgstr = (merge_header(old.msgstr[0], new.msgstr[0]),) if new.is_header else old.msgstr
    fuzzy = have.fuzzy or force_fuzzy or old.msgid_plural != new.msgid_plural
    for language, value in want.formats:
        if (
            not fuzzy
            and value in ("yes", "possible")
            and have.format(language) not in ("yes", "possible")
            and _format_breaks(language, new, msgstr, rules)
        ):
            fuzzy = True
    if not fuzzy and have.range is not None:
        low, high = have.range
        fuzzy = want.range is None or not (want.range[0] >= low and want.range[1] <= high)
    # The later passes only ever confirm fuzziness (a plural change is fuzzy already) and keep
    # msgstr[0], so whether the `#|` lines survive is known here.
    previous: tuple[str | None, str | None, str | None] = (None, None, None)
    if new.is_header or not fuzzy or msgstr[0] == "":
        pass
    elif have.fuzzy:
        previous = (old.previous_msgctxt, old.previous_msgid, old.previous_msgid_plural)
    else:
        previous = (old.msgctxt, old.msgid, old.msgid_plural)
    if (
        msgstr == old.msgstr
        and previous == (old.previous_msgctxt, old.previous_msgid, old.previous_msgid_plural)
        and _same_source(old, new)
    ):
        entry = old  # already merged with this template: the common case costs no copy
    else:
        entry = replace(
            new,
            msgstr=msgstr,
            comments=old.comments,
            previous_msgctxt=previous[0],
            previous_msgid=previous[1],
            previous_msgid_plural=previous[2],
            line=old.line,
            msgstr_line=old.msgstr_line,
        )
    return _Draft(
        entry,
        Flags(fuzzy, want.formats, want.range, want.wrap),
        singular_to_plural=new.msgid_plural is not None and old.msgid_plural is None,
        plural_to_singular=new.msgid_plural is None and old.msgid_plural is not None,
    )


def _same_source(old: Entry, new: Entry) -> bool:
    """Everything a merged entry takes from the template is already in the old entry."""
    return (
        old.msgid_plural == new.msgid_plural
        and old.extracted == new.extracted
        and old.references == new.references
        and old.obsolete == new.obsolete
        and old.msgctxt == new.msgctxt
        and old.msgid == new.msgid
    )


def _missing(new: Entry, nplurals: int) -> _Draft:
    """A template entry nothing in the old catalog matches: copied, with as many empty plural
    forms as the old catalog's header asks for."""
    entry = new
    if new.msgid_plural is not None and not any(new.msgstr):
        entry = replace(new, msgstr=("",) * max(nplurals, 1))
    return _Draft(entry, read_flags(new.flags))


def _finish(draft: _Draft, nplurals: int) -> Entry:
    """The postprocessing passes of match_domain, then the flags as gettext writes them."""
    entry, flags = draft.entry, draft.flags
    if draft.singular_to_plural and nplurals > 0:
        entry = replace(entry, msgstr=(entry.msgstr[0],) * nplurals)
        flags = replace(flags, fuzzy=True)
    if draft.plural_to_singular and len(entry.msgstr) > 1:
        entry = replace(entry, msgstr=entry.msgstr[:1])
        flags = replace(flags, fuzzy=True)
    if entry.has_previous and (not flags.fuzzy or entry.msgstr[0] == ""):
        entry = replace(
            entry, previous_msgctxt=None, previous_msgid=None, previous_msgid_plural=None
        )
    rendered = write_flags(flags, translated=entry.msgstr[0] != "", obsolete=entry.obsolete)
    return entry if rendered == entry.flags else replace(entry, flags=rendered)


def _retired(old: Entry) -> Entry:
    """An old entry no template entry used: kept as obsolete, without source comments."""
    flags = write_flags(read_flags(old.flags), translated=True, obsolete=True)
    if old.obsolete and not old.extracted and not old.references and flags == old.flags:
        return old
    return replace(old, extracted=(), references=(), flags=flags, obsolete=True)


def merge(
    old: PoFile,
    template: PoFile,
    *,
    protected_terms: tuple[str, ...] = (),
    matching: Matching = Matching.CLINIC,
) -> PoFile:
    """`msgmerge --previous old template`, as the parsed catalog it writes.

    Returns `old` itself when the template brings nothing new, so that a caller can skip the
    write. `matching` picks the fuzzy matcher: CLINIC (default) never pre-fills a translation
    across a changed number, dose, placeholder or one of `protected_terms`; GNU is msgmerge's.
    """
    entries = template.entries
    if template.header is None:  # msgmerge adds an empty header to a template without one
        entries = (Entry(""), *entries)
    template_header = next((e.msgstr[0] for e in entries if e.is_header and not e.obsolete), "")
    to_utf8 = _charset_in(template_header)
    was_utf8 = to_utf8 is not None and _ascii_lower(template_header[slice(*to_utf8)]) == "utf-8"

    defs = list(old.entries)
    found: dict[Key, Entry] = {}
    for i, entry in enumerate(defs):
        if entry.is_header and was_utf8 and (span := _charset_in(entry.msgstr[0])):
            # msgmerge converts the old catalog to the template's UTF-8 and says so in its header
            text = entry.msgstr[0]
            defs[i] = entry = replace(entry, msgstr=(text[: span[0]] + "UTF-8" + text[span[1] :],))
        found.setdefault(entry.key, entry)
    old_header = found.get((None, ""))
    rules = _plurals(old_header.msgstr[0] if old_header is not None else None)

    index: FuzzyIndex | None = None
    used: set[int] = set()
    drafts: list[_Draft] = []
    for new in entries:
        match = found.get(new.key)
        fuzzy = False
        if match is None and not new.is_header:
            if index is None:
                index = FuzzyIndex(defs, "utf-8" if was_utf8 else old.charset)
            match = index.best(new, matching, protected_terms)
            fuzzy = match is not None
        if match is not None:
            used.add(id(match))
            drafts.append(_merged(match, new, fuzzy, rules))
        elif not new.is_header:
            drafts.append(_missing(new, rules.nplurals))

    result_header = next((d.entry for d in drafts if d.entry.is_header), None)
    nplurals = _plurals(result_header.msgstr[0] if result_header is not None else None).nplurals
    finished = [_finish(d, nplurals) for d in drafts]
    retired = [_retired(e) for e in defs if id(found[e.key]) not in used]
    merged = (
        *(e for e in finished if not e.obsolete),
        *(e for e in finished if e.obsolete and e.msgstr[0] != ""),
        *(e for e in retired if e.msgstr[0] != ""),
    )
    charset = "UTF-8" if was_utf8 else old.charset
    if merged == old.entries and charset == old.charset:
        return old
    return PoFile(merged, old.path, charset)
