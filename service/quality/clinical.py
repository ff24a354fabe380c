"""Which English text holds a dose: the quality stage's answer to "does this need a clinician?".

A page is read (content) before anything knows what a dose is (quality), so the pages the pipeline
serves and reviews are passed through `with_doses` as they are loaded; the policy then counts a
segment marked here as safety-critical text when l10n.yaml's `critical text:` lists `doses`.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from service.core.models import SOURCE_LOCALE, UI_DOMAIN, Page
from service.quality.numbers import doses_in

__all__ = ["holds_dose", "with_doses"]


@functools.lru_cache(maxsize=65536)  # a page's English is read once per load, then again by none
def holds_dose(text: str) -> bool:
    """Whether English `text` has a number next to a dose unit, as the numbers check reads one.

    >>> holds_dose("The dose is 56 mg."), holds_dose("Take it twice a week.")
    (True, False)
    """
    return bool(doses_in(text, SOURCE_LOCALE))


def with_doses(page: Page) -> Page:
    """`page` with `doses` set on each segment whose English (any plural form) holds a dose, and
    on every cell, header cells included, of a table that has such a cell: a header or a label
    cell says what a dose in its row or column is ("Maximum", "per week"), so it is read with it.
    The ui strings are the site's own, never a dose: returned as they are."""
    if page.slug == UI_DOMAIN:
        return page
    dosed = {s.id for s in page.segments if any(holds_dose(f) for f in s.source_forms)}
    if not dosed:
        return page
    tables = {s.table for s in page.segments if s.table and s.id in dosed}
    return replace(
        page,
        segments=tuple(
            replace(s, doses=True) if s.id in dosed or s.table in tables else s
            for s in page.segments
        ),
    )
