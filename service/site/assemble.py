"""What a site makes of all its records at once: the list of pages in each locale, the locales
document, the coverage document and the health report, and the index page. Each reads the records
(`index.Record`) only; `prepared.build_site` calls them, and keeps from the site in service what
the same records made before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.core.config import Config
from service.core.locales import babel_locale, direction, native_name, to_gettext
from service.core.models import SOURCE_LOCALE
from service.render.html import render_template
from service.render.links import SERVER
from service.site.bodies import REQUESTED, Body, JsonBody
from service.site.coverage import CoverageRow, served_share
from service.site.index import PageEntry, Record
from service.site.schemas import HealthOut, LocaleOut, LocalesOut, PagesOut, PageSummary

__all__ = [
    "Health",
    "entry",
    "health_report",
    "index_page",
    "locales_body",
    "locales_with",
    "page_list",
    "starting_health",
]

Records = Mapping[tuple[str, str], Record]  # by (slug, locale)


def entry(record: Record) -> PageEntry:
    """The entry of a page served (its record in every locale has one)."""
    if record.page is None:
        raise ValueError(f"{record.slug} in {record.locale}: not a page served")
    return record.page


def page_list(
    records: Records, served: Sequence[str], locale: str, listed: Mapping[str, Sequence[str]]
) -> JsonBody:
    """`/v1/pages` in `locale`: each page served and listed in it (`listed`: the locales each page
    is listed in, `listing`), with its title as shown in that locale."""
    summaries = []
    for slug in served:
        if locale not in listed[slug]:
            continue
        page = entry(records[(slug, locale)])
        summaries.append(
            PageSummary(
                slug=slug,
                title=page.title,
                title_locale=page.title_locale,
                complete=page.complete,
                url=f"/v1/pages/{slug}?locale={locale}",
                html_url=SERVER.page(slug, locale),
            )
        )
    return JsonBody.of(PagesOut(requested_locale=REQUESTED, target_locale=locale, pages=summaries))


def locales_body(config: Config, rows: Sequence[CoverageRow], served: Sequence[str]) -> Body:
    """`/v1/locales` as the tree has it: every locale's reviewed share from the coverage `rows`
    of the pages `served` (a release counts its own: `served.release_shares`)."""
    pages = set(served)
    return locales_with(config, {loc: served_share(rows, loc, pages) for loc in config.all_locales})


def locales_with(config: Config, shares: Mapping[str, float]) -> Body:
    """`/v1/locales`: every locale, its chain and its reviewed share (`shares`, by locale)."""
    return Body.of(
        LocalesOut(
            locales=[
                LocaleOut(
                    tag=loc,
                    gettext=to_gettext(loc),
                    name=native_name(loc),
                    english_name=babel_locale(loc).english_name or loc,
                    direction="rtl" if direction(loc) == "rtl" else "ltr",
                    chain=list(config.chain(loc)) if loc != SOURCE_LOCALE else [SOURCE_LOCALE],
                    reviewed_share=shares[loc],
                )
                for loc in config.all_locales
            ]
        ).model_dump_json()
    )


@dataclass(frozen=True)
class Health:
    """What `/healthz` reports of the records: load errors (each once), approvals kept off the
    page (`blocked`) or not counted (`refused`), and the report itself."""

    errors: list[str]
    blocked: list[str]
    refused: list[str]
    body: Body


def health_report(
    records: Records, domains: Sequence[str], locales: Sequence[str], served: Sequence[str]
) -> Health:
    """The health of every domain (each page, and the ui strings) in every locale."""
    each = [records[(slug, loc)] for slug in domains for loc in locales]
    errors = list(dict.fromkeys(e for r in each for e in r.errors))
    blocked = [p for r in each for p in r.blocked]
    refused = [p for r in each for p in r.refused]
    report = HealthOut(
        status="degraded" if errors or blocked or refused else "ok",
        errors=errors,
        blocked=blocked,
        refused=refused,
        withheld=sum(entry(records[(slug, SOURCE_LOCALE)]).withheld for slug in served),
    )
    return Health(errors, blocked, refused, Body.of(report.model_dump_json()))


def starting_health() -> Body:
    """`/healthz` before the tree is read: the release in service is served, nothing of the tree
    is known yet (the lists are empty until it is)."""
    report = HealthOut(status="starting", errors=[], blocked=[], refused=[], withheld=0)
    return Body.of(report.model_dump_json())


def index_page(records: Records, listed: Mapping[str, Sequence[str]]) -> Body:
    """The server's front page: each page served by its English title, with the locales it is
    listed in (`listed`, by slug, in the order pages are served)."""
    pages = [
        {
            "slug": slug,
            "title": entry(records[(slug, SOURCE_LOCALE)]).title or slug,
            "languages": [{"tag": tag, "name": native_name(tag)} for tag in tags],
        }
        for slug, tags in listed.items()
    ]
    return Body.of(render_template("index.html", {"pages": pages}))
