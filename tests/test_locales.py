"""Language tags and negotiation (SPEC: HTTP API, locale rules)."""

from __future__ import annotations

import itertools
import random
import tracemalloc

import pytest
from babel import Locale
from babel.localedata import locale_identifiers

from service.core.errors import LocaleError
from service.core.limits import MAX_ACCEPT_LANGUAGE
from service.core.locales import canonical_tag, direction, native_name, to_gettext
from service.core.negotiation import lookup, negotiate, negotiate_header, parse_accept_language

ENABLED = ["en", "es", "pt", "pt-BR", "zh-Hans", "ar", "vi"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9", "es"),  # region falls back to the language
        ("es-MX", "es"),
        ("fr;q=1, pt;q=0.5", "pt"),  # first enabled by preference
        ("en;q=0.2, ar;q=0.8", "ar"),  # q-values, not order, decide
        ("vi;q=0.5, zh-Hans;q=0.5", "vi"),  # ties keep header order
        ("ES", "es"),  # case-insensitive
        ("pt_br", "pt-BR"),  # underscore accepted
        ("pt-BR,pt;q=0.9", "pt-BR"),
        ("pt-PT", "pt"),  # a region we lack falls back to the language
        ("zh-Hans-CN", "zh-Hans"),  # script kept, region dropped
        ("zh-CN", "zh-Hans"),  # CLDR likely subtags: mainland Chinese is Simplified
        ("zh-TW", "en"),  # Traditional is not Simplified: English, not a wrong script
        ("zh-Hant", "en"),
        ("*", "en"),
        ("fr, *;q=0.1", "en"),
        ("es;q=0", "en"),  # q=0 means "not this"
        ("", "en"),
        ("de-CH, de;q=0.9", "en"),  # nothing enabled matches
        ("!!!, es", "es"),  # malformed items are skipped, not fatal
        ("es;q=abc, ar", "ar"),  # a malformed q drops that item only
        ("es;q=1.5", "en"),  # q above 1 is invalid
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        (";;;,,,", "en"),
    ],
)
def test_negotiation_table(header: str, expected: str) -> None:
    assert negotiate(parse_accept_language(header), ENABLED) == expected
    assert negotiate_header(header, tuple(ENABLED))[1] == expected


def _headers(count: int) -> list[str]:
    """Headers as browsers and broken clients send them: CLDR's locales in any case and with `_`,
    extensions, junk, `*`, every q-value spelling, ties, q=0, spaces."""
    rng = random.Random(4647)
    tags = [t.replace("_", "-") for t in locale_identifiers()]
    tags += ["*", "i-klingon", "x-whatever", "es-MX-u-nu-latn", "iw-IL", "!!", "", "es--MX"]
    params = ["", ";q=0.9", ";q=0.9", ";q=1", ";q=0", ";q=0.000", ";q=1.5", ";q=abc", " ; q = 0.5"]
    params += [";Q=0.5", ";q=.5", ";level=1", ";", ";   ", ";q=0.123"]
    made = []
    for _ in range(count):
        items = []
        for _ in range(rng.randint(0, 6)):
            tag = rng.choice(tags)
            tag = rng.choice([tag, tag.lower(), tag.upper(), tag.replace("-", "_")])
            items.append(rng.choice(["", " "]) + tag + rng.choice(params))
        made.append(rng.choice([",", ", "]).join(items))
    return made


@pytest.mark.parametrize("enabled", [tuple(ENABLED), ("en", "es"), ("en", "he", "id", "sr-Latn")])
def test_negotiate_header_is_parse_then_negotiate(enabled: tuple[str, ...]) -> None:
    """The request path's one-pass form decides as the rule does, over 5,000 headers and the
    bounds: (first range other than `*`, first range served in preference order)."""
    bounds = ["fr," * 31 + "es", "fr," * 32 + "es", "z" * 4_084 + ",ar;q=0.1,pt-BR"]
    for header in [*_headers(5_000), *bounds, "es;q=0.5, *;q=0.5, ar", "fr;q=0.5, *, es"]:
        ranges = parse_accept_language(header)
        expected = (next((r for r in ranges if r != "*"), None), negotiate(ranges, enabled))
        assert negotiate_header(header, enabled) == expected, header


def test_a_negotiator_holds_what_it_read_within_its_bounds() -> None:
    """However many distinct headers and items come, a negotiator holds at most _MAX_ITEMS items
    and headers up to _HELD_BYTES, and still decides as negotiate_header does."""
    from service.core.negotiation import _HELD_BYTES, _MAX_ITEMS, Negotiator

    enabled = tuple(ENABLED)
    negotiator = Negotiator(enabled)
    for n in range(_MAX_ITEMS + 600):  # an item of its own in each header
        header = f"fr-x-n{n:05d};q=0.9, es;q=0.5"
        assert negotiator.header(header) == negotiate_header(header, enabled), header
    assert 0 < len(negotiator._items) <= _MAX_ITEMS
    assert 0 < negotiator._held <= _HELD_BYTES


@pytest.mark.parametrize("length", [30, 400, MAX_ACCEPT_LANGUAGE])
def test_the_headers_a_negotiator_holds_fit_in_what_it_counts(length: int) -> None:
    """The memory the held headers take (measured by tracemalloc: the strings, the dictionary
    and what each negotiated) stays within _HELD_BYTES, for short headers as for the longest
    read; and short ones are held by the ten thousand, not by the thousand."""
    from service.core.negotiation import _HELD_BYTES, Negotiator

    negotiator = Negotiator(tuple(ENABLED))
    firsts = [f"es-x-n{n:04d}" for n in range(200)]
    seconds = [f"fr-x-n{n:04d};q=0.3".ljust(length - 11) for n in range(400)]
    for item in firsts + seconds:  # the items read before measuring: only headers are measured
        negotiator.header(item)
    negotiator._headers.clear()
    negotiator._held = 0
    most = 0
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n, (first, second) in enumerate(itertools.product(firsts, seconds)):
            negotiator.header(f"{first},{second}")  # 80,000 distinct headers
            if n % 101 == 0:
                most = max(most, len(negotiator._headers))
        peak = tracemalloc.get_traced_memory()[1] - before  # the highest it reached, exactly
    finally:
        tracemalloc.stop()
    assert len(f"{firsts[0]},{seconds[0]}") == length
    assert 0 < peak <= _HELD_BYTES, peak
    if length < 100:
        assert most > 10_000, most


@pytest.mark.parametrize(
    ("tag", "canonical", "gettext"),
    [
        ("pt-br", "pt-BR", "pt_BR"),
        ("zh_hans", "zh-Hans", "zh_Hans"),
        ("ZH-HANS-cn", "zh-Hans-CN", "zh_Hans_CN"),
        ("es-419", "es-419", "es_419"),
        ("AR", "ar", "ar"),
    ],
)
def test_tags_are_canonicalised_both_ways(tag: str, canonical: str, gettext: str) -> None:
    assert canonical_tag(tag) == canonical
    assert to_gettext(tag) == gettext


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "e",
        "english",
        "es--MX",
        "es-",
        "../es",
        "es/../../etc",
        "es MX",
        "x" * 20,
        "zh-Hans-CN-",
    ],
)
def test_malformed_tags_are_refused(bad: str) -> None:
    with pytest.raises(LocaleError, match="malformed language tag"):
        canonical_tag(bad)


@pytest.mark.parametrize("tag", ENABLED)
def test_direction_and_names_come_from_cldr(tag: str) -> None:
    cldr = Locale.parse(tag, sep="-")
    assert direction(tag) == ("rtl" if cldr.character_order == "right-to-left" else "ltr")
    assert native_name(tag).casefold() == (cldr.get_display_name(cldr) or "").casefold()


def test_arabic_is_right_to_left_and_spanish_is_not() -> None:
    assert (direction("ar"), direction("es")) == ("rtl", "ltr")


@pytest.mark.parametrize(
    ("requested", "enabled", "expected"),
    [
        # RFC 4647 lookup: extensions and private use are dropped before matching
        ("es-MX-u-nu-latn", ["es"], "es"),
        ("zh-Hant-TW-x-private", ["zh-Hant", "zh-Hans"], "zh-Hant"),
        ("zh-Hant-TW-x-private", ["zh-Hans"], None),  # the wrong script is no match
        ("zh-x-hant", ["zh-Hans", "zh-Hant"], "zh-Hans"),  # private use is not a script
        ("i-klingon", ["en", "es"], None),  # grandfathered: nothing to look up
        ("x-whatever", ["en", "es"], None),
        # CLDR language aliases for deprecated codes
        ("iw", ["he"], "he"),
        ("iw-IL", ["he"], "he"),
        ("in", ["id"], "id"),
        ("tl", ["fil"], "fil"),
        ("tl-PH", ["fil"], "fil"),
        ("mo", ["ro"], "ro"),
        ("sh-RS", ["sr-Latn", "sr-Cyrl"], "sr-Latn"),  # the alias brings its script
        ("he", ["iw"], None),  # aliases go from the deprecated code, not to it
        ("iw", ["en", "es"], None),
    ],
)
def test_lookup_table(requested: str, enabled: list[str], expected: str | None) -> None:
    assert lookup(requested, enabled) == expected


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("es-mx-U-NU-latn", "es-MX-u-nu-latn"),
        ("zh_hant_tw_X_Private", "zh-Hant-TW-x-private"),
        ("I-KLINGON", "i-klingon"),
        ("X-Whatever", "x-whatever"),
        ("de-DE-1996", "de-DE-1996"),
        ("zh-min-nan", "zh-min-nan"),  # extlangs
        ("en-a-bbb-x-a-ccc", "en-a-bbb-x-a-ccc"),  # `a` inside private use is no extension
    ],
)
def test_extended_tags_are_well_formed(tag: str, canonical: str) -> None:
    assert canonical_tag(tag) == canonical


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("es-u", "malformed language tag 'es-u'"),  # a singleton needs a subtag
        ("es-x", "malformed language tag 'es-x'"),
        ("es-u-a", "malformed language tag 'es-u-a'"),  # extension subtags are 2-8 long
        ("es-MX-u-nu-latn" + "-abcdefgh" * 6, "language tag too long (over 64 characters)"),
        ("é", "malformed language tag 'é'"),
    ],
)
def test_extended_tags_that_are_not(bad: str, message: str) -> None:
    with pytest.raises(LocaleError) as raised:
        canonical_tag(bad)
    assert raised.value.message.startswith(message)


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        (",".join(["fr"] * 31 + ["es"]), ["fr"] * 31 + ["es"]),  # 32 ranges are read
        (",".join(["fr"] * 32 + ["es"]), ["fr"] * 32),  # the 33rd is not
        ("z" * 4_084 + ",ar;q=0.1,pt-BR", ["ar"]),  # cut at a comma: no `pt` from `pt-BR`
        ("ar," + "z" * 5_000, ["ar"]),
        ("z" * 5_000 + ",ar", []),  # no comma within 4 KB: nothing is read
        ("es-" + "a" * 62 + ", ar", ["ar"]),  # a range over 64 characters is skipped
        ("es-MX-u-nu-latn;q=0.5, x-whatever", ["x-whatever", "es-MX-u-nu-latn"]),
    ],
)
def test_accept_language_is_read_within_bounds(header: str, ranges: list[str]) -> None:
    assert parse_accept_language(header) == ranges
