"""The header msgmerge writes (message_merge's header branch, gettext 0.21): the old catalog's
fields in gettext's order and spelling, Report-Msgid-Bugs-To and POT-Creation-Date from the
template, and a Language field derived from Language-Team in catalogs that have none.
"""

from __future__ import annotations

from .parse import charset_span

__all__ = ["is_utf8", "merge_header"]

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


_KNOWN_INDEX = {_ascii_lower(name + ":"): i for i, name in enumerate(_KNOWN_FIELDS)}


def merge_header(old: str, template: str) -> str:
    """The header msgstr msgmerge writes: the old fields, known ones in gettext's order with
    gettext's spelling, Report-Msgid-Bugs-To and POT-Creation-Date from the template, unknown
    fields after them in their order, and a Language field when the old header had none.

    >>> merge_header("Language: es\\nX-Tool: a\\nPOT-Creation-Date: 1\\n", "POT-Creation-Date: 2\\n")
    'POT-Creation-Date: 2\\nLanguage: es\\nX-Tool: a\\n'
    """
    fields: dict[int, str] = {}
    unknown = []
    for line in _lines(old):
        # gettext compares the start of the line with each "Name:"; no name holds a colon, so
        # that is the text up to the line's first colon, looked up.
        colon = line.find(":") + 1
        index = _KNOWN_INDEX.get(_ascii_lower(line[:colon])) if colon else None
        if index is None:
            unknown.append(line)
        else:
            fields[index] = line[colon:]
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


def is_utf8(header: str) -> bool:
    """Does the header declare UTF-8 (in any case), as msgmerge asks of a template?"""
    span = charset_span(header)
    return span is not None and _ascii_lower(header[span[0] : span[1]]) == "utf-8"
